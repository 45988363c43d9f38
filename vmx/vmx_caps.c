/* Capability decoding and control adjustment, SDM Vol. 3D appendix A. */
#include "vmx/vmx_caps.h"

#include "hv/errno.h"

static uint32_t vmx_allowed1(uint64_t cap_msr)
{
	return (uint32_t)(cap_msr >> 32);
}

static bool vmx_may_set(uint64_t cap_msr, uint32_t mask)
{
	return (vmx_allowed1(cap_msr) & mask) == mask;
}

void vmx_caps_decode(const struct vmx_msr_values *m, struct vmx_caps *out)
{
	struct vmx_caps c = { 0 };
	uint64_t ept = 0;

	/* SDM Vol. 3D A.2: with BASIC bit 55 the TRUE_* MSRs report the exact
	 * allowed-0 settings; the plain MSRs force every "default1" bit to 1. */
	c.true_ctls = (m->basic & VMX_BASIC_TRUE_CTLS) && m->has_true;
	c.pin_msr = c.true_ctls ? m->true_pinbased : m->pinbased;
	c.proc_msr = c.true_ctls ? m->true_procbased : m->procbased;
	c.exit_msr = c.true_ctls ? m->true_exit : m->exit;
	c.entry_msr = c.true_ctls ? m->true_entry : m->entry;

	c.secondary = m->has_procbased2 &&
		      vmx_may_set(c.proc_msr, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	c.proc2_msr = c.secondary ? m->procbased2 : 0;

	c.ept = vmx_may_set(c.proc2_msr, SECONDARY_EXEC_ENABLE_EPT);
	c.vpid = vmx_may_set(c.proc2_msr, SECONDARY_EXEC_ENABLE_VPID);
	c.unrestricted_guest = c.ept &&
		vmx_may_set(c.proc2_msr, SECONDARY_EXEC_UNRESTRICTED_GUEST);
	c.spp = c.ept && vmx_may_set(c.proc2_msr, SECONDARY_EXEC_EPT_SPP);
	c.rdtscp = vmx_may_set(c.proc2_msr, SECONDARY_EXEC_ENABLE_RDTSCP);
	c.xsaves = vmx_may_set(c.proc2_msr, SECONDARY_EXEC_ENABLE_XSAVES);
	c.invpcid = vmx_may_set(c.proc2_msr, SECONDARY_EXEC_ENABLE_INVPCID);

	c.mtf = vmx_may_set(c.proc_msr, CPU_BASED_MONITOR_TRAP_FLAG);
	c.msr_bitmaps = vmx_may_set(c.proc_msr, CPU_BASED_USE_MSR_BITMAPS);
	c.io_bitmaps = vmx_may_set(c.proc_msr, CPU_BASED_USE_IO_BITMAPS);
	c.preemption_timer = vmx_may_set(c.pin_msr,
					 PIN_BASED_VMX_PREEMPTION_TIMER);
	c.exit_save_efer = vmx_may_set(c.exit_msr, VM_EXIT_SAVE_IA32_EFER);
	c.exit_load_efer = vmx_may_set(c.exit_msr, VM_EXIT_LOAD_IA32_EFER);
	c.entry_load_efer = vmx_may_set(c.entry_msr, VM_ENTRY_LOAD_IA32_EFER);

	/* SDM Vol. 3D A.10: EPT_VPID_CAP exists only with EPT or VPID, and its
	 * EPT half describes nothing usable when EPT cannot be enabled. */
	if (m->has_ept_vpid_cap && (c.ept || c.vpid))
		ept = m->ept_vpid_cap;
	if (c.ept) {
		c.ept_exec_only = ept & VMX_EPT_EXEC_ONLY;
		c.ept_4level = ept & VMX_EPT_PWL4;
		c.ept_wb = ept & VMX_EPT_MEMTYPE_WB;
		c.ept_2m = ept & VMX_EPT_2MB_PAGE;
		c.ept_1g = ept & VMX_EPT_1GB_PAGE;
		c.ept_ad = ept & VMX_EPT_AD;
		c.invept = ept & VMX_EPT_INVEPT;
		c.invept_single = c.invept && (ept & VMX_EPT_INVEPT_SINGLE);
		c.invept_all = c.invept && (ept & VMX_EPT_INVEPT_ALL);
	}
	c.invvpid = c.vpid && (ept & VMX_VPID_INVVPID);

	c.vmcs_revision = (uint32_t)(m->basic & VMX_BASIC_REVISION_MASK);
	c.vmcs_size = (uint32_t)((m->basic >> VMX_BASIC_SIZE_SHIFT) &
				 VMX_BASIC_SIZE_MASK);
	c.mem_type = (uint8_t)((m->basic >> VMX_BASIC_MEM_TYPE_SHIFT) &
			       VMX_BASIC_MEM_TYPE_MASK);
	c.cr3_targets = (uint32_t)((m->misc >> VMX_MISC_CR3_TARGETS_SHIFT) &
				   VMX_MISC_CR3_TARGETS_MASK);
	*out = c;
}

int vmx_adjust_controls(uint32_t required, uint32_t optional, uint64_t cap_msr,
			struct vmx_ctl_result *out)
{
	uint32_t must_be_one = (uint32_t)cap_msr;
	uint32_t may_be_one = vmx_allowed1(cap_msr);

	if (!out)
		return -EINVAL;
	out->value = ((required | optional) & may_be_one) | must_be_one;
	out->missing = required & ~may_be_one;
	out->dropped = optional & ~required & ~may_be_one;
	if (must_be_one & ~may_be_one)
		return -EINVAL;
	return out->missing ? -ENOTSUP : 0;
}

/* Names as in SDM Vol. 3C tables 25-5, 25-6, 25-7, 25-13 and 25-15. */
static const char *const vmx_pin_names[32] = {
	[0] = "external-interrupt exiting",
	[3] = "NMI exiting",
	[5] = "virtual NMIs",
	[6] = "activate VMX-preemption timer",
	[7] = "process posted interrupts",
};

static const char *const vmx_proc_names[32] = {
	[2] = "interrupt-window exiting",
	[3] = "use TSC offsetting",
	[7] = "HLT exiting",
	[9] = "INVLPG exiting",
	[10] = "MWAIT exiting",
	[11] = "RDPMC exiting",
	[12] = "RDTSC exiting",
	[15] = "CR3-load exiting",
	[16] = "CR3-store exiting",
	[17] = "activate tertiary controls",
	[19] = "CR8-load exiting",
	[20] = "CR8-store exiting",
	[21] = "use TPR shadow",
	[22] = "NMI-window exiting",
	[23] = "MOV-DR exiting",
	[24] = "unconditional I/O exiting",
	[25] = "use I/O bitmaps",
	[27] = "monitor trap flag",
	[28] = "use MSR bitmaps",
	[29] = "MONITOR exiting",
	[30] = "PAUSE exiting",
	[31] = "activate secondary controls",
};

static const char *const vmx_proc2_names[32] = {
	[0] = "virtualize APIC accesses",
	[1] = "enable EPT",
	[2] = "descriptor-table exiting",
	[3] = "enable RDTSCP",
	[4] = "virtualize x2APIC mode",
	[5] = "enable VPID",
	[6] = "WBINVD exiting",
	[7] = "unrestricted guest",
	[8] = "APIC-register virtualization",
	[9] = "virtual-interrupt delivery",
	[10] = "PAUSE-loop exiting",
	[11] = "RDRAND exiting",
	[12] = "enable INVPCID",
	[13] = "enable VM functions",
	[14] = "VMCS shadowing",
	[15] = "enable ENCLS exiting",
	[16] = "RDSEED exiting",
	[17] = "enable PML",
	[18] = "EPT-violation #VE",
	[19] = "conceal VMX from PT",
	[20] = "enable XSAVES/XRSTORS",
	[22] = "mode-based execute control for EPT",
	[23] = "sub-page write permissions for EPT",
	[24] = "Intel PT uses guest physical addresses",
	[25] = "use TSC scaling",
	[26] = "enable user wait and pause",
	[27] = "enable PCONFIG",
	[28] = "enable ENCLV exiting",
	[30] = "VMM bus-lock detection",
	[31] = "instruction timeout",
};

static const char *const vmx_exit_names[32] = {
	[2] = "save debug controls",
	[9] = "host address-space size",
	[12] = "load IA32_PERF_GLOBAL_CTRL",
	[15] = "acknowledge interrupt on exit",
	[18] = "save IA32_PAT",
	[19] = "load IA32_PAT",
	[20] = "save IA32_EFER",
	[21] = "load IA32_EFER",
	[22] = "save VMX-preemption timer value",
	[23] = "clear IA32_BNDCFGS",
	[24] = "conceal VMX from PT",
	[25] = "clear IA32_RTIT_CTL",
	[26] = "clear IA32_LBR_CTL",
	[27] = "clear UINV",
	[28] = "load CET state",
	[29] = "load PKRS",
	[30] = "save IA32_PERF_GLOBAL_CTL",
	[31] = "activate secondary controls",
};

static const char *const vmx_entry_names[32] = {
	[2] = "load debug controls",
	[9] = "IA-32e mode guest",
	[10] = "entry to SMM",
	[11] = "deactivate dual-monitor treatment",
	[13] = "load IA32_PERF_GLOBAL_CTRL",
	[14] = "load IA32_PAT",
	[15] = "load IA32_EFER",
	[16] = "load IA32_BNDCFGS",
	[17] = "conceal VMX from PT",
	[18] = "load IA32_RTIT_CTL",
	[19] = "load UINV",
	[20] = "load CET state",
	[21] = "load guest IA32_LBR_CTL",
	[22] = "load PKRS",
};

struct vmx_ctl_names {
	const char *kind;
	const char *const *bits;
};

static const struct vmx_ctl_names vmx_ctl_names[] = {
	[VMX_CTL_PIN] = { "pin-based", vmx_pin_names },
	[VMX_CTL_PROC] = { "primary processor-based", vmx_proc_names },
	[VMX_CTL_PROC2] = { "secondary processor-based", vmx_proc2_names },
	[VMX_CTL_EXIT] = { "VM-exit", vmx_exit_names },
	[VMX_CTL_ENTRY] = { "VM-entry", vmx_entry_names },
};

#define VMX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned bit)
{
	/* Compared as unsigned: an out-of-range enum value may be negative. */
	if ((unsigned)kind >= VMX_ARRAY_SIZE(vmx_ctl_names) || bit >= 32)
		return NULL;
	return vmx_ctl_names[kind].bits[bit];
}

const char *vmx_ctl_kind_name(enum vmx_ctl_kind kind)
{
	if ((unsigned)kind >= VMX_ARRAY_SIZE(vmx_ctl_names))
		return NULL;
	return vmx_ctl_names[kind].kind;
}

struct vmx_cap_desc {
	const char *name;
	size_t offset;
};

#define VMX_CAP(n, f) { n, offsetof(struct vmx_caps, f) }

static const struct vmx_cap_desc vmx_cap_descs[] = {
	VMX_CAP("EPT", ept),
	VMX_CAP("unrestricted-guest", unrestricted_guest),
	VMX_CAP("MTF", mtf),
	VMX_CAP("SPP", spp),
	VMX_CAP("VPID", vpid),
	VMX_CAP("EPT-2M", ept_2m),
	VMX_CAP("EPT-1G", ept_1g),
	VMX_CAP("INVEPT-single", invept_single),
	VMX_CAP("INVEPT-all", invept_all),
	VMX_CAP("TRUE-controls", true_ctls),
	VMX_CAP("EPT-A/D", ept_ad),
	VMX_CAP("EPT-WB", ept_wb),
	VMX_CAP("EPT-4level", ept_4level),
	VMX_CAP("EPT-exec-only", ept_exec_only),
	VMX_CAP("INVEPT", invept),
	VMX_CAP("INVVPID", invvpid),
	VMX_CAP("secondary-controls", secondary),
	VMX_CAP("MSR-bitmaps", msr_bitmaps),
	VMX_CAP("IO-bitmaps", io_bitmaps),
	VMX_CAP("preemption-timer", preemption_timer),
	VMX_CAP("exit-save-EFER", exit_save_efer),
	VMX_CAP("exit-load-EFER", exit_load_efer),
	VMX_CAP("entry-load-EFER", entry_load_efer),
	VMX_CAP("RDTSCP", rdtscp),
	VMX_CAP("XSAVES", xsaves),
	VMX_CAP("INVPCID", invpcid),
};

_Static_assert(VMX_ARRAY_SIZE(vmx_cap_descs) == VMX_CAPS_REPORT_MAX,
	       "VMX_CAPS_REPORT_MAX must match the report table");

size_t vmx_caps_line(const struct vmx_cap_item *items, size_t n, size_t first,
		     char *buf, size_t cap)
{
	size_t len = 0, i;

	if (!buf || cap == 0)
		return first;
	for (i = first; items && i < n; i++) {
		const char *name = items[i].name ? items[i].name : "?";
		const char *val = items[i].present ? "yes" : "no";
		size_t nl = 0, vl = 0, need;

		while (name[nl])
			nl++;
		while (val[vl])
			vl++;
		need = (len ? 1 : 0) + nl + 1 + vl;
		if (len + need >= cap)
			break;
		if (len)
			buf[len++] = ' ';
		for (size_t k = 0; k < nl; k++)
			buf[len++] = name[k];
		buf[len++] = '=';
		for (size_t k = 0; k < vl; k++)
			buf[len++] = val[k];
	}
	buf[len] = '\0';
	return i;
}

size_t vmx_caps_report(const struct vmx_caps *c, struct vmx_cap_item *items,
		       size_t cap)
{
	size_t i, n = VMX_ARRAY_SIZE(vmx_cap_descs);

	if (!c || !items)
		return 0;
	if (cap < n)
		n = cap;
	for (i = 0; i < n; i++) {
		items[i].name = vmx_cap_descs[i].name;
		items[i].present = *(const bool *)((const char *)c +
						   vmx_cap_descs[i].offset);
	}
	return n;
}
