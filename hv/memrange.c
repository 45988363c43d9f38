/* Range-set arithmetic on half-open ranges.  Sets are small (memory map
 * entries, hypervisor reservations), so the quadratic scans below beat any
 * scratch-buffer algorithm on simplicity and need no allocation. */
#include "hv/memrange.h"
#include "hv/errno.h"
#include "hv/page_ops.h"

bool memrange_overlaps(const struct mem_range *a, const struct mem_range *b)
{
	if (memrange_is_empty(a) || memrange_is_empty(b))
		return false;
	return a->start < b->end && b->start < a->end;
}

bool memrange_contains(const struct mem_range *outer,
		       const struct mem_range *inner)
{
	if (memrange_is_empty(inner))
		return true;
	return outer->start <= inner->start && inner->end <= outer->end;
}

bool memrange_contains_addr(const struct mem_range *r, uint64_t addr)
{
	return r->start <= addr && addr < r->end;
}

static bool memrange_less(const struct mem_range *a, const struct mem_range *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	return a->end < b->end;
}

static void memrange_sift_down(struct mem_range *r, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		struct mem_range tmp;

		if (child >= n)
			return;
		if (child + 1 < n && memrange_less(&r[child], &r[child + 1]))
			child++;
		if (!memrange_less(&r[root], &r[child]))
			return;
		tmp = r[root];
		r[root] = r[child];
		r[child] = tmp;
		root = child;
	}
}

void memrange_sort(struct mem_range *r, size_t n)
{
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		memrange_sift_down(r, i, n);
	for (i = n - 1; i > 0; i--) {
		struct mem_range tmp = r[0];

		r[0] = r[i];
		r[i] = tmp;
		memrange_sift_down(r, 0, i);
	}
}

size_t memrange_merge(struct mem_range *r, size_t n)
{
	size_t i, out = 0;

	memrange_sort(r, n);
	for (i = 0; i < n; i++) {
		if (memrange_is_empty(&r[i]))
			continue;
		if (out > 0 && r[i].start <= r[out - 1].end) {
			if (r[i].end > r[out - 1].end)
				r[out - 1].end = r[i].end;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/* The member of b overlapping [cursor, end) with the lowest start, or NULL. */
static const struct mem_range *
memrange_first_hit(const struct mem_range *b, size_t nb, uint64_t cursor,
		   uint64_t end)
{
	const struct mem_range *best = NULL;
	struct mem_range win = { cursor, end };
	size_t i;

	for (i = 0; i < nb; i++) {
		if (!memrange_overlaps(&b[i], &win))
			continue;
		if (!best || b[i].start < best->start)
			best = &b[i];
	}
	return best;
}

int memrange_subtract(const struct mem_range *a, size_t na,
		      const struct mem_range *b, size_t nb,
		      struct mem_range *out, size_t cap, size_t *out_n)
{
	size_t i, n = 0;

	for (i = 0; i < na; i++) {
		uint64_t cursor = a[i].start;

		while (cursor < a[i].end) {
			const struct mem_range *hit =
				memrange_first_hit(b, nb, cursor, a[i].end);
			uint64_t piece_end = hit ? hit->start : a[i].end;

			if (piece_end > cursor) {
				if (n == cap) {
					*out_n = n;
					return -ENOSPC;
				}
				out[n].start = cursor;
				out[n].end = piece_end;
				n++;
			}
			/* hit->end > cursor, so each pass makes progress. */
			cursor = hit ? hit->end : a[i].end;
		}
	}
	*out_n = n;
	return 0;
}

bool memrange_set_covers(const struct mem_range *set, size_t n,
			 const struct mem_range *r)
{
	uint64_t cursor = r->start;

	while (cursor < r->end) {
		uint64_t best = cursor;
		size_t i;

		for (i = 0; i < n; i++)
			if (memrange_contains_addr(&set[i], cursor) &&
			    set[i].end > best)
				best = set[i].end;
		if (best == cursor)
			return false;
		cursor = best;
	}
	return true;
}

bool memrange_set_overlaps(const struct mem_range *set, size_t n,
			   const struct mem_range *r, size_t *which)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (memrange_overlaps(&set[i], r)) {
			if (which)
				*which = i;
			return true;
		}
	}
	return false;
}

static bool memrange_align_ok(uint64_t align)
{
	return align != 0 && (align & (align - 1)) == 0;
}

bool memrange_align_inward(struct mem_range *r, uint64_t align)
{
	uint64_t start, end;

	if (!memrange_align_ok(align) || memrange_is_empty(r))
		goto empty;
	if (r->start > UINT64_MAX - (align - 1))
		goto empty;
	start = (r->start + align - 1) & ~(align - 1);
	end = r->end & ~(align - 1);
	if (end <= start)
		goto empty;
	r->start = start;
	r->end = end;
	return true;
empty:
	r->end = r->start;
	return false;
}

int memrange_align_outward(struct mem_range *r, uint64_t align)
{
	if (!memrange_align_ok(align))
		return -EINVAL;
	if (memrange_is_empty(r))
		return 0;
	if (r->end > UINT64_MAX - (align - 1))
		return -EOVERFLOW;
	r->start &= ~(align - 1);
	r->end = (r->end + align - 1) & ~(align - 1);
	return 0;
}

bool memrange_page_inward(struct mem_range *r)
{
	return memrange_align_inward(r, PAGE_SIZE);
}

int memrange_page_outward(struct mem_range *r)
{
	return memrange_align_outward(r, PAGE_SIZE);
}

int memrange_highest_fit(const struct mem_range *r, size_t n, uint64_t size, uint64_t limit,
			 struct mem_range *fit)
{
	struct mem_range best = { 0, 0 };

	if (!size || size > UINT64_MAX - (PAGE_SIZE - 1))
		return -EINVAL;
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (size_t i = 0; i < n; i++) {
		struct mem_range c = r[i];

		if (c.end > limit)
			c.end = limit;
		if (!memrange_page_inward(&c) || memrange_len(&c) < size)
			continue;
		if (c.end > best.end)
			best = c;
	}
	if (!best.end)
		return -ENOMEM;
	*fit = best;
	return 0;
}
