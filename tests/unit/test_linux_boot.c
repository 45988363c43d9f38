/* Linux boot protocol (hv/linux_boot.c) on the real kernel Debian installs
 * (/boot/vmlinuz-*, package linux-image-amd64, read at test time; no kernel
 * bytes are committed).  Expected values come from the kernel's own build
 * configuration (/boot/config-*: CONFIG_PHYSICAL_START is its preferred
 * address, CONFIG_PHYSICAL_ALIGN its alignment) and from boot.rst, not from
 * the parser. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "hv/linux_boot.h"

static uint8_t *kimg;
static size_t ksize;
static unsigned long long cfg_start, cfg_align;
static char kname[300];

static unsigned long long config_value(const char *path, const char *key)
{
	char line[512];
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == '=')
			v = strtoull(line + n + 1, NULL, 0);
	fclose(f);
	return v;
}

static int load_kernel(void **state)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	char path[600], cfg[600];
	FILE *f;

	(void)state;
	if (d)
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "vmlinuz-", 8) && strlen(e->d_name) < sizeof(kname))
				strcpy(kname, e->d_name);
	if (d)
		closedir(d);
	if (!kname[0]) {
		fprintf(stderr, "test_linux_boot: no /boot/vmlinuz-*: install linux-image-amd64 "
			"(tools/install-deps)\n");
		return -1;
	}
	snprintf(path, sizeof(path), "/boot/%s", kname);
	snprintf(cfg, sizeof(cfg), "/boot/config-%s", kname + 8);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	ksize = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	kimg = malloc(ksize);
	if (!kimg || fread(kimg, 1, ksize, f) != ksize)
		return -1;
	fclose(f);
	cfg_start = config_value(cfg, "CONFIG_PHYSICAL_START");
	cfg_align = config_value(cfg, "CONFIG_PHYSICAL_ALIGN");
	return cfg_start && cfg_align ? 0 : -1;
}

static int free_kernel(void **state)
{
	(void)state;
	free(kimg);
	return 0;
}

static void test_real_kernel_header(void **state)
{
	struct linux_image li;
	const char *why;

	(void)state;
	assert_true(linux_is_bzimage(kimg, ksize));
	assert_int_equal(linux_parse(kimg, ksize, &li, &why), 0);
	assert_true(li.version >= 0x20a); /* Linux 6.1 speaks 2.15 */
	assert_int_equal(li.pref_address, cfg_start);
	assert_int_equal(li.kernel_alignment, cfg_align);
	assert_int_equal(li.relocatable, 1);
	/* boot.rst: setup_sects 512-byte sectors follow the boot sector. */
	assert_int_equal(li.setup_size, (kimg[0x1f1] + 1) * 512);
	assert_int_equal(li.pm_offset + li.pm_size, ksize);
	/* The decompressed kernel is larger than the file. */
	assert_true(li.init_size > li.pm_size);
	assert_true(li.cmdline_size >= 255);
	assert_true(li.xloadflags & 1); /* XLF_KERNEL_64 on an x86-64 kernel */
}

static void test_refusals(void **state)
{
	struct linux_image li;
	const char *why;
	uint8_t *c = malloc(ksize);

	(void)state;
	/* Truncated: before the magic, inside the setup header, inside the
	 * protected-mode kernel. */
	assert_int_equal(linux_parse(kimg, 0x200, &li, &why), -ENOEXEC);
	assert_int_equal(linux_parse(kimg, 0x230, &li, &why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	assert_int_equal(linux_parse(kimg, ksize / 2, &li, &why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	assert_int_equal(linux_parse(kimg, (kimg[0x1f1] + 1) * 512, &li, &why), -EINVAL);
	/* Protocol 2.05 is older than the 2.06 this loader needs. */
	memcpy(c, kimg, ksize);
	c[0x206] = 0x05;
	c[0x207] = 0x02;
	assert_int_equal(linux_parse(c, ksize, &li, &why), -ENOTSUP);
	assert_non_null(strstr(why, "2.06"));
	/* A zImage (LOADED_HIGH clear). */
	memcpy(c, kimg, ksize);
	c[0x211] &= (uint8_t)~1;
	assert_int_equal(linux_parse(c, ksize, &li, &why), -ENOTSUP);
	/* No boot flag, no magic. */
	memcpy(c, kimg, ksize);
	c[0x1fe] = 0;
	assert_false(linux_is_bzimage(c, ksize));
	assert_int_equal(linux_parse(c, ksize, &li, &why), -ENOEXEC);
	memcpy(c, kimg, ksize);
	c[0x202] = 'X';
	assert_int_equal(linux_parse(c, ksize, &li, &why), -ENOEXEC);
	/* An alignment that is not a power of two. */
	memcpy(c, kimg, ksize);
	c[0x230] = 0x01;
	c[0x231] = 0x30;
	c[0x232] = 0;
	c[0x233] = 0;
	assert_int_equal(linux_parse(c, ksize, &li, &why), -EINVAL);
	/* A multiboot ELF is not a bzImage. */
	memset(c, 0, 0x1000);
	memcpy(c, "\177ELF", 4);
	assert_false(linux_is_bzimage(c, 0x1000));
	free(c);
}

#define MIB (1ull << 20)

static void test_placement(void **state)
{
	struct linux_image li;
	struct linux_layout lo;
	const char *why;
	/* A 256 MiB Bochs machine: low RAM, then RAM to the top. */
	struct mem_range ram[] = { { 0, 0x9f000 }, { MIB, 256 * MIB } };
	/* The same with a hypervisor image at 32 MiB (as before it moved) and its pool on top. */
	struct mem_range split[] = { { 0, 0x9f000 }, { MIB, 32 * MIB }, { 34 * MIB, 220 * MIB } };
	struct mem_range info[] = { { 0x10000, 0x20000 } };

	(void)state;
	assert_int_equal(linux_parse(kimg, ksize, &li, &why), 0);
	assert_int_equal(linux_place(&li, ram, 2, info, 1, 0, &lo, &why), 0);
	assert_int_equal(lo.kernel, cfg_start);
	assert_int_equal(lo.initrd, 0);
	/* Preferred range broken by the hypervisor: the next aligned start
	 * above it, never below the preferred address. */
	assert_int_equal(linux_place(&li, split, 3, info, 1, 0, &lo, &why), 0);
	assert_true(lo.kernel >= 34 * MIB && lo.kernel % cfg_align == 0);
	assert_true(lo.kernel < 34 * MIB + cfg_align);
	/* Initrd at the top of RAM, page aligned, clear of the kernel. */
	assert_int_equal(linux_place(&li, ram, 2, info, 1, 3 * MIB + 5, &lo, &why), 0);
	assert_int_equal(lo.initrd, (256 * MIB - (3 * MIB + 5)) & ~0xfffull);
	/* Top range taken by the kernel: the initrd goes below it. */
	struct mem_range tight[] = { { MIB, cfg_start + li.init_size } };

	assert_int_equal(linux_place(&li, tight, 1, info, 1, 2 * MIB, &lo, &why), 0);
	assert_int_equal(lo.kernel, cfg_start);
	assert_int_equal(lo.initrd, cfg_start - 2 * MIB);
	/* initrd_addr_max respected. */
	li.initrd_addr_max = 128 * MIB - 1;
	assert_int_equal(linux_place(&li, ram, 2, info, 1, MIB, &lo, &why), 0);
	assert_int_equal(lo.initrd, 127 * MIB);
	/* ... and when the kernel is under that limit, below the kernel. */
	li.initrd_addr_max = 64 * MIB - 1;
	assert_int_equal(linux_place(&li, ram, 2, info, 1, MIB, &lo, &why), 0);
	assert_int_equal(lo.initrd, cfg_start - MIB);
	/* No room: too little RAM, or a non-relocatable kernel whose place
	 * is taken. */
	struct mem_range small[] = { { MIB, cfg_start + li.init_size - 1 } };

	assert_int_equal(linux_place(&li, small, 1, info, 1, 0, &lo, &why), -ENOSPC);
	assert_non_null(strstr(why, "no room"));
	li.relocatable = 0;
	assert_int_equal(linux_place(&li, split, 3, info, 1, 0, &lo, &why), -ENOSPC);
	li.relocatable = 1;
	assert_int_equal(linux_place(&li, tight, 1, info, 1, 40 * MIB, &lo, &why), -ENOSPC);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_zero_page(void **state)
{
	struct linux_image li;
	const char *why;
	uint8_t bp[4096];
	struct bootinfo_mmap_entry map[130] = {
		{ 0, 0x9f000, 1 }, { 0x9f000, 0x1000, 2 }, { 0xf0000, 0x10000, 2 },
		{ MIB, 31 * MIB, 1 }, { 32 * MIB, 2 * MIB, 2 }, { 34 * MIB, 200 * MIB, 1 },
		{ 0xfffc0000, 0x40000, 7 },
	};
	struct linux_zero_page_input in = {
		.kernel = 0x1000000, .initrd = 0x7000000, .initrd_size = 0x123456,
		.cmdline = 0x12000, .rsdp = 0xf5a00, .mmap = map, .mmap_count = 7,
	};

	(void)state;
	assert_int_equal(linux_parse(kimg, ksize, &li, &why), 0);
	memset(bp, 0xcc, sizeof(bp));
	assert_int_equal(linux_build_zero_page(bp, kimg, &li, &in), 0);
	/* boot_params fields at the offsets of arch/x86/include/uapi/asm/bootparam.h */
	assert_memory_equal(bp + 0x202, "HdrS", 4);
	assert_int_equal(bp[0x1f1], kimg[0x1f1]);
	assert_int_equal(bp[0x210], 0xff);                /* type_of_loader */
	assert_int_equal(rd32(bp + 0x214), 0x1000000);    /* code32_start */
	assert_int_equal(rd32(bp + 0x218), 0x7000000);    /* ramdisk_image */
	assert_int_equal(rd32(bp + 0x21c), 0x123456);     /* ramdisk_size */
	assert_int_equal(rd32(bp + 0x228), 0x12000);      /* cmd_line_ptr */
	assert_int_equal(rd32(bp + 0x070), 0xf5a00);      /* acpi_rsdp_addr */
	assert_int_equal(rd32(bp + 0x0c0), 0);            /* ext_ramdisk_image */
	assert_int_equal(bp[0x1e8], 7);                   /* e820_entries */
	assert_int_equal(rd32(bp + 0x2d0 + 20 * 3), MIB); /* entry 3: addr */
	assert_int_equal(rd32(bp + 0x2d0 + 20 * 3 + 8), 31 * MIB);
	assert_int_equal(rd32(bp + 0x2d0 + 20 * 4 + 16), 2);
	assert_int_equal(rd32(bp + 0x2d0 + 20 * 6 + 16), 2); /* unknown type 7 */
	assert_int_equal(bp[0x2d0 + 20 * 7], 0);          /* zeroed after the map */
	assert_int_equal(bp[0], 0);                       /* screen_info zeroed */
	/* A map that does not fit the zero page. */
	in.mmap_count = 129;
	assert_int_equal(linux_build_zero_page(bp, kimg, &li, &in), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_kernel_header),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_zero_page),
	};

	return cmocka_run_group_tests(tests, load_kernel, free_kernel);
}
