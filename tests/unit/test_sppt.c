/* Host tests for the SPPT builder.  Expected values come from the SDM's SPPT
 * format (Vol. 3C, Section 28.3.4), written out here as literals rather than
 * taken from spp_defs.h, and the table walk below is the hardware's, done
 * independently of sppt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/errno.h"
#include "spp/sppt.h"

#define PG 4096ull
#define ALL_W 0x5555555555555555ull

/* Fake physical memory: pa = FAKE_PA_BASE + 4 KiB * index; high bits set so a
 * builder that truncates addresses is caught. */
#define FAKE_PA_BASE 0x000ab00000000000ull

struct fake_mem {
	uint8_t *buf;
	uint32_t cap;
	uint32_t used;
	uint32_t limit;         /* alloc_page fails once used reaches it */
	struct page_ops ops;
};

static uint64_t fake_alloc(void *ctx)
{
	struct fake_mem *m = ctx;

	if (m->used >= m->limit || m->used >= m->cap)
		return 0;
	memset(m->buf + (uint64_t)m->used * PG, 0, PG);
	return FAKE_PA_BASE + (uint64_t)m->used++ * PG;
}

static void *fake_p2v(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;

	assert_int_equal(pa % PG, 0);
	assert_true(pa >= FAKE_PA_BASE);
	assert_true(pa < FAKE_PA_BASE + (uint64_t)m->used * PG);
	return m->buf + (pa - FAKE_PA_BASE);
}

static struct fake_mem *fake_new(uint32_t cap)
{
	struct fake_mem *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->buf = malloc((size_t)cap * PG);
	assert_non_null(m->buf);
	/* Pages not yet handed out hold garbage: nothing may rely on them. */
	memset(m->buf, 0xa5, (size_t)cap * PG);
	m->cap = cap;
	m->limit = cap;
	m->ops = (struct page_ops){ .ctx = m, .alloc_page = fake_alloc,
				    .phys_to_virt = fake_p2v };
	return m;
}

static void fake_free(struct fake_mem *m)
{
	free(m->buf);
	free(m);
}

static void init_ok(struct sppt *t, struct fake_mem *m)
{
	assert_int_equal(sppt_init(t, &m->ops), 0);
}

/* No allocation goes unaccounted. */
static void check_accounting(const struct sppt *t, const struct fake_mem *m)
{
	assert_int_equal(m->used, t->table_pages + t->meta_pages + t->spare_pages);
}

/* The CPU's walk: GPA[47:39], [38:30], [29:21] select valid non-leaf entries
 * (bit 0) whose bits 11:1 and 63:52 are zero; GPA[20:12] selects the leaf,
 * whose odd bits are zero.  Returns the leaf's address, NULL on an SPPT miss. */
static uint64_t *hw_walk(struct fake_mem *m, uint64_t root_pa, uint64_t gpa)
{
	uint64_t *tbl = fake_p2v(m, root_pa);

	for (int shift = 39; shift >= 21; shift -= 9) {
		uint64_t e = tbl[(gpa >> shift) & 511];

		if (!(e & 1))
			return NULL;
		assert_int_equal(e & 0xffe, 0);
		assert_int_equal(e >> 52, 0);
		tbl = fake_p2v(m, e & 0x000ffffffffff000ull);
	}
	assert_int_equal(tbl[(gpa >> 12) & 511] & 0xaaaaaaaaaaaaaaaaull, 0);
	return &tbl[(gpa >> 12) & 511];
}

static uint64_t hw_leaf(struct fake_mem *m, const struct sppt *t, uint64_t gpa)
{
	uint64_t *leaf = hw_walk(m, t->root_pa, gpa);

	assert_non_null(leaf);
	return *leaf;
}

/* Independent spreading: sub-page i writable <-> leaf bit 2i. */
static uint64_t ref_spread(uint32_t mask)
{
	uint64_t leaf = 0;

	for (int i = 0; i < 32; i++)
		if (mask & (1u << i))
			leaf |= 1ull << (2 * i);
	return leaf;
}

/* ids[i] is the expected range of sub-page i, 0xffff when writable. */
static void check_page(struct fake_mem *m, const struct sppt *t, uint64_t page,
		       const uint16_t ids[32])
{
	const struct spp_page *p = sppt_find(t, page);
	uint32_t mask = 0;

	for (int i = 0; i < 32; i++)
		if (ids[i] == 0xffff)
			mask |= 1u << i;
	assert_non_null(p);
	assert_int_equal(p->gpa, page);
	assert_int_equal(p->writable_mask, mask);
	for (int i = 0; i < 32; i++)
		assert_int_equal(p->range_of_subpage[i], ids[i]);
	assert_ptr_equal(sppt_find(t, page + 0xfff), p);
	assert_ptr_equal(sppt_find(t, page + 0x7ff), p);
	assert_int_equal(hw_leaf(m, t, page), ref_spread(mask));
}

/* Everything but the spare list, which may hold pages a failed call got. */
static void check_same_counters(const struct sppt *a, const struct sppt *b)
{
	assert_ptr_equal(a->ops, b->ops);
	assert_int_equal(a->root_pa, b->root_pa);
	assert_int_equal(a->table_pages, b->table_pages);
	assert_int_equal(a->meta_pages, b->meta_pages);
	assert_int_equal(a->protected_pages, b->protected_pages);
	assert_int_equal(a->index_root_pa, b->index_root_pa);
	assert_int_equal(a->rec_head_pa, b->rec_head_pa);
}

static void ids_fill(uint16_t ids[32], unsigned lo, unsigned hi, uint16_t id)
{
	for (unsigned i = lo; i <= hi; i++)
		ids[i] = id;
}

static void ids_clear(uint16_t ids[32])
{
	ids_fill(ids, 0, 31, 0xffff);
}

static void test_mask_leaf(void **state)
{
	(void)state;
	assert_int_equal(sppt_mask_to_leaf(0xffffffff), 0x5555555555555555ull);
	assert_int_equal(sppt_mask_to_leaf(0), 0);
	assert_int_equal(sppt_mask_to_leaf(0x55555555), 0x1111111111111111ull);
	assert_int_equal(sppt_mask_to_leaf(0xaaaaaaaa), 0x4444444444444444ull);
	assert_int_equal(sppt_mask_to_leaf(1), 1);
	assert_int_equal(sppt_mask_to_leaf(0x80000000), 1ull << 62);
	assert_int_equal(sppt_mask_to_leaf(0x0000ffff), 0x0000000055555555ull);
	assert_int_equal(sppt_mask_to_leaf(0xffff0000), 0x5555555500000000ull);

	assert_int_equal(sppt_leaf_to_mask(0x5555555555555555ull), 0xffffffff);
	assert_int_equal(sppt_leaf_to_mask(0), 0);
	assert_int_equal(sppt_leaf_to_mask(0x1111111111111111ull), 0x55555555);
	assert_int_equal(sppt_leaf_to_mask(0x4444444444444444ull), 0xaaaaaaaa);
	assert_int_equal(sppt_leaf_to_mask(1), 1);
	assert_int_equal(sppt_leaf_to_mask(1ull << 62), 0x80000000);
	/* Odd bits are reserved and carry no permission. */
	assert_int_equal(sppt_leaf_to_mask(0xaaaaaaaaaaaaaaaaull), 0);
	assert_int_equal(sppt_leaf_to_mask(~0ull), 0xffffffff);
	assert_int_equal(sppt_leaf_to_mask(1ull << 63), 0);

	for (int i = 0; i < 32; i++) {
		assert_int_equal(sppt_mask_to_leaf(1u << i), 1ull << (2 * i));
		assert_int_equal(sppt_leaf_to_mask(1ull << (2 * i)), 1u << i);
		assert_int_equal(sppt_leaf_to_mask(1ull << (2 * i + 1)), 0);
	}
	uint32_t x = 0x12345678;
	for (int n = 0; n < 100000; n++) {
		x = x * 1664525u + 1013904223u;
		assert_int_equal(sppt_mask_to_leaf(x), ref_spread(x));
		assert_int_equal(sppt_leaf_to_mask(ref_spread(x)), x);
	}
}

static void test_init(void **state)
{
	struct fake_mem *m = fake_new(8);
	struct sppt t;
	uint64_t *leaf;

	(void)state;
	init_ok(&t, m);
	assert_int_equal(m->used, 2);
	assert_int_equal(t.table_pages, 1);
	assert_int_equal(t.meta_pages, 1);
	assert_int_equal(t.protected_pages, 0);
	assert_int_equal(t.root_pa % PG, 0);
	check_accounting(&t, m);
	const uint64_t *root = fake_p2v(m, t.root_pa);
	for (int i = 0; i < 512; i++)
		assert_int_equal(root[i], 0);
	assert_null(sppt_find(&t, 0));
	assert_null(sppt_find(&t, 0x1000));
	assert_int_equal(sppt_leaf(&t, 0x1000, &leaf, false), -ENOENT);
	fake_free(m);

	/* Running out while allocating either root. */
	for (uint32_t n = 0; n < 2; n++) {
		m = fake_new(8);
		m->limit = n;
		assert_int_equal(sppt_init(&t, &m->ops), -ENOMEM);
		fake_free(m);
	}
}

static void test_one_subpage(void **state)
{
	struct fake_mem *m = fake_new(16);
	struct sppt t;
	uint16_t ids[32];

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x5180, 0x51ff, 7), 0);
	ids_clear(ids);
	ids[3] = 7;
	check_page(m, &t, 0x5000, ids);
	assert_int_equal(hw_leaf(m, &t, 0x5000), 0x5555555555555515ull);
	assert_int_equal(t.protected_pages, 1);
	assert_int_equal(t.table_pages, 4);     /* root + 512G + 1G + leaf table */
	assert_int_equal(t.meta_pages, 5);      /* index root + 3 + record page */
	check_accounting(&t, m);
	assert_null(sppt_find(&t, 0x4fff));
	assert_null(sppt_find(&t, 0x6000));
	/* Same leaf table, not protected: the CPU would read 0 (never consulted,
	 * since only protected pages get EPT bit 61). */
	assert_int_equal(hw_leaf(m, &t, 0x6000), 0);
	fake_free(m);
}

static void test_subpages_0_31(void **state)
{
	struct fake_mem *m = fake_new(16);
	struct sppt t;
	uint16_t ids[32];

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x7000, 0x707f, 1), 0);
	assert_int_equal(sppt_protect(&t, 0x7f80, 0x7fff, 2), 0);
	ids_clear(ids);
	ids[0] = 1;
	ids[31] = 2;
	check_page(m, &t, 0x7000, ids);
	assert_int_equal(hw_leaf(m, &t, 0x7000), 0x1555555555555554ull);
	assert_int_equal(t.protected_pages, 1);
	check_accounting(&t, m);
	fake_free(m);
}

/* A range from the last sub-page before boundary b to the first one after. */
static void boundary_case(uint64_t b, uint32_t tables, uint32_t meta,
			  const int root_slots[2])
{
	struct fake_mem *m = fake_new(32);
	struct sppt t;
	uint16_t ids[32];

	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, b - 0x80, b + 0x7f, 9), 0);
	assert_int_equal(t.table_pages, tables);
	assert_int_equal(t.meta_pages, meta);
	assert_int_equal(t.protected_pages, 2);
	assert_int_equal(t.spare_pages, 0);
	check_accounting(&t, m);
	ids_clear(ids);
	ids[31] = 9;
	check_page(m, &t, b - PG, ids);
	ids_clear(ids);
	ids[0] = 9;
	check_page(m, &t, b, ids);
	assert_int_equal(hw_leaf(m, &t, b - PG), 0x1555555555555555ull);
	assert_int_equal(hw_leaf(m, &t, b), 0x5555555555555554ull);
	assert_null(sppt_find(&t, b - 2 * PG));
	assert_null(sppt_find(&t, b + PG));

	const uint64_t *root = fake_p2v(m, t.root_pa);
	for (int i = 0; i < 512; i++)
		assert_int_equal(root[i] != 0, i == root_slots[0] || i == root_slots[1]);
	/* Leaf entries sit at GPA[20:12] * 8 within their tables. */
	assert_int_equal(((uint8_t *)hw_walk(m, t.root_pa, b - PG) - m->buf) % PG,
			 (((b - PG) >> 12) & 511) * 8);
	assert_int_equal(((uint8_t *)hw_walk(m, t.root_pa, b) - m->buf) % PG,
			 ((b >> 12) & 511) * 8);
	fake_free(m);
}

static void test_boundaries(void **state)
{
	(void)state;
	/* Tables: root + one per level per region touched. */
	boundary_case(0x1000, 4, 5, (const int[2]){ 0, 0 });
	boundary_case(0x200000, 5, 6, (const int[2]){ 0, 0 });
	boundary_case(0x40000000, 6, 7, (const int[2]){ 0, 0 });
	boundary_case(0x8000000000ull, 7, 8, (const int[2]){ 0, 1 });
	boundary_case(0xff8000000000ull, 7, 8, (const int[2]){ 510, 511 });
}

static void test_top_of_gpa_space(void **state)
{
	struct fake_mem *m = fake_new(16);
	struct sppt t;
	uint16_t ids[32];
	uint64_t *leaf;

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0xffffffffff80ull, 0xffffffffffffull, 3), 0);
	ids_clear(ids);
	ids[31] = 3;
	check_page(m, &t, 0xfffffffff000ull, ids);
	assert_int_equal(((const uint64_t *)fake_p2v(m, t.root_pa))[511] & 1, 1);
	uint32_t used = m->used;
	assert_int_equal(sppt_protect(&t, 0xffffffffff80ull, 0x100000000007full, 4),
			 -EINVAL);
	assert_int_equal(sppt_leaf(&t, 0x1000000000000ull, &leaf, true), -EINVAL);
	assert_null(sppt_find(&t, 0x1000000000000ull));
	assert_null(sppt_find(&t, 0x1fffffffff000ull));
	assert_null(sppt_find(&t, ~0ull));
	assert_int_equal(m->used, used);
	fake_free(m);
}

static void test_rejects(void **state)
{
	struct fake_mem *m = fake_new(16);
	struct sppt t;

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x1001, 0x107f, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1040, 0x10ff, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1000, 0x107e, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1000, 0x1080, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1000, 0x1000, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1080, 0x107f, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x2000, 0x1fff, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1000, 0x107f, 0xffff), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0, ~0ull, 1), -EINVAL);
	assert_int_equal(sppt_protect(&t, 0x1000000000000ull, 0x100000000007full, 1),
			 -EINVAL);
	assert_int_equal(m->used, 2);
	assert_int_equal(t.protected_pages, 0);
	/* Range id 0 and 0xfffe are ordinary ids. */
	assert_int_equal(sppt_protect(&t, 0x1000, 0x107f, 0), 0);
	assert_int_equal(sppt_protect(&t, 0x1080, 0x10ff, 0xfffe), 0);
	fake_free(m);
}

static void test_overlap(void **state)
{
	struct fake_mem *m = fake_new(64);
	struct sppt t;
	uint16_t ids[32];

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x10100, 0x102ff, 1), 0);  /* sub 2..5 */

	uint32_t used = m->used;
	struct sppt before = t;
	uint8_t *snap = malloc((size_t)used * PG);
	assert_non_null(snap);
	memcpy(snap, m->buf, (size_t)used * PG);

	/* Conflict in the middle, at the start, at the end of the range. */
	assert_int_equal(sppt_protect(&t, 0x10280, 0x1037f, 2), -EEXIST);
	assert_int_equal(sppt_protect(&t, 0x10000, 0x1017f, 2), -EEXIST);
	/* New pages before the conflicting one, new regions after it. */
	assert_int_equal(sppt_protect(&t, 0xf000, 0x1017f, 2), -EEXIST);
	assert_int_equal(sppt_protect(&t, 0x10200, 0x40000fff, 2), -EEXIST);
	assert_int_equal(m->used, used);
	check_same_counters(&t, &before);
	assert_memory_equal(m->buf, snap, (size_t)used * PG);
	assert_null(sppt_find(&t, 0xf000));
	assert_null(sppt_find(&t, 0x11000));
	free(snap);

	/* The same range id may cover its own sub-pages again and grow. */
	assert_int_equal(sppt_protect(&t, 0x10200, 0x103ff, 1), 0);
	ids_clear(ids);
	ids_fill(ids, 2, 7, 1);
	check_page(m, &t, 0x10000, ids);
	assert_int_equal(t.protected_pages, 1);
	check_accounting(&t, m);
	fake_free(m);
}

static void test_adjacent_in_page(void **state)
{
	struct fake_mem *m = fake_new(16);
	struct sppt t;
	uint16_t ids[32];

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x3200, 0x327f, 2), 0);     /* sub 4 */
	assert_int_equal(sppt_protect(&t, 0x3000, 0x31ff, 1), 0);     /* sub 0..3 */
	ids_clear(ids);
	ids_fill(ids, 0, 3, 1);
	ids[4] = 2;
	check_page(m, &t, 0x3000, ids);
	assert_int_equal(sppt_protect(&t, 0x3280, 0x3fff, 3), 0);     /* sub 5..31 */
	ids_fill(ids, 5, 31, 3);
	check_page(m, &t, 0x3000, ids);
	assert_int_equal(hw_leaf(m, &t, 0x3000), 0);
	assert_int_equal(t.protected_pages, 1);
	assert_int_equal(sppt_protect(&t, 0x3000, 0x3fff, 3), -EEXIST);
	fake_free(m);
}

struct visit {
	uint8_t *seen;
	uint64_t base, stride;
	uint32_t n, calls, stop_at;
};

static int visit_fn(void *arg, const struct spp_page *p)
{
	struct visit *v = arg;
	uint64_t k;

	v->calls++;
	if (v->stop_at && v->calls == v->stop_at)
		return -42;
	assert_true(p->gpa >= v->base);
	assert_int_equal((p->gpa - v->base) % v->stride, 0);
	k = (p->gpa - v->base) / v->stride;
	assert_true(k < v->n);
	assert_int_equal(v->seen[k], 0);
	v->seen[k] = 1;
	return (int)(k % 3);    /* positive values do not stop the walk */
}

/* Regions of 2^shift bytes touched by pages base + stride * k, k < n. */
static uint32_t regions(uint64_t base, uint64_t stride, uint32_t n, int shift)
{
	uint32_t r = 0;
	uint64_t prev = ~0ull;

	for (uint32_t k = 0; k < n; k++) {
		uint64_t cur = (base + stride * k) >> shift;

		r += cur != prev;
		prev = cur;
	}
	return r;
}

static void test_many_ranges(void **state)
{
	const uint32_t n = 10000;
	/* 117 MiB of pages from 64 MiB below the 512 GiB line. */
	const uint64_t base = 0x7ffc000000ull, stride = 3 * PG;
	uint32_t tables = regions(base, stride, n, 39) + regions(base, stride, n, 30) +
			  regions(base, stride, n, 21);
	struct fake_mem *m = fake_new(2 + 2 * tables + 200);
	struct sppt t;
	uint16_t ids[32];

	(void)state;
	init_ok(&t, m);
	for (uint32_t k = 0; k < n; k++) {
		uint64_t s = base + stride * k + 0x80 * (k % 32);

		assert_int_equal(sppt_protect(&t, s, s + 0x7f, (uint16_t)(k * 6)), 0);
	}
	assert_int_equal(t.protected_pages, n);
	assert_int_equal(t.table_pages, 1 + tables);
	assert_int_equal(t.meta_pages, 1 + tables + (n + 50) / 51);
	check_accounting(&t, m);
	for (uint32_t k = 0; k < n; k++) {
		uint64_t page = base + stride * k;

		ids_clear(ids);
		ids[k % 32] = (uint16_t)(k * 6);
		check_page(m, &t, page, ids);
		assert_null(sppt_find(&t, page + PG));
		assert_null(sppt_find(&t, page + 2 * PG));
	}

	struct visit v = { .seen = calloc(n, 1), .base = base, .stride = stride, .n = n };
	assert_non_null(v.seen);
	assert_int_equal(sppt_for_each_page(&t, visit_fn, &v), 0);
	assert_int_equal(v.calls, n);
	for (uint32_t k = 0; k < n; k++)
		assert_int_equal(v.seen[k], 1);
	memset(v.seen, 0, n);
	v.calls = 0;
	v.stop_at = 77;
	assert_int_equal(sppt_for_each_page(&t, visit_fn, &v), -42);
	assert_int_equal(v.calls, 77);
	free(v.seen);
	fake_free(m);
}

/* 65535 ranges (every usable id, one sub-page each), then 65536 pages. */
static void test_capacity(void **state)
{
	struct fake_mem *m = fake_new(4096);
	struct sppt t;

	(void)state;
	init_ok(&t, m);
	for (uint32_t id = 0; id < 0xffff; id++) {
		uint64_t s = 0x100000000ull + 0x80ull * id;

		assert_int_equal(sppt_protect(&t, s, s + 0x7f, (uint16_t)id), 0);
	}
	assert_int_equal(t.protected_pages, 2048);
	for (uint32_t id = 0; id < 0xffff; id += 97) {
		const struct spp_page *p = sppt_find(&t, 0x100000000ull + 0x80ull * id);

		assert_non_null(p);
		assert_int_equal(p->range_of_subpage[id % 32], id);
	}
	assert_int_equal(sppt_find(&t, 0x100000000ull + 2047 * PG)->writable_mask,
			 0x80000000);
	assert_int_equal(hw_leaf(m, &t, 0x100000000ull + 5 * PG), 0);
	fake_free(m);

	m = fake_new(2048);
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x200000000ull,
				      0x200000000ull + 65536 * PG - 1, 5), 0);
	assert_int_equal(t.protected_pages, 65536);
	/* 256 MiB: 128 leaf tables, one 1 GiB table, one 512 GiB table. */
	assert_int_equal(t.table_pages, 1 + 1 + 1 + 128);
	assert_int_equal(t.meta_pages, 1 + 1 + 1 + 128 + (65536 + 50) / 51);
	check_accounting(&t, m);
	for (uint64_t k = 0; k < 65536; k += 111) {
		const struct spp_page *p = sppt_find(&t, 0x200000000ull + k * PG + 0x123);

		assert_non_null(p);
		assert_int_equal(p->gpa, 0x200000000ull + k * PG);
		assert_int_equal(p->writable_mask, 0);
		assert_int_equal(hw_leaf(m, &t, p->gpa), 0);
	}
	assert_null(sppt_find(&t, 0x200000000ull + 65536 * PG));
	assert_null(sppt_find(&t, 0x200000000ull - PG));
	fake_free(m);
}

/* Existing state A (filling the record page exactly), then B across a 512 GiB
 * boundary needing: SPPT 1G+leaf below, 512G+1G+leaf above (5), the same in
 * the index (5), one record page: 11 pages.  Failing at each of them must
 * leave A's memory and the counters untouched, and a retry must use no more
 * than 11 pages in all. */
static void test_oom_protect(void **state)
{
	const uint64_t a0 = 0x1000, a1 = 0x1000 + 51 * PG - 1;
	const uint64_t b0 = 0x7ffffff000ull, b1 = 0x8000000fffull;
	const uint32_t k = 11;

	(void)state;
	for (uint32_t n = 0; n <= k; n++) {
		struct fake_mem *m = fake_new(64);
		struct sppt t;

		init_ok(&t, m);
		assert_int_equal(sppt_protect(&t, a0, a1, 1), 0);
		uint32_t used = m->used;
		struct sppt before = t;
		uint8_t *snap = malloc((size_t)used * PG);
		assert_non_null(snap);
		memcpy(snap, m->buf, (size_t)used * PG);

		m->limit = used + n;
		int rc = sppt_protect(&t, b0, b1, 2);
		if (n < k) {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(m->used, used + n);
			assert_memory_equal(m->buf, snap, (size_t)used * PG);
			check_same_counters(&t, &before);
			assert_null(sppt_find(&t, b0));
			assert_null(sppt_find(&t, b1));
			assert_null(hw_walk(m, t.root_pa, b0));
			assert_null(hw_walk(m, t.root_pa, b1));
			check_accounting(&t, m);
			m->limit = m->cap;
			rc = sppt_protect(&t, b0, b1, 2);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(m->used, used + k);
		assert_int_equal(t.spare_pages, 0);
		assert_int_equal(t.table_pages, before.table_pages + 5);
		assert_int_equal(t.meta_pages, before.meta_pages + 6);
		assert_int_equal(t.protected_pages, 53);
		check_accounting(&t, m);
		uint16_t ids[32];
		ids_clear(ids);
		ids_fill(ids, 0, 31, 2);
		check_page(m, &t, b0, ids);
		check_page(m, &t, b1 & ~0xfffull, ids);
		ids_fill(ids, 0, 31, 1);
		check_page(m, &t, a0, ids);
		check_page(m, &t, a1 & ~0xfffull, ids);
		free(snap);
		fake_free(m);
	}
}

static void test_leaf_walk(void **state)
{
	struct fake_mem *m = fake_new(32);
	struct sppt t;
	uint64_t *leaf;

	(void)state;
	init_ok(&t, m);
	assert_int_equal(sppt_protect(&t, 0x40001000, 0x400010ff, 4), 0);
	assert_int_equal(sppt_leaf(&t, 0x40001abc, &leaf, false), 0);
	assert_ptr_equal(leaf, hw_walk(m, t.root_pa, 0x40001000));
	assert_int_equal(*leaf, 0x5555555555555550ull);
	assert_int_equal(sppt_leaf(&t, 0x40001000, &leaf, true), 0);
	assert_ptr_equal(leaf, hw_walk(m, t.root_pa, 0x40001000));
	/* Same leaf table, unprotected page: present, reads 0. */
	assert_int_equal(sppt_leaf(&t, 0x40002000, &leaf, false), 0);
	assert_int_equal(*leaf, 0);
	assert_int_equal(sppt_leaf(&t, 0x40200000, &leaf, false), -ENOENT);
	assert_int_equal(sppt_leaf(&t, 0x8000000000ull, &leaf, false), -ENOENT);

	/* Creating under a new 512 GiB slot takes 3 tables; fail at each. */
	uint32_t used = m->used, tables = t.table_pages;
	uint64_t root_copy[512];
	memcpy(root_copy, fake_p2v(m, t.root_pa), sizeof(root_copy));
	for (uint32_t n = 0; n < 3; n++) {
		m->limit = used + n;
		assert_int_equal(sppt_leaf(&t, 0x8000000000ull, &leaf, true), -ENOMEM);
		assert_int_equal(t.table_pages, tables);
		assert_memory_equal(fake_p2v(m, t.root_pa), root_copy, sizeof(root_copy));
		assert_null(hw_walk(m, t.root_pa, 0x8000000000ull));
	}
	m->limit = m->cap;
	assert_int_equal(sppt_leaf(&t, 0x8000000000ull, &leaf, true), 0);
	assert_ptr_equal(leaf, hw_walk(m, t.root_pa, 0x8000000000ull));
	assert_int_equal(*leaf, 0);
	assert_int_equal(t.table_pages, tables + 3);
	assert_int_equal(m->used, used + 3);
	assert_null(sppt_find(&t, 0x8000000000ull));
	check_accounting(&t, m);

	/* A page whose SPPT tables were made by sppt_leaf gets protected later:
	 * only the index side and the record page are new. */
	assert_int_equal(sppt_protect(&t, 0x8000000000ull, 0x800000007full, 5), 0);
	assert_int_equal(t.table_pages, tables + 3);
	assert_int_equal(m->used, used + 3 + 3);
	assert_int_equal(*leaf, 0x5555555555555554ull);
	check_accounting(&t, m);
	fake_free(m);
}

/* Random ranges in a 64-page window across a 2 MiB boundary against a model. */
static void test_random_model(void **state)
{
	const uint64_t base = 0x3fffe0000ull;
	static uint16_t model[64 * 32];
	struct fake_mem *m = fake_new(64);
	struct sppt t;
	uint32_t x = 99;

	(void)state;
	init_ok(&t, m);
	for (int i = 0; i < 64 * 32; i++)
		model[i] = 0xffff;
	for (int round = 0; round < 3000; round++) {
		x = x * 1103515245u + 12345u;
		uint32_t s = (x >> 8) % (64 * 32);
		x = x * 1103515245u + 12345u;
		uint32_t len = 1 + (x >> 8) % (round % 5 == 0 ? 64 : 6);
		uint32_t e = s + len - 1 < 64 * 32 ? s + len - 1 : 64 * 32 - 1;
		uint16_t id = (uint16_t)(1 + (x >> 20) % 40);
		int expect = 0;

		for (uint32_t i = s; i <= e; i++)
			if (model[i] != 0xffff && model[i] != id)
				expect = -EEXIST;
		assert_int_equal(sppt_protect(&t, base + 0x80ull * s,
					      base + 0x80ull * e + 0x7f, id), expect);
		if (!expect)
			for (uint32_t i = s; i <= e; i++)
				model[i] = id;
	}
	uint32_t pages = 0;
	for (int pg = 0; pg < 64; pg++) {
		bool any = false;

		for (int i = 0; i < 32; i++)
			any |= model[pg * 32 + i] != 0xffff;
		if (!any) {
			assert_null(sppt_find(&t, base + PG * pg));
			continue;
		}
		pages++;
		check_page(m, &t, base + PG * pg, &model[pg * 32]);
	}
	assert_int_equal(t.protected_pages, pages);
	check_accounting(&t, m);
	fake_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_leaf),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_one_subpage),
		cmocka_unit_test(test_subpages_0_31),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_top_of_gpa_space),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_adjacent_in_page),
		cmocka_unit_test(test_many_ranges),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_oom_protect),
		cmocka_unit_test(test_leaf_walk),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
