/* MOV to CR0 / CR4 emulation: the architectural checks of SDM Vol. 2B
 * "MOV—Move to/from Control Registers", Vol. 3A 2.5, 4.1.1, 4.4.1 and
 * 4.10.1, and the IA-32e mode transitions of Vol. 3A 10.8.5, as pure
 * decisions the host unit tests drive.  vmx/vmx_cr.c gathers the inputs
 * from the VMCS and applies the result. */
#ifndef VMX_VMX_CR_RULES_H
#define VMX_VMX_CR_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* The guest's own view of its control state before the write. */
struct vmx_cr_state {
	uint64_t cr0;       /* as the guest reads it (read shadow for owned bits) */
	uint64_t cr3;
	uint64_t cr4;       /* as the guest reads it */
	uint64_t efer;      /* IA32_EFER (LME, LMA) */
	bool cs_l;          /* CS.L: 64-bit code when EFER.LMA = 1 */
	uint64_t cr4_allowed; /* CR4 bits this guest may set (it has no VMX, no SMX) */
};

/* What the write does when it does not fault. */
struct vmx_cr_result {
	uint64_t cr0, cr4, efer; /* new guest view (EFER.LMA updated) */
	bool ia32e;              /* the "IA-32e mode guest" VM-entry control */
	bool load_pdptes;        /* PAE paging: load the four PDPTEs from CR3 */
};

/* 0 and *out, or 13 (#GP(0)): the CPU raises it and changes nothing. */
int vmx_cr0_write(const struct vmx_cr_state *s, uint64_t val, struct vmx_cr_result *out);
int vmx_cr4_write(const struct vmx_cr_state *s, uint64_t val, struct vmx_cr_result *out);

/* PAE paging's PDPTE registers (SDM Vol. 3A 4.4.1, table 4-8): 0, or 13
 * when a present entry sets a reserved bit (bits 2:1, 8:5, 63:maxphyaddr). */
int vmx_pdptes_check(const uint64_t pdpte[4], unsigned maxphyaddr);

/* CR3 bits 31:5 locate the PDPTE table in PAE paging (SDM Vol. 3A 4.4.1). */
#define VMX_PAE_CR3_MASK 0xffffffe0ull

#endif
