/* Deny-by-default MSR policy: the table, the bitmap and the emulation
 * arithmetic (pure).  Why each row is what it is: docs/security.md. */
#include "vmx/vmx_msr_policy.h"
#include "hv/errno.h"

#define P VMX_MSR_PASS
#define E VMX_MSR_EMU
#define G VMX_MSR_GP
#define ROW(a, b, r, w, emu, n) { a, b, r, w, VMX_MSR_EMU_##emu, n }

/* Sorted by first MSR.  Rows marked G are the default made explicit: MSRs
 * that name host-physical or linear addresses of hardware-written buffers
 * (Intel PT, DS/BTS/PEBS), SMM state, machine-check banks, VMX capabilities. */
static const struct vmx_msr_rule vmx_msr_rules[] = {
	/* SDM Vol. 3C 26.3: with TSC offsetting RDTSC(P) adds the offset; the
	 * MSR is emulated so a write moves the offset, never the host TSC. */
	ROW(MSR_TSC, MSR_TSC, E, E, TSC, "IA32_TSC"),
	ROW(MSR_PLATFORM_ID, MSR_PLATFORM_ID, E, G, PLATFORM_ID, "IA32_PLATFORM_ID"),
	/* Reading the real value is harmless; moving the window is not. */
	ROW(MSR_APIC_BASE, MSR_APIC_BASE, P, E, APIC_BASE, "IA32_APIC_BASE"),
	ROW(MSR_FEATURE_CONTROL, MSR_FEATURE_CONTROL, E, G, FEATURE_CONTROL,
	    "IA32_FEATURE_CONTROL"),
	ROW(MSR_TSC_ADJUST, MSR_TSC_ADJUST, E, E, TSC_ADJUST, "IA32_TSC_ADJUST"),
	/* Speculation controls: no address, the guest's own hardening. */
	ROW(MSR_SPEC_CTRL, MSR_SPEC_CTRL, P, P, NONE, "IA32_SPEC_CTRL"),
	ROW(MSR_PRED_CMD, MSR_PRED_CMD, G, P, NONE, "IA32_PRED_CMD"),
	ROW(MSR_UCODE_WRITE, MSR_UCODE_WRITE, G, E, UCODE_WRITE, "IA32_BIOS_UPDT_TRIG"),
	ROW(MSR_UCODE_REV, MSR_UCODE_REV, E, E, UCODE_REV, "IA32_BIOS_SIGN_ID"),
	ROW(MSR_SMBASE, MSR_SMBASE, G, G, NONE, "IA32_SMBASE"),
	ROW(0xcf, 0xcf, P, G, NONE, "IA32_CORE_CAPABILITIES"),
	ROW(0xe1, 0xe1, P, P, NONE, "IA32_UMWAIT_CONTROL"),
	/* The package C-state limit: read by Linux (the HPET PC10 check,
	 * intel_idle) where the CPU has MWAIT; reading is harmless and, where
	 * the CPU lacks the MSR (Bochs), faults in the guest as it would
	 * natively.  Writing could lock the C-state configuration. */
	ROW(0xe2, 0xe2, P, G, NONE, "MSR_PKG_CST_CONFIG_CONTROL"),
	ROW(0xe7, 0xe8, P, G, NONE, "IA32_MPERF/APERF"),
	ROW(MSR_MTRRCAP, MSR_MTRRCAP, E, G, MTRR, "IA32_MTRRCAP"),
	ROW(MSR_ARCH_CAPABILITIES, MSR_ARCH_CAPABILITIES, P, G, NONE, "IA32_ARCH_CAPABILITIES"),
	ROW(MSR_FLUSH_CMD, MSR_FLUSH_CMD, G, P, NONE, "IA32_FLUSH_CMD"),
	ROW(0x122, 0x123, P, P, NONE, "IA32_TSX_CTRL/MCU_OPT_CTRL"),
	/* VMCS guest-state fields: loaded on entry, saved on exit (SDM Vol. 3C
	 * 25.4.1, 27.3.2.1, 28.3.1). */
	ROW(0x174, 0x176, P, P, NONE, "IA32_SYSENTER_CS/ESP/EIP"),
	ROW(MSR_MCG_CAP, MSR_MCG_CAP, E, G, MCG_CAP, "IA32_MCG_CAP"),
	ROW(MSR_MCG_STATUS, MSR_MCG_STATUS, E, E, MCG_STATUS, "IA32_MCG_STATUS"),
	ROW(MSR_MCG_CTL, MSR_MCG_CTL, G, G, NONE, "IA32_MCG_CTL"),
	ROW(MSR_MISC_ENABLE, MSR_MISC_ENABLE, E, E, MISC_ENABLE, "IA32_MISC_ENABLE"),
	ROW(MSR_DEBUGCTL, MSR_DEBUGCTL, E, E, DEBUGCTL, "IA32_DEBUGCTL"),
	ROW(MSR_SMRR_PHYSBASE, MSR_SMRR_PHYSMASK, G, G, NONE, "IA32_SMRR_PHYSBASE/MASK"),
	/* The real MTRRs type the hypervisor's own memory too (SDM Vol. 3A
	 * 12.11); the EPT's memory types replace them for guest accesses
	 * (Vol. 3C 29.3.7.2), so a view is all the guest needs. */
	ROW(MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSMASK15, E, E, MTRR, "IA32_MTRR_PHYSBASE/MASK"),
	ROW(MSR_MTRR_FIX64K, MSR_MTRR_FIX64K, E, E, MTRR, "IA32_MTRR_FIX64K_00000"),
	ROW(MSR_MTRR_FIX16K_80, MSR_MTRR_FIX16K_A0, E, E, MTRR, "IA32_MTRR_FIX16K"),
	ROW(MSR_MTRR_FIX4K_C0, MSR_MTRR_FIX4K_F8, E, E, MTRR, "IA32_MTRR_FIX4K"),
	ROW(MSR_PAT, MSR_PAT, P, P, NONE, "IA32_PAT"),
	ROW(MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, E, E, MTRR, "IA32_MTRR_DEF_TYPE"),
	ROW(MSR_PEBS_ENABLE, MSR_PEBS_ENABLE, G, G, NONE, "IA32_PEBS_ENABLE"),
	ROW(MSR_MC0_CTL, 0x47f, G, G, NONE, "IA32_MCi_*"),
	ROW(0x480, 0x492, G, G, NONE, "IA32_VMX_*"),
	/* Intel PT writes its trace to physical addresses (SDM Vol. 3C 33.2.7):
	 * host-physical ones in VMX non-root unless "Intel PT uses guest
	 * physical addresses" is set. */
	ROW(MSR_RTIT_OUTPUT_BASE, 0x561, G, G, NONE, "IA32_RTIT_OUTPUT_BASE/MASK_PTRS"),
	ROW(MSR_RTIT_CTL, 0x572, G, G, NONE, "IA32_RTIT_CTL/STATUS/CR3_MATCH"),
	ROW(0x580, MSR_RTIT_ADDR3_B, G, G, NONE, "IA32_RTIT_ADDRn_A/B"),
	ROW(MSR_DS_AREA, MSR_DS_AREA, G, G, NONE, "IA32_DS_AREA"),
	/* CET state: linear addresses through the guest's paging and the EPT;
	 * inert in VMX root, whose CR4.CET is 0. */
	ROW(0x6a0, 0x6a0, P, P, NONE, "IA32_U_CET"),
	ROW(0x6a2, 0x6a2, P, P, NONE, "IA32_S_CET"),
	ROW(0x6a4, 0x6a8, P, P, NONE, "IA32_PLn_SSP/INTERRUPT_SSP_TABLE_ADDR"),
	ROW(MSR_TSC_DEADLINE, MSR_TSC_DEADLINE, E, E, TSC_DEADLINE, "IA32_TSC_DEADLINE"),
	/* The x2APIC registers are the same registers as the xAPIC window the
	 * EPT already maps to the guest; none names an address. */
	ROW(MSR_X2APIC_FIRST, MSR_X2APIC_LAST, P, P, NONE, "x2APIC"),
	ROW(MSR_XSS, MSR_XSS, E, E, XSS, "IA32_XSS"),
	/* EFER and the FS/GS bases are VMCS fields; the SYSCALL MSRs and
	 * KERNEL_GS_BASE are unused in VMX root (no SYSCALL, no SWAPGS). */
	ROW(MSR_EFER, MSR_EFER, P, P, NONE, "IA32_EFER"),
	ROW(0xc0000081, 0xc0000084, P, P, NONE, "IA32_STAR/LSTAR/CSTAR/FMASK"),
	ROW(0xc0000100, MSR_KERNEL_GS_BASE, P, P, NONE, "IA32_FS/GS/KERNEL_GS_BASE"),
	ROW(MSR_TSC_AUX, MSR_TSC_AUX, P, P, NONE, "IA32_TSC_AUX"),
};

static const struct vmx_msr_rule vmx_msr_unknown = { 0, 0, G, G, VMX_MSR_EMU_NONE, "unknown" };

const struct vmx_msr_rule *vmx_msr_table(size_t *count)
{
	*count = sizeof(vmx_msr_rules) / sizeof(vmx_msr_rules[0]);
	return vmx_msr_rules;
}

const struct vmx_msr_rule *vmx_msr_rule(uint32_t msr)
{
	size_t lo = 0, hi = sizeof(vmx_msr_rules) / sizeof(vmx_msr_rules[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vmx_msr_rule *r = &vmx_msr_rules[mid];

		if (msr < r->first)
			hi = mid;
		else if (msr > r->last)
			lo = mid + 1;
		else
			return r;
	}
	return &vmx_msr_unknown;
}

/* Bit offset of msr in the bitmap's read part (SDM Vol. 3C 25.6.9): low
 * MSRs at byte 0, high MSRs at byte 1024; writes 2048 bytes further.  -1:
 * outside both ranges (always exits). */
static long vmx_msr_bit(uint32_t msr)
{
	if (msr <= 0x1fff)
		return (long)msr;
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		return 1024 * 8 + (long)(msr - 0xc0000000u);
	return -1;
}

void vmx_msr_bitmap_build(uint8_t *bitmap)
{
	for (size_t i = 0; i < VMX_MSR_BITMAP_SIZE; i++)
		bitmap[i] = 0xff;
	for (size_t i = 0; i < sizeof(vmx_msr_rules) / sizeof(vmx_msr_rules[0]); i++) {
		const struct vmx_msr_rule *r = &vmx_msr_rules[i];

		for (uint64_t m = r->first; m <= r->last; m++) {
			long bit = vmx_msr_bit((uint32_t)m);

			if (bit < 0)
				continue;
			if (r->read == VMX_MSR_PASS)
				bitmap[bit / 8] &= (uint8_t)~(1u << (bit % 8));
			if (r->write == VMX_MSR_PASS)
				bitmap[2048 + bit / 8] &= (uint8_t)~(1u << (bit % 8));
		}
	}
}

bool vmx_msr_bitmap_exits(const uint8_t *bitmap, uint32_t msr, bool write)
{
	long bit = vmx_msr_bit(msr);

	if (bit < 0)
		return true;
	return bitmap[(write ? 2048 : 0) + bit / 8] & (1u << (bit % 8));
}

void vmx_msr_guest_init(struct vmx_msr_guest *g, const struct mtrr_state *host_mtrr)
{
	*g = (struct vmx_msr_guest){ 0 };
	g->misc_enable = MISC_ENABLE_GUEST_RESET;
	if (host_mtrr) {
		g->has_mtrr = true;
		g->mtrr = *host_mtrr;
		/* SMRR is SMM's; its MSRs #GP for the guest (row above). */
		g->mtrr.cap &= ~(uint64_t)MTRR_CAP_SMRR;
		if (g->mtrr.nvar > MTRR_MAX_VAR)
			g->mtrr.nvar = MTRR_MAX_VAR;
		g->mtrr.cap = (g->mtrr.cap & ~(uint64_t)MTRR_CAP_VCNT_MASK) | g->mtrr.nvar;
	}
}

void vmx_msr_misc_enable_write(struct vmx_msr_guest *g, uint64_t v)
{
	g->misc_enable = (g->misc_enable & ~MISC_ENABLE_FAST_STRING) |
			 (v & MISC_ENABLE_FAST_STRING);
}

uint64_t vmx_msr_guest_tsc(const struct vmx_msr_guest *g, uint64_t host_tsc)
{
	return host_tsc + g->tsc_offset;
}

void vmx_msr_tsc_write(struct vmx_msr_guest *g, uint64_t host_tsc, uint64_t v)
{
	uint64_t delta = v - vmx_msr_guest_tsc(g, host_tsc);

	g->tsc_offset += delta;
	g->tsc_adjust += delta;
}

void vmx_msr_tsc_adjust_write(struct vmx_msr_guest *g, uint64_t v)
{
	g->tsc_offset += v - g->tsc_adjust;
	g->tsc_adjust = v;
}

uint64_t vmx_msr_deadline_to_host(const struct vmx_msr_guest *g, uint64_t host_tsc, uint64_t v)
{
	if (!v)
		return 0;
	/* Compare in the guest's time line: is the deadline still ahead? */
	if ((int64_t)(v - vmx_msr_guest_tsc(g, host_tsc)) <= 0)
		return 1;
	return v - g->tsc_offset;
}

uint64_t vmx_msr_deadline_to_guest(const struct vmx_msr_guest *g, uint64_t host_v)
{
	return host_v ? host_v + g->tsc_offset : 0;
}

int vmx_msr_apic_base_write(uint64_t cur, uint64_t v, bool has_x2apic,
			    unsigned phys_addr_bits, uint64_t *out)
{
	/* KVM's reserved mask (kvm_apic_set_base): bits 0-7, 9, 10 without
	 * x2APIC, and everything from MAXPHYADDR up. */
	uint64_t reserved = 0x2ffull | (has_x2apic ? 0 : APIC_BASE_EXTD);
	uint64_t base_mask = ~0xfffull;
	uint64_t mode_old = cur & (APIC_BASE_EN | APIC_BASE_EXTD);
	uint64_t mode_new = v & (APIC_BASE_EN | APIC_BASE_EXTD);

	if (phys_addr_bits < 64) {
		reserved |= ~0ull << phys_addr_bits;
		base_mask &= ~(~0ull << phys_addr_bits);
	}
	if (v & reserved)
		return -EINVAL;
	if ((v & base_mask) != (cur & base_mask))
		return -EINVAL;
	/* SDM Vol. 3A 11.12.5 figure 11-27: EXTD without EN is invalid;
	 * x2APIC may go only to disabled; disabled may go only to xAPIC. */
	if (mode_new == APIC_BASE_EXTD)
		return -EINVAL;
	if (mode_old == (APIC_BASE_EN | APIC_BASE_EXTD) && mode_new == APIC_BASE_EN)
		return -EINVAL;
	if (mode_old == 0 && mode_new == (APIC_BASE_EN | APIC_BASE_EXTD))
		return -EINVAL;
	/* The BSP flag is the hardware's. */
	*out = (v & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP);
	return 0;
}

static bool vmx_msr_mtrr_type_ok(const struct vmx_msr_guest *g, uint64_t t)
{
	switch (t) {
	case MTRR_TYPE_UC:
	case MTRR_TYPE_WT:
	case MTRR_TYPE_WP:
	case MTRR_TYPE_WB:
		return true;
	case MTRR_TYPE_WC:
		return (g->mtrr.cap & MTRR_CAP_WC) != 0;
	default:
		return false;
	}
}

/* The guest-view slot of an MTRR MSR, or NULL (#GP). */
static uint64_t *vmx_msr_mtrr_slot(struct vmx_msr_guest *g, uint32_t msr, bool *fixed)
{
	*fixed = false;
	if (!g->has_mtrr)
		return NULL;
	if (msr == MSR_MTRR_DEF_TYPE)
		return &g->mtrr.def_type;
	if (msr >= MSR_MTRR_PHYSBASE0 && msr <= MSR_MTRR_PHYSMASK15) {
		unsigned n = (msr - MSR_MTRR_PHYSBASE0) / 2;

		if (n >= g->mtrr.nvar)
			return NULL;
		return (msr & 1) ? &g->mtrr.var[n].mask : &g->mtrr.var[n].base;
	}
	if (!(g->mtrr.cap & MTRR_CAP_FIX))
		return NULL;
	*fixed = true;
	if (msr == MSR_MTRR_FIX64K)
		return &g->mtrr.fixed[0];
	if (msr == MSR_MTRR_FIX16K_80 || msr == MSR_MTRR_FIX16K_A0)
		return &g->mtrr.fixed[1 + msr - MSR_MTRR_FIX16K_80];
	if (msr >= MSR_MTRR_FIX4K_C0 && msr <= MSR_MTRR_FIX4K_F8)
		return &g->mtrr.fixed[3 + msr - MSR_MTRR_FIX4K_C0];
	return NULL;
}

int vmx_msr_mtrr_read(const struct vmx_msr_guest *g, uint32_t msr, uint64_t *v)
{
	bool fixed;
	uint64_t *slot;

	if (msr == MSR_MTRRCAP) {
		if (!g->has_mtrr)
			return -EINVAL;
		*v = g->mtrr.cap;
		return 0;
	}
	slot = vmx_msr_mtrr_slot((struct vmx_msr_guest *)g, msr, &fixed);
	if (!slot)
		return -EINVAL;
	*v = *slot;
	return 0;
}

int vmx_msr_mtrr_write(struct vmx_msr_guest *g, uint32_t msr, uint64_t v)
{
	bool fixed;
	uint64_t *slot = vmx_msr_mtrr_slot(g, msr, &fixed);
	uint64_t phys_high = g->mtrr.phys_addr_bits >= 64 ? 0 : ~0ull << g->mtrr.phys_addr_bits;

	if (!slot)
		return -EINVAL; /* also IA32_MTRRCAP: read-only */
	if (fixed) {
		for (unsigned i = 0; i < 8; i++)
			if (!vmx_msr_mtrr_type_ok(g, (v >> (8 * i)) & 0xff))
				return -EINVAL;
	} else if (msr == MSR_MTRR_DEF_TYPE) {
		/* SDM Vol. 3A 12.11.2.1: type, FE (bit 10), E (bit 11). */
		if (v & ~(uint64_t)(MTRR_DEF_TYPE_MASK | MTRR_DEF_FE | MTRR_DEF_E) ||
		    !vmx_msr_mtrr_type_ok(g, v & MTRR_DEF_TYPE_MASK))
			return -EINVAL;
	} else if (!(msr & 1)) {
		/* PHYSBASE: type in 7:0, 11:8 reserved, base below MAXPHYADDR. */
		if (v & (0xf00ull | phys_high) || !vmx_msr_mtrr_type_ok(g, v & MTRR_VAR_TYPE_MASK))
			return -EINVAL;
	} else {
		/* PHYSMASK: 10:0 reserved, valid in 11, mask below MAXPHYADDR. */
		if (v & (0x7ffull | phys_high))
			return -EINVAL;
	}
	*slot = v;
	return 0;
}

void vmx_msr_cpuid_hide(uint32_t leaf, uint32_t sub, uint32_t *eax, uint32_t *ebx,
			uint32_t *ecx, uint32_t *edx)
{
	if (leaf == 1) {
		*edx &= ~(1u << 21); /* DS */
		*ecx &= ~(1u << 2);  /* DTES64 */
		/* Thermal monitoring: its MSRs (IA32_CLOCK_MODULATION,
		 * IA32_THERM_INTERRUPT/STATUS, SDM Vol. 3B 15.8) are #GP here,
		 * so the features are not offered, as KVM does. */
		*edx &= ~((1u << 22) | (1u << 29)); /* ACPI, TM */
		*ecx &= ~(1u << 8);                  /* TM2 */
	} else if (leaf == 6) {
		/* Thermal and power management: keep what needs no MSR this
		 * policy denies: turbo (EAX[1], information only), the always
		 * running APIC timer (EAX[2]) and MPERF/APERF (ECX[0], passed
		 * through for reading).  HWP, package thermal and the rest use
		 * MSRs that #GP (KVM offers only ARAT). */
		*eax &= (1u << 1) | (1u << 2);
		*ebx = 0;
		*ecx &= 1u;
		*edx = 0;
	} else if (leaf == 7 && sub == 0) {
		*ebx &= ~(1u << 25); /* Intel PT */
	} else if (leaf == 0x14) {
		*eax = *ebx = *ecx = *edx = 0;
	}
}
