/* Sub-page permission table (SPPT) builder and per-page protection records.
 *
 * The SPPT is what the CPU reads (Intel SDM Vol. 3C, Section 28.3.4).  Next to it
 * the builder keeps one record per protected 4 KiB page: its writable mask and,
 * per sub-page, the id of the range protecting it, so that an EPT violation on
 * that page is classified without scanning the ranges.  Records are found through
 * a private 4-level radix index shaped like the SPPT (same GPA bit slices), so
 * sppt_find() costs four table reads whatever the number of pages or ranges.
 *
 * Memory (all pages from page_ops, never freed; there is no unprotect):
 *  - per protected page: one 80-byte record (51 per 4 KiB page, 80.3 bytes
 *    amortised) plus one 8-byte SPPT leaf entry and one 8-byte index entry;
 *  - per 2 MiB region holding protected pages: one SPPT leaf table and one index
 *    leaf table (4 KiB each), and likewise one table each per 1 GiB and 512 GiB
 *    region above them, plus the two roots.
 *  Dense protection costs about 96 bytes per page; the worst case (every page in
 *  its own 512 GiB region) is 6 tables + 80 bytes per page: linear either way.
 *
 * Not thread-safe: the caller serialises all calls.  After a successful
 * sppt_protect() or sppt_leaf() that changed entries the caller must INVEPT, since
 * the CPU may cache sub-page permissions.
 */
#ifndef SPP_SPPT_H
#define SPP_SPPT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/page_ops.h"
#include "spp/spp_defs.h"

struct spp_page {
	uint64_t gpa;                   /* page-aligned */
	uint32_t writable_mask;         /* bit i set = sub-page i writable */
	/* Range id protecting sub-page i, SPP_NO_RANGE when it is writable. */
	uint16_t range_of_subpage[SPP_SUBPAGES_PER_PAGE];
};

struct sppt {
	const struct page_ops *ops;
	uint64_t root_pa;               /* what SPPTP gets */
	uint32_t table_pages;           /* SPPT pages, root included */
	uint32_t meta_pages;            /* record and index pages */
	uint32_t protected_pages;       /* records */
	/* Private to sppt.c. */
	uint64_t index_root_pa;
	uint64_t rec_head_pa;           /* newest record page, the only one not full */
	uint64_t spare_head_pa;         /* pages reserved but not yet used */
	uint32_t spare_pages;
};

/* Sub-page i writable (bit i) -> leaf bit 2i; odd bits 0. */
uint64_t sppt_mask_to_leaf(uint32_t writable_mask);
/* Leaf bit 2i -> bit i; the reserved odd bits are ignored. */
uint32_t sppt_leaf_to_mask(uint64_t leaf);

/* Allocates the SPPT root and the index root.  -ENOMEM, on which t is unusable.
 * Every function that allocates returns -EFAULT, changing nothing, if the
 * allocator hands out a page the SPPT cannot address (unaligned, >= 2^52). */
int sppt_init(struct sppt *t, const struct page_ops *ops);

/* Write-protects the sub-pages [start, end_inclusive] for range range_id.
 * start and end_inclusive + 1 must be multiples of 128 and end_inclusive below
 * 2^48; range_id must not be SPP_NO_RANGE (-EINVAL otherwise).  A sub-page held
 * by another range gives -EEXIST; protecting again with the same id is allowed.
 * All pages the call needs are reserved before anything is written, so -EINVAL,
 * -EEXIST and -ENOMEM leave the SPPT, the records and the counters as they were
 * (pages obtained before running out are kept for the next call). */
int sppt_protect(struct sppt *t, uint64_t start, uint64_t end_inclusive,
		 uint16_t range_id);

/* The record of the page containing gpa, or NULL.  O(1): four table reads. */
const struct spp_page *sppt_find(const struct sppt *t, uint64_t gpa);

/* Walks the SPPT to gpa's leaf entry.  With create, missing tables are added
 * (a new leaf table reads all-zero: no sub-page writable), all-or-nothing on
 * -ENOMEM; without, -ENOENT when a non-leaf entry is not valid.  -EINVAL for a
 * gpa at or above 2^48.  Repairing an SPPT miss (exit 66, qualification bit 11):
 * create the leaf and store sppt_mask_to_leaf() of sppt_find()'s mask. */
int sppt_leaf(struct sppt *t, uint64_t gpa, uint64_t **leaf, bool create);

/* Calls fn once per record, in no particular order; stops at and returns fn's
 * first negative value, else 0.  fn must not call sppt_protect(). */
typedef int (*sppt_page_fn)(void *arg, const struct spp_page *p);
int sppt_for_each_page(const struct sppt *t, sppt_page_fn fn, void *arg);

#endif
