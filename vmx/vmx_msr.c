/* RDMSR/WRMSR exits under the deny-by-default policy (vmx/vmx_msr_policy.c):
 * the hardware half of the emulated MSRs.  Only MSRs whose bitmap bit is set
 * (or outside the bitmap's ranges) get here (SDM Vol. 3C 26.1.3). */
#include "hv/cpu.h"
#include "hv/log.h"
#include "vmx/vmx.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_msr_policy.h"
#include "vmx/vmx_ops.h"

#define X86_VEC_GP 13
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUIDD1_EAX_XSAVES (1u << 3)

static struct vmx_msr_guest vmx_msr_guest;

void vmx_msr_init(const struct mtrr_state *host_mtrr)
{
	vmx_msr_guest_init(&vmx_msr_guest, host_mtrr);
}

void vmx_msr_setup_vmcs(struct vmx_cpu *v)
{
	vmx_msr_bitmap_build((uint8_t *)(uintptr_t)v->msr_bitmap_pa);
	vmcs_write64(TSC_OFFSET, vmx_msr_guest.tsc_offset);
}

static unsigned vmx_msr_phys_bits(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
}

/* IA32_XSS bits the guest may set: what CPUID.(EAX=0DH,ECX=1):EDX:ECX
 * enumerates, less Intel PT (its state would reach the RTIT MSRs). */
static bool vmx_msr_xss_allowed(uint64_t *mask)
{
	struct cpuid_regs c = cpuid(0xd, 1);

	if (!(c.eax & CPUIDD1_EAX_XSAVES) || !(vmx.proc2 & SECONDARY_EXEC_ENABLE_XSAVES))
		return false;
	*mask = (((uint64_t)c.edx << 32) | c.ecx) & ~XSS_PT_STATE;
	return true;
}

/* CPUID.1:ECX.TSC_Deadline[bit 24] (SDM Vol. 3A 11.5.4.1). */
static bool vmx_msr_has_deadline(void)
{
	return cpuid(1, 0).ecx & (1u << 24);
}

static void vmx_msr_set_offset(uint64_t old)
{
	if (vmx_msr_guest.tsc_offset != old)
		vmcs_write64(TSC_OFFSET, vmx_msr_guest.tsc_offset);
}

/* 0 and the value, or -1 for #GP. */
static int vmx_msr_emu_read(const struct vmx_msr_rule *rule, uint32_t msr, uint64_t *v)
{
	struct vmx_msr_guest *g = &vmx_msr_guest;
	uint64_t mask;

	switch (rule->emu) {
	case VMX_MSR_EMU_FEATURE_CONTROL:
		/* Locked, VMX not enabled: what a CPU without VMX reports. */
		*v = FEATURE_CONTROL_LOCKED;
		return 0;
	case VMX_MSR_EMU_TSC:
		*v = vmx_msr_guest_tsc(g, rdtsc());
		return 0;
	case VMX_MSR_EMU_TSC_ADJUST:
		*v = g->tsc_adjust;
		return 0;
	case VMX_MSR_EMU_TSC_DEADLINE:
		if (!vmx_msr_has_deadline())
			return -1;
		*v = vmx_msr_deadline_to_guest(g, rdmsr(MSR_TSC_DEADLINE));
		return 0;
	case VMX_MSR_EMU_MISC_ENABLE:
		*v = g->misc_enable;
		return 0;
	case VMX_MSR_EMU_MCG_CAP:
		*v = 0; /* no banks, no MCG_CTL, no extended state */
		return 0;
	case VMX_MSR_EMU_MCG_STATUS:
		*v = g->mcg_status;
		return 0;
	case VMX_MSR_EMU_MTRR:
		return vmx_msr_mtrr_read(g, msr, v) ? -1 : 0;
	case VMX_MSR_EMU_UCODE_REV:
		*v = UCODE_REV_GUEST;
		return 0;
	case VMX_MSR_EMU_PLATFORM_ID:
		*v = 0;
		return 0;
	case VMX_MSR_EMU_DEBUGCTL:
		*v = vmcs_read64(GUEST_IA32_DEBUGCTL);
		return 0;
	case VMX_MSR_EMU_XSS:
		if (!vmx_msr_xss_allowed(&mask))
			return -1;
		*v = rdmsr(MSR_XSS);
		return 0;
	default:
		return -1;
	}
}

static int vmx_msr_emu_write(const struct vmx_msr_rule *rule, uint32_t msr, uint64_t v)
{
	struct vmx_msr_guest *g = &vmx_msr_guest;
	uint64_t old = g->tsc_offset, out, mask;

	switch (rule->emu) {
	case VMX_MSR_EMU_TSC:
		vmx_msr_tsc_write(g, rdtsc(), v);
		vmx_msr_set_offset(old);
		return 0;
	case VMX_MSR_EMU_TSC_ADJUST:
		vmx_msr_tsc_adjust_write(g, v);
		vmx_msr_set_offset(old);
		return 0;
	case VMX_MSR_EMU_TSC_DEADLINE:
		if (!vmx_msr_has_deadline())
			return -1;
		wrmsr(MSR_TSC_DEADLINE, vmx_msr_deadline_to_host(g, rdtsc(), v));
		return 0;
	case VMX_MSR_EMU_APIC_BASE:
		if (vmx_msr_apic_base_write(rdmsr(MSR_APIC_BASE), v,
					    cpuid(1, 0).ecx & CPUID1_ECX_X2APIC,
					    vmx_msr_phys_bits(), &out)) {
			static unsigned refused;

			/* Guest-driven: a few lines, never a flood. */
			if (refused++ < 16)
				pr_warn("msr: guest write 0x%lx to IA32_APIC_BASE refused (#GP): "
					"the APIC window does not move%s", v,
					refused == 16 ? " (further refusals not logged)" : "");
			return -1;
		}
		wrmsr(MSR_APIC_BASE, out);
		return 0;
	case VMX_MSR_EMU_MISC_ENABLE:
		vmx_msr_misc_enable_write(g, v);
		return 0;
	case VMX_MSR_EMU_MCG_STATUS:
		/* Only clearing is meaningful without banks (KVM accepts 0). */
		if (v)
			return -1;
		g->mcg_status = 0;
		return 0;
	case VMX_MSR_EMU_MTRR:
		return vmx_msr_mtrr_write(g, msr, v) ? -1 : 0;
	case VMX_MSR_EMU_UCODE_REV:
	case VMX_MSR_EMU_UCODE_WRITE:
		return 0; /* ignored, as KVM does */
	case VMX_MSR_EMU_DEBUGCTL:
		if (v & ~DEBUGCTL_GUEST_ALLOWED)
			return -1;
		vmcs_write64(GUEST_IA32_DEBUGCTL, v);
		return 0;
	case VMX_MSR_EMU_XSS:
		if (!vmx_msr_xss_allowed(&mask) || (v & ~mask))
			return -1;
		wrmsr(MSR_XSS, v);
		return 0;
	default:
		return -1;
	}
}

void vmx_msr_exit_read(struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->rcx;
	const struct vmx_msr_rule *rule = vmx_msr_rule(msr);
	uint64_t v = 0;

	/* A passed-through read exits only when the MSR lies outside the
	 * bitmap's ranges, which no PASS row does: treat it as #GP too. */
	if (rule->read != VMX_MSR_EMU || vmx_msr_emu_read(rule, msr, &v)) {
		pr_dbg("msr: guest rdmsr 0x%x (%s): #GP", msr, rule->name);
		vmx_inject_exception(X86_VEC_GP, true, 0);
		return;
	}
	r->rax = (uint32_t)v;
	r->rdx = v >> 32;
	vmx_skip_instruction();
}

void vmx_msr_exit_write(struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->rcx;
	const struct vmx_msr_rule *rule = vmx_msr_rule(msr);
	uint64_t v = ((uint64_t)(uint32_t)r->rdx << 32) | (uint32_t)r->rax;

	if (rule->write != VMX_MSR_EMU || vmx_msr_emu_write(rule, msr, v)) {
		pr_dbg("msr: guest wrmsr 0x%x (%s) value 0x%lx: #GP", msr, rule->name, v);
		vmx_inject_exception(X86_VEC_GP, true, 0);
		return;
	}
	vmx_skip_instruction();
}
