/* Half-open physical address ranges [start, end) and the set operations used to
 * build the guest-physical map and the EPT input.  A range with end <= start is
 * empty; a range cannot end at 2^64, so the last byte of the address space is
 * never representable (nothing real lives there). */
#ifndef HV_MEMRANGE_H
#define HV_MEMRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_range {
	uint64_t start, end;	/* end exclusive */
};

static inline bool memrange_is_empty(const struct mem_range *r)
{
	return r->end <= r->start;
}

static inline uint64_t memrange_len(const struct mem_range *r)
{
	return memrange_is_empty(r) ? 0 : r->end - r->start;
}

/* Empty ranges contain nothing and overlap nothing; an empty inner range is
 * contained in any range. */
bool memrange_overlaps(const struct mem_range *a, const struct mem_range *b);
bool memrange_contains(const struct mem_range *outer,
		       const struct mem_range *inner);
bool memrange_contains_addr(const struct mem_range *r, uint64_t addr);

/* Sort by start, then end; in place, O(n log n), not stable. */
void memrange_sort(struct mem_range *r, size_t n);

/* Sort, drop empty ranges and merge overlapping or adjacent ones; returns the
 * new count (<= n).  Afterwards r[i].end < r[i + 1].start. */
size_t memrange_merge(struct mem_range *r, size_t n);

/* out = a minus the union of b.  Neither input needs to be sorted; out keeps
 * a's order, so it is sorted and disjoint when a is (e.g. after merge).  Empty
 * pieces are not emitted.  -ENOSPC when more than cap pieces result (*out_n
 * then holds cap).  out must not alias a or b. */
int memrange_subtract(const struct mem_range *a, size_t na,
		      const struct mem_range *b, size_t nb,
		      struct mem_range *out, size_t cap, size_t *out_n);

/* True when every byte of r lies in the union of set (unsorted allowed). */
bool memrange_set_covers(const struct mem_range *set, size_t n,
			 const struct mem_range *r);

/* True when r overlaps some member of set; *which (if not NULL) gets the
 * lowest such index. */
bool memrange_set_overlaps(const struct mem_range *set, size_t n,
			   const struct mem_range *r, size_t *which);

/* Shrink to the largest align-aligned range inside r.  align must be a power
 * of two.  Returns false (and leaves r empty) when nothing aligned remains. */
bool memrange_align_inward(struct mem_range *r, uint64_t align);

/* Grow to the smallest align-aligned range containing r.  -EINVAL for a bad
 * align, -EOVERFLOW when the end would pass 2^64 - align. */
int memrange_align_outward(struct mem_range *r, uint64_t align);

bool memrange_page_inward(struct mem_range *r);
int memrange_page_outward(struct mem_range *r);

/* Of the ranges clipped to end at `limit` and shrunk to whole pages, the one
 * with the highest end that holds at least `size` bytes (rounded up to whole
 * pages) goes to *fit: the highest place for a block of that size is
 * [fit->end - size, fit->end).  -ENOMEM when none holds it, -EINVAL for
 * size 0 or a size whose round-up wraps. */
int memrange_highest_fit(const struct mem_range *r, size_t n, uint64_t size, uint64_t limit,
			 struct mem_range *fit);

#endif
