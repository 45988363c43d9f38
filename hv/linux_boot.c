/* Linux/x86 boot protocol for the 32-bit entry (the kernel's
 * Documentation/arch/x86/boot.rst: "The Real-Mode Kernel Header",
 * "Loading The Rest of The Kernel", "32-bit Boot Protocol", "The Kernel
 * Command Line", and "Details of Header Fields").  Pure code: no hypervisor
 * state, only the bytes it is given. */
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/linux_boot.h"

#define LINUX_PAGE       0x1000ull
#define LINUX_FOUR_GIB   0x100000000ull
#define LINUX_ONE_MIB    0x100000ull
/* boot.rst: initrd_addr_max before protocol 2.03 (and when 0). */
#define LINUX_INITRD_MAX_OLD 0x37ffffffu
#define LINUX_CAN_USE_HEAP   0x80u

static uint16_t rd16(const uint8_t *p, uint32_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *p, uint32_t off)
{
	return (uint32_t)rd16(p, off) | (uint32_t)rd16(p, off + 2) << 16;
}

static uint64_t rd64(const uint8_t *p, uint32_t off)
{
	return (uint64_t)rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}

static void wr8(uint8_t *p, uint32_t off, uint8_t v)
{
	p[off] = v;
}

static void wr32(uint8_t *p, uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint32_t off, uint64_t v)
{
	wr32(p, off, (uint32_t)v);
	wr32(p, off + 4, (uint32_t)(v >> 32));
}

int linux_is_bzimage(const void *img, uint64_t size)
{
	const uint8_t *p = img;

	return size >= LINUX_HDR_MAGIC + 4 && rd16(p, LINUX_HDR_BOOT_FLAG) == LINUX_BOOT_FLAG_VALUE &&
	       rd32(p, LINUX_HDR_MAGIC) == LINUX_HDR_MAGIC_VALUE;
}

int linux_parse(const void *img, uint64_t size, struct linux_image *out, const char **why)
{
	const uint8_t *p = img;
	uint32_t sects, syssize;

	memset(out, 0, sizeof(*out));
	*why = "no Linux setup header (boot flag 0xaa55 and \"HdrS\")";
	if (!linux_is_bzimage(img, size))
		return -ENOEXEC;
	*why = "truncated Linux image (setup header)";
	if (size < LINUX_HDR_VERSION + 2)
		return -EINVAL;
	out->version = rd16(p, LINUX_HDR_VERSION);
	*why = "Linux boot protocol older than 2.06";
	if (out->version < LINUX_MIN_VERSION)
		return -ENOTSUP;
	/* The header's length is in the jump instruction at 0x200 (boot.rst:
	 * "the end of the setup header is 0x0202 + the byte at 0x0201"). */
	out->hdr_end = LINUX_HDR_MAGIC + p[LINUX_HDR_JUMP + 1];
	*why = "truncated Linux image (setup header)";
	if (out->hdr_end < LINUX_HDR_CMDLINE_SIZE + 4 || size < out->hdr_end)
		return -EINVAL;
	*why = "zImage (not loaded high): only bzImage kernels are supported";
	if (!(p[LINUX_HDR_LOADFLAGS] & LINUX_LOADED_HIGH))
		return -ENOTSUP;
	sects = p[LINUX_HDR_SETUP_SECTS] ? p[LINUX_HDR_SETUP_SECTS] : 4;
	out->setup_size = (sects + 1) * 512;
	syssize = rd32(p, LINUX_HDR_SYSSIZE);
	*why = "truncated Linux image (protected-mode kernel)";
	if (size <= out->setup_size || (uint64_t)syssize * 16 > size - out->setup_size ||
	    !syssize || size - out->setup_size > 0xffffffffull)
		return -EINVAL;
	out->pm_offset = out->setup_size;
	out->pm_size = (uint32_t)(size - out->setup_size);
	out->initrd_addr_max = rd32(p, LINUX_HDR_INITRD_MAX);
	if (!out->initrd_addr_max)
		out->initrd_addr_max = LINUX_INITRD_MAX_OLD;
	out->kernel_alignment = rd32(p, LINUX_HDR_KERNEL_ALIGN);
	out->relocatable = p[LINUX_HDR_RELOCATABLE];
	out->cmdline_size = rd32(p, LINUX_HDR_CMDLINE_SIZE);
	if (out->version >= 0x20a) {
		*why = "truncated Linux image (setup header)";
		if (out->hdr_end < LINUX_HDR_INIT_SIZE + 4)
			return -EINVAL;
		out->pref_address = rd64(p, LINUX_HDR_PREF_ADDRESS);
		out->init_size = rd32(p, LINUX_HDR_INIT_SIZE);
	} else {
		/* No init_size before 2.10: the kernel decompresses in place
		 * from 1 MiB; assume it needs four times its compressed size. */
		out->pref_address = LINUX_ONE_MIB;
		out->init_size = out->pm_size > 0x3fffffffu ? 0xffffffffu : out->pm_size * 4;
	}
	if (out->version >= 0x20c)
		out->xloadflags = rd16(p, LINUX_HDR_XLOADFLAGS);
	*why = "inconsistent Linux setup header (alignment, preferred address or init_size)";
	if (out->relocatable && (out->kernel_alignment < LINUX_PAGE ||
				 (out->kernel_alignment & (out->kernel_alignment - 1))))
		return -EINVAL;
	if (out->init_size < out->pm_size || out->pref_address < LINUX_ONE_MIB ||
	    out->pref_address >= LINUX_FOUR_GIB ||
	    out->pref_address + out->init_size > LINUX_FOUR_GIB)
		return -EINVAL;
	*why = NULL;
	return 0;
}

static bool linux_free(const struct mem_range *ram, size_t nram, const struct mem_range *avoid,
		       size_t navoid, const struct mem_range *r)
{
	size_t which;

	return memrange_set_covers(ram, nram, r) && !memrange_set_overlaps(avoid, navoid, r, &which);
}

static bool linux_place_kernel(const struct linux_image *li, const struct mem_range *ram,
			       size_t nram, const struct mem_range *avoid, size_t navoid,
			       uint64_t *kernel)
{
	struct mem_range r = { li->pref_address, li->pref_address + li->init_size };

	if (linux_free(ram, nram, avoid, navoid, &r)) {
		*kernel = li->pref_address;
		return true;
	}
	if (!li->relocatable)
		return false;
	/* A relocatable kernel runs where it is loaded, rounded up to
	 * kernel_alignment, but never below its LOAD_PHYSICAL_ADDR (its
	 * preferred address): scan upwards from there, range by range. */
	for (size_t i = 0; i < nram; i++) {
		uint64_t a = ram[i].start < li->pref_address ? li->pref_address : ram[i].start;

		a = (a + li->kernel_alignment - 1) & ~(uint64_t)(li->kernel_alignment - 1);
		for (; a + li->init_size <= ram[i].end && a + li->init_size <= LINUX_FOUR_GIB;
		     a += li->kernel_alignment) {
			r = (struct mem_range){ a, a + li->init_size };
			if (linux_free(ram, nram, avoid, navoid, &r)) {
				*kernel = a;
				return true;
			}
		}
	}
	return false;
}

int linux_place(const struct linux_image *li, const struct mem_range *ram, size_t nram,
		const struct mem_range *avoid, size_t navoid, uint64_t initrd_size,
		struct linux_layout *out, const char **why)
{
	uint64_t limit = (uint64_t)li->initrd_addr_max + 1, best = 0;
	struct mem_range busy[17];
	size_t nbusy = 0;

	out->kernel = out->initrd = 0;
	*why = "no room in guest RAM for the Linux kernel at its preferred or an aligned address";
	if (!linux_place_kernel(li, ram, nram, avoid, navoid, &out->kernel))
		return -ENOSPC;
	if (!initrd_size)
		return 0;
	*why = "no room in guest RAM for the initrd below the kernel's initrd_addr_max";
	if (navoid > 16)
		return -EINVAL;
	busy[nbusy++] = (struct mem_range){ out->kernel, out->kernel + li->init_size };
	for (size_t i = 0; i < navoid; i++)
		busy[nbusy++] = avoid[i];
	if (limit > LINUX_FOUR_GIB)
		limit = LINUX_FOUR_GIB;
	/* As high as possible (boot.rst: "the initrd should typically be
	 * located as high in memory as possible"), above 1 MiB, page aligned. */
	for (size_t i = 0; i < nram; i++) {
		uint64_t end = ram[i].end < limit ? ram[i].end : limit;
		uint64_t lo = ram[i].start < LINUX_ONE_MIB ? LINUX_ONE_MIB : ram[i].start;
		size_t which;

		while (end >= lo + initrd_size) {
			struct mem_range r;
			uint64_t a = (end - initrd_size) & ~(LINUX_PAGE - 1);

			if (a < lo)
				break;
			r = (struct mem_range){ a, a + initrd_size };
			if (!memrange_set_overlaps(busy, nbusy, &r, &which)) {
				if (a > best)
					best = a;
				break;
			}
			end = busy[which].start;
		}
	}
	if (!best)
		return -ENOSPC;
	out->initrd = best;
	return 0;
}

int linux_build_zero_page(uint8_t *bp, const void *img, const struct linux_image *li,
			  const struct linux_zero_page_input *in)
{
	const uint8_t *p = img;
	uint8_t loadflags;

	if (in->mmap_count > LINUX_BP_E820_MAX)
		return -E2BIG;
	memset(bp, 0, LINUX_BP_SIZE);
	/* boot.rst "32-bit Boot Protocol": the setup header is copied from the
	 * image into the zero page, then the loader's fields are filled in. */
	memcpy(bp + LINUX_HDR_SETUP_SECTS, p + LINUX_HDR_SETUP_SECTS,
	       li->hdr_end - LINUX_HDR_SETUP_SECTS);
	wr8(bp, LINUX_HDR_TYPE_OF_LOADER, LINUX_LOADER_UNDEFINED);
	/* The heap is the real-mode setup code's; the 32-bit entry skips it. */
	loadflags = bp[LINUX_HDR_LOADFLAGS] & (uint8_t)~LINUX_CAN_USE_HEAP;
	wr8(bp, LINUX_HDR_LOADFLAGS, loadflags);
	wr32(bp, LINUX_HDR_CODE32_START, (uint32_t)in->kernel);
	wr32(bp, LINUX_HDR_CMD_LINE_PTR, (uint32_t)in->cmdline);
	wr32(bp, LINUX_BP_EXT_CMD_LINE, (uint32_t)(in->cmdline >> 32));
	wr32(bp, LINUX_HDR_RAMDISK_IMAGE, (uint32_t)in->initrd);
	wr32(bp, LINUX_HDR_RAMDISK_SIZE, (uint32_t)in->initrd_size);
	wr32(bp, LINUX_BP_EXT_RAMDISK_IMG, (uint32_t)(in->initrd >> 32));
	wr32(bp, LINUX_BP_EXT_RAMDISK_SZ, (uint32_t)(in->initrd_size >> 32));
	wr64(bp, LINUX_BP_ACPI_RSDP, in->rsdp);
	wr8(bp, LINUX_BP_E820_ENTRIES, (uint8_t)in->mmap_count);
	for (uint32_t i = 0; i < in->mmap_count; i++) {
		uint32_t off = LINUX_BP_E820_TABLE + 20 * i, type = in->mmap[i].type;

		/* Multiboot memory types 1..5 are the e820 types 1..5
		 * (ACPI 6.x table 15-374); anything else is reserved. */
		wr64(bp, off, in->mmap[i].base);
		wr64(bp, off + 8, in->mmap[i].len);
		wr32(bp, off + 16, type >= 1 && type <= 5 ? type : LINUX_E820_RESERVED);
	}
	return 0;
}
