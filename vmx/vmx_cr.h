/* MOV to CR0/CR4 that exits (a host-owned bit differs from the read
 * shadow, SDM Vol. 3C 26.1.3): the architectural checks, then the write
 * with its side effects (vmx/vmx_cr_rules.c decides, this applies). */
#ifndef VMX_VMX_CR_H
#define VMX_VMX_CR_H

#include <stdint.h>

/* The guest's own view of CR0 / CR4 (SDM Vol. 3C 25.6.6). */
uint64_t vmx_guest_cr0(void);
uint64_t vmx_guest_cr4(void);

/* Loads the four PAE PDPTEs from the CR3 in the VMCS into the fields VM
 * entry loads (SDM Vol. 3A 4.4.1, Vol. 3C 27.3.2.4): 0, or 13 when one is
 * invalid (or the table is not guest RAM) and nothing was loaded. */
int vmx_cr_load_pdptes(void);
/* Emulates MOV to CR0 or CR4 of val: either the write (RIP advanced) or
 * #GP(0) queued. */
void vmx_cr_mov_to(unsigned cr, uint64_t val);

#endif
