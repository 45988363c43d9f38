/* Multiboot 1/2 boot information parser.  The blobs are built byte by byte at
 * the offsets the specs give (Multiboot 0.6.96 section 3.3, Multiboot2 2.0
 * section 3.6), independently of hv/multiboot.h, in a fake physical memory
 * whose readable window the tests move to provoke every bounds check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/bootinfo.h"
#include "hv/errno.h"

#define FM_BASE 0x10000ull
#define FM_SIZE 0x30000ull
#define MB1_MAGIC 0x2BADB002u
#define MB2_MAGIC 0x36d76289u

/* Fake physical memory [FM_BASE, FM_BASE + FM_SIZE); readable: [lo, hi). */
struct fakemem {
	uint8_t *mem;
	uint64_t lo, hi;
	unsigned maps;
};

static const void *fm_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct fakemem *m = ctx;

	m->maps++;
	if (pa < m->lo || pa > m->hi || len > m->hi - pa)
		return NULL;
	return m->mem + (pa - FM_BASE);
}

static int fm_setup(void **state)
{
	struct fakemem *m = calloc(1, sizeof(*m));

	m->mem = calloc(1, FM_SIZE);
	m->lo = FM_BASE;
	m->hi = FM_BASE + FM_SIZE;
	*state = m;
	return 0;
}

static int fm_teardown(void **state)
{
	struct fakemem *m = *state;

	free(m->mem);
	free(m);
	return 0;
}

static void put8(struct fakemem *m, uint64_t pa, uint8_t v)
{
	assert_true(pa >= FM_BASE && pa < FM_BASE + FM_SIZE);
	m->mem[pa - FM_BASE] = v;
}

static void put32(struct fakemem *m, uint64_t pa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put8(m, pa + i, (uint8_t)(v >> (8 * i)));
}

static void put64(struct fakemem *m, uint64_t pa, uint64_t v)
{
	put32(m, pa, (uint32_t)v);
	put32(m, pa + 4, (uint32_t)(v >> 32));
}

static void putstr(struct fakemem *m, uint64_t pa, const char *s)
{
	do
		put8(m, pa++, (uint8_t)*s);
	while (*s++);
}

static int parse(struct fakemem *m, uint32_t magic, uint64_t pa,
		 struct bootinfo *bi)
{
	const struct bootinfo_mem mem = { m, fm_map };

	return bootinfo_parse(magic, pa, &mem, bi);
}

/* ---- Multiboot 1 (spec 3.3): offsets of the info fields ---- */
enum {
	I_FLAGS = 0, I_MEM_LOWER = 4, I_MEM_UPPER = 8, I_CMDLINE = 16,
	I_MODS_COUNT = 20, I_MODS_ADDR = 24, I_MMAP_LENGTH = 44,
	I_MMAP_ADDR = 48, I_LOADER = 64,
	F_MEM = 1 << 0, F_CMDLINE = 1 << 2, F_MODS = 1 << 3, F_MMAP = 1 << 6,
	F_LOADER = 1 << 9,
};

/* One mb1 mmap entry with the given size field; returns the next address. */
static uint64_t mb1_mmap_entry(struct fakemem *m, uint64_t pa, uint32_t size,
			       uint64_t base, uint64_t len, uint32_t type)
{
	put32(m, pa, size);
	put64(m, pa + 4, base);
	put64(m, pa + 12, len);
	put32(m, pa + 20, type);
	return pa + 4 + size;
}

static void mb1_module(struct fakemem *m, uint64_t pa, uint32_t start,
		       uint32_t end, uint32_t string)
{
	put32(m, pa, start);
	put32(m, pa + 4, end);
	put32(m, pa + 8, string);
	put32(m, pa + 12, 0);
}

static void test_mb1_full(void **state)
{
	struct fakemem *m = *state;
	const uint64_t info = 0x10000, mods = 0x10300, mmap = 0x10500;
	struct bootinfo bi;
	uint64_t p;

	put32(m, info + I_FLAGS, F_MEM | F_CMDLINE | F_MODS | F_MMAP | F_LOADER);
	put32(m, info + I_MEM_LOWER, 639);
	put32(m, info + I_MEM_UPPER, 129920);
	put32(m, info + I_CMDLINE, 0x10100);
	putstr(m, 0x10100, "hv.elf loglevel=debug");
	put32(m, info + I_LOADER, 0x10200);
	putstr(m, 0x10200, "GRUB 2.06");
	put32(m, info + I_MODS_COUNT, 2);
	put32(m, info + I_MODS_ADDR, mods);
	mb1_module(m, mods, 0x200000, 0x212345, 0x10400);
	putstr(m, 0x10400, "/boot/guest.elf guest");
	mb1_module(m, mods + 16, 0x213000, 0x213100, 0x10600);
	putstr(m, 0x10600, "config");	/* highest byte read: 0x10606 */
	p = mb1_mmap_entry(m, mmap, 20, 0, 0x9fc00, 1);
	p = mb1_mmap_entry(m, p, 20, 0x9fc00, 0x400, 2);
	p = mb1_mmap_entry(m, p, 20, 0xf0000, 0x10000, 2);
	/* a larger entry: the size field, not 20, finds the next one */
	p = mb1_mmap_entry(m, p, 28, 0x100000, 0x7ee0000, 1);
	p = mb1_mmap_entry(m, p, 20, 0xfffc0000, 0x40000, 2);
	put32(m, info + I_MMAP_LENGTH, (uint32_t)(p - mmap));
	put32(m, info + I_MMAP_ADDR, mmap);

	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_int_equal(bi.protocol, 1);
	assert_string_equal(bi.cmdline, "hv.elf loglevel=debug");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_true(bi.has_basic_mem);
	assert_int_equal(bi.mem_lower_kb, 639);
	assert_int_equal(bi.mem_upper_kb, 129920);
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x212345);
	assert_string_equal(bi.modules[0].string, "/boot/guest.elf guest");
	assert_string_equal(bi.modules[1].string, "config");
	assert_int_equal(bi.mmap_count, 5);
	assert_int_equal(bi.mmap[3].base, 0x100000);
	assert_int_equal(bi.mmap[3].len, 0x7ee0000);
	assert_int_equal(bi.mmap[3].type, 1);
	assert_int_equal(bi.mmap[4].base, 0xfffc0000);
	assert_int_equal(bi.mmap[4].type, 2);
	assert_int_equal(bi.rsdp_phys, 0);
	assert_false(bi.truncated);
	assert_int_equal(bi.info_start, info);
	assert_int_equal(bi.info_end, 0x10607);
}

static void test_mb1_extent_below_info(void **state)
{
	struct fakemem *m = *state;
	struct bootinfo bi;

	put32(m, 0x20000 + I_FLAGS, F_CMDLINE);
	put32(m, 0x20000 + I_CMDLINE, 0x18000);
	putstr(m, 0x18000, "x");
	assert_int_equal(parse(m, MB1_MAGIC, 0x20000, &bi), 0);
	assert_string_equal(bi.loader_name, "unknown");
	assert_false(bi.has_basic_mem);
	assert_int_equal(bi.module_count, 0);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.info_start, 0x18000);
	/* flags bit 2 makes the info valid through cmdline: 20 bytes */
	assert_int_equal(bi.info_end, 0x20000 + 20);
}

/* Only the part of the info the flags validate is read (spec 3.3). */
static void test_mb1_info_at_window_end(void **state)
{
	struct fakemem *m = *state;
	uint64_t info = m->hi - 12;
	struct bootinfo bi;

	put32(m, info, F_MEM);
	put32(m, info + I_MEM_UPPER, 1234);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_int_equal(bi.mem_upper_kb, 1234);
	assert_int_equal(bi.info_end, m->hi);

	put32(m, info, F_MEM | F_MODS);	/* now needs 28 bytes */
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	assert_int_equal(parse(m, MB1_MAGIC, m->hi - 3, &bi), -EINVAL);
	assert_int_equal(parse(m, MB1_MAGIC, 0x1000, &bi), -EINVAL);
}

static void test_bad_magic_and_args(void **state)
{
	struct fakemem *m = *state;
	const struct bootinfo_mem mem = { m, fm_map };
	struct bootinfo bi;

	assert_int_equal(parse(m, 0x2BADB003, FM_BASE, &bi), -EINVAL);
	assert_int_equal(parse(m, 0x1BADB002, FM_BASE, &bi), -EINVAL);
	assert_int_equal(parse(m, 0, FM_BASE, &bi), -EINVAL);
	assert_int_equal(bootinfo_parse(MB1_MAGIC, FM_BASE, NULL, &bi), -EINVAL);
	assert_int_equal(bootinfo_parse(MB1_MAGIC, FM_BASE, &mem, NULL), -EINVAL);
}

static void set_cmdline(struct fakemem *m, uint64_t info, uint64_t s)
{
	put32(m, info + I_FLAGS, F_CMDLINE);
	put32(m, info + I_CMDLINE, (uint32_t)s);
}

static void test_mb1_strings(void **state)
{
	struct fakemem *m = *state;
	const uint64_t info = 0x10000, s = 0x12000;
	struct bootinfo bi;

	/* 4095 characters + NUL: the longest accepted */
	set_cmdline(m, info, s);
	memset(m->mem + (s - FM_BASE), 'a', 4095);
	put8(m, s + 4095, 0);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_int_equal(strlen(bi.cmdline), 4095);
	assert_int_equal(bi.info_end, s + 4096);

	/* 4096 characters: NUL one byte too late */
	put8(m, s + 4095, 'a');
	put8(m, s + 4096, 0);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);

	/* runs into unreadable memory */
	put32(m, info + I_CMDLINE, (uint32_t)(m->hi - 8));
	memset(m->mem + (m->hi - 8 - FM_BASE), 'b', 8);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);

	/* ends exactly at the last readable byte, not at a page boundary */
	putstr(m, 0x13ff0, "abcd");
	put32(m, info + I_CMDLINE, 0x13ff0);
	m->hi = 0x13ff5;
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_string_equal(bi.cmdline, "abcd");

	/* crosses a page boundary */
	m->hi = FM_BASE + FM_SIZE;
	putstr(m, 0x14ffc, "abcdefgh");
	put32(m, info + I_CMDLINE, 0x14ffc);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_string_equal(bi.cmdline, "abcdefgh");

	/* loader name pointer outside memory */
	put32(m, info + I_FLAGS, F_LOADER);
	put32(m, info + I_LOADER, 0xfffffff0);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
}

static void test_mb1_mods_hostile(void **state)
{
	struct fakemem *m = *state;
	const uint64_t info = 0x10000, mods = 0x11000;
	struct bootinfo bi;

	put32(m, info + I_FLAGS, F_MODS);
	put32(m, info + I_MODS_ADDR, mods);
	for (uint32_t i = 0; i < 17; i++)
		mb1_module(m, mods + 16 * i, 0x100000 * (i + 1),
			   0x100000 * (i + 1) + 0x1000, 0x10800);
	putstr(m, 0x10800, "guest-module");
	mb1_module(m, mods + 16 * 3, 0x400000, 0x401000, 0);

	put32(m, info + I_MODS_COUNT, 17);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_true(bi.truncated);
	assert_int_equal(bi.module_count, 16);
	assert_int_equal(bi.modules[15].start, 0x1000000);
	assert_null(bi.modules[3].string);
	assert_int_equal(bi.info_end, mods + 17 * 16);

	put32(m, info + I_MODS_COUNT, 0xffffffff);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	put32(m, info + I_MODS_COUNT, 0x10000000);	/* 16 * count = 2^32 */
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);

	put32(m, info + I_MODS_COUNT, 2);
	mb1_module(m, mods + 16, 0x300000, 0x2fffff, 0x10800);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	mb1_module(m, mods + 16, 0x300000, 0x300000, 0x10800);	/* empty ok */
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);

	mb1_module(m, mods + 16, 0x300000, 0x301000, 0x7fff0000);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	put32(m, info + I_MODS_ADDR, (uint32_t)(m->hi - 16));
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
}

static void test_mb1_mmap_hostile(void **state)
{
	struct fakemem *m = *state;
	const uint64_t info = 0x10000, mmap = 0x11000;
	struct bootinfo bi;
	uint64_t p = mmap;

	put32(m, info + I_FLAGS, F_MMAP);
	put32(m, info + I_MMAP_ADDR, mmap);
	for (uint32_t i = 0; i < 130; i++)
		p = mb1_mmap_entry(m, p, 20, 0x1000ull * i, 0x1000, 1);
	put32(m, info + I_MMAP_LENGTH, (uint32_t)(p - mmap));
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_true(bi.truncated);
	assert_int_equal(bi.mmap_count, 128);
	assert_int_equal(bi.mmap[127].base, 127 * 0x1000);
	assert_int_equal(bi.info_end, p);

	/* length leaves 3 stray bytes after the last entry */
	put32(m, info + I_MMAP_LENGTH, 24 + 3);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	/* length cuts an entry short */
	put32(m, info + I_MMAP_LENGTH, 24 + 20);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	/* size field below the 20 bytes the spec defines, length consistent */
	put32(m, info + I_MMAP_LENGTH, 24 + 4 + 19);
	mb1_mmap_entry(m, mmap + 24, 19, 0x1000, 0x1000, 1);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	put32(m, info + I_MMAP_LENGTH, 48);
	/* size field running past mmap_length, and one that would wrap */
	mb1_mmap_entry(m, mmap + 24, 21, 0, 0, 1);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
	mb1_mmap_entry(m, mmap + 24, 0xfffffffc, 0, 0, 1);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);

	/* zero-length entries dropped, a wrapping one clamped */
	mb1_mmap_entry(m, mmap, 20, 0x5000, 0, 1);
	mb1_mmap_entry(m, mmap + 24, 20, 0xfffffffffffff000ull, 0x2000, 2);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), 0);
	assert_int_equal(bi.mmap_count, 1);
	assert_int_equal(bi.mmap[0].len, 0xfff);

	/* array not readable */
	put32(m, info + I_MMAP_LENGTH, 0x100000);
	assert_int_equal(parse(m, MB1_MAGIC, info, &bi), -EINVAL);
}

/* ---- Multiboot 2 (spec 3.6): tags {u32 type, u32 size, ...}, 8-aligned ---- */
struct mb2b {
	struct fakemem *m;
	uint64_t pa, at;
};

static void mb2_begin(struct mb2b *b, struct fakemem *m, uint64_t pa)
{
	b->m = m;
	b->pa = pa;
	b->at = pa + 8;
}

/* Tag header with an arbitrary size field; returns the tag's address. */
static uint64_t mb2_raw(struct mb2b *b, uint32_t type, uint32_t size)
{
	uint64_t tag = b->at;

	put32(b->m, tag, type);
	put32(b->m, tag + 4, size);
	/* never less than a header, so a bad size cannot hide the next tag */
	b->at = tag + (size < 8 ? 8 : (((uint64_t)size + 7) & ~7ull));
	return tag;
}

static uint64_t mb2_string(struct mb2b *b, uint32_t type, const char *s)
{
	uint64_t tag = mb2_raw(b, type, 8 + (uint32_t)strlen(s) + 1);

	putstr(b->m, tag + 8, s);
	return tag;
}

static void mb2_module(struct mb2b *b, uint32_t start, uint32_t end,
		       const char *s)
{
	uint64_t tag = mb2_raw(b, 3, 16 + (uint32_t)strlen(s) + 1);

	put32(b->m, tag + 8, start);
	put32(b->m, tag + 12, end);
	putstr(b->m, tag + 16, s);
}

static uint64_t mb2_mmap(struct mb2b *b, uint32_t entry_size, uint32_t n,
			 const uint64_t (*e)[3])
{
	uint64_t tag = mb2_raw(b, 6, 16 + entry_size * n);

	put32(b->m, tag + 8, entry_size);
	put32(b->m, tag + 12, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t p = tag + 16 + (uint64_t)entry_size * i;

		put64(b->m, p, e[i][0]);
		put64(b->m, p + 8, e[i][1]);
		put32(b->m, p + 16, (uint32_t)e[i][2]);
		put32(b->m, p + 20, 0);
	}
	return tag;
}

static uint32_t mb2_end(struct mb2b *b)
{
	mb2_raw(b, 0, 8);
	put32(b->m, b->pa, (uint32_t)(b->at - b->pa));
	put32(b->m, b->pa + 4, 0);
	return (uint32_t)(b->at - b->pa);
}

static const uint64_t e820[][3] = {
	{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 3 },
};

static void test_mb2_full(void **state)
{
	struct fakemem *m = *state;
	struct bootinfo bi;
	uint64_t rsdp_new;
	uint32_t total;
	struct mb2b b;

	mb2_begin(&b, m, 0x10008);
	mb2_string(&b, 1, "console=com1");
	mb2_string(&b, 2, "GRUB 2.06-13+deb12u1");
	mb2_module(&b, 0x300000, 0x312000, "/boot/guest.elf guest");
	mb2_module(&b, 0x313000, 0x313040, "config");
	put32(m, mb2_raw(&b, 4, 16) + 8, 639);
	put32(m, b.at - 4, 129920);
	mb2_raw(&b, 5, 20);		/* bootdev: skipped */
	mb2_mmap(&b, 24, 5, e820);
	mb2_raw(&b, 14, 8 + 20);	/* ACPI 1.0 RSDP */
	rsdp_new = mb2_raw(&b, 15, 8 + 36) + 8;
	mb2_raw(&b, 14, 8 + 20);	/* a later old RSDP does not replace it */
	mb2_raw(&b, 0x77, 12);		/* unknown tag: skipped */
	total = mb2_end(&b);

	assert_int_equal(parse(m, MB2_MAGIC, 0x10008, &bi), 0);
	assert_int_equal(bi.protocol, 2);
	assert_string_equal(bi.cmdline, "console=com1");
	assert_string_equal(bi.loader_name, "GRUB 2.06-13+deb12u1");
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x300000);
	assert_int_equal(bi.modules[0].end, 0x312000);
	assert_string_equal(bi.modules[1].string, "config");
	assert_true(bi.has_basic_mem);
	assert_int_equal(bi.mem_lower_kb, 639);
	assert_int_equal(bi.mem_upper_kb, 129920);
	assert_int_equal(bi.mmap_count, 5);
	assert_int_equal(bi.mmap[4].base, 0x7fe0000);
	assert_int_equal(bi.mmap[4].len, 0x20000);
	assert_int_equal(bi.mmap[4].type, 3);
	assert_int_equal(bi.rsdp_phys, rsdp_new);
	assert_int_equal(bi.info_start, 0x10008);
	assert_int_equal(bi.info_end, 0x10008 + total);
	assert_false(bi.truncated);
	/* strings point into the info itself */
	assert_ptr_equal(bi.cmdline, (char *)m->mem + 0x10008 + 16 - FM_BASE);
}

static void test_mb2_minimal_and_rsdp_old(void **state)
{
	struct fakemem *m = *state;
	struct bootinfo bi;
	uint64_t old;
	struct mb2b b;

	mb2_begin(&b, m, 0x10000);
	assert_int_equal(mb2_end(&b), 16);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);
	assert_string_equal(bi.loader_name, "unknown");
	assert_null(bi.cmdline);
	assert_false(bi.has_basic_mem);
	assert_int_equal(bi.rsdp_phys, 0);

	mb2_begin(&b, m, 0x10000);
	old = mb2_raw(&b, 14, 8 + 20) + 8;
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);
	assert_int_equal(bi.rsdp_phys, old);

	/* a second mmap tag does not replace or extend the first */
	mb2_begin(&b, m, 0x10000);
	mb2_mmap(&b, 24, 2, e820);
	mb2_mmap(&b, 24, 5, e820);
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);
	assert_int_equal(bi.mmap_count, 2);

	/* entry_size must be a multiple of 8 (spec 3.6.8) */
	mb2_begin(&b, m, 0x10000);
	mb2_mmap(&b, 28, 2, e820);
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);

	/* a wider entry_size (future fields) is stepped over */
	mb2_begin(&b, m, 0x10000);
	mb2_mmap(&b, 32, 5, e820);
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);
	assert_int_equal(bi.mmap_count, 5);
	assert_int_equal(bi.mmap[3].base, 0x100000);
	assert_int_equal(bi.mmap[3].len, 0x7ee0000);
}

/* Build one bad tag between a good cmdline and the end tag. */
static int mb2_with_tag(struct fakemem *m, uint32_t type, uint32_t size)
{
	struct bootinfo bi;
	struct mb2b b;
	uint64_t tag;

	memset(m->mem, 0, 0x2000);
	mb2_begin(&b, m, 0x10000);
	mb2_string(&b, 1, "ok");
	tag = mb2_raw(&b, type, size);
	if (size > 0x1000)
		b.at = tag + 8;	/* the size lies; the end tag follows anyway */
	else if (size > 8)
		memset(m->mem + (tag + 8 - FM_BASE), 'z', size - 8);
	if (type == 6 && size >= 16)
		put32(m, tag + 8, 24);
	mb2_end(&b);
	return parse(m, MB2_MAGIC, 0x10000, &bi);
}

static void test_mb2_hostile_tags(void **state)
{
	struct fakemem *m = *state;

	assert_int_equal(mb2_with_tag(m, 0x77, 24), 0);
	assert_int_equal(mb2_with_tag(m, 0x77, 0), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 0x77, 7), -EINVAL);
	/* strings with no NUL inside their tag */
	assert_int_equal(mb2_with_tag(m, 1, 8 + 5), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 2, 8), -EINVAL);
	/* module tag without even the NUL of its string */
	assert_int_equal(mb2_with_tag(m, 3, 16), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 4, 12), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 6, 12), -EINVAL);
	/* mmap body not a whole number of 24-byte entries */
	assert_int_equal(mb2_with_tag(m, 6, 16 + 20), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 6, 16 + 48), 0);
	assert_int_equal(mb2_with_tag(m, 14, 8 + 19), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 15, 8 + 35), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 15, 8 + 36), 0);
	/* sizes running past total_size, up to wrapping 32-bit sums */
	assert_int_equal(mb2_with_tag(m, 0x77, 0x2000), -EINVAL);
	assert_int_equal(mb2_with_tag(m, 0x77, 0xfffffff8), -EINVAL);
	/* end tag with a wrong size */
	assert_int_equal(mb2_with_tag(m, 0, 16), -EINVAL);
}

static void test_mb2_hostile_frame(void **state)
{
	struct fakemem *m = *state;
	struct bootinfo bi;
	uint64_t tag;
	struct mb2b b;

	/* well formed, but not 8-aligned (spec 3.6.1) */
	mb2_begin(&b, m, 0x10004);
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10004, &bi), -EINVAL);
	memset(m->mem, 0, 0x100);

	mb2_begin(&b, m, 0x10000);
	mb2_string(&b, 1, "x");
	mb2_end(&b);
	put32(m, 0x10000, 8);		/* no room for an end tag */
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
	put32(m, 0x10000, 0);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
	put32(m, 0x10000, 24);		/* cuts off before the end tag */
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
	put32(m, 0x10000, 0xfffffff8);	/* beyond readable memory */
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
	put32(m, 0x10000, 32);		/* exact */
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);

	/* info straddling the end of readable memory */
	m->hi = 0x10000 + 31;
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
	m->hi = FM_BASE + FM_SIZE;

	/* a tag whose size field overlaps the total_size end */
	mb2_begin(&b, m, 0x10000);
	tag = mb2_raw(&b, 1, 12);
	putstr(m, tag + 8, "abc");
	mb2_end(&b);
	put32(m, 0x10000, 8 + 12);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), -EINVAL);
}

static void test_mb2_truncation(void **state)
{
	struct fakemem *m = *state;
	static uint64_t many[140][3];
	struct bootinfo bi;
	struct mb2b b;

	for (int i = 0; i < 140; i++) {
		many[i][0] = 0x100000ull * i;
		many[i][1] = 0x1000;
		many[i][2] = 1 + i % 5;
	}
	mb2_begin(&b, m, 0x10000);
	mb2_mmap(&b, 24, 140, many);
	for (uint32_t i = 0; i < 20; i++)
		mb2_module(&b, 0x1000 * i, 0x1000 * i + 0x10, "guest-module");
	mb2_end(&b);
	assert_int_equal(parse(m, MB2_MAGIC, 0x10000, &bi), 0);
	assert_true(bi.truncated);
	assert_int_equal(bi.mmap_count, 128);
	assert_int_equal(bi.mmap[127].base, 0x100000ull * 127);
	assert_int_equal(bi.mmap[127].type, 1 + 127 % 5);
	assert_int_equal(bi.module_count, 16);
	assert_int_equal(bi.modules[15].start, 0xf000);
}

static void test_module_role(void **state)
{
	const char *args = NULL, *r, *in;

	(void)state;
	assert_string_equal(bootinfo_module_role("guest", &args), "guest");
	assert_string_equal(args, "");
	assert_string_equal(bootinfo_module_role("config", &args), "config");
	r = bootinfo_module_role("/boot/guest.elf guest", &args);
	assert_string_equal(r, "guest");
	assert_string_equal(args, "");
	r = bootinfo_module_role("tftp://10.0.2.2/guest.elf guest", &args);
	assert_string_equal(r, "guest");
	in = "guest-module /initrd foo=1";
	r = bootinfo_module_role(in, &args);
	assert_string_equal(r, "guest-module");
	assert_ptr_equal(args, in + 13);
	assert_string_equal(args, "/initrd foo=1");
	/* the role comes from a static table, not the input */
	assert_true(r < in || r > in + strlen(in));
	assert_ptr_equal(r, bootinfo_module_role("guest-module", NULL));
	r = bootinfo_module_role("  /a/b  c:d\tguest \t a=1  b ", &args);
	assert_string_equal(r, "guest");
	assert_string_equal(args, "a=1  b ");

	assert_null(bootinfo_module_role("guests", &args));
	assert_string_equal(bootinfo_module_role("/boot/initrd.img guest-initrd", &args),
			    "guest-initrd");
	assert_null(bootinfo_module_role("gues", &args));
	assert_null(bootinfo_module_role("foo bar baz", &args));
	assert_string_equal(args, "bar baz");
	assert_null(bootinfo_module_role("/boot/only/paths tftp://x", &args));
	assert_string_equal(args, "");
	assert_null(bootinfo_module_role("", &args));
	assert_string_equal(args, "");
	assert_null(bootinfo_module_role("   ", &args));
	args = NULL;
	assert_null(bootinfo_module_role(NULL, &args));
	assert_string_equal(args, "");
}

/* What the hypervisor may take at boot (hv/relocate.c, hv/setup.c): usable
 * RAM merged, minus the low MiB, the image, the modules and the loader's
 * information; the modules' staging room beside it. */
static void test_free_ram(void **state)
{
	struct bootinfo bi;
	struct mem_range out[BOOTINFO_MAX_FREE], usable[BOOTINFO_MAX_MMAP];
	uint64_t staging = 0;
	size_t n;

	(void)state;
	memset(&bi, 0, sizeof(bi));
	bi.mmap[bi.mmap_count++] = (struct bootinfo_mmap_entry){ 0, 0x9fc00, 1 };
	bi.mmap[bi.mmap_count++] = (struct bootinfo_mmap_entry){ 0xf0000, 0x10000, 2 };
	bi.mmap[bi.mmap_count++] = (struct bootinfo_mmap_entry){ 0x100000, 0x7f00000, 1 };
	bi.mmap[bi.mmap_count++] = (struct bootinfo_mmap_entry){ 0x8000000, 0x7ff0000, 1 };
	bi.mmap[bi.mmap_count++] = (struct bootinfo_mmap_entry){ 0xfff0000, 0x10000, 3 };
	bi.info_start = 0x9000;
	bi.info_end = 0xa000;
	bi.modules[bi.module_count++] = (struct bootinfo_module){ 0x1a0000, 0x1eb3b0, NULL };
	bi.modules[bi.module_count++] = (struct bootinfo_module){ 0x200000, 0x201000, NULL };

	n = bootinfo_usable_ram(&bi, usable);
	assert_int_equal(n, 2);	/* the two adjacent entries merge */
	assert_true(usable[0].start == 0 && usable[0].end == 0x9fc00);
	assert_true(usable[1].start == 0x100000 && usable[1].end == 0xfff0000);

	n = bootinfo_free_ram(&bi, (struct mem_range){ 0x6000000, 0x6057000 }, out, &staging);
	assert_int_equal(n, 4);
	assert_true(out[0].start == 0x100000 && out[0].end == 0x1a0000);
	assert_true(out[1].start == 0x1eb3b0 && out[1].end == 0x200000);
	assert_true(out[2].start == 0x201000 && out[2].end == 0x6000000);
	assert_true(out[3].start == 0x6057000 && out[3].end == 0xfff0000);
	assert_true(staging == 0x4b3b0 + 0x1000 + 4 * 4096);
	/* No staging pointer is fine. */
	assert_int_equal(bootinfo_free_ram(&bi, (struct mem_range){ 0, 0 }, out, NULL), 3);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fm_setup, fm_teardown)
	const struct CMUnitTest tests[] = {
		T(test_mb1_full),
		T(test_mb1_extent_below_info),
		T(test_mb1_info_at_window_end),
		T(test_bad_magic_and_args),
		T(test_mb1_strings),
		T(test_mb1_mods_hostile),
		T(test_mb1_mmap_hostile),
		T(test_mb2_full),
		T(test_mb2_minimal_and_rsdp_old),
		T(test_mb2_hostile_tags),
		T(test_mb2_hostile_frame),
		T(test_mb2_truncation),
		cmocka_unit_test(test_module_role),
		cmocka_unit_test(test_free_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
