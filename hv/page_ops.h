/* Allocation and address-translation hooks handed to every table builder (EPT,
 * SPPT, host page tables).  The hypervisor passes its physical page allocator and
 * an identity phys_to_virt; host unit tests pass fake memory and allocators that
 * run out on purpose.  Builders keep no globals: all state is reached through
 * this struct and the tables themselves. */
#ifndef HV_PAGE_OPS_H
#define HV_PAGE_OPS_H

#include <stdint.h>

struct page_ops {
	void *ctx;
	/* A zeroed 4 KiB page: its physical address, or 0 when memory ran out. */
	uint64_t (*alloc_page)(void *ctx);
	/* Where the builder can read and write the page at physical address pa. */
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12

#endif
