/* EPT identity-map builder over fake physical memory (pages at 0x100000 +
 * i * 4096).  Tables are checked by an independent walker written from Intel
 * SDM Vol. 3C 29.3.2 (index bits, leaf/table formats, reserved bits), and
 * allocators run out at every possible point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ept/ept.h"
#include "hv/errno.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define FAKE_BASE 0x100000ull
#define FAKE_PAGES 64

struct fake_mem {
	uint8_t *buf;
	unsigned used, limit;   /* limit: pages handed out before failing */
	uint64_t skew;          /* added to returned addresses (contract breach) */
};

static uint64_t fake_alloc(void *ctx)
{
	struct fake_mem *m = ctx;

	if (m->used >= m->limit || m->used >= FAKE_PAGES)
		return 0;
	return FAKE_BASE + (uint64_t)m->used++ * 4096 + m->skew;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;

	assert_true(pa >= FAKE_BASE && pa < FAKE_BASE + (uint64_t)m->used * 4096);
	assert_int_equal(pa & 0xfff, 0);
	return m->buf + (pa - FAKE_BASE);
}

struct fix {
	struct fake_mem mem;
	struct page_ops ops;
	struct ept e;
};

/* Fake memories still live, freed by the teardown when an assertion jumps
 * out of a test. */
static uint8_t *live_bufs[4];

static int free_live(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		free(live_bufs[i]);
		live_bufs[i] = NULL;
	}
	return 0;
}

static void fix_setup(struct fix *f, unsigned limit, bool m2, bool g1)
{
	unsigned i;

	memset(f, 0, sizeof(*f));
	for (i = 0; live_bufs[i]; i++)
		assert_true(i < 3);
	f->mem.buf = live_bufs[i] = calloc(FAKE_PAGES, 4096);
	assert_non_null(f->mem.buf);
	f->mem.limit = limit;
	f->ops = (struct page_ops){ &f->mem, fake_alloc, fake_virt };
	assert_int_equal(ept_init(&f->e, &f->ops, m2, g1), 0);
}

static void fix_done(struct fix *f)
{
	for (unsigned i = 0; i < 4; i++)
		if (live_bufs[i] == f->mem.buf)
			live_bufs[i] = NULL;
	free(f->mem.buf);
}

static uint64_t *raw(struct fix *f, uint64_t pa)
{
	return fake_virt(&f->mem, pa);
}

/* Independent walk: leaf entry and level (1..3) for gpa, or 0 if none. */
static int walk(struct fix *f, uint64_t gpa, uint64_t *leaf)
{
	uint64_t t = f->e.root_pa;

	for (int level = 4; level >= 1; level--) {
		uint64_t ent = raw(f, t)[(gpa >> (12 + 9 * (level - 1))) & 511];

		if ((ent & 7) == 0)
			return 0;
		if (level == 1 || (level < 4 && (ent & (1u << 7)))) {
			*leaf = ent;
			return level;
		}
		/* A table reference grants everything, leaving permissions to the
		 * leaf; bits 7:3 reserved, nothing above bit 51. */
		assert_int_equal(ent & 0xfff0000000000fffull, 7);
		t = ent & 0x000ffffffffff000ull;
	}
	return 0;
}

/* gpa must be an identity leaf of the given size with perms and type. */
static void expect_leaf(struct fix *f, uint64_t gpa, int level, uint64_t perms, unsigned mt)
{
	uint64_t leaf = 0, size = 4096ull << (9 * (level - 1));
	int got = walk(f, gpa, &leaf);

	assert_int_equal(got, level);
	assert_int_equal(leaf, (gpa & ~(size - 1)) | perms | (uint64_t)mt << 3 |
			       (level > 1 ? 1u << 7 : 0));
}

static void expect_unmapped(struct fix *f, uint64_t gpa)
{
	uint64_t leaf, ent;
	int level;

	assert_int_equal(walk(f, gpa, &leaf), 0);
	assert_int_equal(ept_lookup(&f->e, gpa, &ent, &level), -ENOENT);
}

static void expect_stats(struct fix *f, uint32_t g1, uint32_t m2, uint32_t k4, uint32_t tables)
{
	struct ept_stats s;

	ept_count(&f->e, &s);
	assert_int_equal(s.leaves_1g, g1);
	assert_int_equal(s.leaves_2m, m2);
	assert_int_equal(s.leaves_4k, k4);
	assert_int_equal(s.tables, tables);
	assert_int_equal(f->e.pages_used, tables);
}

#define RWX EPT_RWX
#define WB EPT_MT_WB
#define UC EPT_MT_UC
#define WT EPT_MT_WT

static void mtrr_wb(struct mtrr_state *s, unsigned pab)
{
	memset(s, 0, sizeof(*s));
	s->def_type = MTRR_DEF_E | MTRR_TYPE_WB;
	s->phys_addr_bits = pab;
}

static void mtrr_add(struct mtrr_state *s, uint64_t base, uint64_t size, uint8_t type)
{
	s->var[s->nvar].base = base | type;
	s->var[s->nvar].mask = (~(size - 1) & ((1ull << s->phys_addr_bits) - 1) &
				~0xfffull) | MTRR_VAR_VALID;
	s->nvar++;
}

static void test_init_and_eptp(void **state)
{
	struct fix f;
	struct ept e;
	struct page_ops none = { NULL, NULL, fake_virt };

	(void)state;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(f.e.root_pa, FAKE_BASE);
	expect_stats(&f, 0, 0, 0, 1);
	/* Vol. 3C 25.6.11: WB (6) in 2:0, walk length 4 - 1 in 5:3, A/D bit 6. */
	assert_int_equal(ept_eptp(&f.e, false), FAKE_BASE | 0x1e);
	assert_int_equal(ept_eptp(&f.e, true), FAKE_BASE | 0x5e);
	expect_unmapped(&f, 0);
	fix_done(&f);

	assert_int_equal(ept_init(&e, &none, true, true), -EINVAL);
	assert_int_equal(ept_init(&e, NULL, true, true), -EINVAL);
	fix_setup(&f, FAKE_PAGES, true, true);
	f.mem.limit = 1;
	assert_int_equal(ept_init(&e, &f.ops, true, true), -ENOMEM);
	f.mem.limit = FAKE_PAGES;
	f.mem.skew = 0x800;
	assert_int_equal(ept_init(&e, &f.ops, true, true), -EFAULT);
	fix_done(&f);
}

static void test_page_sizes(void **state)
{
	struct fix f;

	(void)state;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 4 * GIB, RWX, NULL), 0);
	for (uint64_t g = 0; g < 4; g++)
		expect_leaf(&f, g * GIB + 0x1234000, 3, RWX, WB);
	expect_stats(&f, 4, 0, 0, 2);
	expect_unmapped(&f, 4 * GIB);
	fix_done(&f);

	fix_setup(&f, FAKE_PAGES, true, false);
	assert_int_equal(ept_map_identity(&f.e, 0, 4 * GIB, EPT_READ | EPT_EXEC, NULL), 0);
	expect_leaf(&f, 3 * GIB + 510 * 2 * MIB, 2, EPT_READ | EPT_EXEC, WB);
	expect_stats(&f, 0, 2048, 0, 6);
	fix_done(&f);

	fix_setup(&f, FAKE_PAGES, false, false);
	assert_int_equal(ept_map_identity(&f.e, 0, 8 * MIB, EPT_READ, NULL), 0);
	expect_leaf(&f, 8 * MIB - 4096, 1, EPT_READ, WB);
	expect_stats(&f, 0, 0, 2048, 7);
	fix_done(&f);
}

static void test_memory_map_shapes(void **state)
{
	struct fix f;
	uint64_t ent;
	int level;

	(void)state;
	/* RAM that is not a multiple of 2 MiB: 128 MiB - 128 KiB. */
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 128 * MIB - 0x20000, RWX, NULL), 0);
	expect_leaf(&f, 124 * MIB, 2, RWX, WB);
	expect_leaf(&f, 126 * MIB, 1, RWX, WB);
	expect_leaf(&f, 128 * MIB - 0x21000, 1, RWX, WB);
	expect_unmapped(&f, 128 * MIB - 0x20000);
	expect_stats(&f, 0, 63, 480, 4);
	fix_done(&f);

	/* Starting at 1 MiB: 4 KiB up to 2 MiB, then 2 MiB leaves, no 1 GiB. */
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, MIB, GIB - MIB, RWX, NULL), 0);
	expect_unmapped(&f, MIB - 4096);
	expect_leaf(&f, MIB, 1, RWX, WB);
	expect_leaf(&f, 2 * MIB, 2, RWX, WB);
	expect_stats(&f, 0, 511, 256, 4);
	/* Holes: low RAM below 640 KiB next to it, 640 KiB .. 1 MiB left out. */
	assert_int_equal(ept_map_identity(&f.e, 0, 0xa0000, RWX, NULL), 0);
	expect_unmapped(&f, 0xa0000);
	expect_unmapped(&f, 0xff000);
	expect_leaf(&f, 0x9f000, 1, RWX, WB);
	expect_stats(&f, 0, 511, 256 + 160, 4);
	/* Above 4 GiB, across the 512 GiB line (a second PML4 entry). */
	assert_int_equal(ept_map_identity(&f.e, 511 * GIB, 2 * GIB, RWX, NULL), 0);
	expect_leaf(&f, 511 * GIB, 3, RWX, WB);
	expect_leaf(&f, 512 * GIB + GIB - 4096, 3, RWX, WB);
	expect_unmapped(&f, 513 * GIB);
	expect_stats(&f, 2, 511, 416, 5);
	/* A tiny range: one page at the local APIC's address, a new PD and PT. */
	assert_int_equal(ept_map_identity(&f.e, 0xfee00000, 4096, EPT_READ | EPT_WRITE, NULL), 0);
	expect_leaf(&f, 0xfee00000, 1, EPT_READ | EPT_WRITE, WB);
	expect_unmapped(&f, 0xfee01000);
	expect_unmapped(&f, 0xfedff000);
	expect_stats(&f, 2, 511, 417, 7);
	/* The top of the 48-bit space. */
	assert_int_equal(ept_map_identity(&f.e, EPT_GPA_LIMIT - 4096, 4096, RWX, NULL), 0);
	assert_int_equal(ept_lookup(&f.e, EPT_GPA_LIMIT - 1, &ent, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(ent & EPT_ADDR_MASK, EPT_GPA_LIMIT - 4096);
	fix_done(&f);
}

static void test_bad_arguments(void **state)
{
	struct fix f;
	struct mtrr_state m;

	(void)state;
	fix_setup(&f, FAKE_PAGES, true, true);
	mtrr_wb(&m, 36);
	assert_int_equal(ept_map_identity(&f.e, 0x800, 4096, RWX, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4097, RWX, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 0, RWX, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, EPT_GPA_LIMIT - 4096, 8192, RWX, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, ~0xfffull, 8192, RWX, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, 0, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, EPT_WRITE, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, EPT_WRITE | EPT_EXEC, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, RWX | EPT_LARGE, NULL), -EINVAL);
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, RWX | EPT_SPP, NULL), -EINVAL);
	/* Beyond MAXPHYADDR = 36 once MTRRs are given; bad MTRR state. */
	assert_int_equal(ept_map_identity(&f.e, 64 * GIB - 4096, 8192, RWX, &m), -EINVAL);
	m.nvar = 17;
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, RWX, &m), -EINVAL);
	expect_stats(&f, 0, 0, 0, 1);
	/* Execute-only is legal (given EPT_CAP_EXEC_ONLY). */
	assert_int_equal(ept_map_identity(&f.e, 0, 4096, EPT_EXEC, NULL), 0);
	expect_leaf(&f, 0, 1, EPT_EXEC, WB);
	fix_done(&f);
}

static void test_already_mapped(void **state)
{
	struct fix f;
	static uint8_t snap[FAKE_PAGES * 4096];
	uint64_t *pte;

	(void)state;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 2 * MIB, RWX, NULL), 0);
	assert_int_equal(ept_map_identity(&f.e, GIB, GIB, RWX, NULL), 0);
	assert_int_equal(ept_map_identity(&f.e, 4 * GIB + 8192, 4096, RWX, NULL), 0);
	memcpy(snap, f.mem.buf, FAKE_PAGES * 4096);
	/* Overlaps at the end, the start, inside a 1 GiB leaf, one 4 KiB page,
	 * and a range whose only clash is its last page. */
	assert_int_equal(ept_map_identity(&f.e, MIB, 2 * MIB, RWX, NULL), -EEXIST);
	assert_int_equal(ept_map_identity(&f.e, GIB - 4096, 8192, RWX, NULL), -EEXIST);
	assert_int_equal(ept_map_identity(&f.e, GIB + 0x5000, 4096, RWX, NULL), -EEXIST);
	assert_int_equal(ept_map_identity(&f.e, 2 * GIB, 2 * GIB + 12288, RWX, NULL), -EEXIST);
	assert_int_equal(memcmp(snap, f.mem.buf, FAKE_PAGES * 4096), 0);
	expect_stats(&f, 1, 1, 1, 5);
	/* Adjacent ranges are fine; they reuse the existing tables. */
	assert_int_equal(ept_map_identity(&f.e, 2 * MIB, 2 * MIB, RWX, NULL), 0);
	assert_int_equal(ept_map_identity(&f.e, 4 * GIB, 8192, RWX, NULL), 0);
	expect_stats(&f, 1, 2, 3, 5);
	/* A leaf whose access was revoked but whose address was kept stays in use. */
	assert_int_equal(ept_get_pte_4k(&f.e, 4 * GIB, &pte), 0);
	*pte &= ~EPT_RWX;
	assert_int_equal(ept_map_identity(&f.e, 4 * GIB, 4096, RWX, NULL), -EEXIST);
	assert_int_equal(ept_get_pte_4k(&f.e, 4 * GIB, &pte), 0);
	assert_int_equal(*pte, 4 * GIB | WB << 3);
	fix_done(&f);
}

static void test_mtrr_types(void **state)
{
	struct fix f;
	struct mtrr_state m;

	(void)state;
	/* Default WB, the PCI hole UC, a smaller UC window in the 3rd GiB. */
	mtrr_wb(&m, 36);
	mtrr_add(&m, 3 * GIB, GIB, MTRR_TYPE_UC);
	mtrr_add(&m, 2 * GIB, 256 * MIB, MTRR_TYPE_UC);
	mtrr_add(&m, 0, 4 * GIB, MTRR_TYPE_WB);
	mtrr_add(&m, 5 * GIB + 6 * MIB, 4096, MTRR_TYPE_WT);  /* WT + default */
	mtrr_add(&m, GIB + 4 * MIB, 2 * MIB, MTRR_TYPE_WT);   /* WT + WB -> WT */
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 6 * GIB, RWX, &m), 0);
	expect_leaf(&f, 0, 3, RWX, WB);
	expect_leaf(&f, GIB, 2, RWX, WB);
	expect_leaf(&f, GIB + 4 * MIB, 2, RWX, WT);
	expect_leaf(&f, GIB + 6 * MIB, 2, RWX, WB);
	expect_leaf(&f, 2 * GIB, 2, RWX, UC);
	expect_leaf(&f, 2 * GIB + 254 * MIB, 2, RWX, UC);
	expect_leaf(&f, 2 * GIB + 256 * MIB, 2, RWX, WB);
	expect_leaf(&f, 3 * GIB, 3, RWX, UC);
	expect_leaf(&f, 4 * GIB, 3, RWX, WB);
	expect_leaf(&f, 5 * GIB + 6 * MIB, 1, RWX, WT);
	expect_leaf(&f, 5 * GIB + 6 * MIB + 4096, 1, RWX, WB);
	expect_leaf(&f, 5 * GIB + 8 * MIB, 2, RWX, WB);
	expect_stats(&f, 3, 3 * 512 - 1, 512, 6);
	fix_done(&f);

	/* MTRRs disabled: all UC, still 1 GiB leaves. */
	m.def_type = MTRR_TYPE_WB;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 6 * GIB, RWX, &m), 0);
	expect_leaf(&f, 5 * GIB + 6 * MIB, 3, RWX, UC);
	expect_stats(&f, 6, 0, 0, 2);
	fix_done(&f);
}

static void test_fixed_ranges_force_4k(void **state)
{
	struct fix f;
	struct mtrr_state m;

	(void)state;
	mtrr_wb(&m, 36);
	m.def_type |= MTRR_DEF_FE;
	for (int i = 0; i < MTRR_NR_FIXED; i++)
		m.fixed[i] = 0x0606060606060606ull;
	m.fixed[2] = 0;                       /* 0xa0000..0xbffff UC */
	m.fixed[3] = 0x0505050505050505ull;   /* 0xc0000..0xc7fff WP */
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 4 * MIB, RWX, &m), 0);
	for (uint64_t pa = 0; pa < 2 * MIB; pa += 4096) {
		unsigned want = WB;

		if (pa >= 0xa0000 && pa < 0xc0000)
			want = UC;
		else if (pa >= 0xc0000 && pa < 0xc8000)
			want = EPT_MT_WP;
		expect_leaf(&f, pa, 1, RWX, want);
	}
	expect_leaf(&f, 2 * MIB, 2, RWX, WB);
	expect_stats(&f, 0, 1, 512, 4);
	fix_done(&f);

	/* FE clear: the fixed registers do not apply, one 2 MiB leaf. */
	m.def_type &= ~(uint64_t)MTRR_DEF_FE;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 4 * MIB, RWX, &m), 0);
	expect_leaf(&f, 0xa0000, 2, RWX, WB);
	expect_stats(&f, 0, 2, 0, 3);
	fix_done(&f);
}

/* Maps a shape needing tables at every level with the allocator failing
 * after each possible count: every written entry stays valid and what was
 * mapped before is untouched. */
static void test_out_of_memory(void **state)
{
	struct mtrr_state m;
	int total = 0;

	(void)state;
	mtrr_wb(&m, 40);
	mtrr_add(&m, GIB + 2 * MIB + 4096, 4096, MTRR_TYPE_UC);
	for (unsigned limit = 1; ; limit++) {
		struct fix f;
		uint64_t leaf, ent;
		int ret, level;

		fix_setup(&f, limit, true, true);
		/* Pre-existing mapping in another PML4 slot: 1 PDPT, 1 PD, 1 PT. */
		f.mem.limit = limit + 3;
		assert_int_equal(ept_map_identity(&f.e, 600 * GIB, 4096, RWX, NULL), 0);
		ret = ept_map_identity(&f.e, 0, 3 * GIB, RWX, &m);
		expect_leaf(&f, 600 * GIB, 1, RWX, WB);
		if (ret == 0) {
			total = (int)f.e.pages_used;
			expect_leaf(&f, GIB + 2 * MIB + 4096, 1, RWX, UC);
			expect_stats(&f, 2, 511, 513, 7);
			fix_done(&f);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(f.e.pages_used, limit + 3);
		for (uint64_t pa = 0; pa < 3 * GIB; pa += 4096) {
			level = walk(&f, pa, &leaf);
			if (!level) {
				assert_int_equal(ept_lookup(&f.e, pa, &ent, &level), -ENOENT);
				continue;
			}
			assert_int_equal(leaf & EPT_ADDR_MASK,
					 pa & ~((4096ull << (9 * (level - 1))) - 1));
			assert_int_equal(leaf & EPT_MT_MASK,
					 (uint64_t)(pa == GIB + 2 * MIB + 4096 ? UC : WB) << 3);
			if (level > 1)
				pa |= (4096ull << (9 * (level - 1))) - 4096;
		}
		fix_done(&f);
	}
	/* root, the 600 GiB path (3), then PDPT, PD, PT */
	assert_int_equal(total, 7);
}

/* All 512 entries of a split table, except the one split further (skip). */
static void check_split_table(struct fix *f, uint64_t table_pa, uint64_t base,
			      uint64_t child, uint64_t attrs, unsigned skip)
{
	const uint64_t *t = raw(f, table_pa);

	for (unsigned i = 0; i < 512; i++)
		if (i == skip)
			assert_int_equal(t[i] & ~EPT_ADDR_MASK, EPT_RWX);
		else
			assert_int_equal(t[i], (base + i * child) | attrs);
}

static void test_split(void **state)
{
	struct fix f;
	struct mtrr_state m;
	uint64_t *pte, *pte2, leaf, *pdpte, *pde;
	uint64_t attrs = EPT_READ | EPT_EXEC | (uint64_t)WT << 3 | EPT_IGNORE_PAT |
			 EPT_ACCESSED | EPT_DIRTY | EPT_SUPPRESS_VE;
	uint64_t gpa = GIB + 0x12345000;

	(void)state;
	mtrr_wb(&m, 36);
	mtrr_add(&m, GIB, GIB, MTRR_TYPE_WT);
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 4 * GIB, EPT_READ | EPT_EXEC, &m), 0);
	expect_stats(&f, 4, 0, 0, 2);
	/* Bits a running guest or the hypervisor may have set on the 1 GiB leaf. */
	pdpte = &raw(&f, f.e.root_pa)[0];
	pdpte = &raw(&f, *pdpte & EPT_ADDR_MASK)[1];
	*pdpte |= EPT_IGNORE_PAT | EPT_ACCESSED | EPT_DIRTY | EPT_SUPPRESS_VE | EPT_SPP;

	assert_int_equal(ept_get_pte_4k(&f.e, gpa, &pte), 0);
	assert_int_equal(*pte, gpa | attrs);
	expect_stats(&f, 3, 511, 512, 4);
	assert_true((*pdpte & EPT_LARGE) == 0 && (*pdpte & 7) == 7);
	check_split_table(&f, *pdpte & EPT_ADDR_MASK, GIB, 2 * MIB, attrs | EPT_LARGE,
			  (gpa >> 21) & 511);
	pde = &raw(&f, *pdpte & EPT_ADDR_MASK)[(gpa >> 21) & 511];
	check_split_table(&f, *pde & EPT_ADDR_MASK, gpa & ~(2 * MIB - 1), 4096, attrs, 512);
	assert_ptr_equal(pte, &raw(&f, *pde & EPT_ADDR_MASK)[(gpa >> 12) & 511]);

	/* Again: no allocation, same slot; a write through it is what lookups see. */
	assert_int_equal(ept_get_pte_4k(&f.e, gpa + 0xfff, &pte2), 0);
	assert_ptr_equal(pte, pte2);
	*pte &= ~EPT_EXEC;
	assert_int_equal(walk(&f, gpa, &leaf), 1);
	assert_int_equal(leaf, gpa | (attrs & ~EPT_EXEC));
	expect_stats(&f, 3, 511, 512, 4);

	/* Split a 2 MiB leaf only: one page. */
	assert_int_equal(ept_get_pte_4k(&f.e, GIB + 0x20000000, &pte), 0);
	assert_int_equal(*pte, (GIB + 0x20000000) | attrs);
	expect_stats(&f, 3, 510, 1024, 5);

	assert_int_equal(ept_get_pte_4k(&f.e, 4 * GIB, &pte), -ENOENT);
	assert_int_equal(ept_get_pte_4k(&f.e, EPT_GPA_LIMIT, &pte), -EINVAL);
	fix_done(&f);
}

static void test_split_out_of_memory(void **state)
{
	struct fix f;
	uint64_t *pte, ent;
	int level;

	(void)state;
	fix_setup(&f, 2, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, GIB, RWX, NULL), 0);
	assert_int_equal(ept_get_pte_4k(&f.e, 0x3000, &pte), -ENOMEM);
	expect_leaf(&f, 0x3000, 3, RWX, WB);
	f.mem.limit = 3;  /* room for the PD, not the PT */
	assert_int_equal(ept_get_pte_4k(&f.e, 0x3000, &pte), -ENOMEM);
	expect_leaf(&f, 0x3000, 2, RWX, WB);
	expect_leaf(&f, GIB - 4096, 2, RWX, WB);
	expect_stats(&f, 0, 512, 0, 3);
	f.mem.limit = 4;
	assert_int_equal(ept_get_pte_4k(&f.e, 0x3000, &pte), 0);
	assert_int_equal(ept_lookup(&f.e, 0x3000, &ent, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(ent, *pte);
	assert_int_equal(ent, 0x3000 | RWX | WB << 3);
	assert_int_equal(ept_lookup(&f.e, 0x200000, &ent, &level), 0);
	assert_int_equal(level, 2);
	fix_done(&f);
}

/* The hypervisor's pool at the top of a 256 MiB guest is unmapped after the
 * EPT was built over it (hv/setup.c): the 1 GiB leaf is split, the 2 MiB
 * leaves wholly inside go, the one the range starts in is split. */
static void test_unmap(void **state)
{
	struct fix f;
	uint64_t start = 0xfd03000, end = 0x10000000, *pte;

	(void)state;
	fix_setup(&f, FAKE_PAGES, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, 2 * GIB, RWX, NULL), 0);
	expect_stats(&f, 2, 0, 0, 2);
	assert_int_equal(ept_unmap(&f.e, start, end - start), 0);
	expect_stats(&f, 1, 510, 259, 4);
	expect_leaf(&f, 0, 2, RWX, WB);
	expect_leaf(&f, start - 4096, 1, RWX, WB);
	expect_unmapped(&f, start);
	expect_unmapped(&f, 0xfe00000);
	expect_unmapped(&f, end - 1);
	expect_leaf(&f, end, 2, RWX, WB);
	expect_leaf(&f, GIB, 3, RWX, WB);
	assert_int_equal(ept_get_pte_4k(&f.e, start, &pte), -ENOENT);
	/* Again, or over a part never mapped: nothing to do. */
	assert_int_equal(ept_unmap(&f.e, start, end - start), 0);
	assert_int_equal(ept_unmap(&f.e, 4 * GIB, GIB), 0);
	expect_stats(&f, 1, 510, 259, 4);
	/* A whole 1 GiB leaf goes without a split. */
	assert_int_equal(ept_unmap(&f.e, GIB, GIB), 0);
	expect_unmapped(&f, GIB);
	expect_stats(&f, 0, 510, 259, 4);
	assert_int_equal(ept_unmap(&f.e, 0, 0), -EINVAL);
	assert_int_equal(ept_unmap(&f.e, 0x800, 4096), -EINVAL);
	assert_int_equal(ept_unmap(&f.e, 0, 0x800), -EINVAL);
	assert_int_equal(ept_unmap(&f.e, EPT_GPA_LIMIT - 4096, 8192), -EINVAL);
	fix_done(&f);

	/* No page for the split: -ENOMEM, the leaf still translates. */
	fix_setup(&f, 2, true, true);
	assert_int_equal(ept_map_identity(&f.e, 0, GIB, RWX, NULL), 0);
	assert_int_equal(ept_unmap(&f.e, start, end - start), -ENOMEM);
	expect_leaf(&f, start, 3, RWX, WB);
	fix_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_and_eptp, free_live),
		cmocka_unit_test_teardown(test_page_sizes, free_live),
		cmocka_unit_test_teardown(test_memory_map_shapes, free_live),
		cmocka_unit_test_teardown(test_bad_arguments, free_live),
		cmocka_unit_test_teardown(test_already_mapped, free_live),
		cmocka_unit_test_teardown(test_mtrr_types, free_live),
		cmocka_unit_test_teardown(test_fixed_ranges_force_4k, free_live),
		cmocka_unit_test_teardown(test_out_of_memory, free_live),
		cmocka_unit_test_teardown(test_split, free_live),
		cmocka_unit_test_teardown(test_split_out_of_memory, free_live),
		cmocka_unit_test_teardown(test_unmap, free_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
