/* The core's pure helpers: fmt_snprintf (hv/lib/format.c), the boot command
 * line (hv/cmdline.c) and the page allocator (hv/palloc.c).
 *
 * fmt_snprintf is checked against the host's snprintf (C11 7.21.6.1) for every
 * conversion both define the same way, and against literal strings for the
 * cases where the hypervisor's subset is its own (%p, unknown conversions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/cmdline.h"
#include "hv/errno.h"
#include "hv/lib/format.h"
#include "hv/page_ops.h"
#include "hv/palloc.h"

/* ---- fmt_snprintf ------------------------------------------------------ */

/* Same output and same return value as the C library, through a buffer
 * large enough for both. */
#define CHECK_LIKE_LIBC(...)                                                   \
	do {                                                                   \
		char got_[128], want_[128];                                    \
		int gn_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__);       \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);         \
		assert_string_equal(got_, want_);                              \
		assert_int_equal(gn_, wn_);                                    \
	} while (0)

static void test_fmt_integers(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%d", 0);
	CHECK_LIKE_LIBC("%d|%i", 42, -42);
	CHECK_LIKE_LIBC("%d", INT32_MIN);
	CHECK_LIKE_LIBC("%d", INT32_MAX);
	CHECK_LIKE_LIBC("%u", UINT32_MAX);
	CHECK_LIKE_LIBC("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	CHECK_LIKE_LIBC("%x", 0u);
	CHECK_LIKE_LIBC("%lx", (unsigned long)0x123456789abcdef0ull);
	CHECK_LIKE_LIBC("%lx", (unsigned long)UINT64_MAX);
	CHECK_LIKE_LIBC("%lu", (unsigned long)UINT64_MAX);
	CHECK_LIKE_LIBC("%ld", (long)INT64_MIN);
	CHECK_LIKE_LIBC("%ld", (long)INT64_MAX);
	CHECK_LIKE_LIBC("%llx", 0xfedcba9876543210ull);
	CHECK_LIKE_LIBC("%lld", -1ll);
	CHECK_LIKE_LIBC("%zu", (size_t)SIZE_MAX);
	CHECK_LIKE_LIBC("%zx", (size_t)0x1000);
	/* A 32-bit conversion must not pick up the upper half of a register. */
	CHECK_LIKE_LIBC("%x %lx %x", 1u, (unsigned long)0x100000000ull, 2u);
}

static void test_fmt_width_and_padding(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("[%5d]", 42);
	CHECK_LIKE_LIBC("[%-5d]", 42);
	CHECK_LIKE_LIBC("[%05d]", 42);
	CHECK_LIKE_LIBC("[%05d]", -42);
	CHECK_LIKE_LIBC("[%5d]", -42);
	CHECK_LIKE_LIBC("[%-6d]", -42);
	CHECK_LIKE_LIBC("[%2d]", 12345);
	CHECK_LIKE_LIBC("[%016lx]", (unsigned long)0xabcull);
	CHECK_LIKE_LIBC("[%08x]", 0xffffffffu);
	CHECK_LIKE_LIBC("[%8X]", 0xbeefu);
	CHECK_LIKE_LIBC("[%-8x]", 0xbeefu);
	CHECK_LIKE_LIBC("[%03u]", 7u);
	CHECK_LIKE_LIBC("[%020ld]", (long)INT64_MIN);
	CHECK_LIKE_LIBC("[%5s][%-5s][%2s]", "ab", "ab", "abcd");
	CHECK_LIKE_LIBC("[%s][%c][%%]", "", 'z');
	CHECK_LIKE_LIBC("plain text, no conversions");
	CHECK_LIKE_LIBC("%s=%d %s=0x%lx", "a", 1, "b", (unsigned long)0x2000000);
}

static void test_fmt_own_conversions(void **state)
{
	char buf[64];
	const char *fmt;
	/* volatile: GCC would see the NULL through the format and reject it. */
	const char *volatile null_str = NULL;

	(void)state;
	/* %p: always 0x and lower-case hex, also for NULL. */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1000), 6);
	assert_string_equal(buf, "0x1000");
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0);
	assert_string_equal(buf, "0x0");
	/* Through a variable: the compiler would reject these formats. */
	fmt = "[%s]";
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), fmt, null_str), 8);
	assert_string_equal(buf, "[(null)]");
	fmt = "%q|%";
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), fmt), 3);
	assert_string_equal(buf, "%q|");
	fmt = "100%";
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), fmt), 3);
	assert_string_equal(buf, "100");
}

static void test_fmt_truncation(void **state)
{
	char buf[16];

	(void)state;
	/* The return value is the full length; the buffer holds n - 1 bytes. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 4, "[%10d]", 7), 12);
	assert_string_equal(buf, "[  ");
	assert_int_equal(buf[4], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "%lx", (unsigned long)UINT64_MAX), 16);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	/* n = 0: nothing written at all (ASan would see a write to NULL). */
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", -12, "abc"), 7);

	/* Exactly fitting: n = length + 1. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "%05d", 42), 5);
	assert_string_equal(buf, "00042");
	assert_int_equal(fmt_snprintf(buf, 5, "%05d", 42), 5);
	assert_string_equal(buf, "0004");
}

/* ---- cmdline_get / cmdline_parse_u64 ------------------------------------- */

static void test_cmdline_get_basic(void **state)
{
	const char *cl = "console=com1,115200 loglevel=4\tspp=sw\nhvmem=64M";
	char val[32];

	(void)state;
	assert_true(cmdline_get(cl, "console", val, sizeof(val)));
	assert_string_equal(val, "com1,115200");
	assert_true(cmdline_get(cl, "loglevel", val, sizeof(val)));
	assert_string_equal(val, "4");
	assert_true(cmdline_get(cl, "spp", val, sizeof(val)));
	assert_string_equal(val, "sw");
	assert_true(cmdline_get(cl, "hvmem", val, sizeof(val)));
	assert_string_equal(val, "64M");
	assert_false(cmdline_get(cl, "absent", val, sizeof(val)));
	/* Only the value: a second '=' belongs to it. */
	assert_true(cmdline_get("  a==b  ", "a", val, sizeof(val)));
	assert_string_equal(val, "=b");
	assert_true(cmdline_get("spp=", "spp", val, sizeof(val)));
	assert_string_equal(val, "");
}

static void test_cmdline_get_last_wins_and_flags(void **state)
{
	char val[16];

	(void)state;
	assert_true(cmdline_get("loglevel=1 x loglevel=4", "loglevel", val, sizeof(val)));
	assert_string_equal(val, "4");
	/* A bare word is the empty value, and the last word still wins. */
	assert_true(cmdline_get("test-entry-fail", "test-entry-fail", val, sizeof(val)));
	assert_string_equal(val, "");
	assert_true(cmdline_get("spp=hw spp", "spp", val, sizeof(val)));
	assert_string_equal(val, "");
	assert_true(cmdline_get("spp spp=hw", "spp", val, sizeof(val)));
	assert_string_equal(val, "hw");
	/* Presence only. */
	assert_true(cmdline_get("a b test-unhandled-exit", "test-unhandled-exit", NULL, 0));
	strcpy(val, "keep");
	assert_true(cmdline_get("k=v", "k", val, 0));
	assert_string_equal(val, "keep");
}

static void test_cmdline_get_no_prefix_match(void **state)
{
	char val[16];

	(void)state;
	strcpy(val, "keep");
	assert_false(cmdline_get("spp2=hw", "spp", val, sizeof(val)));
	assert_false(cmdline_get("sppx", "spp", val, sizeof(val)));
	assert_false(cmdline_get("spp=hw", "spp2", val, sizeof(val)));
	assert_false(cmdline_get("sp=hw", "spp", val, sizeof(val)));
	assert_false(cmdline_get("xspp=hw", "spp", val, sizeof(val)));
	assert_false(cmdline_get("myspp=hw", "spp", val, sizeof(val)));
	assert_false(cmdline_get("test-entry-fail-not", "test-entry-fail", NULL, 0));
	assert_string_equal(val, "keep");
	/* The match is the word, wherever it is. */
	assert_true(cmdline_get("spp2=a spp=b spp3=c", "spp", val, sizeof(val)));
	assert_string_equal(val, "b");
}

static void test_cmdline_get_hostile(void **state)
{
	char val[4];

	(void)state;
	assert_false(cmdline_get(NULL, "a", val, sizeof(val)));
	assert_false(cmdline_get("a=1", NULL, val, sizeof(val)));
	assert_false(cmdline_get("a=1", "", val, sizeof(val)));
	assert_false(cmdline_get("", "a", val, sizeof(val)));
	assert_false(cmdline_get("   \t\n\r ", "a", val, sizeof(val)));
	/* Truncated to n - 1 bytes, always terminated. */
	assert_true(cmdline_get("loglevel=12345", "loglevel", val, sizeof(val)));
	assert_string_equal(val, "123");
	assert_true(cmdline_get("loglevel=12345", "loglevel", val, 1));
	assert_string_equal(val, "");
}

static void test_cmdline_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	static const struct {
		const char *s;
		uint64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "42", 42 },
		{ "010", 10 },	/* decimal, not octal */
		{ "0x10", 16 },
		{ "0XfF", 255 },
		{ "0x1B", 27 },	/* B is a hex digit, not a suffix */
		{ "4K", 4096 },
		{ "4k", 4096 },
		{ "16M", 16ull << 20 },
		{ "2G", 2ull << 30 },
		{ "0x10K", 0x4000 },
		{ "0x1g", 1ull << 30 },
		{ "18446744073709551615", UINT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "0xFFFFFFFFFFFFFFFF", UINT64_MAX },
		{ "17179869183G", (17179869183ull) << 30 },	/* (2^34 - 1) GiB */
		{ "0000000000000000000000000001", 1 },
	};
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", -EINVAL }, { "0x", -EINVAL }, { "K", -EINVAL },
		{ "-1", -EINVAL }, { "+1", -EINVAL }, { " 1", -EINVAL },
		{ "1 ", -EINVAL }, { "12abc", -EINVAL }, { "1KB", -EINVAL },
		{ "4T", -EINVAL }, { "0x0x1", -EINVAL }, { "1.5", -EINVAL },
		{ "18446744073709551616", -ERANGE },
		{ "99999999999999999999999", -ERANGE },
		{ "0x10000000000000000", -ERANGE },
		{ "17179869184G", -ERANGE },	/* 2^64 */
		{ "18014398509481984K", -ERANGE },	/* 2^54 KiB = 2^64 */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 0xa5a5a5a5a5a5a5a5ull;
		print_message("%s\n", ok[i].s);
		assert_int_equal(cmdline_parse_u64(ok[i].s, &v), 0);
		assert_true(v == ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 0xa5a5a5a5a5a5a5a5ull;
		print_message("%s\n", bad[i].s);
		assert_int_equal(cmdline_parse_u64(bad[i].s, &v), bad[i].err);
		assert_true(v == 0xa5a5a5a5a5a5a5a5ull); /* untouched on error */
	}
	assert_int_equal(cmdline_parse_u64(NULL, &v), -EINVAL);
}

/* ---- palloc ------------------------------------------------------------ */

/* A fake physical range [FAKE_BASE, FAKE_BASE + FAKE_SIZE) backed by a host
 * buffer; any other address is a test failure. */
#define FAKE_BASE 0x40000000ull
#define FAKE_SIZE (64 * PAGE_SIZE)

static uint8_t *fake_mem;

static void *fake_phys_to_virt(uint64_t pa)
{
	assert_true(pa >= FAKE_BASE && pa < FAKE_BASE + FAKE_SIZE);
	return fake_mem + (pa - FAKE_BASE);
}

static int fake_setup(void **state)
{
	(void)state;
	fake_mem = test_malloc(FAKE_SIZE);
	memset(fake_mem, 0xa5, FAKE_SIZE);
	return 0;
}

static int fake_teardown(void **state)
{
	(void)state;
	test_free(fake_mem);
	fake_mem = NULL;
	return 0;
}

static void test_palloc_top_is_highest_fitting_range_below_limit(void **state)
{
	const struct mem_range free_ranges[] = {
		{ 0x100000, 0x200000 },
		{ 0x400000, 0x500000 },	/* clipped by the limit to 0x480000 */
		{ 0x300000, 0x380000 },
		{ 0x600000, 0x700000 },	/* wholly above the limit */
	};
	struct palloc p;

	(void)state;
	assert_int_equal(palloc_init(&p, free_ranges, 4, 0x40000, 0x480000, fake_phys_to_virt), 0);
	/* Nothing is taken yet: the pool may grow down to its range's start. */
	assert_true(p.start == 0x400000 && p.end == 0x480000 && p.next == p.end && !p.reserved);
	assert_ptr_equal(p.phys_to_virt, fake_phys_to_virt);
	/* Too big for the clipped range and for 0x300000-0x380000: the lowest
	 * range is the only one left. */
	assert_int_equal(palloc_init(&p, free_ranges, 4, 0x90000, 0x480000, fake_phys_to_virt), 0);
	assert_true(p.start == 0x100000 && p.end == 0x200000);
	/* With no limit the range above wins. */
	assert_int_equal(palloc_init(&p, free_ranges, 4, 0x90000, UINT64_MAX, fake_phys_to_virt), 0);
	assert_true(p.start == 0x600000 && p.end == 0x700000);
	/* A range ending exactly at the limit is usable up to it. */
	assert_int_equal(palloc_init(&p, free_ranges, 4, 0x10000, 0x700000, fake_phys_to_virt), 0);
	assert_true(p.start == 0x600000 && p.end == 0x700000);
}

static void test_palloc_alignment(void **state)
{
	/* Unaligned edges are rounded inward; the size up to whole pages. */
	const struct mem_range r[] = { { 0x100123, 0x150fff } };
	const struct mem_range tiny[] = { { 0x100001, 0x101fff } };
	struct mem_range fit;
	struct palloc p;

	(void)state;
	assert_int_equal(palloc_init(&p, r, 1, 0x1001, UINT64_MAX, fake_phys_to_virt), 0);
	assert_true(p.start == 0x101000 && p.end == 0x150000);
	/* Exactly the aligned interior fits. */
	assert_int_equal(palloc_init(&p, r, 1, 0x4f000, UINT64_MAX, fake_phys_to_virt), 0);
	assert_int_equal(palloc_init(&p, r, 1, 0x50000, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
	/* 0x4e001 rounds up to 0x4f000, which fits; 0x4f001 does not. */
	assert_int_equal(memrange_highest_fit(r, 1, 0x4e001, UINT64_MAX, &fit), 0);
	assert_int_equal(memrange_highest_fit(r, 1, 0x4f001, UINT64_MAX, &fit), -ENOMEM);
	/* Less than one aligned page inside. */
	assert_int_equal(palloc_init(&p, tiny, 1, 1, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
}

static void test_palloc_init_failures(void **state)
{
	const struct mem_range r[] = { { 0x100000, 0x200000 } };
	struct palloc p, before;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	before = p;
	assert_int_equal(palloc_init(&p, r, 1, 0x100001, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(palloc_init(&p, r, 1, PAGE_SIZE, 0x100fff, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(palloc_init(&p, r, 0, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(palloc_init(&p, NULL, 0, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
	assert_int_equal(palloc_init(&p, r, 1, 0, UINT64_MAX, fake_phys_to_virt), -EINVAL);
	/* A size whose page round-up wraps must not become a tiny pool. */
	assert_true(palloc_init(&p, r, 1, UINT64_MAX, UINT64_MAX, fake_phys_to_virt) < 0);
	assert_true(palloc_init(&p, r, 1, UINT64_MAX - PAGE_SIZE + 2, UINT64_MAX,
				fake_phys_to_virt) < 0);
	/* Empty and inverted ranges are skipped. */
	const struct mem_range junk[] = { { 0x300000, 0x300000 }, { 0x500000, 0x400000 } };
	assert_int_equal(palloc_init(&p, junk, 2, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), -ENOMEM);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_palloc_pages_go_down_from_the_top(void **state)
{
	const struct mem_range r[] = { { FAKE_BASE, FAKE_BASE + 8 * PAGE_SIZE } };
	struct palloc p;
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(palloc_init(&p, r, 1, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), 0);
	assert_true(p.end == FAKE_BASE + 8 * PAGE_SIZE && p.start == FAKE_BASE);
	a = palloc_pages(&p, 1);
	assert_true(a == p.end - PAGE_SIZE);
	b = palloc_pages(&p, 3);
	assert_true(b == a - 3 * PAGE_SIZE);	/* contiguous, below */
	assert_true(palloc_used(&p) == 4 * PAGE_SIZE);
	/* Zeroed, and only the pages handed out. */
	for (uint64_t i = 0; i < 4 * PAGE_SIZE; i++)
		assert_int_equal(fake_mem[b - FAKE_BASE + i], 0);
	assert_int_equal(fake_mem[b - 1 - FAKE_BASE], 0xa5);
	assert_true(palloc_pages(&p, 0) == 0);
	assert_true(palloc_pages(&p, 5) == 0);	/* 4 left */
	assert_true(palloc_pages(&p, UINT64_MAX) == 0);
	assert_true(palloc_pages(&p, UINT64_MAX / PAGE_SIZE + 1) == 0);	/* count * 4096 wraps */
	assert_true(p.next == b);	/* failures take nothing */
	c = palloc_pages(&p, 4);
	assert_true(c == FAKE_BASE && p.next == p.start);
	assert_true(palloc_pages(&p, 1) == 0);
}

static void test_palloc_reserve_fixes_the_bottom(void **state)
{
	const struct mem_range r[] = { { FAKE_BASE, FAKE_BASE + 16 * PAGE_SIZE } };
	struct palloc p, before;

	(void)state;
	assert_int_equal(palloc_init(&p, r, 1, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), 0);
	assert_true(palloc_pages(&p, 3) == FAKE_BASE + 13 * PAGE_SIZE);
	before = p;
	/* More headroom, or a bigger minimum, than the range holds: unchanged. */
	assert_int_equal(palloc_reserve(&p, 14 * PAGE_SIZE, 0), -ENOMEM);
	assert_int_equal(palloc_reserve(&p, 0, 17 * PAGE_SIZE), -ENOMEM);
	assert_memory_equal(&p, &before, sizeof(p));
	/* Two pages of headroom (1.5 rounds up). */
	assert_int_equal(palloc_reserve(&p, PAGE_SIZE + PAGE_SIZE / 2, 0), 0);
	assert_true(p.reserved && p.start == FAKE_BASE + 11 * PAGE_SIZE && p.end == before.end);
	assert_int_equal(palloc_reserve(&p, 0, 0), -EINVAL);
	/* The headroom is usable, and nothing below it. */
	assert_true(palloc_pages(&p, 2) == FAKE_BASE + 11 * PAGE_SIZE);
	assert_true(palloc_pages(&p, 1) == 0);

	/* A minimum size larger than used + headroom wins. */
	assert_int_equal(palloc_init(&p, r, 1, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), 0);
	assert_true(palloc_pages(&p, 1) != 0);
	assert_int_equal(palloc_reserve(&p, PAGE_SIZE, 10 * PAGE_SIZE), 0);
	assert_true(p.start == FAKE_BASE + 6 * PAGE_SIZE);
	/* Exactly the whole range. */
	assert_int_equal(palloc_init(&p, r, 1, PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), 0);
	assert_int_equal(palloc_reserve(&p, 16 * PAGE_SIZE, 0), 0);
	assert_true(p.start == FAKE_BASE);
}

static void test_palloc_page_ops(void **state)
{
	const struct mem_range r[] = { { FAKE_BASE, FAKE_BASE + 2 * PAGE_SIZE } };
	struct palloc p;
	struct page_ops ops;
	uint64_t a;

	(void)state;
	assert_int_equal(palloc_init(&p, r, 1, 2 * PAGE_SIZE, UINT64_MAX, fake_phys_to_virt), 0);
	ops = (struct page_ops){ &p, palloc_page_op, palloc_phys_to_virt_op };
	a = ops.alloc_page(ops.ctx);
	assert_true(a == FAKE_BASE + PAGE_SIZE);
	assert_ptr_equal(ops.phys_to_virt(ops.ctx, a), fake_mem + PAGE_SIZE);
	assert_int_equal(((uint8_t *)ops.phys_to_virt(ops.ctx, a))[PAGE_SIZE - 1], 0);
	assert_true(ops.alloc_page(ops.ctx) == FAKE_BASE);
	assert_true(ops.alloc_page(ops.ctx) == 0);	/* out of memory: 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_integers),
		cmocka_unit_test(test_fmt_width_and_padding),
		cmocka_unit_test(test_fmt_own_conversions),
		cmocka_unit_test(test_fmt_truncation),
		cmocka_unit_test(test_cmdline_get_basic),
		cmocka_unit_test(test_cmdline_get_last_wins_and_flags),
		cmocka_unit_test(test_cmdline_get_no_prefix_match),
		cmocka_unit_test(test_cmdline_get_hostile),
		cmocka_unit_test(test_cmdline_parse_u64),
		cmocka_unit_test_setup_teardown(test_palloc_top_is_highest_fitting_range_below_limit,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_palloc_alignment, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_palloc_init_failures, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_palloc_pages_go_down_from_the_top, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_palloc_reserve_fixes_the_bottom, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_palloc_page_ops, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
