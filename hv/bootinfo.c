/* Multiboot 1 (spec 0.6.96, section 3.3) and Multiboot 2 (spec 2.0, section
 * 3.6) boot information -> struct bootinfo.  Everything arrives from the
 * loader unchecked, so every access goes through bootinfo_rd_map(), which
 * refuses wrapping ranges and records the extent read. */
#include "hv/bootinfo.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/multiboot.h"
#include "hv/page_ops.h"

struct bootinfo_reader {
	const struct bootinfo_mem *mem;
	uint64_t lo, hi;
};

static uint32_t bootinfo_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t bootinfo_rd64(const uint8_t *p)
{
	return bootinfo_rd32(p) | (uint64_t)bootinfo_rd32(p + 4) << 32;
}

static const uint8_t *bootinfo_probe(struct bootinfo_reader *rd, uint64_t pa,
				     uint64_t len)
{
	if (len == 0 || pa > UINT64_MAX - len)
		return NULL;
	return rd->mem->map(rd->mem->ctx, pa, len);
}

static const uint8_t *bootinfo_rd_map(struct bootinfo_reader *rd, uint64_t pa,
				      uint64_t len)
{
	const uint8_t *p = bootinfo_probe(rd, pa, len);

	if (!p)
		return NULL;
	if (pa < rd->lo)
		rd->lo = pa;
	if (pa + len > rd->hi)
		rd->hi = pa + len;
	return p;
}

/* A NUL-terminated string of at most BOOTINFO_MAX_STRING bytes at pa.  Probes
 * a page at a time, falling back to single bytes so a string that ends just
 * before unreadable memory is still found. */
static int bootinfo_rd_string(struct bootinfo_reader *rd, uint64_t pa,
			      const char **out)
{
	uint64_t i = 0;

	*out = NULL;
	if (pa == 0)
		return 0;
	if (pa > UINT64_MAX - BOOTINFO_MAX_STRING)
		return -EINVAL;
	while (i < BOOTINFO_MAX_STRING) {
		uint64_t chunk = PAGE_SIZE - ((pa + i) & (PAGE_SIZE - 1));
		const uint8_t *p;
		uint64_t j;

		if (chunk > BOOTINFO_MAX_STRING - i)
			chunk = BOOTINFO_MAX_STRING - i;
		p = bootinfo_probe(rd, pa + i, chunk);
		if (!p) {
			chunk = 1;
			p = bootinfo_probe(rd, pa + i, 1);
			if (!p)
				return -EINVAL;
		}
		for (j = 0; j < chunk; j++) {
			if (p[j] == 0) {
				p = bootinfo_rd_map(rd, pa, i + j + 1);
				if (!p)
					return -EINVAL;
				*out = (const char *)p;
				return 0;
			}
		}
		i += chunk;
	}
	return -EINVAL;
}

static void bootinfo_add_mmap(struct bootinfo *bi, uint64_t base, uint64_t len,
			      uint32_t type)
{
	struct bootinfo_mmap_entry *e;

	if (len == 0)
		return;
	if (bi->mmap_count == BOOTINFO_MAX_MMAP) {
		bi->truncated = true;
		return;
	}
	/* A wrapping entry is a firmware bug; keep what is addressable. */
	if (len > UINT64_MAX - base)
		len = UINT64_MAX - base;
	e = &bi->mmap[bi->mmap_count++];
	e->base = base;
	e->len = len;
	e->type = type;
}

static int bootinfo_add_module(struct bootinfo *bi, uint64_t start,
			       uint64_t end, const char *string)
{
	struct bootinfo_module *m;

	if (end < start)
		return -EINVAL;
	if (bi->module_count == BOOTINFO_MAX_MODULES) {
		bi->truncated = true;
		return 0;
	}
	m = &bi->modules[bi->module_count++];
	m->start = start;
	m->end = end;
	m->string = string;
	return 0;
}

/* Bytes of the mb1 info that the set flags make valid (spec 3.3 layout). */
static uint32_t bootinfo_mb1_extent(uint32_t flags)
{
	static const uint8_t end_of[] = {
		[0] = offsetof(struct mb1_info, boot_device),
		[1] = offsetof(struct mb1_info, cmdline),
		[2] = offsetof(struct mb1_info, mods_count),
		[3] = offsetof(struct mb1_info, syms),
		[4] = offsetof(struct mb1_info, mmap_length),
		[5] = offsetof(struct mb1_info, mmap_length),
		[6] = offsetof(struct mb1_info, drives_length),
		[7] = offsetof(struct mb1_info, config_table),
		[8] = offsetof(struct mb1_info, boot_loader_name),
		[9] = offsetof(struct mb1_info, apm_table),
		[10] = offsetof(struct mb1_info, vbe_control_info),
		[11] = offsetof(struct mb1_info, framebuffer_addr),
		[12] = sizeof(struct mb1_info),
	};
	uint32_t ext = sizeof(uint32_t), bit;

	for (bit = 0; bit < sizeof(end_of); bit++)
		if ((flags & (1u << bit)) && end_of[bit] > ext)
			ext = end_of[bit];
	return ext;
}

#define MB1_FIELD(p, f) bootinfo_rd32((p) + offsetof(struct mb1_info, f))

static int bootinfo_mb1_mods(struct bootinfo_reader *rd, const uint8_t *info,
			     struct bootinfo *bi)
{
	uint32_t count = MB1_FIELD(info, mods_count);
	uint32_t i, keep = count;
	const uint8_t *arr;
	int ret;

	if (count == 0)
		return 0;
	arr = bootinfo_rd_map(rd, MB1_FIELD(info, mods_addr),
			      (uint64_t)count * MB1_MODULE_SIZE);
	if (!arr)
		return -EINVAL;
	if (keep > BOOTINFO_MAX_MODULES) {
		keep = BOOTINFO_MAX_MODULES;
		bi->truncated = true;
	}
	for (i = 0; i < keep; i++) {
		const uint8_t *m = arr + (uint64_t)i * MB1_MODULE_SIZE;
		const char *s;

		ret = bootinfo_rd_string(rd, bootinfo_rd32(m + 8), &s);
		if (ret)
			return ret;
		ret = bootinfo_add_module(bi, bootinfo_rd32(m),
					  bootinfo_rd32(m + 4), s);
		if (ret)
			return ret;
	}
	return 0;
}

static int bootinfo_mb1_mmap(struct bootinfo_reader *rd, const uint8_t *info,
			     struct bootinfo *bi)
{
	uint32_t length = MB1_FIELD(info, mmap_length);
	const uint8_t *arr;
	uint64_t off = 0;

	if (length == 0)
		return 0;
	arr = bootinfo_rd_map(rd, MB1_FIELD(info, mmap_addr), length);
	if (!arr)
		return -EINVAL;
	while (off < length) {
		const uint8_t *e = arr + off;
		uint32_t size;

		if (length - off < sizeof(uint32_t))
			return -EINVAL;
		size = bootinfo_rd32(e);
		if (size < MB1_MMAP_ENTRY_SIZE ||
		    size > length - off - sizeof(uint32_t))
			return -EINVAL;
		bootinfo_add_mmap(bi, bootinfo_rd64(e + 4),
				  bootinfo_rd64(e + 12), bootinfo_rd32(e + 20));
		off += sizeof(uint32_t) + (uint64_t)size;
	}
	return 0;
}

static int bootinfo_parse_mb1(struct bootinfo_reader *rd, uint64_t info_pa,
			      struct bootinfo *bi)
{
	const uint8_t *info = bootinfo_rd_map(rd, info_pa, sizeof(uint32_t));
	uint32_t flags;
	int ret;

	if (!info)
		return -EINVAL;
	flags = bootinfo_rd32(info);
	info = bootinfo_rd_map(rd, info_pa, bootinfo_mb1_extent(flags));
	if (!info)
		return -EINVAL;
	bi->protocol = 1;
	if (flags & MB1_INFO_MEMORY) {
		bi->has_basic_mem = true;
		bi->mem_lower_kb = MB1_FIELD(info, mem_lower);
		bi->mem_upper_kb = MB1_FIELD(info, mem_upper);
	}
	if (flags & MB1_INFO_CMDLINE) {
		ret = bootinfo_rd_string(rd, MB1_FIELD(info, cmdline),
					 &bi->cmdline);
		if (ret)
			return ret;
	}
	if (flags & MB1_INFO_BOOT_LOADER_NAME) {
		ret = bootinfo_rd_string(rd, MB1_FIELD(info, boot_loader_name),
					 &bi->loader_name);
		if (ret)
			return ret;
	}
	if (flags & MB1_INFO_MODS) {
		ret = bootinfo_mb1_mods(rd, info, bi);
		if (ret)
			return ret;
	}
	if (flags & MB1_INFO_MEM_MAP)
		return bootinfo_mb1_mmap(rd, info, bi);
	return 0;
}

/* A string occupying [from, size) of a tag must end with a NUL inside it. */
static const char *bootinfo_tag_string(const uint8_t *tag, uint32_t from,
				       uint32_t size)
{
	uint32_t i;

	for (i = from; i < size; i++)
		if (tag[i] == 0)
			return (const char *)tag + from;
	return NULL;
}

static int bootinfo_mb2_mmap(const uint8_t *tag, uint32_t size,
			     struct bootinfo *bi)
{
	uint32_t entry_size, body, i;

	if (size < sizeof(struct mb2_tag_mmap))
		return -EINVAL;
	entry_size = bootinfo_rd32(tag + offsetof(struct mb2_tag_mmap,
						  entry_size));
	/* Spec 3.6.8: entry_size is a multiple of 8, at least one entry. */
	if (entry_size < MB2_MMAP_ENTRY_SIZE || entry_size % 8)
		return -EINVAL;
	body = size - (uint32_t)sizeof(struct mb2_tag_mmap);
	if (body % entry_size)
		return -EINVAL;
	for (i = 0; i < body / entry_size; i++) {
		const uint8_t *e = tag + sizeof(struct mb2_tag_mmap) +
				   (uint64_t)i * entry_size;

		bootinfo_add_mmap(bi, bootinfo_rd64(e), bootinfo_rd64(e + 8),
				  bootinfo_rd32(e + 16));
	}
	return 0;
}

static int bootinfo_mb2_tag(const uint8_t *tag, uint32_t type, uint32_t size,
			    uint64_t tag_pa, struct bootinfo *bi,
			    bool *rsdp_new, bool *have_mmap)
{
	const char *s;

	switch (type) {
	case MB2_TAG_TYPE_CMDLINE:
	case MB2_TAG_TYPE_BOOT_LOADER_NAME:
		s = bootinfo_tag_string(tag, sizeof(struct mb2_tag), size);
		if (!s)
			return -EINVAL;
		if (type == MB2_TAG_TYPE_CMDLINE && !bi->cmdline)
			bi->cmdline = s;
		else if (type == MB2_TAG_TYPE_BOOT_LOADER_NAME &&
			 !bi->loader_name)
			bi->loader_name = s;
		return 0;
	case MB2_TAG_TYPE_MODULE:
		s = bootinfo_tag_string(tag, sizeof(struct mb2_tag_module),
					size);
		if (!s)
			return -EINVAL;
		return bootinfo_add_module(bi, bootinfo_rd32(tag + 8),
					   bootinfo_rd32(tag + 12), s);
	case MB2_TAG_TYPE_BASIC_MEMINFO:
		if (size < sizeof(struct mb2_tag_basic_meminfo))
			return -EINVAL;
		bi->has_basic_mem = true;
		bi->mem_lower_kb = bootinfo_rd32(tag + 8);
		bi->mem_upper_kb = bootinfo_rd32(tag + 12);
		return 0;
	case MB2_TAG_TYPE_MMAP:
		/* A second map would be ambiguous; the first one counts. */
		if (*have_mmap)
			return 0;
		*have_mmap = true;
		return bootinfo_mb2_mmap(tag, size, bi);
	case MB2_TAG_TYPE_ACPI_OLD:
	case MB2_TAG_TYPE_ACPI_NEW:
		if (size < sizeof(struct mb2_tag) +
			   (type == MB2_TAG_TYPE_ACPI_NEW ? ACPI_RSDP_V2_SIZE
							  : ACPI_RSDP_V1_SIZE))
			return -EINVAL;
		/* The ACPI 2.0+ RSDP carries the XSDT; prefer it. */
		if (type == MB2_TAG_TYPE_ACPI_NEW || !*rsdp_new) {
			bi->rsdp_phys = tag_pa + sizeof(struct mb2_tag);
			*rsdp_new = type == MB2_TAG_TYPE_ACPI_NEW;
		}
		return 0;
	default:
		return 0;
	}
}

static int bootinfo_parse_mb2(struct bootinfo_reader *rd, uint64_t info_pa,
			      struct bootinfo *bi)
{
	const uint8_t *info;
	uint64_t off = sizeof(struct mb2_info_header);
	bool rsdp_new = false, have_mmap = false;
	uint32_t total;
	int ret;

	if (info_pa % MB2_INFO_ALIGN)
		return -EINVAL;
	info = bootinfo_rd_map(rd, info_pa, sizeof(struct mb2_info_header));
	if (!info)
		return -EINVAL;
	total = bootinfo_rd32(info);
	if (total < sizeof(struct mb2_info_header) + sizeof(struct mb2_tag))
		return -EINVAL;
	info = bootinfo_rd_map(rd, info_pa, total);
	if (!info)
		return -EINVAL;
	bi->protocol = 2;
	/* Tags start 8-aligned by construction: off only grows by
	 * multiples of MB2_TAG_ALIGN. */
	while (off + sizeof(struct mb2_tag) <= total) {
		const uint8_t *tag = info + off;
		uint32_t type = bootinfo_rd32(tag);
		uint32_t size = bootinfo_rd32(tag + 4);

		if (size < sizeof(struct mb2_tag) || size > total - off)
			return -EINVAL;
		if (type == MB2_TAG_TYPE_END)
			return size == sizeof(struct mb2_tag) ? 0 : -EINVAL;
		ret = bootinfo_mb2_tag(tag, type, size, info_pa + off, bi,
				       &rsdp_new, &have_mmap);
		if (ret)
			return ret;
		off += ((uint64_t)size + MB2_TAG_ALIGN - 1) &
		       ~(uint64_t)(MB2_TAG_ALIGN - 1);
	}
	return -EINVAL;
}

int bootinfo_parse(uint32_t magic, uint64_t info_pa,
		   const struct bootinfo_mem *mem, struct bootinfo *out)
{
	struct bootinfo_reader rd = { mem, UINT64_MAX, 0 };
	int ret;

	if (!mem || !mem->map || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (magic == MB1_BOOTLOADER_MAGIC)
		ret = bootinfo_parse_mb1(&rd, info_pa, out);
	else if (magic == MB2_BOOTLOADER_MAGIC)
		ret = bootinfo_parse_mb2(&rd, info_pa, out);
	else
		return -EINVAL;
	if (ret)
		return ret;
	if (!out->loader_name)
		out->loader_name = "unknown";
	out->info_start = rd.lo;
	out->info_end = rd.hi;
	return 0;
}

static bool bootinfo_is_space(char c)
{
	return c == ' ' || c == '\t';
}

const char *bootinfo_module_role(const char *string, const char **args)
{
	static const char roles[][sizeof("guest-module")] = {
		"guest", "config", "guest-module", "guest-initrd",
	};
	const char *s = string, *tok;
	size_t len, i;

	if (args)
		*args = "";
	if (!s)
		return NULL;
	for (;;) {
		bool path = false;

		while (bootinfo_is_space(*s))
			s++;
		if (!*s)
			return NULL;
		tok = s;
		for (len = 0; s[len] && !bootinfo_is_space(s[len]); len++)
			if (s[len] == '/' || s[len] == ':')
				path = true;
		s += len;
		if (!path)
			break;
	}
	while (bootinfo_is_space(*s))
		s++;
	if (args)
		*args = s;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strlen(roles[i]) == len && memcmp(roles[i], tok, len) == 0)
			return roles[i];
	return NULL;
}

size_t bootinfo_usable_ram(const struct bootinfo *bi, struct mem_range *out)
{
	size_t n = 0;

	for (uint32_t i = 0; i < bi->mmap_count && i < BOOTINFO_MAX_MMAP; i++)
		if (bi->mmap[i].type == MB_MEMORY_AVAILABLE)
			out[n++] = (struct mem_range){ bi->mmap[i].base,
						       bi->mmap[i].base + bi->mmap[i].len };
	return memrange_merge(out, n);
}

size_t bootinfo_free_ram(const struct bootinfo *bi, struct mem_range image,
			 struct mem_range *out, uint64_t *staging)
{
	struct mem_range usable[BOOTINFO_MAX_MMAP], forbidden[BOOTINFO_MAX_MODULES + 3];
	size_t nu = bootinfo_usable_ram(bi, usable), nf = 0, nfree = 0;
	uint64_t room = 0;

	forbidden[nf++] = (struct mem_range){ 0, 1ull << 20 };
	forbidden[nf++] = image;
	forbidden[nf++] = (struct mem_range){ bi->info_start, bi->info_end };
	for (uint32_t i = 0; i < bi->module_count && i < BOOTINFO_MAX_MODULES; i++) {
		forbidden[nf++] = (struct mem_range){ bi->modules[i].start, bi->modules[i].end };
		room += bi->modules[i].end - bi->modules[i].start + 2 * PAGE_SIZE;
	}
	if (staging)
		*staging = room;
	/* Each forbidden range splits at most one piece in two: the result
	 * always fits BOOTINFO_MAX_FREE. */
	memrange_subtract(usable, nu, forbidden, nf, out, BOOTINFO_MAX_FREE, &nfree);
	return nfree;
}
