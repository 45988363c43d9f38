/* The guest's MSR policy: deny by default (SDM Vol. 3C 25.6.9, the MSR
 * bitmap).  Every MSR exits unless a row of the table passes it through; an
 * exiting MSR is either emulated (a documented value, a guest view) or gets
 * the #GP a CPU without it raises.  Pure: the table, the bitmap builder and
 * the emulation arithmetic are unit-tested on the host; vmx/vmx_msr.c does
 * the hardware part.  docs/security.md lists the table's reasons. */
#ifndef VMX_VMX_MSR_POLICY_H
#define VMX_VMX_MSR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/mtrr.h"

enum vmx_msr_action {
	VMX_MSR_GP = 0, /* exit, inject #GP(0): the default */
	VMX_MSR_PASS,   /* bitmap bit clear: the guest touches the real MSR */
	VMX_MSR_EMU,    /* exit, emulated by vmx/vmx_msr.c */
};

enum vmx_msr_emu {
	VMX_MSR_EMU_NONE = 0,
	VMX_MSR_EMU_FEATURE_CONTROL, /* locked, VMX off: a CPU without VMX */
	VMX_MSR_EMU_TSC,             /* IA32_TSC: host TSC + offset */
	VMX_MSR_EMU_TSC_ADJUST,      /* IA32_TSC_ADJUST: guest view, moves the offset */
	VMX_MSR_EMU_TSC_DEADLINE,    /* translated between guest and host TSC */
	VMX_MSR_EMU_APIC_BASE,       /* no relocation of the APIC window */
	VMX_MSR_EMU_MISC_ENABLE,     /* KVM's value: fast strings, no BTS/PEBS */
	VMX_MSR_EMU_MCG_CAP,         /* no machine-check banks */
	VMX_MSR_EMU_MCG_STATUS,      /* 0 */
	VMX_MSR_EMU_MTRR,            /* guest view, never the real MTRRs */
	VMX_MSR_EMU_UCODE_REV,       /* reads KVM's value, writes ignored */
	VMX_MSR_EMU_UCODE_WRITE,     /* microcode update trigger: ignored */
	VMX_MSR_EMU_PLATFORM_ID,     /* 0 */
	VMX_MSR_EMU_DEBUGCTL,        /* VMCS guest field, LBR/BTF only */
	VMX_MSR_EMU_XSS,             /* real MSR, Intel PT state bit refused */
};

struct vmx_msr_rule {
	uint32_t first, last;        /* inclusive range */
	uint8_t read, write;         /* enum vmx_msr_action */
	uint8_t emu;                 /* enum vmx_msr_emu for VMX_MSR_EMU */
	const char *name;
};

/* MSR numbers the policy names (SDM Vol. 4 table 2-2). */
#define MSR_TSC              0x10u
#define MSR_PLATFORM_ID      0x17u
#define MSR_APIC_BASE        0x1bu
#define MSR_FEATURE_CONTROL  0x3au
#define MSR_TSC_ADJUST       0x3bu
#define MSR_SPEC_CTRL        0x48u
#define MSR_PRED_CMD         0x49u
#define MSR_UCODE_WRITE      0x79u
#define MSR_UCODE_REV        0x8bu
#define MSR_SMBASE           0x9eu
#define MSR_MTRRCAP          0xfeu
#define MSR_ARCH_CAPABILITIES 0x10au
#define MSR_FLUSH_CMD        0x10bu
#define MSR_MCG_CAP          0x179u
#define MSR_MCG_STATUS       0x17au
#define MSR_MCG_CTL          0x17bu
#define MSR_MISC_ENABLE      0x1a0u
#define MSR_DEBUGCTL         0x1d9u
#define MSR_SMRR_PHYSBASE    0x1f2u
#define MSR_SMRR_PHYSMASK    0x1f3u
#define MSR_MTRR_PHYSBASE0   0x200u
#define MSR_MTRR_PHYSMASK15  0x21fu
#define MSR_MTRR_FIX64K      0x250u
#define MSR_MTRR_FIX16K_80   0x258u
#define MSR_MTRR_FIX16K_A0   0x259u
#define MSR_MTRR_FIX4K_C0    0x268u
#define MSR_MTRR_FIX4K_F8    0x26fu
#define MSR_PAT              0x277u
#define MSR_MTRR_DEF_TYPE    0x2ffu
#define MSR_PEBS_ENABLE      0x3f1u
#define MSR_MC0_CTL          0x400u
#define MSR_RTIT_OUTPUT_BASE 0x560u
#define MSR_RTIT_CTL         0x570u
#define MSR_RTIT_ADDR3_B     0x587u
#define MSR_DS_AREA          0x600u
#define MSR_TSC_DEADLINE     0x6e0u
#define MSR_X2APIC_FIRST     0x800u
#define MSR_X2APIC_LAST      0x8ffu
#define MSR_XSS              0xda0u
#define MSR_EFER             0xc0000080u
#define MSR_KERNEL_GS_BASE   0xc0000102u
#define MSR_TSC_AUX          0xc0000103u

/* IA32_MISC_ENABLE bits (SDM Vol. 4 table 2-2). */
#define MISC_ENABLE_FAST_STRING    (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAIL    (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL   (1ull << 12)
/* What KVM reports (arch/x86/kvm/x86.c kvm_vcpu_reset plus QEMU's default
 * fast-string bit). */
#define MISC_ENABLE_GUEST_RESET \
	(MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL)

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.1). */
#define APIC_BASE_BSP   (1ull << 8)
#define APIC_BASE_EXTD  (1ull << 10)
#define APIC_BASE_EN    (1ull << 11)

/* Intel PT's state component in IA32_XSS (SDM Vol. 1 13.5.6): XRSTORS with
 * it set would load IA32_RTIT_OUTPUT_BASE behind the MSR bitmap's back. */
#define XSS_PT_STATE    (1ull << 8)

/* IA32_DEBUGCTL bits a guest may set: LBR and BTF (what KVM allows).  The
 * BTS bits would make the CPU write branch records through DS_AREA. */
#define DEBUGCTL_GUEST_ALLOWED ((1ull << 0) | (1ull << 1))

/* KVM's IA32_BIOS_SIGN_ID for a guest: revision 1 in the high half. */
#define UCODE_REV_GUEST  0x100000000ull

/* The rule for an MSR: a table row, or the #GP default (name "unknown"). */
const struct vmx_msr_rule *vmx_msr_rule(uint32_t msr);
/* The table itself, sorted and non-overlapping (checked by the unit test). */
const struct vmx_msr_rule *vmx_msr_table(size_t *count);

/* Fills a 4 KiB MSR bitmap (SDM Vol. 3C 25.6.9): every bit set, then the
 * VMX_MSR_PASS rows cleared.  MSRs outside the two bitmap ranges always
 * exit, whatever the bitmap says. */
#define VMX_MSR_BITMAP_SIZE 4096
void vmx_msr_bitmap_build(uint8_t *bitmap);
/* Whether the bitmap makes a guest read (write) of msr exit. */
bool vmx_msr_bitmap_exits(const uint8_t *bitmap, uint32_t msr, bool write);

/* The guest's view of the emulated MSRs. */
struct vmx_msr_guest {
	uint64_t misc_enable;
	uint64_t tsc_offset;   /* guest TSC = host TSC + tsc_offset (mod 2^64) */
	uint64_t tsc_adjust;   /* guest IA32_TSC_ADJUST */
	uint64_t mcg_status;
	bool has_mtrr;
	struct mtrr_state mtrr; /* guest view; cap without SMRR */
};

/* Reset values; host_mtrr NULL: the CPU has no MTRRs (those MSRs #GP). */
void vmx_msr_guest_init(struct vmx_msr_guest *g, const struct mtrr_state *host_mtrr);

/* IA32_MISC_ENABLE write: only fast strings is guest-writable; other bits
 * keep their value (writes to them are ignored, never applied to the CPU). */
void vmx_msr_misc_enable_write(struct vmx_msr_guest *g, uint64_t v);

/* TSC virtualisation (SDM Vol. 3C 26.3, "use TSC offsetting"; Vol. 3B
 * 18.17.3 for IA32_TSC_ADJUST).  A write to IA32_TSC moves the offset and
 * IA32_TSC_ADJUST by the same delta, a write to IA32_TSC_ADJUST moves the
 * offset by its own delta; the host TSC is never written. */
uint64_t vmx_msr_guest_tsc(const struct vmx_msr_guest *g, uint64_t host_tsc);
void vmx_msr_tsc_write(struct vmx_msr_guest *g, uint64_t host_tsc, uint64_t v);
void vmx_msr_tsc_adjust_write(struct vmx_msr_guest *g, uint64_t v);
/* IA32_TSC_DEADLINE between the guest's TSC and the host's: 0 disarms; a
 * guest deadline already past becomes host deadline 1 (fires at once). */
uint64_t vmx_msr_deadline_to_host(const struct vmx_msr_guest *g, uint64_t host_tsc, uint64_t v);
uint64_t vmx_msr_deadline_to_guest(const struct vmx_msr_guest *g, uint64_t host_v);

/* IA32_APIC_BASE write: the value to put into the real MSR, or -EINVAL
 * (inject #GP) for reserved bits, an invalid mode transition (SDM Vol. 3A
 * 11.12.5) or any change of the base address (this hypervisor's policy: the
 * APIC window must not move onto hypervisor memory). */
int vmx_msr_apic_base_write(uint64_t cur, uint64_t v, bool has_x2apic,
			    unsigned phys_addr_bits, uint64_t *out);

/* MTRR guest view (SDM Vol. 3A 12.11).  -EINVAL: #GP (an MSR the view does
 * not have, a read-only MSR, a reserved bit or memory-type encoding). */
int vmx_msr_mtrr_read(const struct vmx_msr_guest *g, uint32_t msr, uint64_t *v);
int vmx_msr_mtrr_write(struct vmx_msr_guest *g, uint32_t msr, uint64_t v);

/* CPUID kept consistent with the table: features whose MSRs #GP are not
 * announced (Intel PT: CPUID.07H:EBX[25] and leaf 14H; the debug store:
 * CPUID.01H:EDX[21] DS and ECX[2] DTES64).  Applied to the host's values
 * the guest's CPUID exit returns. */
void vmx_msr_cpuid_hide(uint32_t leaf, uint32_t sub, uint32_t *eax, uint32_t *ebx,
			uint32_t *ecx, uint32_t *edx);

#endif
