#include "hv/palloc.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/page_ops.h"

int palloc_init(struct palloc *p, const struct mem_range *free_ranges,
		size_t n, uint64_t min_size, uint64_t limit,
		void *(*phys_to_virt)(uint64_t pa))
{
	struct mem_range fit;
	int err = memrange_highest_fit(free_ranges, n, min_size, limit, &fit);

	if (err)
		return err;
	p->start = fit.start;
	p->end = fit.end;
	p->next = fit.end;
	p->reserved = false;
	p->phys_to_virt = phys_to_virt;
	return 0;
}

uint64_t palloc_pages(struct palloc *p, uint64_t count)
{
	if (!count || count > (p->next - p->start) / PAGE_SIZE)
		return 0;
	p->next -= count * PAGE_SIZE;
	memset(p->phys_to_virt(p->next), 0, count * PAGE_SIZE);
	return p->next;
}

int palloc_reserve(struct palloc *p, uint64_t headroom, uint64_t min_size)
{
	uint64_t room = p->next - p->start, bottom;

	if (p->reserved)
		return -EINVAL;
	if (headroom > room || min_size > p->end - p->start)
		return -ENOMEM;
	headroom = (headroom + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (headroom > room)
		return -ENOMEM;
	bottom = p->next - headroom;
	if (p->end - bottom < min_size)
		bottom = (p->end - min_size) & ~(PAGE_SIZE - 1);
	if (bottom < p->start)
		return -ENOMEM;
	p->start = bottom;
	p->reserved = true;
	return 0;
}

uint64_t palloc_page_op(void *ctx)
{
	return palloc_pages(ctx, 1);
}

void *palloc_phys_to_virt_op(void *ctx, uint64_t pa)
{
	return ((struct palloc *)ctx)->phys_to_virt(pa);
}
