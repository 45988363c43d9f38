/* Enabling VMX and building the one VMCS (SDM Vol. 3C chapters 24-27). */
#include "vmx/vmx.h"
#include "boot/desc.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "vmx/vmx_names.h"
#include "vmx/vmx_ops.h"

struct vmx_cpu vmx;

void vmx_probe(struct vmx_cpu *v)
{
	struct vmx_msr_values *m = &v->msrs;

	memset(m, 0, sizeof(*m));
	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	m->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* SDM Vol. 3D A.3.3 and A.10: these exist only when advertised. */
	if (m->procbased >> 32 & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) {
		m->has_procbased2 = true;
		m->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if (m->procbased2 >> 32 & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID)) {
			m->has_ept_vpid_cap = true;
			m->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		}
	}
	if (m->basic & VMX_BASIC_TRUE_CTLS) {
		m->has_true = true;
		m->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		m->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		m->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		m->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	vmx_caps_decode(m, &v->caps);
}

void vmx_report_caps(const struct vmx_cpu *v)
{
	struct vmx_cap_item items[VMX_CAPS_REPORT_MAX];
	size_t n = vmx_caps_report(&v->caps, items, VMX_CAPS_REPORT_MAX);
	/* A log record holds 319 characters and its prefix
	 * "hv[TSC] info: vmx-caps: " up to 44: the items go into as many
	 * `vmx-caps:` records as needed, never cut (docs/log-format.md). */
	char line[VMX_CAPS_LINE_MAX];

	for (size_t i = 0; i < n;) {
		size_t next = vmx_caps_line(items, n, i, line, sizeof(line));

		if (next == i)
			break; /* an item longer than a record: cannot happen */
		pr_info("vmx-caps: %s", line);
		i = next;
	}
	pr_info("vmx-msrs: basic=0x%lx pin=0x%lx proc=0x%lx proc2=0x%lx exit=0x%lx entry=0x%lx",
		v->msrs.basic, v->msrs.has_true ? v->msrs.true_pinbased : v->msrs.pinbased,
		v->msrs.has_true ? v->msrs.true_procbased : v->msrs.procbased,
		v->msrs.procbased2, v->msrs.has_true ? v->msrs.true_exit : v->msrs.exit,
		v->msrs.has_true ? v->msrs.true_entry : v->msrs.entry);
	pr_info("vmx-msrs: ept_vpid_cap=0x%lx misc=0x%lx cr0_fixed0=0x%lx cr0_fixed1=0x%lx "
		"cr4_fixed0=0x%lx cr4_fixed1=0x%lx",
		v->msrs.ept_vpid_cap, v->msrs.misc, v->msrs.cr0_fixed0, v->msrs.cr0_fixed1,
		v->msrs.cr4_fixed0, v->msrs.cr4_fixed1);
}

__attribute__((noreturn)) void vmx_op_failed(const char *insn, uint64_t arg, bool valid)
{
	uint32_t err = 0;

	(void)valid;
	/* VMfailValid leaves the error in the current VMCS; reading it with
	 * VMREAD could fail again, so read it raw without the wrapper. */
	__asm__ volatile("vmread %1, %q0" : "=r"(err)
			 : "r"((uint64_t)VM_INSTRUCTION_ERROR) : "cc");
	panic("%s(0x%lx) failed: VM-instruction error %u (%s)", insn, arg, err,
	      vmx_instruction_error_str(err));
}

void vmx_enable(struct vmx_cpu *v, struct palloc *pool)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	/* SDM Vol. 3C 24.7: VMXON #GPs unless the lock bit is set with
	 * VMXON-outside-SMX enabled.  Firmware normally locks it; if not, set
	 * and lock it ourselves. */
	if (fc & FEATURE_CONTROL_LOCKED) {
		if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
			pr_err("refused: VMX is disabled and locked by the firmware "
			       "(IA32_FEATURE_CONTROL=0x%lx); enable Intel VT-x in the firmware setup", fc);
			hv_power_off(HV_STATUS_FEATURE_LOCKED);
		}
	} else {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	}
	/* SDM Vol. 3C 24.8: CR0/CR4 must respect the fixed bits in VMX operation. */
	write_cr0((read_cr0() | v->msrs.cr0_fixed0) & v->msrs.cr0_fixed1);
	write_cr4((read_cr4() | v->msrs.cr4_fixed0 | X86_CR4_VMXE) & v->msrs.cr4_fixed1);
	/* The guest's XSETBV is executed here on its behalf (vmx_exit.c), which
	 * needs CR4.OSXSAVE in the host (SDM Vol. 2D XSETBV: #UD otherwise). */
	if (cpuid(1, 0).ecx & (1u << 26))
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);

	v->vmxon_pa = palloc_pages(pool, 1);
	v->vmcs_pa = palloc_pages(pool, 1);
	v->msr_bitmap_pa = palloc_pages(pool, 1);
	v->io_bitmap_pa[0] = palloc_pages(pool, 1);
	v->io_bitmap_pa[1] = palloc_pages(pool, 1);
	if (!v->vmxon_pa || !v->vmcs_pa || !v->msr_bitmap_pa || !v->io_bitmap_pa[0] ||
	    !v->io_bitmap_pa[1]) {
		pr_err("out of memory for the VMX regions");
		hv_power_off(HV_STATUS_NO_MEMORY);
	}
	*(uint32_t *)(uintptr_t)v->vmxon_pa = v->caps.vmcs_revision;
	*(uint32_t *)(uintptr_t)v->vmcs_pa = v->caps.vmcs_revision;
	if (!vmx_on(v->vmxon_pa))
		panic("VMXON failed (IA32_FEATURE_CONTROL=0x%lx CR4=0x%lx)",
		      rdmsr(MSR_IA32_FEATURE_CONTROL), read_cr4());
	pr_info("vmx: VMXON ok, VMCS revision 0x%x", v->caps.vmcs_revision);
}
