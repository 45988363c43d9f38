/* The hypervisor's physical page allocator.  At boot hv_main places one pool
 * in the firmware's usable RAM (below 4 GiB, above 1 MiB, away from the
 * modules and the boot information), directly below the image at the top of
 * RAM; every page the hypervisor ever allocates (page tables, EPT, SPPT, VMCS,
 * bitmaps, config arrays, the staged modules) comes from it, so "hypervisor
 * memory" is the image and the pool, and the guest map can exclude exactly
 * that.
 *
 * Allocation goes down from the top, and the pool's size is not chosen in
 * advance: until palloc_reserve() it may grow down to the start of its free
 * range.  Setup allocates what it needs, then palloc_reserve() fixes the
 * bottom below the pages in use plus a headroom for run-time needs (ranges
 * the guest locks), so what is taken from the guest is what the
 * configuration needs.  Pure: host-tested. */
#ifndef HV_PALLOC_H
#define HV_PALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/memrange.h"

struct palloc {
	uint64_t start, end; /* the pool [start, end); before palloc_reserve()
			      * start is the lowest address it may grow to */
	uint64_t next;       /* [next, end) is handed out */
	bool reserved;
	void *(*phys_to_virt)(uint64_t pa);
};

/* Puts the pool's top at the highest end among `free_ranges` (already
 * stripped of everything the hypervisor must not hand out, clipped to
 * `limit`) whose range holds at least `min_size` bytes.  -ENOMEM when none
 * does, -EINVAL for min_size 0. */
int palloc_init(struct palloc *p, const struct mem_range *free_ranges,
		size_t n, uint64_t min_size, uint64_t limit,
		void *(*phys_to_virt)(uint64_t pa));

/* `count` contiguous zeroed pages, taken from the top down; their physical
 * address, or 0 when the pool is exhausted. */
uint64_t palloc_pages(struct palloc *p, uint64_t count);

/* Fixes the pool's bottom at `headroom` bytes (rounded up to pages) below
 * the pages in use, or lower so that the pool is at least `min_size` bytes;
 * later allocations may use that room and no more.  -ENOMEM (nothing
 * changed) when the free range is too small; -EINVAL when already fixed. */
int palloc_reserve(struct palloc *p, uint64_t headroom, uint64_t min_size);

/* Bytes handed out so far. */
static inline uint64_t palloc_used(const struct palloc *p)
{
	return p->end - p->next;
}

/* Adapter for the table builders' struct page_ops (ctx = struct palloc *). */
uint64_t palloc_page_op(void *ctx);
void *palloc_phys_to_virt_op(void *ctx, uint64_t pa);

#endif
