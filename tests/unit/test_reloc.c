/* Host tests for the image's self-relocation table (hv/reloc.c) and the
 * placement it relies on (memrange_highest_fit, hv/memrange.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/errno.h"
#include "hv/memrange.h"
#include "hv/reloc.h"

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void test_reloc_adds_delta_at_each_site(void **state)
{
	uint8_t img[64];
	uint64_t a = 0x6001234, b = 0x6000000;
	uint32_t c = 0x6000040;
	/* An unaligned 32-bit site (an operand inside an instruction) and two
	 * 64-bit ones; the rest of the image is untouched. */
	const uint32_t table[] = { 0, 13 | HV_RELOC_32, 24 };

	(void)state;
	memset(img, 0xcc, sizeof(img));
	memcpy(img, &a, 8);
	memcpy(img + 13, &c, 4);
	memcpy(img + 24, &b, 8);
	assert_int_equal(reloc_apply(img, sizeof(img), table, 3, 0x8f00000 - 0x6000000), 0);
	assert_true(rd64(img) == 0x8f01234);
	assert_true(rd32(img + 13) == 0x8f00040);
	assert_true(rd64(img + 24) == 0x8f00000);
	assert_int_equal(img[8], 0xcc);
	assert_int_equal(img[12], 0xcc);
	assert_int_equal(img[17], 0xcc);
	assert_int_equal(img[63], 0xcc);
	/* Moving down works the same way. */
	assert_int_equal(reloc_apply(img, sizeof(img), table, 3, -0x100000), 0);
	assert_true(rd64(img) == 0x8e01234 && rd32(img + 13) == 0x8e00040);
}

static void test_reloc_refuses_without_writing(void **state)
{
	uint8_t img[32], before[32];
	uint32_t high = 0xfff00000;
	const uint32_t outside[] = { 0, 25 };		/* 25 + 8 > 32 */
	const uint32_t outside32[] = { 28 | HV_RELOC_32, 29 | HV_RELOC_32 };
	const uint32_t overflow[] = { 0, 8 | HV_RELOC_32 };

	(void)state;
	memset(img, 0x11, sizeof(img));
	memcpy(img + 8, &high, 4);
	memcpy(before, img, sizeof(img));
	assert_int_equal(reloc_apply(img, sizeof(img), outside, 2, 0x1000), -ERANGE);
	assert_int_equal(reloc_apply(img, sizeof(img), outside32, 2, 0x1000), -ERANGE);
	/* 0xfff00000 + 0x200000 no longer fits a 32-bit operand. */
	assert_int_equal(reloc_apply(img, sizeof(img), overflow, 2, 0x200000), -ERANGE);
	assert_memory_equal(img, before, sizeof(img));
	/* Exactly at the end is inside; the empty table is a no-op. */
	assert_int_equal(reloc_apply(img, sizeof(img), outside32, 1, 0x1000), 0);
	assert_int_equal(reloc_apply(img, sizeof(img), NULL, 0, 0x1000), 0);
}

static void test_highest_fit_for_the_image(void **state)
{
	/* usable RAM of a 256 MiB machine minus the low MiB, a module and
	 * the loader's information: the image goes at the top. */
	const struct mem_range free_ranges[] = {
		{ 0x100000, 0x19a000 }, { 0x1e6000, 0x5ff0000 },
		{ 0x6080000, 0xfff0000 }, { 0x100000000, 0x140000000 },
	};
	struct mem_range fit;

	(void)state;
	assert_int_equal(memrange_highest_fit(free_ranges, 4, 0x57000, 1ull << 32, &fit), 0);
	assert_true(fit.start == 0x6080000 && fit.end == 0xfff0000);
	/* Too big for anything below 4 GiB. */
	assert_int_equal(memrange_highest_fit(free_ranges, 4, 0xa000000, 1ull << 32, &fit),
			 -ENOMEM);
	assert_int_equal(memrange_highest_fit(free_ranges, 4, 0, 1ull << 32, &fit), -EINVAL);
	assert_int_equal(memrange_highest_fit(free_ranges, 4, UINT64_MAX, 1ull << 32, &fit),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reloc_adds_delta_at_each_site),
		cmocka_unit_test(test_reloc_refuses_without_writing),
		cmocka_unit_test(test_highest_fit_for_the_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
