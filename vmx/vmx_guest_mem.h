/* Guest memory as an emulated instruction sees it: linear addresses through
 * the guest's own page tables (SDM Vol. 3A chapter 4), then the identity
 * EPT.  Only guest RAM below 4 GiB that the hypervisor does not own is
 * reachable; anything else is a failure the caller reports. */
#ifndef VMX_VMX_GUEST_MEM_H
#define VMX_VMX_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx_walk.h"

/* As the processor translates gla for an implicit supervisor-mode access
 * (a task switch's TSS and descriptor-table accesses): 0 and *gpa, or
 * -EFAULT for anything that is not a plain translation to guest RAM (the
 * caller stops the guest). */
int vmx_guest_translate(uint64_t gla, bool write, uint64_t *gpa);

/* As the processor translates gla for that access (vmx/vmx_walk.h: every
 * paging mode but 5-level, access rights, reserved bits): 0 and *gpa;
 * -EACCES and *pf_error (the #PF error code, SDM Vol. 3A 4.7) when the
 * processor would raise #PF; -EFAULT when the page or a table is not guest
 * RAM, or the address is not canonical. */
int vmx_guest_translate_access(uint64_t gla, const struct vmx_guest_access *acc,
			       uint64_t *gpa, uint32_t *pf_error);
/* A pointer to guest-physical byte gpa, or NULL when it is not guest RAM. */
uint8_t *vmx_guest_phys(uint64_t gpa);

#endif
