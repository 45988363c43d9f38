/* Guest kernel image parser.  Images are built byte by byte from the ELF gABI
 * layouts and the Multiboot 1 (0.6.96, 3.1) / Multiboot2 (2.0, 3.1) headers,
 * in heap buffers of the exact file size so ASan sees any over-read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "hv/guest_image.h"

static void w16(uint8_t *d, uint64_t at, uint16_t v)
{
	d[at] = (uint8_t)v;
	d[at + 1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *d, uint64_t at, uint32_t v)
{
	w16(d, at, (uint16_t)v);
	w16(d, at + 2, (uint16_t)(v >> 16));
}

static void w64(uint8_t *d, uint64_t at, uint64_t v)
{
	w32(d, at, (uint32_t)v);
	w32(d, at + 4, (uint32_t)(v >> 32));
}

/* ---- ELF (gABI): header and program headers ---- */
static void elf_header(uint8_t *d, int class, uint64_t entry, uint64_t phoff,
		       uint16_t phnum)
{
	memcpy(d, "\177ELF", 4);
	d[4] = class == 64 ? 2 : 1;	/* EI_CLASS */
	d[5] = 1;			/* EI_DATA: little-endian */
	d[6] = 1;			/* EI_VERSION */
	w16(d, 16, 2);			/* ET_EXEC */
	w16(d, 18, class == 64 ? 62 : 3);	/* EM_X86_64 / EM_386 */
	w32(d, 20, 1);
	if (class == 64) {
		w64(d, 24, entry);
		w64(d, 32, phoff);
		w16(d, 52, 64);
		w16(d, 54, 56);
		w16(d, 56, phnum);
	} else {
		w32(d, 24, (uint32_t)entry);
		w32(d, 28, (uint32_t)phoff);
		w16(d, 40, 52);
		w16(d, 42, 32);
		w16(d, 44, phnum);
	}
}

#define PT_LOAD 1
#define PT_NOTE 4

static void elf_phdr(uint8_t *d, int class, uint64_t at, uint32_t type,
		     uint64_t off, uint64_t va, uint64_t pa, uint64_t filesz,
		     uint64_t memsz)
{
	w32(d, at, type);
	if (class == 64) {
		w32(d, at + 4, 5);
		w64(d, at + 8, off);
		w64(d, at + 16, va);
		w64(d, at + 24, pa);
		w64(d, at + 32, filesz);
		w64(d, at + 40, memsz);
		w64(d, at + 48, 0x1000);
	} else {
		w32(d, at + 4, (uint32_t)off);
		w32(d, at + 8, (uint32_t)va);
		w32(d, at + 12, (uint32_t)pa);
		w32(d, at + 16, (uint32_t)filesz);
		w32(d, at + 20, (uint32_t)memsz);
		w32(d, at + 24, 5);
		w32(d, at + 28, 0x1000);
	}
}

/* ---- Multiboot 1 header ---- */
#define MB1_MAGIC 0x1BADB002u
#define MB1_ADDR  (1u << 16)

static void mb1_header(uint8_t *d, uint64_t at, uint32_t flags,
		       const uint32_t addr[5])
{
	w32(d, at, MB1_MAGIC);
	w32(d, at + 4, flags);
	w32(d, at + 8, (uint32_t)-(MB1_MAGIC + flags));
	for (int i = 0; addr && i < 5; i++)
		w32(d, at + 12 + 4 * i, addr[i]);
}

/* ---- Multiboot2 header: {magic, arch, length, checksum} then tags ---- */
#define MB2_MAGIC 0xE85250D6u

struct tags {
	uint8_t b[512];
	uint32_t n;
};

static void tag(struct tags *t, uint16_t type, uint16_t flags, uint32_t size,
		const uint32_t *words, int nwords)
{
	uint32_t at = t->n;

	w16(t->b, at, type);
	w16(t->b, at + 2, flags);
	w32(t->b, at + 4, size);
	for (int i = 0; i < nwords; i++)
		w32(t->b, at + 8 + 4 * i, words[i]);
	t->n = at + ((size < 8 ? 8 : size) + 7) / 8 * 8;
}

static void tag_end(struct tags *t)
{
	tag(t, 0, 0, 8, NULL, 0);
}

static void mb2_header(uint8_t *d, uint64_t at, uint32_t arch,
		       const struct tags *t)
{
	uint32_t len = 16 + t->n;

	w32(d, at, MB2_MAGIC);
	w32(d, at + 4, arch);
	w32(d, at + 8, len);
	w32(d, at + 12, (uint32_t)-(MB2_MAGIC + arch + len));
	memcpy(d + at + 16, t->b, t->n);
}

static int parse(const uint8_t *d, uint64_t size, struct guest_image *img)
{
	return guest_image_parse(d, size, img);
}

/* A guest linked at 1 MiB, as an x86-64 kernel with a 32-bit entry is: text +
 * data at file 0x1000 (0x1800 bytes), bss up to 0x104800; the mb1 header opens
 * the text and carries the address fields. */
#define G_SIZE 0x2800

static uint8_t *guest_elf64(uint32_t mb1_flags)
{
	uint8_t *d = calloc(1, G_SIZE);
	const uint32_t addr[5] = { 0x100000, 0x100000, 0x101800, 0x104800,
				   0x100040 };

	elf_header(d, 64, 0x100040, 64, 3);
	elf_phdr(d, 64, 64, PT_LOAD, 0x1000, 0x100000, 0x100000, 0x1800,
		 0x1800);
	elf_phdr(d, 64, 64 + 56, PT_NOTE, 0x1100, 0, 0, 0x20, 0x20);
	elf_phdr(d, 64, 64 + 112, PT_LOAD, 0x2800, 0x101800, 0x101800, 0,
		 0x3000);
	mb1_header(d, 0x1000, mb1_flags, addr);
	return d;
}

static void expect_seg(const struct guest_segment *s, uint64_t dest,
		       uint64_t off, uint64_t filesz, uint64_t memsz)
{
	assert_int_equal(s->dest, dest);
	assert_int_equal(s->file_off, off);
	assert_int_equal(s->file_size, filesz);
	assert_int_equal(s->mem_size, memsz);
}

static void test_elf64_mb1_address_fields(void **state)
{
	uint8_t *d = guest_elf64(0x3 | MB1_ADDR);
	struct guest_image img;

	(void)state;
	assert_int_equal(parse(d, G_SIZE, &img), 0);
	assert_int_equal(img.mb_version, 1);
	assert_true(img.has_mb1);
	assert_false(img.has_mb2);
	assert_true(img.is_elf);
	assert_int_equal(img.elf_class, 64);
	assert_int_equal(img.mb1_flags, 0x10003);
	assert_int_equal(img.entry, 0x100040);
	assert_int_equal(img.nsegs, 1);
	expect_seg(&img.segs[0], 0x100000, 0x1000, 0x1800, 0x4800);
	assert_int_equal(img.load_start, 0x100000);
	assert_int_equal(img.load_end, 0x104800);
	free(d);
}

static void test_elf64_program_headers(void **state)
{
	uint8_t *d = guest_elf64(0x3);
	struct guest_image img;

	(void)state;
	assert_int_equal(parse(d, G_SIZE, &img), 0);
	assert_int_equal(img.mb_version, 1);
	assert_int_equal(img.nsegs, 2);
	expect_seg(&img.segs[0], 0x100000, 0x1000, 0x1800, 0x1800);
	expect_seg(&img.segs[1], 0x101800, 0x2800, 0, 0x3000);
	assert_int_equal(img.entry, 0x100040);
	assert_int_equal(img.load_end, 0x104800);

	/* higher half: virtual entry mapped through its segment */
	w64(d, 24, 0xffffffff80100040ull);
	elf_phdr(d, 64, 64, PT_LOAD, 0x1000, 0xffffffff80100000ull, 0x100000,
		 0x1800, 0x1800);
	assert_int_equal(parse(d, G_SIZE, &img), 0);
	assert_int_equal(img.entry, 0x100040);
	/* an entry beyond 4 GiB that no segment maps */
	w64(d, 24, 0x100000040ull);
	assert_int_equal(parse(d, G_SIZE, &img), -ERANGE);
	/* below 4 GiB but outside every segment */
	w64(d, 24, 0x200000);
	assert_int_equal(parse(d, G_SIZE, &img), -EINVAL);
	free(d);
}

static void test_elf32(void **state)
{
	uint8_t *d = calloc(1, 0x3000);
	struct guest_image img;

	(void)state;
	elf_header(d, 32, 0x200010, 52, 2);
	elf_phdr(d, 32, 52, PT_LOAD, 0x1000, 0x200000, 0x200000, 0x1000,
		 0x1000);
	elf_phdr(d, 32, 84, PT_LOAD, 0x2000, 0x300000, 0x300000, 0x800,
		 0x2000);
	mb1_header(d, 0x100, 0x2, NULL);
	assert_int_equal(parse(d, 0x3000, &img), 0);
	assert_int_equal(img.elf_class, 32);
	assert_int_equal(img.nsegs, 2);
	expect_seg(&img.segs[1], 0x300000, 0x2000, 0x800, 0x2000);
	assert_int_equal(img.load_start, 0x200000);
	assert_int_equal(img.load_end, 0x302000);
	assert_int_equal(img.entry, 0x200010);
	free(d);
}

/* Patch phdr 0 of the guest ELF64 and parse. */
static int elf64_phdr0(uint64_t off, uint64_t pa, uint64_t filesz,
		       uint64_t memsz)
{
	uint8_t *d = guest_elf64(0x3);
	struct guest_image img;
	int ret;

	elf_phdr(d, 64, 64, PT_LOAD, off, pa, pa, filesz, memsz);
	w64(d, 24, pa);
	ret = parse(d, G_SIZE, &img);
	free(d);
	return ret;
}

static void test_elf_hostile_segments(void **state)
{
	(void)state;
	assert_int_equal(elf64_phdr0(0x1000, 0x100000, 0x1800, 0x1800), 0);
	assert_int_equal(elf64_phdr0(0x1000, 0x100000, 0x1000, 0xfff), -EINVAL);
	/* ends one byte past the file, or starts past it */
	assert_int_equal(elf64_phdr0(0x1001, 0x100000, 0x1800, 0x1800), -EINVAL);
	assert_int_equal(elf64_phdr0(G_SIZE + 1, 0x100000, 0, 0x10), -EINVAL);
	assert_int_equal(elf64_phdr0(0x1000, 0x100000, UINT64_MAX, UINT64_MAX),
			 -EINVAL);
	/* offset + filesz wraps to a small number */
	assert_int_equal(elf64_phdr0(0xfffffffffffff000ull, 0x100000, 0x1001,
				     0x1001), -EINVAL);
	/* paddr + memsz wraps */
	assert_int_equal(elf64_phdr0(0x1000, 0xfffffffffffff000ull, 0x10,
				     0x2000), -EINVAL);
	/* not below 4 GiB: entirely above, and straddling */
	assert_int_equal(elf64_phdr0(0x1000, 0x100000000ull, 0x10, 0x10),
			 -ERANGE);
	assert_int_equal(elf64_phdr0(0x1000, 0xfffff000, 0x10, 0x1001), -ERANGE);
	assert_int_equal(elf64_phdr0(0x1000, 0xfffff000, 0x10, 0x1000), 0);
	/* overlaps the bss segment at 0x101800 */
	assert_int_equal(elf64_phdr0(0x1000, 0x101000, 0x10, 0x801), -EINVAL);
}

static void test_elf_hostile_headers(void **state)
{
	struct guest_image img;
	uint8_t *d;

	(void)state;
#define TRY(patch, want) do {					\
		d = guest_elf64(0x3);				\
		patch;						\
		assert_int_equal(parse(d, G_SIZE, &img), want);	\
		free(d);					\
	} while (0)
	TRY(w16(d, 16, 3), -EINVAL);		/* ET_DYN */
	TRY(w16(d, 18, 3), -EINVAL);		/* EM_386 in ELF64 */
	TRY(d[5] = 2, -EINVAL);			/* big-endian */
	TRY(d[4] = 3, -EINVAL);			/* no such class */
	TRY(d[6] = 0, -EINVAL);			/* bad EI_VERSION */
	TRY(w16(d, 54, 32), -EINVAL);		/* phentsize too small */
	TRY(w16(d, 56, 0), -EINVAL);		/* no program headers */
	TRY(w64(d, 32, G_SIZE - 100), -EINVAL);	/* table past the file */
	TRY(w64(d, 32, UINT64_MAX - 8), -EINVAL);	/* phoff wraps */
	TRY(w16(d, 56, 0xffff), -EINVAL);
	/* no PT_LOAD at all */
	TRY((w32(d, 64, PT_NOTE), w32(d, 64 + 112, PT_NOTE)), -EINVAL);
	/* not ELF and no address fields: nothing to load */
	TRY(d[1] = 'X', -ENOEXEC);
#undef TRY

	/* ELF header cut short; the mb1 header sits inside e_ident padding */
	d = calloc(1, 40);
	memcpy(d, "\177ELF\2\1\1", 7);
	mb1_header(d, 16, 0, NULL);
	assert_int_equal(parse(d, 40, &img), -EINVAL);
	free(d);
}

static void test_elf_too_many_segments(void **state)
{
	const uint64_t size = 0x1000;
	uint8_t *d = calloc(1, size);
	struct guest_image img;

	(void)state;
	elf_header(d, 64, 0x100000, 64, 17);
	for (int i = 0; i < 17; i++)
		elf_phdr(d, 64, 64 + 56 * i, PT_LOAD, 0, 0x100000 + 0x1000 * i,
			 0x100000 + 0x1000 * i, 0, 0x1000);
	mb1_header(d, 0x800, 0, NULL);
	assert_int_equal(parse(d, size, &img), -E2BIG);
	w16(d, 56, 16);
	assert_int_equal(parse(d, size, &img), 0);
	assert_int_equal(img.nsegs, 16);
	free(d);
}

static void test_mb1_header_search(void **state)
{
	const uint64_t size = 0x4000;
	uint8_t *d = calloc(1, size);
	const uint32_t addr[5] = { 0x100000, 0x100000, 0, 0, 0x100000 };
	struct guest_image img;

	(void)state;
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	assert_int_equal(parse(d, 0, &img), -ENOEXEC);
	assert_int_equal(parse(NULL, size, &img), -ENOEXEC);
	assert_int_equal(guest_image_parse(d, size, NULL), -EINVAL);

	mb1_header(d, 0x1002, MB1_ADDR, addr);	/* not 4-aligned */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	memset(d, 0, size);
	mb1_header(d, 0x1000, MB1_ADDR, addr);
	w32(d, 0x1008, (uint32_t)-(MB1_MAGIC + MB1_ADDR) + 1);
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	memset(d, 0, size);
	mb1_header(d, 8192, MB1_ADDR, addr);	/* first byte outside */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	memset(d, 0, size);
	mb1_header(d, 8192 - 12, 0, NULL);	/* fits; but no ELF */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	assert_true(img.has_mb1);
	/* address fields would cross the 8 KiB boundary */
	mb1_header(d, 8192 - 12, MB1_ADDR, NULL);
	assert_int_equal(parse(d, size, &img), -EINVAL);
	memset(d, 0, size);
	mb1_header(d, 8192 - 32, MB1_ADDR, addr);	/* exactly fits */
	w32(d, 8192 - 32 + 12, 0x100000 + 8192 - 32);	/* header_addr */
	assert_int_equal(parse(d, size, &img), 0);
	expect_seg(&img.segs[0], 0x100000, 0, size, size);
	/* a file shorter than the header is not read past its end */
	assert_int_equal(parse(d, 8192 - 24, &img), -ENOEXEC);
	free(d);
}

static void test_mb1_required_flags(void **state)
{
	struct guest_image img;
	uint8_t *d;

	(void)state;
	for (uint32_t bit = 0; bit < 32; bit++) {
		uint32_t flags = 1u << bit;
		int want = (bit >= 2 && bit < 16) ? -ENOTSUP : 0;

		d = guest_elf64(flags);
		/* bit 16 on its own means the address fields are used */
		assert_int_equal(parse(d, G_SIZE, &img), want);
		free(d);
	}
}

/* Patch the mb1 address fields of the guest ELF64 and parse. */
static int kludge(uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
		  uint32_t bss_end, uint32_t entry, struct guest_image *img)
{
	uint8_t *d = guest_elf64(MB1_ADDR);
	const uint32_t addr[5] = { header_addr, load_addr, load_end, bss_end,
				   entry };
	int ret;

	mb1_header(d, 0x1000, MB1_ADDR, addr);
	ret = parse(d, G_SIZE, img);
	free(d);
	return ret;
}

static void test_mb1_kludge_consistency(void **state)
{
	struct guest_image img;

	(void)state;
	/* load_end 0: the whole file from the text start; bss 0: none */
	assert_int_equal(kludge(0x100000, 0x100000, 0, 0, 0x100000, &img), 0);
	expect_seg(&img.segs[0], 0x100000, 0x1000, 0x1800, 0x1800);
	/* text starting before the header in the file */
	assert_int_equal(kludge(0x101000, 0x100000, 0, 0, 0x100000, &img), 0);
	expect_seg(&img.segs[0], 0x100000, 0, G_SIZE, G_SIZE);
	/* ...but not before the file's first byte */
	assert_int_equal(kludge(0x101001, 0x100000, 0, 0, 0x100000, &img),
			 -EINVAL);
	assert_int_equal(kludge(0x100000, 0x100001, 0, 0, 0x100001, &img),
			 -EINVAL);
	/* load_end past the file end */
	assert_int_equal(kludge(0x100000, 0x100000, 0x101801, 0, 0x100000,
				&img), -EINVAL);
	assert_int_equal(kludge(0x100000, 0x100000, 0x101800, 0x101800,
				0x100000, &img), 0);
	/* bss ending inside the loaded data */
	assert_int_equal(kludge(0x100000, 0x100000, 0x101800, 0x1017ff,
				0x100000, &img), -EINVAL);
	/* load_end cutting the header itself (32 bytes) short */
	assert_int_equal(kludge(0x100000, 0x100000, 0x10001f, 0, 0x100000,
				&img), -EINVAL);
	assert_int_equal(kludge(0x100000, 0x100000, 0x100020, 0, 0x100000,
				&img), 0);
	/* entry outside the image */
	assert_int_equal(kludge(0x100000, 0x100000, 0, 0x104800, 0x104800,
				&img), -EINVAL);
	assert_int_equal(kludge(0x100000, 0x100000, 0, 0x104800, 0x1047ff,
				&img), 0);
	/* image running past 4 GiB */
	assert_int_equal(kludge(0xfffff000, 0xfffff000, 0, 0, 0xfffff000,
				&img), -ERANGE);
}

static void test_mb2_aout(void **state)
{
	const uint64_t size = 0x3000;
	uint8_t *d = calloc(1, size);
	const uint32_t addr[] = { 0x200040, 0x200000, 0, 0x204000 };
	const uint32_t entry[] = { 0x200100 };
	struct guest_image img;
	struct tags t = { .n = 0 };

	(void)state;
	tag(&t, 2, 0, 24, addr, 4);
	tag(&t, 3, 0, 12, entry, 1);
	tag(&t, 6, 0, 8, NULL, 0);		/* module alignment: met */
	tag(&t, 4, 0, 12, (const uint32_t[]){ 2 }, 1);	/* console flags */
	tag_end(&t);
	mb2_header(d, 0x40, 0, &t);
	assert_int_equal(parse(d, size, &img), 0);
	assert_int_equal(img.mb_version, 2);
	assert_false(img.has_mb1);
	assert_true(img.has_mb2);
	assert_false(img.is_elf);
	assert_int_equal(img.elf_class, 0);
	assert_int_equal(img.nsegs, 1);
	expect_seg(&img.segs[0], 0x200000, 0, size, 0x4000);
	assert_int_equal(img.entry, 0x200100);

	/* load_addr -1: load from the file's start (Multiboot2 3.1.5) */
	w32(d, 0x40 + 16 + 12, 0xffffffff);
	w32(d, 0x40 + 12, (uint32_t)-(MB2_MAGIC + 16 + t.n));
	assert_int_equal(parse(d, size, &img), 0);
	expect_seg(&img.segs[0], 0x200000, 0, size, 0x4000);

	/* the address tag without an entry tag */
	memset(d, 0, size);
	t.n = 0;
	tag(&t, 2, 0, 24, addr, 4);
	tag_end(&t);
	mb2_header(d, 0x40, 0, &t);
	assert_int_equal(parse(d, size, &img), -EINVAL);
	free(d);
}

static void test_mb2_elf_entry_override(void **state)
{
	uint8_t *d = calloc(1, 0x3000);
	const uint32_t entry[] = { 0x200010 };
	struct guest_image img;
	struct tags t = { .n = 0 };

	(void)state;
	elf_header(d, 32, 0x200000, 52, 1);
	elf_phdr(d, 32, 52, PT_LOAD, 0x1000, 0x200000, 0x200000, 0x1000,
		 0x1000);
	tag(&t, 3, 0, 12, entry, 1);
	tag_end(&t);
	mb2_header(d, 0x1000, 0, &t);
	assert_int_equal(parse(d, 0x3000, &img), 0);
	assert_int_equal(img.mb_version, 2);
	assert_true(img.is_elf);
	assert_int_equal(img.entry, 0x200010);
	free(d);
}

/* One tag (plus end tag) in an mb2 header at 0x1000 of a small ELF32. */
static int mb2_one(uint16_t type, uint16_t flags, uint32_t size,
		   const uint32_t *words, int nwords, bool with_mb1)
{
	uint8_t *d = calloc(1, 0x3000);
	struct guest_image img;
	struct tags t = { .n = 0 };
	int ret;

	elf_header(d, 32, 0x200000, 52, 1);
	elf_phdr(d, 32, 52, PT_LOAD, 0x2000, 0x200000, 0x200000, 0x1000,
		 0x1000);
	tag(&t, type, flags, size, words, nwords);
	tag_end(&t);
	mb2_header(d, 0x1000, 0, &t);
	if (with_mb1)
		mb1_header(d, 0x800, 0, NULL);
	ret = parse(d, 0x3000, &img);
	if (ret == 0)
		assert_int_equal(img.mb_version, with_mb1 ? 1 : 2);
	free(d);
	return ret;
}

static void test_mb2_tags(void **state)
{
	const uint32_t fb[] = { 1024, 768, 32 };
	const uint32_t req_ok[] = { 1, 2, 3, 4, 6 };
	const uint32_t req_fb[] = { 1, 8 };

	(void)state;
	assert_int_equal(mb2_one(5, 0, 20, fb, 3, false), -ENOTSUP);
	assert_int_equal(mb2_one(5, 1, 20, fb, 3, false), 0);
	assert_int_equal(mb2_one(1, 0, 8 + 20, req_ok, 5, false), 0);
	assert_int_equal(mb2_one(1, 0, 8 + 8, req_fb, 2, false), -ENOTSUP);
	assert_int_equal(mb2_one(1, 1, 8 + 8, req_fb, 2, false), 0);
	assert_int_equal(mb2_one(1, 0, 8 + 6, req_ok, 2, false), -EINVAL);
	assert_int_equal(mb2_one(0x55, 0, 8, NULL, 0, false), -ENOTSUP);
	assert_int_equal(mb2_one(0x55, 1, 8, NULL, 0, false), 0);
	/* mb1 is used when both exist, so an mb2-only demand does not matter */
	assert_int_equal(mb2_one(5, 0, 20, fb, 3, true), 0);
	/* malformed tags are refused whichever header is used */
	assert_int_equal(mb2_one(0x55, 1, 0, NULL, 0, true), -EINVAL);
	assert_int_equal(mb2_one(0x55, 1, 7, NULL, 0, false), -EINVAL);
	assert_int_equal(mb2_one(2, 0, 20, fb, 3, false), -EINVAL);
	assert_int_equal(mb2_one(3, 0, 8, NULL, 0, false), -EINVAL);
}

static void test_mb2_header_frame(void **state)
{
	const uint64_t size = 0x9000;
	uint8_t *d = calloc(1, size);
	struct guest_image img;
	struct tags t = { .n = 0 };

	(void)state;
	elf_header(d, 32, 0x200000, 52, 1);
	elf_phdr(d, 32, 52, PT_LOAD, 0x100, 0x200000, 0x200000, 0x10, 0x10);
	tag_end(&t);

	mb2_header(d, 0x1004, 0, &t);		/* 4- but not 8-aligned */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	memset(d + 0x1000, 0, 0x100);
	mb2_header(d, 32768, 0, &t);		/* outside the 32 KiB */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	memset(d + 32768, 0, 0x100);
	mb2_header(d, 32768 - 24, 0, &t);	/* last place it fits */
	assert_int_equal(parse(d, size, &img), 0);
	memset(d + 32768 - 24, 0, 24);

	mb2_header(d, 0x1000, 0, &t);
	w32(d, 0x100c, (uint32_t)-(MB2_MAGIC + 24) - 1);	/* checksum */
	assert_int_equal(parse(d, size, &img), -ENOEXEC);
	mb2_header(d, 0x1000, 4, &t);		/* MIPS */
	assert_int_equal(parse(d, size, &img), -ENOTSUP);

	/* header_length: no room for the end tag, then past the file */
	w32(d, 0x1004, 0);
	w32(d, 0x1008, 16);
	w32(d, 0x100c, (uint32_t)-(MB2_MAGIC + 16));
	assert_int_equal(parse(d, size, &img), -EINVAL);
	w32(d, 0x1008, 0x7000);
	w32(d, 0x100c, (uint32_t)-(MB2_MAGIC + 0x7000));
	assert_int_equal(parse(d, 0x7000, &img), -EINVAL);
	/* long enough, but the end tag is not where the tags end */
	w32(d, 0x1010, 0x55 | 1u << 16);	/* optional unknown tag... */
	w32(d, 0x1014, 16);
	w32(d, 0x1008, 32);			/* ...filling the header */
	w32(d, 0x100c, (uint32_t)-(MB2_MAGIC + 32));
	assert_int_equal(parse(d, size, &img), -EINVAL);
	/* a tag size running past header_length */
	w32(d, 0x1014, 24);
	assert_int_equal(parse(d, size, &img), -EINVAL);
	w32(d, 0x1014, 0xfffffff8);
	assert_int_equal(parse(d, size, &img), -EINVAL);
	/* a 12-byte tag ending the header: its padding steps past the end,
	 * where an end tag outside the header must not count */
	w32(d, 0x1014, 12);
	w32(d, 0x1008, 28);
	w32(d, 0x100c, (uint32_t)-(MB2_MAGIC + 28));
	w32(d, 0x1020, 0);
	w32(d, 0x1024, 8);
	assert_int_equal(parse(d, size, &img), -EINVAL);
	memset(d + 0x1000, 0, 0x100);
	/* the header's fixed part ends exactly at the end of the file */
	mb2_header(d, 0x2000, 0, &t);
	assert_int_equal(parse(d, 0x2010, &img), -EINVAL);
	free(d);
}

static void test_check_overlap(void **state)
{
	uint8_t *d = guest_elf64(0x3);
	struct guest_image img;
	size_t which = 99;
	const struct mem_range hv[] = {
		{ 0x0, 0x100000 }, { 0x104800, 0x200000 }, { 0x103000, 0x103001 },
	};

	(void)state;
	assert_int_equal(parse(d, G_SIZE, &img), 0);
	assert_int_equal(guest_image_check_overlap(&img, hv, 2, &which), 0);
	assert_int_equal(guest_image_check_overlap(&img, hv, 3, &which),
			 -EEXIST);
	assert_int_equal(which, 2);
	assert_int_equal(guest_image_check_overlap(&img, NULL, 0, &which), 0);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf64_mb1_address_fields),
		cmocka_unit_test(test_elf64_program_headers),
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_elf_hostile_segments),
		cmocka_unit_test(test_elf_hostile_headers),
		cmocka_unit_test(test_elf_too_many_segments),
		cmocka_unit_test(test_mb1_header_search),
		cmocka_unit_test(test_mb1_required_flags),
		cmocka_unit_test(test_mb1_kludge_consistency),
		cmocka_unit_test(test_mb2_aout),
		cmocka_unit_test(test_mb2_elf_entry_override),
		cmocka_unit_test(test_mb2_tags),
		cmocka_unit_test(test_mb2_header_frame),
		cmocka_unit_test(test_check_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
