/* VMX capability decoding and control adjustment, SDM Vol. 3D appendix A.
 *
 * The MSR values below are CONSTRUCTED per the SDM to agree with the feature
 * table in /work/shared/PLATFORM.md (Bochs 2.7 CPU models); the raw values were
 * not captured.  Replace them with values read from Bochs when available.
 * Facts taken from that file: TRUE controls on every model, CR0_FIXED0 =
 * 0x80000021, CR4_FIXED0 = 0x2000, EPT_VPID_CAP bit 22 clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "vmx/vmx_caps.h"

#define CTL(allowed0, allowed1) \
	(((uint64_t)(uint32_t)(allowed1) << 32) | (uint32_t)(allowed0))

#define BASIC_REVISION 0x1u
#define BASIC (VMX_BASIC_TRUE_CTLS | VMX_BASIC_INOUT | \
	       ((uint64_t)X86_MEMTYPE_WB << 50) | (0x1000ull << 32) | BASIC_REVISION)

#define PIN_ALLOWED1 (VMX_PINBASED_DEFAULT1 | PIN_BASED_EXT_INTR_MASK | \
		      PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS | \
		      PIN_BASED_VMX_PREEMPTION_TIMER | PIN_BASED_POSTED_INTR)
/* Every primary control but tertiary controls and MTF. */
#define PROC_ALLOWED1_NO_MTF (VMX_PROCBASED_DEFAULT1 | \
	CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_USE_TSC_OFFSETTING | \
	CPU_BASED_HLT_EXITING | CPU_BASED_INVLPG_EXITING | \
	CPU_BASED_MWAIT_EXITING | CPU_BASED_RDPMC_EXITING | \
	CPU_BASED_RDTSC_EXITING | CPU_BASED_CR8_LOAD_EXITING | \
	CPU_BASED_CR8_STORE_EXITING | CPU_BASED_TPR_SHADOW | \
	CPU_BASED_NMI_WINDOW_EXITING | CPU_BASED_MOV_DR_EXITING | \
	CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_USE_IO_BITMAPS | \
	CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_MONITOR_EXITING | \
	CPU_BASED_PAUSE_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
/* The TRUE MSR lets CR3-load/store exiting be 0 (SDM Vol. 3D A.3.2). */
#define PROC_TRUE_ALLOWED0 (VMX_PROCBASED_DEFAULT1 & \
	~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING))
#define PROC2_ALLOWED1_NO_SPP (SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES | \
	SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_DESC | \
	SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_VPID | \
	SECONDARY_EXEC_WBINVD_EXITING | SECONDARY_EXEC_UNRESTRICTED_GUEST | \
	SECONDARY_EXEC_PAUSE_LOOP_EXITING | SECONDARY_EXEC_RDRAND_EXITING | \
	SECONDARY_EXEC_ENABLE_INVPCID | SECONDARY_EXEC_ENABLE_VMFUNC | \
	SECONDARY_EXEC_RDSEED_EXITING | SECONDARY_EXEC_ENABLE_PML | \
	SECONDARY_EXEC_ENABLE_XSAVES)
#define EXIT_ALLOWED1 (VMX_EXIT_DEFAULT1 | VM_EXIT_HOST_ADDR_SPACE_SIZE | \
	VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL | VM_EXIT_ACK_INTR_ON_EXIT | \
	VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER | \
	VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_VMX_PREEMPTION_TIMER)
#define ENTRY_ALLOWED1 (VMX_ENTRY_DEFAULT1 | VM_ENTRY_IA32E_MODE | \
	VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL | VM_ENTRY_LOAD_IA32_PAT | \
	VM_ENTRY_LOAD_IA32_EFER)
#define EPT_VPID_CAP (VMX_EPT_EXEC_ONLY | VMX_EPT_PWL4 | VMX_EPT_MEMTYPE_UC | \
	VMX_EPT_MEMTYPE_WB | VMX_EPT_2MB_PAGE | VMX_EPT_1GB_PAGE | \
	VMX_EPT_INVEPT | VMX_EPT_AD | VMX_EPT_INVEPT_SINGLE | \
	VMX_EPT_INVEPT_ALL | VMX_VPID_INVVPID | VMX_VPID_INVVPID_ADDR | \
	VMX_VPID_INVVPID_SINGLE | VMX_VPID_INVVPID_ALL | \
	VMX_VPID_INVVPID_SINGLE_NONGLOBAL)
/* Preemption timer rate 5, EFER.LMA saved, HLT/shutdown/wait-for-SIPI, 4 CR3
 * targets. */
#define MISC (5 | VMX_MISC_SAVE_EFER_LMA | VMX_MISC_ACTIVITY_HLT | \
	      VMX_MISC_ACTIVITY_SHUTDOWN | VMX_MISC_ACTIVITY_WAIT_SIPI | \
	      (4ull << VMX_MISC_CR3_TARGETS_SHIFT))

/* corei7_skylake_x / corei7_haswell_4770 row: no MTF, no SPP. */
static struct vmx_msr_values model_skylake_x(void)
{
	struct vmx_msr_values m = {
		.basic = BASIC,
		.pinbased = CTL(VMX_PINBASED_DEFAULT1, PIN_ALLOWED1),
		.procbased = CTL(VMX_PROCBASED_DEFAULT1, PROC_ALLOWED1_NO_MTF),
		.exit = CTL(VMX_EXIT_DEFAULT1, EXIT_ALLOWED1),
		.entry = CTL(VMX_ENTRY_DEFAULT1, ENTRY_ALLOWED1),
		.misc = MISC,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3767ff,
		.procbased2 = CTL(0, PROC2_ALLOWED1_NO_SPP),
		.ept_vpid_cap = EPT_VPID_CAP,
		.true_pinbased = CTL(VMX_PINBASED_DEFAULT1, PIN_ALLOWED1),
		.true_procbased = CTL(PROC_TRUE_ALLOWED0, PROC_ALLOWED1_NO_MTF),
		.true_exit = CTL(VMX_EXIT_DEFAULT1 & ~VM_EXIT_SAVE_DEBUG_CONTROLS,
				 EXIT_ALLOWED1),
		.true_entry = CTL(VMX_ENTRY_DEFAULT1 & ~VM_ENTRY_LOAD_DEBUG_CONTROLS,
				  ENTRY_ALLOWED1),
		.has_procbased2 = true, .has_ept_vpid_cap = true, .has_true = true,
	};
	return m;
}

/* corei7_icelake_u / tigerlake row: everything, MTF and SPP included. */
static struct vmx_msr_values model_icelake_u(void)
{
	struct vmx_msr_values m = model_skylake_x();

	m.procbased |= (uint64_t)CPU_BASED_MONITOR_TRAP_FLAG << 32;
	m.true_procbased |= (uint64_t)CPU_BASED_MONITOR_TRAP_FLAG << 32;
	m.procbased2 |= (uint64_t)SECONDARY_EXEC_EPT_SPP << 32;
	return m;
}

/* bx_generic: VMX without secondary controls.  The absent MSRs' slots hold
 * garbage on purpose: decode must not look at them. */
static struct vmx_msr_values model_bx_generic(void)
{
	struct vmx_msr_values m = model_skylake_x();
	uint64_t no_secondary = ~((uint64_t)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS << 32);

	m.procbased &= no_secondary;
	m.true_procbased &= no_secondary;
	m.procbased2 = ~0ull;
	m.ept_vpid_cap = ~0ull;
	m.has_procbased2 = false;
	m.has_ept_vpid_cap = false;
	return m;
}

struct model_row {
	const char *name;
	struct vmx_msr_values (*make)(void);
	bool ept, ug, mtf, spp, vpid;
};

static const struct model_row models[] = {
	{ "corei7_icelake_u", model_icelake_u, true, true, true, true, true },
	{ "tigerlake", model_icelake_u, true, true, true, true, true },
	{ "corei7_skylake_x", model_skylake_x, true, true, false, false, true },
	{ "corei7_haswell_4770", model_skylake_x, true, true, false, false, true },
	{ "bx_generic", model_bx_generic, false, false, false, false, false },
};

static void test_decode_models(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		const struct model_row *r = &models[i];
		struct vmx_msr_values m = r->make();
		struct vmx_caps c;

		memset(&c, 0xa5, sizeof(c));
		vmx_caps_decode(&m, &c);
		print_message("model %s\n", r->name);
		assert_int_equal(c.ept, r->ept);
		assert_int_equal(c.unrestricted_guest, r->ug);
		assert_int_equal(c.mtf, r->mtf);
		assert_int_equal(c.spp, r->spp);
		assert_int_equal(c.vpid, r->vpid);
		assert_int_equal(c.secondary, r->ept);
		/* PLATFORM.md: 2M/1G and A/D on every EPT model. */
		assert_int_equal(c.ept_2m, r->ept);
		assert_int_equal(c.ept_1g, r->ept);
		assert_int_equal(c.ept_ad, r->ept);
		assert_int_equal(c.ept_wb, r->ept);
		assert_int_equal(c.ept_4level, r->ept);
		assert_int_equal(c.ept_exec_only, r->ept);
		assert_int_equal(c.invept, r->ept);
		assert_int_equal(c.invept_single, r->ept);
		assert_int_equal(c.invept_all, r->ept);
		assert_int_equal(c.invvpid, r->vpid);
		assert_int_equal(c.rdtscp, r->ept);
		assert_int_equal(c.xsaves, r->ept);
		assert_int_equal(c.invpcid, r->ept);
		assert_true(c.true_ctls);
		assert_true(c.msr_bitmaps);
		assert_true(c.io_bitmaps);
		assert_true(c.preemption_timer);
		assert_true(c.exit_save_efer);
		assert_true(c.exit_load_efer);
		assert_true(c.entry_load_efer);
		assert_int_equal(c.vmcs_revision, BASIC_REVISION);
		assert_int_equal(c.vmcs_size, 4096);
		assert_int_equal(c.mem_type, X86_MEMTYPE_WB);
		assert_int_equal(c.cr3_targets, 4);
		assert_true(c.proc_msr == m.true_procbased);
		assert_true(c.proc2_msr == (r->ept ? m.procbased2 : 0));
	}
}

static void test_decode_true_selection(void **state)
{
	struct vmx_msr_values m = model_skylake_x();
	struct vmx_caps c;

	(void)state;
	/* MTF offered only through the TRUE MSR: it counts only with bit 55. */
	m.true_procbased |= (uint64_t)CPU_BASED_MONITOR_TRAP_FLAG << 32;
	m.true_exit |= (uint64_t)VM_EXIT_SAVE_IA32_EFER << 32;
	m.exit &= ~((uint64_t)VM_EXIT_SAVE_IA32_EFER << 32);
	vmx_caps_decode(&m, &c);
	assert_true(c.true_ctls);
	assert_true(c.mtf);
	assert_true(c.exit_save_efer);
	assert_true(c.pin_msr == m.true_pinbased && c.exit_msr == m.true_exit &&
		    c.entry_msr == m.true_entry);

	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	vmx_caps_decode(&m, &c);
	assert_false(c.true_ctls);
	assert_false(c.mtf);
	assert_false(c.exit_save_efer);
	assert_true(c.proc_msr == m.procbased && c.pin_msr == m.pinbased &&
		    c.exit_msr == m.exit && c.entry_msr == m.entry);

	/* Bit 55 set but the caller did not read the TRUE MSRs. */
	m.basic |= VMX_BASIC_TRUE_CTLS;
	m.has_true = false;
	vmx_caps_decode(&m, &c);
	assert_false(c.true_ctls);
	assert_false(c.mtf);
	assert_true(c.proc_msr == m.procbased);
}

static void test_decode_dependencies(void **state)
{
	struct vmx_msr_values m = model_icelake_u();
	struct vmx_caps c;

	(void)state;
	/* UG and SPP offered without EPT are unusable (SDM Vol. 3C 27.2.1.1). */
	m.procbased2 &= ~((uint64_t)SECONDARY_EXEC_ENABLE_EPT << 32);
	m.ept_vpid_cap = ~0ull;
	vmx_caps_decode(&m, &c);
	assert_false(c.ept);
	assert_false(c.unrestricted_guest);
	assert_false(c.spp);
	assert_false(c.ept_2m || c.ept_1g || c.ept_ad || c.ept_wb || c.invept ||
		     c.invept_single || c.invept_all || c.ept_exec_only);
	assert_true(c.vpid);
	assert_true(c.invvpid);

	/* Single/all-context INVEPT types mean nothing without INVEPT. */
	m = model_icelake_u();
	m.ept_vpid_cap &= ~VMX_EPT_INVEPT;
	m.procbased2 &= ~((uint64_t)SECONDARY_EXEC_ENABLE_VPID << 32);
	vmx_caps_decode(&m, &c);
	assert_true(c.ept && c.spp);
	assert_false(c.invept || c.invept_single || c.invept_all);
	assert_false(c.vpid || c.invvpid);

	/* PROCBASED_CTLS2 read but the primary control cannot activate it. */
	m = model_icelake_u();
	m.true_procbased &= ~((uint64_t)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS << 32);
	vmx_caps_decode(&m, &c);
	assert_false(c.secondary || c.ept || c.spp || c.vpid || c.rdtscp);
	assert_true(c.proc2_msr == 0);
	assert_true(c.mtf);
}

static void test_decode_extremes(void **state)
{
	struct vmx_msr_values m;
	struct vmx_caps c;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&c, 0xff, sizeof(c));
	vmx_caps_decode(&m, &c);
	assert_false(c.true_ctls || c.ept || c.mtf || c.secondary ||
		     c.msr_bitmaps || c.preemption_timer || c.entry_load_efer);
	assert_int_equal(c.vmcs_revision, 0);
	assert_int_equal(c.vmcs_size, 0);
	assert_int_equal(c.mem_type, 0);
	assert_int_equal(c.cr3_targets, 0);

	/* All ones: bit 31 is not part of the revision, size is 13 bits,
	 * memory type 4 bits, CR3-target count 9 bits. */
	memset(&m, 0xff, sizeof(m));
	m.has_procbased2 = m.has_ept_vpid_cap = m.has_true = true;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.vmcs_revision, 0x7fffffff);
	assert_int_equal(c.vmcs_size, 0x1fff);
	assert_int_equal(c.mem_type, 0xf);
	assert_int_equal(c.cr3_targets, 0x1ff);
	assert_true(c.ept && c.spp && c.mtf && c.invvpid && c.invept_all);
}

static void test_adjust_required_missing(void **state)
{
	struct vmx_msr_values m = model_skylake_x();
	uint32_t req = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
		       SECONDARY_EXEC_UNRESTRICTED_GUEST | SECONDARY_EXEC_EPT_SPP;
	struct vmx_ctl_result r;

	(void)state;
	assert_int_equal(vmx_adjust_controls(req, 0, m.procbased2, &r), -ENOTSUP);
	assert_int_equal(r.missing, SECONDARY_EXEC_EPT_SPP);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.value, req & ~SECONDARY_EXEC_EPT_SPP);
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2,
					     (unsigned)__builtin_ctz(r.missing)),
			    "sub-page write permissions for EPT");

	m = model_icelake_u();
	assert_int_equal(vmx_adjust_controls(req, 0, m.procbased2, &r), 0);
	assert_int_equal(r.value, req);
	assert_int_equal(r.missing, 0);

	/* A bit both required and optional is missing, never dropped. */
	assert_int_equal(vmx_adjust_controls(SECONDARY_EXEC_EPT_SPP,
					     SECONDARY_EXEC_EPT_SPP,
					     model_skylake_x().procbased2, &r),
			 -ENOTSUP);
	assert_int_equal(r.missing, SECONDARY_EXEC_EPT_SPP);
	assert_int_equal(r.dropped, 0);
}

static void test_adjust_optional_dropped(void **state)
{
	uint32_t req = CPU_BASED_HLT_EXITING | CPU_BASED_USE_MSR_BITMAPS |
		       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	struct vmx_ctl_result r;

	(void)state;
	assert_int_equal(vmx_adjust_controls(req, CPU_BASED_MONITOR_TRAP_FLAG,
					     model_skylake_x().true_procbased, &r), 0);
	assert_int_equal(r.dropped, CPU_BASED_MONITOR_TRAP_FLAG);
	assert_int_equal(r.missing, 0);
	assert_int_equal(r.value, req | PROC_TRUE_ALLOWED0);

	assert_int_equal(vmx_adjust_controls(req, CPU_BASED_MONITOR_TRAP_FLAG,
					     model_icelake_u().true_procbased, &r), 0);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.value, req | CPU_BASED_MONITOR_TRAP_FLAG |
				  PROC_TRUE_ALLOWED0);
}

static void test_adjust_must_be_one(void **state)
{
	struct vmx_msr_values m = model_icelake_u();
	struct vmx_ctl_result r;
	struct vmx_caps c;

	(void)state;
	/* Non-TRUE MSRs force every default1 bit, CR3-load/store exiting and
	 * save/load debug controls included (SDM Vol. 3D A.2). */
	assert_int_equal(vmx_adjust_controls(0, 0, m.procbased, &r), 0);
	assert_int_equal(r.value, 0x0401e172);
	assert_int_equal(vmx_adjust_controls(0, 0, m.pinbased, &r), 0);
	assert_int_equal(r.value, 0x16);
	assert_int_equal(vmx_adjust_controls(0, 0, m.exit, &r), 0);
	assert_int_equal(r.value, 0x00036dff);
	assert_int_equal(vmx_adjust_controls(0, 0, m.entry, &r), 0);
	assert_int_equal(r.value, 0x000011ff);

	/* Through decode: bit 55 picks the TRUE MSR, which lets them be 0. */
	vmx_caps_decode(&m, &c);
	assert_int_equal(vmx_adjust_controls(0, 0, c.proc_msr, &r), 0);
	assert_int_equal(r.value, 0x04006172);
	assert_int_equal(vmx_adjust_controls(VM_EXIT_HOST_ADDR_SPACE_SIZE, 0,
					     c.exit_msr, &r), 0);
	assert_int_equal(r.value, 0x00036dfb | VM_EXIT_HOST_ADDR_SPACE_SIZE);
	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	vmx_caps_decode(&m, &c);
	assert_int_equal(vmx_adjust_controls(0, 0, c.proc_msr, &r), 0);
	assert_int_equal(r.value, 0x0401e172);
}

static void test_adjust_edges(void **state)
{
	struct vmx_ctl_result r;

	(void)state;
	/* Absent MSR (0): nothing can be set. */
	assert_int_equal(vmx_adjust_controls(SECONDARY_EXEC_ENABLE_EPT, 0, 0, &r),
			 -ENOTSUP);
	assert_int_equal(r.missing, SECONDARY_EXEC_ENABLE_EPT);
	assert_int_equal(r.value, 0);
	assert_int_equal(vmx_adjust_controls(0, SECONDARY_EXEC_ENABLE_EPT, 0, &r), 0);
	assert_int_equal(r.dropped, SECONDARY_EXEC_ENABLE_EPT);
	assert_int_equal(r.value, 0);

	assert_int_equal(vmx_adjust_controls(0xffffffffu, 0xffffffffu, ~0ull, &r), 0);
	assert_int_equal(r.value, 0xffffffffu);
	assert_int_equal(r.missing | r.dropped, 0);

	/* A bit that must be 1 but may not be: not a valid capability MSR. */
	assert_int_equal(vmx_adjust_controls(0, 0, CTL(0x10, 0x01), &r), -EINVAL);
	assert_int_equal(vmx_adjust_controls(0, 0, CTL(0, 0), NULL), -EINVAL);
}

struct bit_name {
	enum vmx_ctl_kind kind;
	uint32_t mask;
	const char *name;
};

/* Expected strings from SDM Vol. 3C tables 25-5, 25-6, 25-7, 25-13, 25-15. */
static const struct bit_name bit_names[] = {
	{ VMX_CTL_PIN, PIN_BASED_EXT_INTR_MASK, "external-interrupt exiting" },
	{ VMX_CTL_PIN, PIN_BASED_VMX_PREEMPTION_TIMER, "activate VMX-preemption timer" },
	{ VMX_CTL_PROC, CPU_BASED_HLT_EXITING, "HLT exiting" },
	{ VMX_CTL_PROC, CPU_BASED_MONITOR_TRAP_FLAG, "monitor trap flag" },
	{ VMX_CTL_PROC, CPU_BASED_USE_MSR_BITMAPS, "use MSR bitmaps" },
	{ VMX_CTL_PROC, CPU_BASED_USE_IO_BITMAPS, "use I/O bitmaps" },
	{ VMX_CTL_PROC, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, "activate secondary controls" },
	{ VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT, "enable EPT" },
	{ VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_VPID, "enable VPID" },
	{ VMX_CTL_PROC2, SECONDARY_EXEC_UNRESTRICTED_GUEST, "unrestricted guest" },
	{ VMX_CTL_PROC2, SECONDARY_EXEC_EPT_SPP, "sub-page write permissions for EPT" },
	{ VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_XSAVES, "enable XSAVES/XRSTORS" },
	{ VMX_CTL_EXIT, VM_EXIT_HOST_ADDR_SPACE_SIZE, "host address-space size" },
	{ VMX_CTL_EXIT, VM_EXIT_ACK_INTR_ON_EXIT, "acknowledge interrupt on exit" },
	{ VMX_CTL_EXIT, VM_EXIT_LOAD_IA32_EFER, "load IA32_EFER" },
	{ VMX_CTL_ENTRY, VM_ENTRY_IA32E_MODE, "IA-32e mode guest" },
	{ VMX_CTL_ENTRY, VM_ENTRY_LOAD_IA32_PAT, "load IA32_PAT" },
};

static void test_ctl_bit_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bit_names) / sizeof(bit_names[0]); i++) {
		const struct bit_name *b = &bit_names[i];

		assert_int_equal(__builtin_popcount(b->mask), 1);
		assert_string_equal(vmx_ctl_bit_name(b->kind,
						     (unsigned)__builtin_ctz(b->mask)),
				    b->name);
	}
	/* Reserved bits, including the default1 ones, have no name. */
	assert_null(vmx_ctl_bit_name(VMX_CTL_PIN, 1));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PROC, 0));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PROC, 26));
	assert_null(vmx_ctl_bit_name(VMX_CTL_ENTRY, 0));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PROC2, 32));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PROC2, ~0u));
	assert_null(vmx_ctl_bit_name((enum vmx_ctl_kind)5, 1));
	assert_null(vmx_ctl_bit_name((enum vmx_ctl_kind)-1, 1));
	assert_string_equal(vmx_ctl_kind_name(VMX_CTL_PROC2), "secondary processor-based");
	assert_null(vmx_ctl_kind_name((enum vmx_ctl_kind)5));
}

static const char *const report_head[] = {
	"EPT", "unrestricted-guest", "MTF", "SPP", "VPID", "EPT-2M", "EPT-1G",
	"INVEPT-single", "INVEPT-all", "TRUE-controls", "EPT-A/D", "EPT-WB",
};

static void test_caps_report(void **state)
{
	struct vmx_cap_item items[VMX_CAPS_REPORT_MAX + 2];
	struct vmx_msr_values m = model_skylake_x();
	struct vmx_caps c;
	size_t n, i, j;

	(void)state;
	vmx_caps_decode(&m, &c);
	memset(items, 0, sizeof(items));
	n = vmx_caps_report(&c, items, VMX_CAPS_REPORT_MAX + 2);
	assert_int_equal(n, VMX_CAPS_REPORT_MAX);
	assert_null(items[n].name);
	for (i = 0; i < sizeof(report_head) / sizeof(report_head[0]); i++) {
		assert_string_equal(items[i].name, report_head[i]);
		/* skylake_x: everything in the head but MTF (2) and SPP (3). */
		assert_int_equal(items[i].present, i != 2 && i != 3);
	}
	for (i = 0; i < n; i++) {
		assert_true(items[i].name && items[i].name[0]);
		for (j = 0; j < i; j++)
			assert_true(strcmp(items[i].name, items[j].name) != 0);
	}

	m = model_bx_generic();
	vmx_caps_decode(&m, &c);
	memset(items, 0, sizeof(items));
	assert_int_equal(vmx_caps_report(&c, items, 3), 3);
	assert_string_equal(items[2].name, "MTF");
	assert_false(items[0].present || items[1].present || items[2].present);
	assert_null(items[3].name);

	assert_int_equal(vmx_caps_report(&c, NULL, 0), 0);
	assert_int_equal(vmx_caps_report(&c, NULL, 5), 0);
	assert_int_equal(vmx_caps_report(&c, items, 0), 0);
	assert_int_equal(vmx_caps_report(NULL, items, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_models),
		cmocka_unit_test(test_decode_true_selection),
		cmocka_unit_test(test_decode_dependencies),
		cmocka_unit_test(test_decode_extremes),
		cmocka_unit_test(test_adjust_required_missing),
		cmocka_unit_test(test_adjust_optional_dropped),
		cmocka_unit_test(test_adjust_must_be_one),
		cmocka_unit_test(test_adjust_edges),
		cmocka_unit_test(test_ctl_bit_names),
		cmocka_unit_test(test_caps_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
