/* Range arithmetic: sort, merge, subtract, coverage, alignment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "hv/memrange.h"

#define MR(s, e) ((struct mem_range){ (s), (e) })

static void expect_ranges(const struct mem_range *got, size_t n,
			  const struct mem_range *want, size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].start, want[i].start);
		assert_int_equal(got[i].end, want[i].end);
	}
}

static void test_overlap_contains(void **state)
{
	struct mem_range a = MR(0x1000, 0x2000), empty = MR(0x1800, 0x1800);

	(void)state;
	assert_true(memrange_overlaps(&a, &(struct mem_range)MR(0x1fff, 0x3000)));
	/* half-open: touching is not overlapping */
	assert_false(memrange_overlaps(&a, &(struct mem_range)MR(0x2000, 0x3000)));
	assert_false(memrange_overlaps(&a, &(struct mem_range)MR(0, 0x1000)));
	assert_false(memrange_overlaps(&a, &empty));
	assert_true(memrange_contains(&a, &a));
	assert_true(memrange_contains(&a, &empty));
	assert_false(memrange_contains(&a, &(struct mem_range)MR(0xfff, 0x2000)));
	assert_false(memrange_contains(&a, &(struct mem_range)MR(0x1000, 0x2001)));
	assert_true(memrange_contains_addr(&a, 0x1fff));
	assert_false(memrange_contains_addr(&a, 0x2000));
	assert_int_equal(memrange_len(&a), 0x1000);
	assert_int_equal(memrange_len(&(struct mem_range)MR(5, 3)), 0);
	assert_true(memrange_is_empty(&(struct mem_range)MR(5, 3)));
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Reference: insertion sort, obviously correct and quadratic. */
static void ref_sort(struct mem_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct mem_range v = r[i];
		size_t j = i;

		while (j > 0 && (r[j - 1].start > v.start ||
				 (r[j - 1].start == v.start && r[j - 1].end > v.end))) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = v;
	}
}

static void test_sort_random(void **state)
{
	enum { N = 257 };
	struct mem_range r[N], ref[N];
	uint64_t seed = 42;

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(lcg(&seed) % N);

		for (size_t i = 0; i < n; i++) {
			r[i].start = lcg(&seed) % 64;	/* many duplicates */
			r[i].end = r[i].start + lcg(&seed) % 8;
			ref[i] = r[i];
		}
		memrange_sort(r, n);
		ref_sort(ref, n);
		expect_ranges(r, n, ref, n);
	}
	memrange_sort(NULL, 0);
	memrange_sort(r, 1);
}

static void test_merge(void **state)
{
	struct mem_range r[] = {
		MR(0x5000, 0x6000), MR(0x1000, 0x2000), MR(0x2000, 0x3000),
		MR(0x7000, 0x7000), MR(0x1800, 0x1900), MR(0x5800, 0x9000),
		MR(0xa000, 0x9000), MR(0x10000, 0x11000),
	};
	const struct mem_range want[] = {
		MR(0x1000, 0x3000), MR(0x5000, 0x9000), MR(0x10000, 0x11000),
	};
	size_t n = memrange_merge(r, sizeof(r) / sizeof(r[0]));

	(void)state;
	expect_ranges(r, n, want, 3);
	assert_int_equal(memrange_merge(r, 0), 0);
}

static void test_subtract(void **state)
{
	const struct mem_range ram[] = { MR(0, 0x9f000), MR(0x100000, 0x8000000) };
	/* unsorted, overlapping, one empty, one outside */
	const struct mem_range hv[] = {
		MR(0x300000, 0x400000), MR(0x200000, 0x280000),
		MR(0x380000, 0x500000), MR(0x600000, 0x600000),
		MR(0x9000000, 0xa000000), MR(0, 0x1000),
	};
	const struct mem_range want[] = {
		MR(0x1000, 0x9f000), MR(0x100000, 0x200000),
		MR(0x280000, 0x300000), MR(0x500000, 0x8000000),
	};
	struct mem_range out[8];
	size_t n = 99;

	(void)state;
	assert_int_equal(memrange_subtract(ram, 2, hv, 6, out, 8, &n), 0);
	expect_ranges(out, n, want, 4);

	/* exactly enough room, then one short */
	assert_int_equal(memrange_subtract(ram, 2, hv, 6, out, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(memrange_subtract(ram, 2, hv, 6, out, 3, &n), -ENOSPC);
	assert_int_equal(n, 3);
	assert_int_equal(memrange_subtract(ram, 2, hv, 6, NULL, 0, &n), -ENOSPC);

	/* everything removed */
	assert_int_equal(memrange_subtract(ram, 2, &MR(0, UINT64_MAX), 1, out, 0,
					   &n), 0);
	assert_int_equal(n, 0);
	/* nothing removed */
	assert_int_equal(memrange_subtract(ram, 2, NULL, 0, out, 2, &n), 0);
	expect_ranges(out, n, ram, 2);
}

static void test_set_covers(void **state)
{
	const struct mem_range set[] = {
		MR(0x3000, 0x5000), MR(0x1000, 0x2000), MR(0x1800, 0x3000),
		MR(0x8000, 0x9000),
	};
	size_t which = 99;

	(void)state;
	assert_true(memrange_set_covers(set, 4, &MR(0x1000, 0x5000)));
	assert_true(memrange_set_covers(set, 4, &MR(0x4fff, 0x5000)));
	assert_false(memrange_set_covers(set, 4, &MR(0xfff, 0x2000)));
	assert_false(memrange_set_covers(set, 4, &MR(0x4000, 0x8001)));
	assert_true(memrange_set_covers(set, 4, &MR(0x6000, 0x6000)));
	assert_false(memrange_set_covers(NULL, 0, &MR(0, 1)));

	assert_true(memrange_set_overlaps(set, 4, &MR(0x1f00, 0x1f01), &which));
	assert_int_equal(which, 1);
	assert_false(memrange_set_overlaps(set, 4, &MR(0x5000, 0x8000), &which));
	assert_true(memrange_set_overlaps(set, 4, &MR(0x8fff, 0x9fff), NULL));
}

static void test_align(void **state)
{
	struct mem_range r = MR(0x1001, 0x5fff);

	(void)state;
	assert_true(memrange_page_inward(&r));
	assert_int_equal(r.start, 0x2000);
	assert_int_equal(r.end, 0x5000);

	r = MR(0x1001, 0x1fff);
	assert_false(memrange_page_inward(&r));
	assert_true(memrange_is_empty(&r));
	r = MR(0x1001, 0x2fff);	/* nothing page-sized inside */
	assert_false(memrange_page_inward(&r));
	r = MR(UINT64_MAX - 10, UINT64_MAX);	/* start rounds past 2^64 */
	assert_false(memrange_page_inward(&r));
	r = MR(0x1000, 0x3000);
	assert_false(memrange_align_inward(&r, 3));

	r = MR(0x1001, 0x2001);
	assert_int_equal(memrange_page_outward(&r), 0);
	assert_int_equal(r.start, 0x1000);
	assert_int_equal(r.end, 0x3000);
	r = MR(0x100000, 0x100001);
	assert_int_equal(memrange_align_outward(&r, 0x200000), 0);
	assert_int_equal(r.start, 0);
	assert_int_equal(r.end, 0x200000);
	r = MR(0x1000, UINT64_MAX - 0xffe);	/* would round to 2^64 */
	assert_int_equal(memrange_page_outward(&r), -EOVERFLOW);
	r = MR(0x1000, UINT64_MAX - 0xfff);	/* already aligned end */
	assert_int_equal(memrange_page_outward(&r), 0);
	assert_int_equal(r.end, UINT64_MAX - 0xfff);
	assert_int_equal(memrange_align_outward(&r, 0), -EINVAL);
	assert_int_equal(memrange_align_outward(&r, 0x3000), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_contains),
		cmocka_unit_test(test_sort_random),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_subtract),
		cmocka_unit_test(test_set_covers),
		cmocka_unit_test(test_align),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
