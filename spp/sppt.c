/* SPPT builder and protection records; see sppt.h for the design and costs. */
#include <stddef.h>

#include "hv/errno.h"
#include "hv/lib/string.h"
#include "spp/sppt.h"

/* Records live in chained pages: a 16-byte header and 51 records of 80 bytes. */
#define SPPT_RECS_PER_PAGE 51

struct sppt_rec_page {
	uint64_t next_pa;
	uint32_t count;
	uint32_t reserved;
	struct spp_page rec[SPPT_RECS_PER_PAGE];
};

_Static_assert(sizeof(struct spp_page) == 80, "record size stated in sppt.h");
_Static_assert(sizeof(struct sppt_rec_page) <= PAGE_SIZE, "records fit a page");
/* The index stores a record's address with bit 0 as its valid flag. */
_Static_assert(offsetof(struct sppt_rec_page, rec) % 2 == 0 &&
	       sizeof(struct spp_page) % 2 == 0, "record addresses are even");

#define SPPT_PAGE_OFFSET_MASK (PAGE_SIZE - 1)

uint64_t sppt_mask_to_leaf(uint32_t writable_mask)
{
	uint64_t x = writable_mask;

	x = (x | (x << 16)) & 0x0000ffff0000ffffull;
	x = (x | (x << 8)) & 0x00ff00ff00ff00ffull;
	x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0full;
	x = (x | (x << 2)) & 0x3333333333333333ull;
	x = (x | (x << 1)) & 0x5555555555555555ull;
	return x;
}

uint32_t sppt_leaf_to_mask(uint64_t leaf)
{
	uint64_t x = leaf & SPPT_LEAF_ALL_WRITABLE;

	x = (x | (x >> 1)) & 0x3333333333333333ull;
	x = (x | (x >> 2)) & 0x0f0f0f0f0f0f0f0full;
	x = (x | (x >> 4)) & 0x00ff00ff00ff00ffull;
	x = (x | (x >> 8)) & 0x0000ffff0000ffffull;
	x = (x | (x >> 16)) & 0x00000000ffffffffull;
	return (uint32_t)x;
}

static void *sppt_virt(const struct sppt *t, uint64_t pa)
{
	return t->ops->phys_to_virt(t->ops->ctx, pa);
}

/* Level 3 is the root (GPA[47:39]), level 0 the leaf table (GPA[20:12]). */
static unsigned sppt_slot(uint64_t gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (SPPT_ENTRIES - 1);
}

/* Another logical processor may be walking the SPPT while a guest runs, so an
 * entry is published with one 64-bit store, after the table it points to has
 * been cleared (x86 keeps stores in order; the barrier keeps the compiler so). */
static void sppt_set_entry(uint64_t *entry, uint64_t val)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)entry = val;
}

/* Pages are obtained up front into a spare list so that a call either has all it
 * needs or changes nothing; the list is threaded through the pages' first word. */
static int sppt_reserve(struct sppt *t, uint64_t pages)
{
	if (pages > UINT32_MAX)
		return -ENOMEM;
	while (t->spare_pages < pages) {
		uint64_t pa = t->ops->alloc_page(t->ops->ctx);
		uint64_t *v;

		if (!pa)
			return -ENOMEM;
		/* The SPPT can only point at page-aligned addresses below 2^52. */
		if (pa & ~SPPT_ADDR_MASK)
			return -EFAULT;
		v = sppt_virt(t, pa);
		v[0] = t->spare_head_pa;
		t->spare_head_pa = pa;
		t->spare_pages++;
	}
	return 0;
}

static uint64_t sppt_spare_take(struct sppt *t)
{
	uint64_t pa = t->spare_head_pa;
	uint64_t *v = sppt_virt(t, pa);

	t->spare_head_pa = v[0];
	v[0] = 0;
	t->spare_pages--;
	return pa;
}

/* The table at level covering gpa, or NULL where a non-leaf entry is invalid.
 * The SPPT and the record index share this shape and entry format. */
static uint64_t *sppt_table_at(const struct sppt *t, uint64_t root_pa,
			       uint64_t gpa, int level)
{
	uint64_t *tbl = sppt_virt(t, root_pa);

	for (int l = SPPT_LEVELS - 1; l > level; l--) {
		uint64_t e = tbl[sppt_slot(gpa, l)];

		if (!(e & SPPT_NL_VALID))
			return NULL;
		tbl = sppt_virt(t, e & SPPT_ADDR_MASK);
	}
	return tbl;
}

/* Only after sppt_reserve() covered sppt_missing_tables(). */
static uint64_t *sppt_walk_create(struct sppt *t, uint64_t root_pa, uint64_t gpa,
				  uint32_t *pages)
{
	uint64_t *tbl = sppt_virt(t, root_pa);

	for (int l = SPPT_LEVELS - 1; l > 0; l--) {
		uint64_t *e = &tbl[sppt_slot(gpa, l)];

		if (!(*e & SPPT_NL_VALID)) {
			sppt_set_entry(e, sppt_spare_take(t) | SPPT_NL_VALID);
			(*pages)++;
		}
		tbl = sppt_virt(t, *e & SPPT_ADDR_MASK);
	}
	return &tbl[sppt_slot(gpa, 0)];
}

/* Tables below the root that a walk to every page of [first, last] would add. */
static uint64_t sppt_missing_tables(const struct sppt *t, uint64_t root_pa,
				    uint64_t first, uint64_t last)
{
	uint64_t n = 0;

	for (int level = SPPT_LEVELS - 2; level >= 0; level--) {
		unsigned shift = PAGE_SHIFT + 9 * (level + 1);

		for (uint64_t r = first >> shift; r <= last >> shift; r++)
			if (!sppt_table_at(t, root_pa, r << shift, level))
				n++;
	}
	return n;
}

static struct spp_page *sppt_rec(const struct sppt *t, uint64_t gpa)
{
	const uint64_t *tbl;
	uint64_t e, pa;

	if (gpa >= SPPT_GPA_LIMIT || !t->index_root_pa)
		return NULL;
	tbl = sppt_table_at(t, t->index_root_pa, gpa, 0);
	if (!tbl)
		return NULL;
	e = tbl[sppt_slot(gpa, 0)];
	if (!(e & SPPT_NL_VALID))
		return NULL;
	pa = e & ~SPPT_NL_VALID;
	return (struct spp_page *)((char *)sppt_virt(t, pa & ~SPPT_PAGE_OFFSET_MASK) +
				   (pa & SPPT_PAGE_OFFSET_MASK));
}

const struct spp_page *sppt_find(const struct sppt *t, uint64_t gpa)
{
	return sppt_rec(t, gpa);
}

/* Only after sppt_reserve() covered the record page and index tables. */
static struct spp_page *sppt_rec_new(struct sppt *t, uint64_t page_gpa)
{
	struct sppt_rec_page *rp = NULL;
	struct spp_page *p;
	uint64_t rec_pa;
	uint32_t i;

	if (t->rec_head_pa)
		rp = sppt_virt(t, t->rec_head_pa);
	if (!rp || rp->count == SPPT_RECS_PER_PAGE) {
		uint64_t pa = sppt_spare_take(t);

		rp = sppt_virt(t, pa);
		rp->next_pa = t->rec_head_pa;
		t->rec_head_pa = pa;
		t->meta_pages++;
	}
	i = rp->count;
	p = &rp->rec[i];
	p->gpa = page_gpa;
	p->writable_mask = SPP_ALL_WRITABLE_MASK;
	for (unsigned s = 0; s < SPP_SUBPAGES_PER_PAGE; s++)
		p->range_of_subpage[s] = SPP_NO_RANGE;
	rp->count = i + 1;
	rec_pa = t->rec_head_pa + offsetof(struct sppt_rec_page, rec) +
		 (uint64_t)i * sizeof(*p);
	sppt_set_entry(sppt_walk_create(t, t->index_root_pa, page_gpa, &t->meta_pages),
		       rec_pa | SPPT_NL_VALID);
	t->protected_pages++;
	return p;
}

/* Record pages that new_recs more records need beyond the head page's room. */
static uint64_t sppt_rec_pages_needed(const struct sppt *t, uint64_t new_recs)
{
	uint64_t room = 0;

	if (t->rec_head_pa) {
		const struct sppt_rec_page *rp = sppt_virt(t, t->rec_head_pa);

		room = SPPT_RECS_PER_PAGE - rp->count;
	}
	if (new_recs <= room)
		return 0;
	return (new_recs - room + SPPT_RECS_PER_PAGE - 1) / SPPT_RECS_PER_PAGE;
}

int sppt_init(struct sppt *t, const struct page_ops *ops)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->ops = ops;
	rc = sppt_reserve(t, 2);
	if (rc)
		return rc;
	t->root_pa = sppt_spare_take(t);
	t->table_pages = 1;
	t->index_root_pa = sppt_spare_take(t);
	t->meta_pages = 1;
	return 0;
}

int sppt_protect(struct sppt *t, uint64_t start, uint64_t end_inclusive,
		 uint16_t range_id)
{
	uint64_t first = start & ~SPPT_PAGE_OFFSET_MASK;
	uint64_t last = end_inclusive & ~SPPT_PAGE_OFFSET_MASK;
	unsigned first_sub = (start >> SPP_SUBPAGE_SHIFT) % SPP_SUBPAGES_PER_PAGE;
	unsigned last_sub = (end_inclusive >> SPP_SUBPAGE_SHIFT) % SPP_SUBPAGES_PER_PAGE;
	uint64_t new_recs = 0, pages;
	int rc;

	if (range_id == SPP_NO_RANGE || end_inclusive < start ||
	    end_inclusive >= SPPT_GPA_LIMIT || start % SPP_SUBPAGE_SIZE ||
	    (end_inclusive + 1) % SPP_SUBPAGE_SIZE)
		return -EINVAL;

	for (uint64_t gpa = first; gpa <= last; gpa += PAGE_SIZE) {
		const struct spp_page *p = sppt_rec(t, gpa);
		unsigned lo = gpa == first ? first_sub : 0;
		unsigned hi = gpa == last ? last_sub : SPP_SUBPAGES_PER_PAGE - 1;

		if (!p) {
			new_recs++;
			continue;
		}
		for (unsigned s = lo; s <= hi; s++)
			if (p->range_of_subpage[s] != SPP_NO_RANGE &&
			    p->range_of_subpage[s] != range_id)
				return -EEXIST;
	}
	if (new_recs > UINT32_MAX - t->protected_pages)
		return -ENOMEM;

	pages = sppt_missing_tables(t, t->root_pa, first, last) +
		sppt_missing_tables(t, t->index_root_pa, first, last) +
		sppt_rec_pages_needed(t, new_recs);
	rc = sppt_reserve(t, pages);
	if (rc)
		return rc;

	for (uint64_t gpa = first; gpa <= last; gpa += PAGE_SIZE) {
		struct spp_page *p = sppt_rec(t, gpa);
		unsigned lo = gpa == first ? first_sub : 0;
		unsigned hi = gpa == last ? last_sub : SPP_SUBPAGES_PER_PAGE - 1;

		if (!p)
			p = sppt_rec_new(t, gpa);
		for (unsigned s = lo; s <= hi; s++) {
			p->writable_mask &= ~(1u << s);
			p->range_of_subpage[s] = range_id;
		}
		sppt_set_entry(sppt_walk_create(t, t->root_pa, gpa, &t->table_pages),
			       sppt_mask_to_leaf(p->writable_mask));
	}
	return 0;
}

int sppt_leaf(struct sppt *t, uint64_t gpa, uint64_t **leaf, bool create)
{
	uint64_t *tbl;
	int rc;

	if (gpa >= SPPT_GPA_LIMIT)
		return -EINVAL;
	tbl = sppt_table_at(t, t->root_pa, gpa, 0);
	if (tbl) {
		*leaf = &tbl[sppt_slot(gpa, 0)];
		return 0;
	}
	if (!create)
		return -ENOENT;
	rc = sppt_reserve(t, sppt_missing_tables(t, t->root_pa, gpa, gpa));
	if (rc)
		return rc;
	*leaf = sppt_walk_create(t, t->root_pa, gpa, &t->table_pages);
	return 0;
}

int sppt_for_each_page(const struct sppt *t, sppt_page_fn fn, void *arg)
{
	for (uint64_t pa = t->rec_head_pa; pa;) {
		const struct sppt_rec_page *rp = sppt_virt(t, pa);

		for (uint32_t i = 0; i < rp->count; i++) {
			int rc = fn(arg, &rp->rec[i]);

			if (rc < 0)
				return rc;
		}
		pa = rp->next_pa;
	}
	return 0;
}
