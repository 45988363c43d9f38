/* The guest's page tables walked as the processor walks them for a data
 * access (SDM Vol. 3A chapter 4): 32-bit, PAE and 4-level paging, the
 * access rights of 4.6 (U/S and R/W at every level, CR0.WP, CR4.SMAP) and
 * the reserved bits of each entry format (4.3-4.5), with the #PF error code
 * of 4.7.  Not modelled: protection keys (the guest's PKRU is not readable
 * without CR4.PKE in the host), 5-level paging, and the accessed/dirty
 * flags the processor would set (callers document that).  Pure: the entries
 * come through a read callback, so host tests drive it over fake memory. */
#ifndef VMX_VMX_WALK_H
#define VMX_VMX_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* The access an instruction makes. */
struct vmx_guest_access {
	bool write;
	bool user;     /* CPL 3 and not an implicit supervisor access (SDM Vol. 3A 4.6) */
	bool smap_ok;  /* explicit access with RFLAGS.AC = 1: SMAP lets it through */
};

/* The paging state the walk uses (guest CR0/CR3/CR4/EFER; with PAE paging
 * the PDPTEs the processor loaded, SDM Vol. 3C 28.3.1).  read: the 4- or
 * 8-byte entry at guest-physical pa, 0 or -EFAULT. */
struct vmx_paging {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pdpte[4];
	unsigned maxphyaddr;
	int (*read)(void *ctx, uint64_t pa, unsigned size, uint64_t *val);
	void *ctx;
};

/* 0 and *gpa; -EACCES and *pf_error when the processor raises #PF (not
 * present, rights, reserved bits); -EFAULT when an entry cannot be read, the
 * address is not canonical (#GP, the caller's) or the mode is 5-level. */
int vmx_walk(const struct vmx_paging *p, uint64_t gla, const struct vmx_guest_access *acc,
	     uint64_t *gpa, uint32_t *pf_error);

#endif
