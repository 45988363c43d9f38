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
/* A pointer to guest-physical byte gpa, or NULL when it is not guest RAM. */
uint8_t *vmx_guest_phys(uint64_t gpa);

#endif
