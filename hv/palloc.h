/* The hypervisor's physical page allocator.  At boot hv_main carves one pool
 * out of the firmware's usable RAM (below 4 GiB, above 1 MiB, away from the
 * image, the modules and the boot information); every page the hypervisor
 * ever allocates (page tables, EPT, SPPT, VMCS, bitmaps, config arrays) comes
 * from it, so "hypervisor memory" is the image, the pool and the modules it
 * keeps, and the guest map can exclude exactly that.  Pure: host-tested. */
#ifndef HV_PALLOC_H
#define HV_PALLOC_H

#include <stdint.h>

#include "hv/memrange.h"

struct palloc {
	uint64_t start, end; /* the pool [start, end) */
	uint64_t next;       /* bump pointer: next free byte */
	void *(*phys_to_virt)(uint64_t pa);
};

/* Picks the highest page-aligned window of `size` bytes in `free_ranges`
 * (already stripped of everything the hypervisor must not hand out) that lies
 * below `limit`.  -ENOMEM when none is large enough. */
int palloc_init(struct palloc *p, const struct mem_range *free_ranges,
		size_t n, uint64_t size, uint64_t limit,
		void *(*phys_to_virt)(uint64_t pa));

/* `count` contiguous zeroed pages; their physical address, or 0 when the
 * pool is exhausted. */
uint64_t palloc_pages(struct palloc *p, uint64_t count);

/* Adapter for the table builders' struct page_ops (ctx = struct palloc *). */
uint64_t palloc_page_op(void *ctx);
void *palloc_phys_to_virt_op(void *ctx, uint64_t pa);

#endif
