/* Guest kernel image -> load plan.  Multiboot 1 spec 0.6.96 section 3.1
 * (header, a.out kludge), Multiboot 2 spec 2.0 section 3.1 (header tags), ELF
 * (System V gABI, program headers).  The file is untrusted: every offset is
 * checked against its size with overflow-safe arithmetic before it is read. */
#include "hv/guest_image.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/multiboot.h"

#define GUEST_4G		0x100000000ull
#define GUEST_ELF_ET_EXEC	2
#define GUEST_ELF_EM_386	3
#define GUEST_ELF_EM_X86_64	62
#define GUEST_ELF_PT_LOAD	1
#define GUEST_MB2_LOAD_FROM_START 0xFFFFFFFFu

/* The a.out-kludge fields of either header, normalised. */
struct guest_kludge {
	bool valid, has_entry;
	uint64_t hdr_off;
	uint32_t hdr_size;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry;
};

struct guest_mb2_found {
	bool unsupported;
	struct guest_kludge k;
};

static uint16_t guest_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t guest_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t guest_rd64(const uint8_t *p)
{
	return guest_rd32(p) | (uint64_t)guest_rd32(p + 4) << 32;
}

static bool guest_in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int guest_find_mb1(const uint8_t *f, uint64_t size,
			  struct guest_image *img, struct guest_kludge *k)
{
	uint64_t limit = size < MB1_HEADER_SEARCH ? size : MB1_HEADER_SEARCH;
	uint64_t off;

	for (off = 0; off + 12 <= limit; off += MB1_HEADER_ALIGN) {
		const uint8_t *h = f + off;
		uint32_t flags = guest_rd32(h + 4);

		if (guest_rd32(h) != MB1_HEADER_MAGIC ||
		    (uint32_t)(MB1_HEADER_MAGIC + flags + guest_rd32(h + 8)))
			continue;
		img->has_mb1 = true;
		img->mb1_flags = flags;
		if (!(flags & MB1_HEADER_FLAG_ADDRESS))
			return 0;
		/* The whole header must lie in the search window (spec 3.1.1). */
		if (off + offsetof(struct mb1_header, mode_type) > limit)
			return -EINVAL;
		k->valid = k->has_entry = true;
		k->hdr_off = off;
		k->hdr_size = offsetof(struct mb1_header, mode_type);
		k->header_addr = guest_rd32(h + 12);
		k->load_addr = guest_rd32(h + 16);
		k->load_end_addr = guest_rd32(h + 20);
		k->bss_end_addr = guest_rd32(h + 24);
		k->entry = guest_rd32(h + 28);
		return 0;
	}
	return 0;
}

/* Information the hypervisor's mb2 boot info provides (guest_bootinfo.c). */
static bool guest_mb2_info_supported(uint32_t type)
{
	return type == MB2_TAG_TYPE_END || type == MB2_TAG_TYPE_CMDLINE ||
	       type == MB2_TAG_TYPE_BOOT_LOADER_NAME ||
	       type == MB2_TAG_TYPE_MODULE ||
	       type == MB2_TAG_TYPE_BASIC_MEMINFO || type == MB2_TAG_TYPE_MMAP;
}

static int guest_mb2_tag(const uint8_t *t, uint16_t type, bool optional,
			 uint32_t tsize, struct guest_mb2_found *m)
{
	uint32_t i;

	switch (type) {
	case MB2_HEADER_TAG_INFORMATION_REQUEST:
		if ((tsize - 8) % 4)
			return -EINVAL;
		for (i = 8; i < tsize; i += 4)
			if (!optional &&
			    !guest_mb2_info_supported(guest_rd32(t + i)))
				m->unsupported = true;
		return 0;
	case MB2_HEADER_TAG_ADDRESS:
		if (tsize < sizeof(struct mb2_header_tag_address) || m->k.valid)
			return -EINVAL;
		m->k.valid = true;
		m->k.header_addr = guest_rd32(t + 8);
		m->k.load_addr = guest_rd32(t + 12);
		m->k.load_end_addr = guest_rd32(t + 16);
		m->k.bss_end_addr = guest_rd32(t + 20);
		return 0;
	case MB2_HEADER_TAG_ENTRY_ADDRESS:
		if (tsize < sizeof(struct mb2_header_tag_entry) ||
		    m->k.has_entry)
			return -EINVAL;
		m->k.has_entry = true;
		m->k.entry = guest_rd32(t + 8);
		return 0;
	/* Console and module alignment are met (serial console, modules
	 * page aligned); relocatable images load at their preferred
	 * address; EFI tags do not apply to a BIOS-style boot. */
	case MB2_HEADER_TAG_CONSOLE_FLAGS:
	case MB2_HEADER_TAG_MODULE_ALIGN:
	case MB2_HEADER_TAG_RELOCATABLE:
	case MB2_HEADER_TAG_EFI_BS:
	case MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32:
	case MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64:
		return 0;
	default:
		if (!optional)
			m->unsupported = true;
		return 0;
	}
}

static int guest_find_mb2(const uint8_t *f, uint64_t size,
			  struct guest_image *img, struct guest_mb2_found *m)
{
	uint64_t limit = size < MB2_HEADER_SEARCH ? size : MB2_HEADER_SEARCH;
	uint64_t off, t, end;

	for (off = 0; off + 16 <= limit; off += MB2_HEADER_ALIGN) {
		const uint8_t *h = f + off;
		uint32_t arch = guest_rd32(h + 4), hlen = guest_rd32(h + 8);

		if (guest_rd32(h) != MB2_HEADER_MAGIC ||
		    (uint32_t)(MB2_HEADER_MAGIC + arch + hlen + guest_rd32(h + 12)))
			continue;
		img->has_mb2 = true;
		if (arch != MB2_ARCH_I386)
			m->unsupported = true;
		if (hlen < sizeof(struct mb2_header) + 8 || hlen > limit - off)
			return -EINVAL;
		m->k.hdr_off = off;
		m->k.hdr_size = hlen;
		end = off + hlen;
		for (t = off + sizeof(struct mb2_header);;) {
			uint16_t type, tflags;
			uint32_t tsize;
			int ret;

			if (t > end || end - t < 8)
				return -EINVAL;	/* no end tag */
			type = guest_rd16(f + t);
			tflags = guest_rd16(f + t + 2);
			tsize = guest_rd32(f + t + 4);
			if (tsize < 8 || tsize > end - t)
				return -EINVAL;
			if (type == MB2_HEADER_TAG_END)
				return tsize == 8 ? 0 : -EINVAL;
			ret = guest_mb2_tag(f + t, type,
					    tflags & MB2_HEADER_TAG_OPTIONAL,
					    tsize, m);
			if (ret)
				return ret;
			t += ((uint64_t)tsize + MB2_HEADER_TAG_ALIGN - 1) &
			     ~(uint64_t)(MB2_HEADER_TAG_ALIGN - 1);
		}
	}
	return 0;
}

static int guest_add_segment(struct guest_image *img, uint64_t size,
			     uint64_t dest, uint64_t off, uint64_t filesz,
			     uint64_t memsz)
{
	struct guest_segment *s;
	uint32_t i;

	if (memsz == 0)
		return 0;
	if (filesz > memsz || !guest_in_file(off, filesz, size))
		return -EINVAL;
	if (dest > UINT64_MAX - memsz)
		return -EINVAL;
	/* The guest starts in 32-bit protected mode without paging. */
	if (dest >= GUEST_4G || memsz > GUEST_4G - dest)
		return -ERANGE;
	for (i = 0; i < img->nsegs; i++)
		if (dest < img->segs[i].dest + img->segs[i].mem_size &&
		    img->segs[i].dest < dest + memsz)
			return -EINVAL;
	if (img->nsegs == GUEST_MAX_SEGMENTS)
		return -E2BIG;
	s = &img->segs[img->nsegs++];
	s->dest = dest;
	s->file_off = off;
	s->file_size = filesz;
	s->mem_size = memsz;
	return 0;
}

/* Multiboot 1 spec 3.1.3 (same meaning in the mb2 address tag). */
static int guest_load_kludge(struct guest_image *img, uint64_t size,
			     const struct guest_kludge *k, bool mb2)
{
	uint64_t load_addr = k->load_addr, off, filesz, memsz;

	if (!k->has_entry)
		return -EINVAL;
	if (mb2 && k->load_addr == GUEST_MB2_LOAD_FROM_START) {
		if (k->header_addr < k->hdr_off)
			return -EINVAL;
		load_addr = k->header_addr - k->hdr_off;
	}
	if (load_addr > k->header_addr ||
	    k->header_addr - load_addr > k->hdr_off)
		return -EINVAL;
	off = k->hdr_off - (k->header_addr - load_addr);
	if (k->load_end_addr == 0) {
		filesz = size - off;
	} else {
		/* The header itself must be among the loaded bytes. */
		if (k->load_end_addr < k->header_addr ||
		    k->load_end_addr - k->header_addr < k->hdr_size)
			return -EINVAL;
		filesz = k->load_end_addr - load_addr;
	}
	memsz = filesz;
	if (k->bss_end_addr) {
		if (k->bss_end_addr < load_addr + filesz)
			return -EINVAL;
		memsz = k->bss_end_addr - load_addr;
	}
	img->entry = k->entry;
	return guest_add_segment(img, size, load_addr, off, filesz, memsz);
}

static int guest_load_elf(struct guest_image *img, const uint8_t *f,
			  uint64_t size)
{
	uint64_t vaddr[GUEST_MAX_SEGMENTS];
	uint64_t entry, phoff, i;
	uint16_t phent, phnum;
	bool is64;
	int ret;

	if (size < 16 || memcmp(f, "\177ELF", 4) != 0)
		return -ENOEXEC;
	if (f[4] != 1 && f[4] != 2)
		return -EINVAL;
	is64 = f[4] == 2;
	/* Little-endian, current version (gABI e_ident). */
	if (f[5] != 1 || f[6] != 1 || size < (is64 ? 64u : 52u))
		return -EINVAL;
	if (guest_rd16(f + 16) != GUEST_ELF_ET_EXEC ||
	    guest_rd16(f + 18) != (is64 ? GUEST_ELF_EM_X86_64 : GUEST_ELF_EM_386))
		return -EINVAL;
	entry = is64 ? guest_rd64(f + 24) : guest_rd32(f + 24);
	phoff = is64 ? guest_rd64(f + 32) : guest_rd32(f + 28);
	phent = guest_rd16(f + (is64 ? 54 : 42));
	phnum = guest_rd16(f + (is64 ? 56 : 44));
	if (phnum == 0 || phent < (is64 ? 56 : 32) ||
	    !guest_in_file(phoff, (uint64_t)phent * phnum, size))
		return -EINVAL;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + i * phent;
		uint64_t off, va, pa, filesz, memsz;
		uint32_t before = img->nsegs;

		if (guest_rd32(ph) != GUEST_ELF_PT_LOAD)
			continue;
		if (is64) {
			off = guest_rd64(ph + 8);
			va = guest_rd64(ph + 16);
			pa = guest_rd64(ph + 24);
			filesz = guest_rd64(ph + 32);
			memsz = guest_rd64(ph + 40);
		} else {
			off = guest_rd32(ph + 4);
			va = guest_rd32(ph + 8);
			pa = guest_rd32(ph + 12);
			filesz = guest_rd32(ph + 16);
			memsz = guest_rd32(ph + 20);
		}
		ret = guest_add_segment(img, size, pa, off, filesz, memsz);
		if (ret)
			return ret;
		if (img->nsegs != before)
			vaddr[before] = va;
	}
	if (img->nsegs == 0)
		return -EINVAL;
	/* A higher-half kernel names its entry virtually: map it through the
	 * segment whose virtual range holds it. */
	for (i = 0; i < img->nsegs; i++) {
		if (entry >= vaddr[i] && entry - vaddr[i] < img->segs[i].mem_size) {
			entry = entry - vaddr[i] + img->segs[i].dest;
			break;
		}
	}
	img->entry = entry;
	return 0;
}

int guest_image_parse(const void *file, uint64_t size, struct guest_image *out)
{
	const uint8_t *f = file;
	struct guest_kludge k1 = { 0 };
	struct guest_mb2_found m2 = { 0 };
	bool entry_ok = false;
	uint32_t i;
	int ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!file)
		return -ENOEXEC;
	ret = guest_find_mb1(f, size, out, &k1);
	if (ret)
		return ret;
	ret = guest_find_mb2(f, size, out, &m2);
	if (ret)
		return ret;
	/* Reported for a.out-kludge images too (an ELF carrying mb1 address
	 * fields is loaded by those fields, as GRUB and QEMU do). */
	if (size >= 16 && memcmp(f, "\177ELF", 4) == 0 && (f[4] == 1 || f[4] == 2)) {
		out->is_elf = true;
		out->elf_class = f[4] == 2 ? 64 : 32;
	}
	if (out->has_mb1) {
		out->mb_version = 1;
		if (out->mb1_flags & MB1_HEADER_REQUIRED_MASK &
		    ~(uint32_t)(MB1_HEADER_FLAG_PAGE_ALIGN |
				MB1_HEADER_FLAG_MEMORY_INFO))
			return -ENOTSUP;
		if (k1.valid)
			ret = guest_load_kludge(out, size, &k1, false);
		else
			ret = guest_load_elf(out, f, size);
	} else if (out->has_mb2) {
		out->mb_version = 2;
		if (m2.unsupported)
			return -ENOTSUP;
		if (m2.k.valid) {
			ret = guest_load_kludge(out, size, &m2.k, true);
		} else {
			ret = guest_load_elf(out, f, size);
			if (!ret && m2.k.has_entry)
				out->entry = m2.k.entry;
		}
	} else {
		return -ENOEXEC;
	}
	if (ret)
		return ret;
	if (out->entry >= GUEST_4G)
		return -ERANGE;

	out->load_start = UINT64_MAX;
	for (i = 0; i < out->nsegs; i++) {
		const struct guest_segment *s = &out->segs[i];

		if (s->dest < out->load_start)
			out->load_start = s->dest;
		if (s->dest + s->mem_size > out->load_end)
			out->load_end = s->dest + s->mem_size;
		if (out->entry >= s->dest && out->entry - s->dest < s->mem_size)
			entry_ok = true;
	}
	/* Jumping outside the loaded image can only fault in the guest. */
	return entry_ok ? 0 : -EINVAL;
}

int guest_image_check_overlap(const struct guest_image *img,
			      const struct mem_range *forbidden, size_t n,
			      size_t *which)
{
	uint32_t i;

	for (i = 0; i < img->nsegs && i < GUEST_MAX_SEGMENTS; i++) {
		struct mem_range r = {
			img->segs[i].dest,
			img->segs[i].dest + img->segs[i].mem_size,
		};

		if (memrange_set_overlaps(forbidden, n, &r, which))
			return -EEXIST;
	}
	return 0;
}
