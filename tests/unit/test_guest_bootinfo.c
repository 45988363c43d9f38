/* Guest boot information builders and the guest memory map.  Output is checked
 * byte by byte at the spec offsets (Multiboot 0.6.96 section 3.3, Multiboot2
 * 2.0 section 3.6), then read back through bootinfo_parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bootinfo.h"
#include "hv/errno.h"
#include "hv/guest_bootinfo.h"

#define GPA 0x9000u

static uint32_t r32(const uint8_t *b, uint32_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	       (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

static uint64_t r64(const uint8_t *b, uint32_t off)
{
	return r32(b, off) | (uint64_t)r32(b, off + 4) << 32;
}

/* The buffer as the guest sees it: [gpa, gpa + size). */
struct guestmem {
	const uint8_t *buf;
	uint64_t gpa, size;
};

static const void *gm_map(void *ctx, uint64_t pa, uint64_t len)
{
	const struct guestmem *g = ctx;

	if (pa < g->gpa || pa - g->gpa > g->size || len > g->size - (pa - g->gpa))
		return NULL;
	return g->buf + (pa - g->gpa);
}

static const struct bootinfo_mmap_entry e820[] = {
	{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0x100000, 0x7ee0000, 1 },
};
static const struct bootinfo_module mods[] = {
	{ 0x200000, 0x212345, "guest" }, { 0x213000, 0x213000, NULL },
};
static const struct guest_bootinfo_input input = {
	.cmdline = "console=com1", .loader_name = "spphv",
	.mmap = e820, .mmap_count = 3, .modules = mods, .module_count = 2,
};

/* Layout from the spec: info (116) | 2 modules (16 each) | 3 mmap entries
 * (4-byte size field + 20) | "console=com1" "spphv" "guest" "". */
#define MB1_NEED (116 + 2 * 16 + 3 * 24 + 13 + 6 + 6 + 1)
/* header 8 | meminfo 16 | cmdline 8+13 ->24 | loader 8+6 ->16 |
 * module 16+6 ->24 | module 16+1 ->24 | mmap 16+3*24 = 88 | end 8 */
#define MB2_NEED (8 + 16 + 24 + 16 + 24 + 24 + 88 + 8)

static void test_mb1_layout(void **state)
{
	uint8_t *b = malloc(MB1_NEED);
	uint32_t info = 0, mods_at, mmap_at;

	(void)state;
	assert_int_equal(guest_bootinfo_build_mb1(b, MB1_NEED, GPA, &input,
						  &info), 0);
	assert_int_equal(info, GPA);
	assert_int_equal(r32(b, 0), 0x1 | 0x4 | 0x8 | 0x40 | 0x200);
	assert_int_equal(r32(b, 4), 639);
	assert_int_equal(r32(b, 8), 0x7ee0000 / 1024);
	assert_int_equal(r32(b, 20), 2);
	mods_at = r32(b, 24) - GPA;
	assert_int_equal(mods_at, 116);
	assert_int_equal(r32(b, mods_at), 0x200000);
	assert_int_equal(r32(b, mods_at + 4), 0x212345);
	assert_string_equal((char *)b + r32(b, mods_at + 8) - GPA, "guest");
	assert_string_equal((char *)b + r32(b, mods_at + 24) - GPA, "");
	assert_int_equal(r32(b, 44), 3 * 24);
	mmap_at = r32(b, 48) - GPA;
	assert_int_equal(mmap_at, 116 + 32);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(r32(b, mmap_at + 24 * i), 20);
		assert_int_equal(r64(b, mmap_at + 24 * i + 4), e820[i].base);
		assert_int_equal(r64(b, mmap_at + 24 * i + 12), e820[i].len);
		assert_int_equal(r32(b, mmap_at + 24 * i + 20), e820[i].type);
	}
	assert_string_equal((char *)b + r32(b, 16) - GPA, "console=com1");
	assert_string_equal((char *)b + r32(b, 64) - GPA, "spphv");
	free(b);
}

static void roundtrip(uint32_t magic, const uint8_t *b, uint32_t size,
		      uint32_t info)
{
	struct guestmem g = { b, GPA, size };
	const struct bootinfo_mem mem = { &g, gm_map };
	struct bootinfo bi;

	assert_int_equal(bootinfo_parse(magic, info, &mem, &bi), 0);
	assert_string_equal(bi.cmdline, "console=com1");
	assert_string_equal(bi.loader_name, "spphv");
	assert_true(bi.has_basic_mem);
	assert_int_equal(bi.mem_lower_kb, 639);
	assert_int_equal(bi.mem_upper_kb, 129920);
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x212345);
	assert_string_equal(bi.modules[0].string, "guest");
	assert_string_equal(bi.modules[1].string, "");
	assert_int_equal(bi.mmap_count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(bi.mmap[i].base, e820[i].base);
		assert_int_equal(bi.mmap[i].len, e820[i].len);
		assert_int_equal(bi.mmap[i].type, e820[i].type);
	}
	assert_int_equal(bi.info_start, GPA);
	assert_int_equal(bi.info_end, GPA + size);
}

static void test_roundtrip(void **state)
{
	uint8_t *b = malloc(4096);
	uint32_t info;

	(void)state;
	assert_int_equal(guest_bootinfo_build_mb1(b, 4096, GPA, &input, &info),
			 0);
	roundtrip(0x2BADB002, b, MB1_NEED, info);
	assert_int_equal(guest_bootinfo_build_mb2(b, 4096, GPA, &input, &info),
			 0);
	assert_int_equal(info, GPA);
	assert_int_equal(r32(b, 0), MB2_NEED);
	assert_int_equal(r32(b, 8), 4);		/* basic meminfo first */
	assert_int_equal(r32(b, 12), 16);
	assert_int_equal(r32(b, MB2_NEED - 8), 0);	/* end tag last */
	assert_int_equal(r32(b, MB2_NEED - 4), 8);
	roundtrip(0x36d76289, b, MB2_NEED, info);
	free(b);
}

/* The firmware's RSDP reaches a Multiboot 2 guest in an ACPI tag (type 15
 * for a 36-byte ACPI 2.0+ RSDP, 14 for 20 bytes), which the hypervisor's own
 * parser finds as it finds GRUB's. */
static void test_mb2_acpi_tag(void **state)
{
	uint8_t rsdp[36] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0x5a, 'B', 'O', 'C', 'H',
			     'S', ' ', 2, 0x80, 0x0f, 0xff, 0x0f, 36, 0, 0, 0,
			     0xc0, 0x0f, 0xff, 0x0f, 0, 0, 0, 0, 0xa5, 0, 0, 0 };
	struct guest_bootinfo_input in = input;
	uint8_t *b = malloc(4096);
	uint32_t info;

	(void)state;
	for (uint32_t len = 20; len <= 36; len += 16) {
		struct guestmem g = { b, GPA, 4096 };
		const struct bootinfo_mem mem = { &g, gm_map };
		struct bootinfo bi;
		uint32_t size;

		in.rsdp = rsdp;
		in.rsdp_len = len;
		assert_int_equal(guest_bootinfo_build_mb2(b, 4096, GPA, &in, &info), 0);
		size = r32(b, 0);
		/* The tag sits before the end tag: 8 + len bytes, padded to 8. */
		assert_int_equal(size, MB2_NEED + ((8 + len + 7) & ~7u));
		g.size = size;
		assert_int_equal(bootinfo_parse(0x36d76289, info, &mem, &bi), 0);
		assert_int_not_equal(bi.rsdp_phys, 0);
		assert_int_equal(r32(b, (uint32_t)(bi.rsdp_phys - GPA) - 8),
				 len == 36 ? 15 : 14);
		assert_int_equal(r32(b, (uint32_t)(bi.rsdp_phys - GPA) - 4), 8 + len);
		assert_memory_equal(b + (bi.rsdp_phys - GPA), rsdp, len);
	}
	in.rsdp_len = 24;
	assert_int_equal(guest_bootinfo_build_mb2(b, 4096, GPA, &in, &info), -EINVAL);
	in.rsdp = NULL;
	in.rsdp_len = 36;
	assert_int_equal(guest_bootinfo_build_mb2(b, 4096, GPA, &in, &info), -EINVAL);
	free(b);
}

/* Every size below the need fails cleanly; exact-size heap buffers let ASan
 * catch a single byte written past the end. */
static void test_enospc_sweep(void **state)
{
	typedef int (*build_fn)(void *, uint32_t, uint32_t,
				const struct guest_bootinfo_input *, uint32_t *);
	const build_fn fns[2] = { guest_bootinfo_build_mb1,
				  guest_bootinfo_build_mb2 };
	const uint32_t need[2] = { MB1_NEED, MB2_NEED };

	(void)state;
	for (int f = 0; f < 2; f++) {
		for (uint32_t size = 0; size <= need[f]; size++) {
			uint8_t *b = malloc(size ? size : 1);
			uint32_t info = 0xdead;
			int ret = fns[f](b, size, GPA, &input, &info);

			assert_int_equal(ret, size == need[f] ? 0 : -ENOSPC);
			free(b);
		}
	}
}

static void test_bad_args(void **state)
{
	struct bootinfo_module far[] = { { 0xfffff000, 0x100000001ull, "x" } };
	struct guest_bootinfo_input in = input;
	uint8_t b[512];
	uint32_t info;

	(void)state;
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA + 4, &in, &info),
			 -EINVAL);
	assert_int_equal(guest_bootinfo_build_mb2(b, 512, GPA + 4, &in, &info),
			 -EINVAL);
	assert_int_equal(guest_bootinfo_build_mb1(NULL, 512, GPA, &in, &info),
			 -EINVAL);
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, NULL, &info),
			 -EINVAL);
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, &in, NULL),
			 -EINVAL);
	/* the last byte of the buffer must sit below 4 GiB */
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, 0xfffffe08, &in,
						  &info), -ERANGE);
	assert_int_equal(guest_bootinfo_build_mb2(b, 504, 0xfffffe08, &in,
						  &info), 0);
	assert_int_equal(info, 0xfffffe08);
	in.modules = far;
	in.module_count = 1;
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, &in, &info),
			 -ERANGE);
	in.modules = NULL;
	assert_int_equal(guest_bootinfo_build_mb2(b, 512, GPA, &in, &info),
			 -EINVAL);
	in = input;
	in.mmap = NULL;
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, &in, &info),
			 -EINVAL);

	/* no loader name: flag 9 clear; NULL cmdline: an empty one */
	in = input;
	in.loader_name = NULL;
	in.cmdline = NULL;
	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, &in, &info), 0);
	assert_int_equal(r32(b, 0), 0x1 | 0x4 | 0x8 | 0x40);
	assert_string_equal((char *)b + r32(b, 16) - GPA, "");
}

static void mem_kb(const struct bootinfo_mmap_entry *m, uint32_t n,
		   uint32_t lower, uint32_t upper)
{
	struct guest_bootinfo_input in = { .mmap = m, .mmap_count = n };
	uint8_t b[512];
	uint32_t info;

	assert_int_equal(guest_bootinfo_build_mb1(b, 512, GPA, &in, &info), 0);
	assert_int_equal(r32(b, 4), lower);
	assert_int_equal(r32(b, 8), upper);
}

static void test_mem_lower_upper(void **state)
{
	(void)state;
	mem_kb(NULL, 0, 0, 0);
	/* lower capped at 640 KiB; upper is RAM from 1 MiB to the first hole */
	mem_kb((const struct bootinfo_mmap_entry[]){ { 0, 0x100000, 1 } }, 1,
	       640, 0);
	/* unsorted, overlapping usable entries chain together */
	mem_kb((const struct bootinfo_mmap_entry[]){
		       { 0x2000000, 0x6000000, 1 }, { 0x100000, 0x3f00000, 1 },
		       { 0, 0x9f000, 1 } }, 3, 0x9f000 / 1024, 0x7f00000 / 1024);
	/* a reserved entry inside cuts upper memory there */
	mem_kb((const struct bootinfo_mmap_entry[]){
		       { 0x100000, 0x7f00000, 1 }, { 0x1000000, 0x100000, 2 } },
	       2, 0, 0xf00000 / 1024);
	/* a reserved entry covering 1 MiB itself: no upper memory */
	mem_kb((const struct bootinfo_mmap_entry[]){
		       { 0x100000, 0x7f00000, 1 }, { 0xf0000, 0x20000, 2 } },
	       2, 0, 0);
	/* a hole at 1 MiB */
	mem_kb((const struct bootinfo_mmap_entry[]){ { 0x200000, 0x100000, 1 } },
	       1, 0, 0);
	/* more KiB than 32 bits hold */
	mem_kb((const struct bootinfo_mmap_entry[]){
		       { 0x100000, 5ull << 40, 1 } }, 1, 0, 0xffffffff);
}

static void expect_map(const struct bootinfo_mmap_entry *got, uint32_t n,
		       const struct bootinfo_mmap_entry *want, uint32_t nwant)
{
	assert_int_equal(n, nwant);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(got[i].base, want[i].base);
		assert_int_equal(got[i].len, want[i].len);
		assert_int_equal(got[i].type, want[i].type);
	}
}

static void test_mmap_carve(void **state)
{
	/* unsorted on purpose */
	const struct bootinfo_mmap_entry host[] = {
		{ 0x100000, 0x7ee0000, 1 }, { 0, 0x9fc00, 1 },
		{ 0xfffc0000, 0x40000, 2 }, { 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 }, { 0x7fe0000, 0x20000, 3 },
	};
	const struct mem_range hv[] = {
		{ 0x2000000, 0x2001000 }, { 0x1000000, 0x1400000 },
		{ 0xa0000, 0xb0000 },	/* in a hole, next to a reserved entry */
		{ 0x5000000, 0x5000000 },	/* empty */
	};
	const struct bootinfo_mmap_entry want[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x10400, 2 },
		{ 0xf0000, 0x10000, 2 }, { 0x100000, 0xf00000, 1 },
		{ 0x1000000, 0x400000, 2 }, { 0x1400000, 0xc00000, 1 },
		{ 0x2000000, 0x1000, 2 }, { 0x2001000, 0x5fdf000, 1 },
		{ 0x7fe0000, 0x20000, 3 }, { 0xfffc0000, 0x40000, 2 },
	};
	struct bootinfo_mmap_entry out[16];
	uint32_t n = 99;

	(void)state;
	assert_int_equal(guest_mmap_build(host, 6, hv, 4, out, 16, &n), 0);
	expect_map(out, n, want, 10);
	assert_int_equal(guest_mmap_build(host, 6, hv, 4, out, 10, &n), 0);
	assert_int_equal(guest_mmap_build(host, 6, hv, 4, out, 9, &n), -ENOSPC);
	assert_int_equal(n, 9);
	assert_int_equal(guest_mmap_build(host, 6, hv, 4, NULL, 0, &n), -ENOSPC);
	assert_int_equal(guest_mmap_build(NULL, 0, NULL, 0, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(guest_mmap_build(NULL, 3, NULL, 0, out, 16, &n),
			 -EINVAL);
}

static void test_mmap_overlaps(void **state)
{
	const struct bootinfo_mmap_entry host[] = {
		{ 0, 0x200000, 1 }, { 0x100000, 0x80000, 2 },	/* 2 beats 1 */
		{ 0x201000, 0x2000, 3 }, { 0x202000, 0x2000, 4 },	/* 4 beats 3 */
		{ 0x210000, 0x2000, 2 }, { 0x211000, 0x2000, 3 },	/* 3 beats 2 */
		{ 0x220000, 0x1000, 7 }, { 0x221000, 0x1000, 2 },	/* 7 -> 2 */
		{ 0x230000, 0x1000, 1 }, { 0x230000, 0x1000, 1 },	/* duplicate */
		{ 0x231000, 0, 2 },				/* empty */
		{ 0x231000, 0x1000, 0 },			/* 0 -> 2 */
		{ 0xfffffffffffff000ull, 0x2000, 1 },		/* wraps */
	};
	const struct bootinfo_mmap_entry want[] = {
		{ 0, 0x100000, 1 }, { 0x100000, 0x80000, 2 },
		{ 0x180000, 0x80000, 1 },
		{ 0x201000, 0x1000, 3 }, { 0x202000, 0x2000, 4 },
		{ 0x210000, 0x1000, 2 }, { 0x211000, 0x2000, 3 },
		{ 0x220000, 0x2000, 2 },
		{ 0x230000, 0x1000, 1 }, { 0x231000, 0x1000, 2 },
		{ 0xfffffffffffff000ull, 0xfff, 1 },
	};
	struct bootinfo_mmap_entry out[16];
	uint32_t n;

	(void)state;
	assert_int_equal(guest_mmap_build(host, 13, NULL, 0, out, 16, &n), 0);
	expect_map(out, n, want, 11);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* The rule, point by point: any type beats 1, otherwise the larger wins;
 * unknown types count as 2; reserved ranges are type 2. */
static uint32_t oracle(const struct bootinfo_mmap_entry *h, uint32_t n,
		       const struct mem_range *r, size_t nr, uint64_t x)
{
	uint32_t win = 0;

	for (size_t i = 0; i < n + nr; i++) {
		uint64_t s = i < n ? h[i].base : r[i - n].start;
		uint64_t e = i < n ? h[i].base + h[i].len : r[i - n].end;
		uint32_t t = i < n ? h[i].type : 2;

		if (t < 1 || t > 5)
			t = 2;
		if (x < s || x >= e)
			continue;
		if (!win || win == 1 || (t != 1 && t > win))
			win = t;
	}
	return win;
}

static void test_mmap_random(void **state)
{
	struct bootinfo_mmap_entry h[12], out[64];
	struct mem_range r[4];
	uint64_t seed = 7;

	(void)state;
	for (int round = 0; round < 500; round++) {
		uint32_t n = (uint32_t)(lcg(&seed) % 12), nout;
		size_t nr = lcg(&seed) % 4;

		for (uint32_t i = 0; i < n; i++) {
			h[i].base = lcg(&seed) % 64;
			h[i].len = lcg(&seed) % 16;
			h[i].type = (uint32_t)(lcg(&seed) % 7);
		}
		for (size_t i = 0; i < nr; i++) {
			r[i].start = lcg(&seed) % 64;
			r[i].end = r[i].start + lcg(&seed) % 8;
		}
		assert_int_equal(guest_mmap_build(h, n, r, nr, out, 64, &nout), 0);
		for (uint32_t i = 0; i < nout; i++) {
			assert_true(out[i].len > 0);
			if (i == 0)
				continue;
			assert_true(out[i - 1].base + out[i - 1].len <= out[i].base);
			/* adjacent entries of one type would have been merged */
			assert_false(out[i - 1].base + out[i - 1].len == out[i].base &&
				     out[i - 1].type == out[i].type);
		}
		for (uint64_t x = 0; x < 96; x++) {
			uint32_t got = 0;

			for (uint32_t i = 0; i < nout; i++)
				if (x >= out[i].base && x < out[i].base + out[i].len)
					got = out[i].type;
			assert_int_equal(got, oracle(h, n, r, nr, x));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb1_layout),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_mb2_acpi_tag),
		cmocka_unit_test(test_enospc_sweep),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_mem_lower_upper),
		cmocka_unit_test(test_mmap_carve),
		cmocka_unit_test(test_mmap_overlaps),
		cmocka_unit_test(test_mmap_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
