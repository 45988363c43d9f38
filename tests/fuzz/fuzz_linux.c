/* libFuzzer target: the Linux setup-header parser, placement and zero-page
 * builder (hv/linux_boot.c) on arbitrary bytes.  Beyond the sanitizers it
 * checks their promises: an accepted image's parts lie inside the input, a
 * placed kernel and initrd lie inside RAM, clear of the loader's area and of
 * each other, and a refusal always carries its phrase. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/linux_boot.h"

static const struct mem_range fz_ram[] = {
	{ 0, 0x9f000 }, { 0x100000, 0x2000000 }, { 0x2400000, 0x10000000 },
};
static const struct mem_range fz_avoid[] = { { 0x10000, 0x20000 } };
static const struct bootinfo_mmap_entry fz_map[] = {
	{ 0, 0x9f000, 1 }, { 0x100000, 0x1f00000, 1 }, { 0x2400000, 0xdc00000, 1 },
};

static int fz_inside(uint64_t a, uint64_t n)
{
	struct mem_range r = { a, a + n };
	size_t which;

	return memrange_set_covers(fz_ram, 3, &r) && !memrange_set_overlaps(fz_avoid, 1, &r, &which);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bp[LINUX_BP_SIZE];
	struct linux_image li;
	struct linux_layout lo;
	const char *why = NULL;
	int err = linux_parse(data, size, &li, &why);

	if (err) {
		if (!why)
			abort();
		return 0;
	}
	if (why || li.hdr_end > size || li.pm_offset + (uint64_t)li.pm_size > size ||
	    li.init_size < li.pm_size)
		abort();
	uint64_t initrd = size > 0x300 ? data[0x2ff] * 0x10000ull : 0;

	err = linux_place(&li, fz_ram, 3, fz_avoid, 1, initrd, &lo, &why);
	if (err) {
		if (!why)
			abort();
		return 0;
	}
	if (!fz_inside(lo.kernel, li.init_size))
		abort();
	if (initrd) {
		if (!fz_inside(lo.initrd, initrd) || lo.initrd & 0xfff ||
		    lo.initrd + initrd > (uint64_t)li.initrd_addr_max + 1 ||
		    (lo.initrd < lo.kernel + li.init_size && lo.kernel < lo.initrd + initrd))
			abort();
	}
	struct linux_zero_page_input in = { .kernel = lo.kernel, .initrd = lo.initrd,
					    .initrd_size = initrd, .cmdline = 0x12000,
					    .mmap = fz_map, .mmap_count = 3 };

	if (linux_build_zero_page(bp, data, &li, &in) || memcmp(bp + 0x202, "HdrS", 4))
		abort();
	return 0;
}
