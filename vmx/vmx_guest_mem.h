/* Guest memory as an emulated instruction sees it: linear addresses through
 * the guest's own page tables (SDM Vol. 3A chapter 4), then the identity
 * EPT.  Only guest RAM below 4 GiB that the hypervisor does not own is
 * reachable; anything else is a failure the caller reports. */
#ifndef VMX_VMX_GUEST_MEM_H
#define VMX_VMX_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

/* 0 and *gpa, or -EFAULT (not present, not guest RAM, a write to a read-only
 * page, or a paging mode this walker does not know). */
int vmx_guest_translate(uint64_t gla, bool write, uint64_t *gpa);
/* The access an instruction makes, for vmx_guest_translate_access. */
struct vmx_guest_access {
	bool write;
	bool user;     /* CPL 3 (SDM Vol. 3A 4.6) */
	bool smap_ok;  /* RFLAGS.AC = 1: SMAP lets supervisor data through */
};

/* As the processor translates gla for that access in 4-level paging, with
 * the access rights of SDM Vol. 3A 4.6 (U/S and R/W at every level, CR0.WP,
 * CR4.SMAP; not protection keys or reserved bits): 0 and *gpa; -EACCES and
 * *pf_error (the #PF error code, 4.7) when the processor would raise #PF;
 * -EFAULT when the page is not guest RAM, a table is not, or the guest is
 * not in 4-level paging (callers then fall back to stopping the guest). */
int vmx_guest_translate_access(uint64_t gla, const struct vmx_guest_access *acc,
			       uint64_t *gpa, uint32_t *pf_error);
/* A pointer to guest-physical byte gpa, or NULL when it is not guest RAM. */
uint8_t *vmx_guest_phys(uint64_t gpa);

#endif
