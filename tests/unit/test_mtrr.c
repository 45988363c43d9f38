/* MTRR memory typing, Intel SDM Vol. 3A 12.11: expected values follow the
 * SDM's rules (12.11.2 register layouts, 12.11.4.1 precedences), and a
 * per-page reference written from those rules checks range queries over
 * random layouts, non-contiguous masks included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ept/mtrr.h"
#include "hv/errno.h"

#define UC MTRR_TYPE_UC
#define WC MTRR_TYPE_WC
#define WT MTRR_TYPE_WT
#define WP MTRR_TYPE_WP
#define WB MTRR_TYPE_WB
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define E_ON MTRR_DEF_E
#define FE_ON MTRR_DEF_FE

static void st_init(struct mtrr_state *s, uint64_t def_type, unsigned pab)
{
	memset(s, 0, sizeof(*s));
	s->cap = 8 | MTRR_CAP_FIX | MTRR_CAP_WC;
	s->def_type = def_type;
	s->phys_addr_bits = pab;
}

/* A contiguous variable range of a power-of-two size, 12.11.3's formula. */
static void st_add(struct mtrr_state *s, uint64_t base, uint64_t size, uint8_t type)
{
	uint64_t addr = ((1ull << s->phys_addr_bits) - 1) & ~0xfffull;

	s->var[s->nvar].base = base | type;
	s->var[s->nvar].mask = (~(size - 1) & addr) | MTRR_VAR_VALID;
	s->nvar++;
}

static int type_of(const struct mtrr_state *s, uint64_t pa)
{
	uint8_t t = 0xaa;
	int ret = mtrr_type_of(s, pa, &t);

	return ret ? ret : t;
}

static int range(const struct mtrr_state *s, uint64_t start, uint64_t len)
{
	uint8_t t = 0xaa;
	int ret = mtrr_range_type(s, start, len, &t);

	return ret ? ret : t;
}

static void test_disabled_is_uc(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, FE_ON | WB, 36);  /* E clear: FE and the default type are moot */
	st_add(&s, 0, 4 * GIB, WB);
	s.fixed[0] = 0x0606060606060606ull;
	assert_int_equal(type_of(&s, 0), UC);
	assert_int_equal(type_of(&s, 0x123456789ull), UC);
	assert_int_equal(range(&s, 0, 64 * GIB), UC);
}

static void test_default_wb_with_uc_hole(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, E_ON | WB, 39);
	st_add(&s, 3 * GIB, GIB, UC);             /* the PCI hole */
	st_add(&s, 0xfec00000, 4 * MIB, UC);      /* inside it: harmless overlap */
	assert_int_equal(type_of(&s, 3 * GIB - 1), WB);
	assert_int_equal(type_of(&s, 3 * GIB), UC);
	assert_int_equal(type_of(&s, 4 * GIB - 1), UC);
	assert_int_equal(type_of(&s, 4 * GIB), WB);
	assert_int_equal(range(&s, 0, 3 * GIB), WB);   /* FE clear: low 1 MiB too */
	assert_int_equal(range(&s, 3 * GIB, GIB), UC);
	assert_int_equal(range(&s, 2 * GIB, 2 * GIB), -ERANGE);
	assert_int_equal(range(&s, 3 * GIB - 4096, 8192), -ERANGE);
	assert_int_equal(range(&s, 4 * GIB, 508 * GIB), WB);
	assert_int_equal(range(&s, 0, 1ull << 39), -ERANGE);
}

static void test_overlap_precedence(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, E_ON | UC, 36);
	st_add(&s, 0, 4 * GIB, WB);
	st_add(&s, GIB, 2 * MIB, WT);        /* WT + WB -> WT */
	st_add(&s, 2 * GIB, 2 * MIB, UC);    /* UC + WB -> UC */
	st_add(&s, 3 * GIB, 2 * MIB, WC);    /* WC + WB: undefined -> UC */
	st_add(&s, 3 * GIB + 2 * MIB, 2 * MIB, WB);  /* WB + WB -> WB */
	st_add(&s, 3 * GIB + 4 * MIB, 2 * MIB, WP);  /* WP + WB: undefined -> UC */
	assert_int_equal(range(&s, GIB, 2 * MIB), WT);
	assert_int_equal(range(&s, GIB, 4 * MIB), -ERANGE);
	assert_int_equal(range(&s, 2 * GIB, 2 * MIB), UC);
	assert_int_equal(range(&s, 3 * GIB, 2 * MIB), UC);
	assert_int_equal(range(&s, 3 * GIB + 2 * MIB, 2 * MIB), WB);
	assert_int_equal(range(&s, 3 * GIB + 4 * MIB, 2 * MIB), UC);
	assert_int_equal(type_of(&s, 4 * GIB), UC);  /* default */
	assert_int_equal(type_of(&s, 4 * GIB - 1), WB);

	/* Three-way: WT + WB + UC -> UC; WT + WB + WC -> undefined -> UC. */
	st_add(&s, GIB, 4096, UC);
	st_add(&s, GIB + 4096, 4096, WC);
	assert_int_equal(type_of(&s, GIB), UC);
	assert_int_equal(type_of(&s, GIB + 4096), UC);
	assert_int_equal(type_of(&s, GIB + 8192), WT);
}

static void test_fixed_ranges(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, E_ON | FE_ON | WB, 36);
	st_add(&s, 0, 2 * MIB, UC);  /* fixed ranges take precedence below 1 MiB */
	for (int i = 0; i < MTRR_NR_FIXED; i++)
		s.fixed[i] = 0x0606060606060606ull;
	s.fixed[1] = 0x0406060606060605ull;  /* 0x80000 WP, 0x9c000 WT */
	s.fixed[2] = 0;                      /* 0xa0000..0xbffff UC (VGA) */
	s.fixed[8] = 0x0000000004000000ull;  /* FIX4K_E8000: byte 3 WT, rest UC */
	assert_int_equal(type_of(&s, 0), WB);
	assert_int_equal(type_of(&s, 0x7ffff), WB);
	assert_int_equal(type_of(&s, 0x80000), WP);
	assert_int_equal(type_of(&s, 0x83fff), WP);
	assert_int_equal(type_of(&s, 0x84000), WB);
	assert_int_equal(type_of(&s, 0x9bfff), WB);
	assert_int_equal(type_of(&s, 0x9c000), WT);
	assert_int_equal(type_of(&s, 0xa0000), UC);
	assert_int_equal(type_of(&s, 0xc0000), WB);
	assert_int_equal(type_of(&s, 0xe8000), UC);
	assert_int_equal(type_of(&s, 0xeb000), WT);
	assert_int_equal(type_of(&s, 0xebfff), WT);
	assert_int_equal(type_of(&s, 0xec000), UC);
	assert_int_equal(type_of(&s, 0xf0000), WB);
	assert_int_equal(type_of(&s, 0xfffff), WB);
	assert_int_equal(type_of(&s, MIB), UC);      /* the variable range */
	assert_int_equal(range(&s, 0, 0x80000), WB);
	assert_int_equal(range(&s, 0xa0000, 0x20000), UC);
	assert_int_equal(range(&s, 0xeb000, 0x1000), WT);
	assert_int_equal(range(&s, 0, MIB), -ERANGE);
	assert_int_equal(range(&s, 0xe8000, 0x10000), -ERANGE);
	assert_int_equal(range(&s, 0xf0000, 0x10000), WB);
	assert_int_equal(range(&s, 0xf0000, 0x20000), -ERANGE);  /* fixed WB, var UC */

	/* FE clear: the fixed registers are ignored, the variable range rules. */
	s.def_type = E_ON | WB;
	assert_int_equal(range(&s, 0, 2 * MIB), UC);
	assert_int_equal(range(&s, 0, 4 * MIB), -ERANGE);

	/* Fixed WB running into default WB memory above 1 MiB is uniform. */
	s.def_type = E_ON | FE_ON | WB;
	s.nvar = 0;
	s.fixed[1] = s.fixed[2] = s.fixed[8] = 0x0606060606060606ull;
	assert_int_equal(range(&s, 0, 2 * MIB), WB);
	assert_int_equal(range(&s, 0, GIB), WB);
}

static void test_invalid_encodings_are_uc(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, E_ON | FE_ON | 2, 36);
	assert_int_equal(type_of(&s, 8 * GIB), UC);  /* default type 2 */
	s.def_type = E_ON | FE_ON | WB;
	s.fixed[0] = 0x0606060606060603ull;          /* 0..0xffff type 3 */
	s.fixed[3] = 0xff06060606060606ull;          /* 0xc7000 type 0xff */
	assert_int_equal(type_of(&s, 0), UC);
	assert_int_equal(type_of(&s, 0x10000), WB);
	assert_int_equal(type_of(&s, 0xc7000), UC);
	st_add(&s, 2 * GIB, GIB, 7);
	assert_int_equal(range(&s, 2 * GIB, GIB), UC);
	/* A cleared valid bit hides the range whatever it says. */
	st_add(&s, 0, 4 * GIB, WT);
	s.var[1].mask &= ~(uint64_t)MTRR_VAR_VALID;
	assert_int_equal(range(&s, MIB, GIB), WB);
	/* Set bits at or above MAXPHYADDR (KVM-style masks) do not matter. */
	st_add(&s, 4 * GIB, 4 * GIB, WP);
	s.var[2].mask |= ~0ull << 36;
	s.var[2].base |= 1ull << 40;
	assert_int_equal(range(&s, 4 * GIB, 4 * GIB), WP);
}

static void test_noncontiguous_masks(void **state)
{
	struct mtrr_state s;
	uint64_t addr = ((1ull << 36) - 1) & ~0xfffull;

	(void)state;
	st_init(&s, E_ON | WB, 36);
	/* [1G, 2G) with bit 12 clear: every even 4 KiB page (12.11.2.3). */
	s.var[0].base = GIB | UC;
	s.var[0].mask = (addr & ~(GIB - 1)) | (1ull << 12) | MTRR_VAR_VALID;
	s.nvar = 1;
	assert_int_equal(type_of(&s, GIB), UC);
	assert_int_equal(type_of(&s, GIB + 0x1000), WB);
	assert_int_equal(type_of(&s, GIB + 0x2fff), UC);
	assert_int_equal(type_of(&s, 2 * GIB), WB);
	assert_int_equal(range(&s, GIB, 4096), UC);
	assert_int_equal(range(&s, GIB + 0x1000, 4096), WB);
	assert_int_equal(range(&s, GIB, 8192), -ERANGE);
	assert_int_equal(range(&s, GIB, GIB), -ERANGE);
	assert_int_equal(range(&s, 0, GIB), WB);
	/* The odd pages too, UC: together they make the whole GiB UC. */
	s.var[1].base = GIB | 0x1000 | UC;
	s.var[1].mask = s.var[0].mask;
	s.nvar = 2;
	assert_int_equal(range(&s, GIB, GIB), UC);
	assert_int_equal(range(&s, 0, 2 * GIB), -ERANGE);
}

static void test_bad_arguments(void **state)
{
	struct mtrr_state s;
	uint8_t t;

	(void)state;
	st_init(&s, E_ON | WB, 36);
	assert_int_equal(mtrr_range_type(&s, 0, 0, &t), -EINVAL);
	assert_int_equal(mtrr_range_type(&s, ~0ull - 4095, 8192, &t), -EINVAL);
	assert_int_equal(mtrr_range_type(&s, 0, (1ull << 36) + 1, &t), -EINVAL);
	assert_int_equal(mtrr_type_of(&s, 1ull << 36, &t), -EINVAL);
	assert_int_equal(range(&s, 0, 1ull << 36), WB);
	assert_int_equal(type_of(&s, (1ull << 36) - 1), WB);
	assert_int_equal(mtrr_type_of(NULL, 0, &t), -EINVAL);
	assert_int_equal(mtrr_type_of(&s, 0, NULL), -EINVAL);
	s.nvar = MTRR_MAX_VAR + 1;
	assert_int_equal(mtrr_type_of(&s, 0, &t), -EINVAL);
	s.nvar = 0;
	s.phys_addr_bits = 31;
	assert_int_equal(mtrr_type_of(&s, 0, &t), -EINVAL);
	s.phys_addr_bits = 53;
	assert_int_equal(mtrr_type_of(&s, 0, &t), -EINVAL);
	s.phys_addr_bits = 52;
	assert_int_equal(range(&s, 0, 1ull << 52), WB);
}

/* Sixteen ranges spread over 64 GiB: whole-GiB queries stay cheap and exact. */
static void test_many_ranges_large_queries(void **state)
{
	struct mtrr_state s;

	(void)state;
	st_init(&s, E_ON | WB, 46);
	for (unsigned i = 0; i < 16; i++)
		st_add(&s, (4ull * i + 1) * GIB + 4096 * i, 4096, i % 2 ? UC : WT);
	for (unsigned g = 0; g < 64; g++) {
		int want = (g % 4 == 1) ? -ERANGE : WB;

		assert_int_equal(range(&s, g * GIB, GIB), want);
	}
	assert_int_equal(type_of(&s, 5 * GIB + 4096), UC);
	assert_int_equal(type_of(&s, 9 * GIB + 8192), WT);
	assert_int_equal(range(&s, 0, 64 * GIB), -ERANGE);
}

/* Reference: the type of one 4 KiB page, straight from 12.11.4.1. */
static int ref_valid(uint64_t t)
{
	return t == UC || t == WC || t == WT || t == WP || t == WB;
}

static uint8_t ref_page(const struct mtrr_state *s, uint64_t pa)
{
	uint64_t addr = ((1ull << s->phys_addr_bits) - 1) & ~0xfffull;
	int n = 0, uc = 0, wt = 0, wb = 0, other = 0, first = -1, same = 1;

	if (!(s->def_type & MTRR_DEF_E))
		return UC;
	if ((s->def_type & MTRR_DEF_FE) && pa < 0x100000) {
		uint64_t t;

		if (pa < 0x80000)
			t = s->fixed[0] >> (8 * (pa / 0x10000));
		else if (pa < 0xc0000)
			t = s->fixed[1 + (pa - 0x80000) / 0x20000] >> (8 * ((pa % 0x20000) / 0x4000));
		else
			t = s->fixed[3 + (pa - 0xc0000) / 0x8000] >> (8 * ((pa % 0x8000) / 0x1000));
		t &= 0xff;
		return ref_valid(t) ? (uint8_t)t : UC;
	}
	for (unsigned i = 0; i < s->nvar; i++) {
		uint64_t m = s->var[i].mask & addr;
		uint64_t t = s->var[i].base & 0xff;

		if (!(s->var[i].mask & MTRR_VAR_VALID) || (pa & m) != (s->var[i].base & m))
			continue;
		if (!ref_valid(t))
			t = UC;
		if (first >= 0 && (int)t != first)
			same = 0;
		if (first < 0)
			first = (int)t;
		n++;
		uc |= t == UC;
		wt |= t == WT;
		wb |= t == WB;
		other |= t == WC || t == WP;
	}
	if (n == 0) {
		uint64_t d = s->def_type & 0xff;

		return ref_valid(d) ? (uint8_t)d : UC;
	}
	if (same)
		return (uint8_t)first;
	if (uc || other)
		return UC;
	return (wt && wb) ? WT : UC;
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void test_random_against_reference(void **state)
{
	static const uint8_t types[] = { UC, WC, WT, WP, WB, WB, WT, 3 };
	uint64_t seed = 12345;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct mtrr_state s;
		uint64_t addr;

		st_init(&s, E_ON | (lcg(&seed) % 4 ? FE_ON : 0) | types[lcg(&seed) % 8], 36);
		addr = ((1ull << 36) - 1) & ~0xfffull;
		for (int i = 0; i < MTRR_NR_FIXED; i++)
			for (int b = 0; b < 8; b++)
				s.fixed[i] |= (uint64_t)types[lcg(&seed) % 3 + 2 * (round % 2)] << (8 * b);
		s.nvar = (unsigned)(lcg(&seed) % 9);
		for (unsigned i = 0; i < s.nvar; i++) {
			/* Ranges within the low 64 MiB; some masks get holes. */
			unsigned order = 12 + (unsigned)(lcg(&seed) % 14);
			uint64_t size = 1ull << order;
			uint64_t base = (lcg(&seed) % ((64 * MIB) / size)) * size;
			uint64_t mask = ~(size - 1) & addr;

			if (lcg(&seed) % 4 == 0 && order > 13)
				mask |= 1ull << (12 + lcg(&seed) % (order - 12));
			s.var[i].base = (base & mask) | types[lcg(&seed) % 8];
			s.var[i].mask = mask | (lcg(&seed) % 8 ? MTRR_VAR_VALID : 0);
		}
		for (int q = 0; q < 20; q++) {
			unsigned order = 12 + (unsigned)(lcg(&seed) % 12);
			uint64_t len = (1 + lcg(&seed) % 3) << order;
			uint64_t start = (lcg(&seed) % ((64 * MIB) >> 12)) << 12;
			int want = ref_page(&s, start);

			if (start + len > 64 * MIB)
				len = 64 * MIB - start;
			for (uint64_t pa = start + 4096; pa < start + len; pa += 4096)
				if (ref_page(&s, pa) != want) {
					want = -ERANGE;
					break;
				}
			assert_int_equal(range(&s, start, len), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_is_uc),
		cmocka_unit_test(test_default_wb_with_uc_hole),
		cmocka_unit_test(test_overlap_precedence),
		cmocka_unit_test(test_fixed_ranges),
		cmocka_unit_test(test_invalid_encodings_are_uc),
		cmocka_unit_test(test_noncontiguous_masks),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_many_ranges_large_queries),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
