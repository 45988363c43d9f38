#include "hv/palloc.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/page_ops.h"

int palloc_init(struct palloc *p, const struct mem_range *free_ranges,
		size_t n, uint64_t size, uint64_t limit,
		void *(*phys_to_virt)(uint64_t pa))
{
	uint64_t best = 0;

	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct mem_range r = free_ranges[i];

		if (r.end > limit)
			r.end = limit;
		if (!memrange_page_inward(&r) || memrange_len(&r) < size)
			continue;
		if (r.end - size > best)
			best = r.end - size;
	}
	if (!best)
		return -ENOMEM;
	p->start = best;
	p->end = best + size;
	p->next = best;
	p->phys_to_virt = phys_to_virt;
	return 0;
}

uint64_t palloc_pages(struct palloc *p, uint64_t count)
{
	uint64_t pa = p->next;

	if (!count || count > (p->end - p->next) / PAGE_SIZE)
		return 0;
	p->next += count * PAGE_SIZE;
	memset(p->phys_to_virt(pa), 0, count * PAGE_SIZE);
	return pa;
}

uint64_t palloc_page_op(void *ctx)
{
	return palloc_pages(ctx, 1);
}

void *palloc_phys_to_virt_op(void *ctx, uint64_t pa)
{
	return ((struct palloc *)ctx)->phys_to_virt(pa);
}
