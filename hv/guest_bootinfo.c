/* Guest boot information: Multiboot 1 (spec 0.6.96, 3.3) and Multiboot 2 (spec
 * 2.0, 3.6) info blocks, and the guest memory map.  Writes are byte-wise
 * little-endian because buf carries no alignment promise on the host side. */
#include "hv/guest_bootinfo.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/multiboot.h"

#define GBI_LOWER_MAX	(640ull * 1024)	/* spec 3.3: mem_lower at most 640 KiB */
#define GBI_1M		0x100000ull
#define GBI_4G		0x100000000ull

struct gbi_writer {
	uint8_t *buf;
	uint32_t size, used, gpa;
};

static void gbi_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void gbi_wr64(uint8_t *p, uint64_t v)
{
	gbi_wr32(p, (uint32_t)v);
	gbi_wr32(p + 4, (uint32_t)(v >> 32));
}

/* Reserve len bytes at an align-aligned offset; *off gets the offset. */
static int gbi_alloc(struct gbi_writer *w, uint64_t len, uint32_t align,
		     uint32_t *off)
{
	uint64_t pos = ((uint64_t)w->used + align - 1) & ~(uint64_t)(align - 1);

	if (pos > w->size || len > w->size - pos)
		return -ENOSPC;
	*off = (uint32_t)pos;
	w->used = (uint32_t)(pos + len);
	return 0;
}

static int gbi_put_string(struct gbi_writer *w, const char *s, uint32_t *gpa)
{
	uint64_t len = strlen(s ? s : "") + 1;
	uint32_t off;
	int ret = gbi_alloc(w, len, 1, &off);

	if (ret)
		return ret;
	memcpy(w->buf + off, s ? s : "", len);
	*gpa = w->gpa + off;
	return 0;
}

static uint64_t gbi_entry_end(const struct bootinfo_mmap_entry *e)
{
	return e->len > UINT64_MAX - e->base ? UINT64_MAX : e->base + e->len;
}

/* End of the usable RAM that runs contiguously from `from` in an unsorted,
 * possibly overlapping map; `from` itself when none starts there. */
static uint64_t gbi_usable_end(const struct bootinfo_mmap_entry *m, uint32_t n,
			       uint64_t from)
{
	uint64_t cur = from;
	bool grew = true;
	uint32_t i;

	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			uint64_t end = gbi_entry_end(&m[i]);

			if (m[i].type == MB_MEMORY_AVAILABLE &&
			    m[i].base <= cur && cur < end) {
				cur = end;
				grew = true;
			}
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t end = gbi_entry_end(&m[i]);

		if (m[i].type == MB_MEMORY_AVAILABLE || end <= from ||
		    m[i].base >= cur)
			continue;
		cur = m[i].base <= from ? from : m[i].base;
	}
	return cur;
}

static void gbi_mem_kb(const struct guest_bootinfo_input *in, uint32_t *lower,
		       uint32_t *upper)
{
	uint64_t lo = gbi_usable_end(in->mmap, in->mmap_count, 0);
	uint64_t hi = gbi_usable_end(in->mmap, in->mmap_count, GBI_1M);
	uint64_t up_kb = (hi - GBI_1M) / 1024;

	*lower = (uint32_t)((lo < GBI_LOWER_MAX ? lo : GBI_LOWER_MAX) / 1024);
	*upper = up_kb > UINT32_MAX ? UINT32_MAX : (uint32_t)up_kb;
}

static int gbi_start(struct gbi_writer *w, void *buf, uint32_t buf_size,
		     uint32_t buf_gpa, const struct guest_bootinfo_input *in,
		     uint32_t *info_gpa)
{
	uint32_t i;

	if (!buf || !in || !info_gpa || (in->mmap_count && !in->mmap) ||
	    (in->module_count && !in->modules) || buf_gpa % 8)
		return -EINVAL;
	/* Every pointer the guest follows is 32 bits wide. */
	if ((uint64_t)buf_gpa + buf_size > GBI_4G)
		return -ERANGE;
	for (i = 0; i < in->module_count; i++)
		if (in->modules[i].end < in->modules[i].start ||
		    in->modules[i].end > UINT32_MAX)
			return -ERANGE;
	w->buf = buf;
	w->size = buf_size;
	w->used = 0;
	w->gpa = buf_gpa;
	memset(buf, 0, buf_size);
	return 0;
}

#define MB1_OFF(f) offsetof(struct mb1_info, f)

int guest_bootinfo_build_mb1(void *buf, uint32_t buf_size, uint32_t buf_gpa,
			     const struct guest_bootinfo_input *in,
			     uint32_t *info_gpa)
{
	uint32_t flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS |
			 MB1_INFO_MEM_MAP;
	uint32_t info, mods = 0, mmap = 0, gpa, lower, upper, i;
	struct gbi_writer w;
	uint8_t *p;
	int ret;

	ret = gbi_start(&w, buf, buf_size, buf_gpa, in, info_gpa);
	if (ret)
		return ret;
	if ((ret = gbi_alloc(&w, sizeof(struct mb1_info), 8, &info)) ||
	    (ret = gbi_alloc(&w, (uint64_t)in->module_count * MB1_MODULE_SIZE,
			     4, &mods)) ||
	    (ret = gbi_alloc(&w, (uint64_t)in->mmap_count *
				 sizeof(struct mb1_mmap_entry), 4, &mmap)))
		return ret;
	p = w.buf + info;

	gbi_mem_kb(in, &lower, &upper);
	gbi_wr32(p + MB1_OFF(mem_lower), lower);
	gbi_wr32(p + MB1_OFF(mem_upper), upper);

	ret = gbi_put_string(&w, in->cmdline, &gpa);
	if (ret)
		return ret;
	gbi_wr32(p + MB1_OFF(cmdline), gpa);
	if (in->loader_name) {
		ret = gbi_put_string(&w, in->loader_name, &gpa);
		if (ret)
			return ret;
		gbi_wr32(p + MB1_OFF(boot_loader_name), gpa);
		flags |= MB1_INFO_BOOT_LOADER_NAME;
	}

	gbi_wr32(p + MB1_OFF(mods_count), in->module_count);
	gbi_wr32(p + MB1_OFF(mods_addr), in->module_count ? w.gpa + mods : 0);
	for (i = 0; i < in->module_count; i++) {
		uint8_t *m = w.buf + mods + i * MB1_MODULE_SIZE;

		ret = gbi_put_string(&w, in->modules[i].string, &gpa);
		if (ret)
			return ret;
		gbi_wr32(m, (uint32_t)in->modules[i].start);
		gbi_wr32(m + 4, (uint32_t)in->modules[i].end);
		gbi_wr32(m + 8, gpa);
	}

	gbi_wr32(p + MB1_OFF(mmap_length),
		 in->mmap_count * (uint32_t)sizeof(struct mb1_mmap_entry));
	gbi_wr32(p + MB1_OFF(mmap_addr), w.gpa + mmap);
	for (i = 0; i < in->mmap_count; i++) {
		uint8_t *e = w.buf + mmap + i * sizeof(struct mb1_mmap_entry);

		gbi_wr32(e, MB1_MMAP_ENTRY_SIZE);
		gbi_wr64(e + 4, in->mmap[i].base);
		gbi_wr64(e + 12, in->mmap[i].len);
		gbi_wr32(e + 20, in->mmap[i].type);
	}
	gbi_wr32(p, flags);
	*info_gpa = w.gpa + info;
	return 0;
}

/* A tag of `len` bytes at the next 8-aligned offset, type and size filled. */
static int gbi_tag(struct gbi_writer *w, uint32_t type, uint64_t len,
		   uint8_t **tag)
{
	uint32_t off;
	int ret = gbi_alloc(w, len, MB2_TAG_ALIGN, &off);

	if (ret)
		return ret;
	*tag = w->buf + off;
	gbi_wr32(*tag, type);
	gbi_wr32(*tag + 4, (uint32_t)len);
	return 0;
}

/* A tag whose string starts `head` bytes in (after any fixed fields). */
static int gbi_string_tag(struct gbi_writer *w, uint32_t type, const char *s,
			  uint64_t head, uint8_t **tag)
{
	uint64_t len = strlen(s ? s : "") + 1;
	int ret = gbi_tag(w, type, head + len, tag);

	if (!ret)
		memcpy(*tag + head, s ? s : "", len);
	return ret;
}

int guest_bootinfo_build_mb2(void *buf, uint32_t buf_size, uint32_t buf_gpa,
			     const struct guest_bootinfo_input *in,
			     uint32_t *info_gpa)
{
	struct gbi_writer w;
	uint32_t hdr, lower, upper, i;
	uint8_t *tag;
	int ret;

	ret = gbi_start(&w, buf, buf_size, buf_gpa, in, info_gpa);
	if (ret)
		return ret;
	ret = gbi_alloc(&w, sizeof(struct mb2_info_header), MB2_INFO_ALIGN,
			&hdr);
	if (ret)
		return ret;

	ret = gbi_tag(&w, MB2_TAG_TYPE_BASIC_MEMINFO,
		      sizeof(struct mb2_tag_basic_meminfo), &tag);
	if (ret)
		return ret;
	gbi_mem_kb(in, &lower, &upper);
	gbi_wr32(tag + 8, lower);
	gbi_wr32(tag + 12, upper);

	ret = gbi_string_tag(&w, MB2_TAG_TYPE_CMDLINE, in->cmdline,
			     sizeof(struct mb2_tag), &tag);
	if (!ret && in->loader_name)
		ret = gbi_string_tag(&w, MB2_TAG_TYPE_BOOT_LOADER_NAME,
				     in->loader_name, sizeof(struct mb2_tag),
				     &tag);
	for (i = 0; !ret && i < in->module_count; i++) {
		ret = gbi_string_tag(&w, MB2_TAG_TYPE_MODULE,
				     in->modules[i].string,
				     sizeof(struct mb2_tag_module), &tag);
		if (!ret) {
			gbi_wr32(tag + 8, (uint32_t)in->modules[i].start);
			gbi_wr32(tag + 12, (uint32_t)in->modules[i].end);
		}
	}
	if (ret)
		return ret;

	ret = gbi_tag(&w, MB2_TAG_TYPE_MMAP,
		      sizeof(struct mb2_tag_mmap) +
			      (uint64_t)in->mmap_count * MB2_MMAP_ENTRY_SIZE,
		      &tag);
	if (ret)
		return ret;
	gbi_wr32(tag + 8, MB2_MMAP_ENTRY_SIZE);
	gbi_wr32(tag + 12, 0);
	for (i = 0; i < in->mmap_count; i++) {
		uint8_t *e = tag + sizeof(struct mb2_tag_mmap) +
			     i * MB2_MMAP_ENTRY_SIZE;

		gbi_wr64(e, in->mmap[i].base);
		gbi_wr64(e + 8, in->mmap[i].len);
		gbi_wr32(e + 16, in->mmap[i].type);
	}

	if (in->rsdp_len) {
		if (!in->rsdp || (in->rsdp_len != ACPI_RSDP_V1_SIZE &&
				  in->rsdp_len != ACPI_RSDP_V2_SIZE))
			return -EINVAL;
		ret = gbi_tag(&w, in->rsdp_len == ACPI_RSDP_V2_SIZE ? MB2_TAG_TYPE_ACPI_NEW
								 : MB2_TAG_TYPE_ACPI_OLD,
			      sizeof(struct mb2_tag) + in->rsdp_len, &tag);
		if (ret)
			return ret;
		memcpy(tag + sizeof(struct mb2_tag), in->rsdp, in->rsdp_len);
	}

	ret = gbi_tag(&w, MB2_TAG_TYPE_END, sizeof(struct mb2_tag), &tag);
	if (ret)
		return ret;
	gbi_wr32(w.buf + hdr, w.used);
	*info_gpa = w.gpa + hdr;
	return 0;
}

/* Map types outside the defined 1-5 are treated as reserved. */
static uint32_t gmm_type(uint32_t type)
{
	return type >= MB_MEMORY_AVAILABLE && type <= MB_MEMORY_BADRAM ?
		       type : MB_MEMORY_RESERVED;
}

/* Interval i of the union of host entries and reserved ranges. */
static bool gmm_get(const struct bootinfo_mmap_entry *host, uint32_t n,
		    const struct mem_range *res, size_t i, uint64_t *start,
		    uint64_t *end, uint32_t *type)
{
	if (i < n) {
		*start = host[i].base;
		*end = gbi_entry_end(&host[i]);
		*type = gmm_type(host[i].type);
	} else {
		*start = res[i - n].start;
		*end = res[i - n].end;
		*type = MB_MEMORY_RESERVED;
	}
	return *start < *end;
}

/* Sweep the boundaries left to right; each step finds the winning type at x
 * and the next boundary.  Quadratic, which is fine for firmware-sized maps and
 * needs no scratch memory. */
int guest_mmap_build(const struct bootinfo_mmap_entry *host, uint32_t n,
		     const struct mem_range *reserved, size_t nres,
		     struct bootinfo_mmap_entry *out, uint32_t cap,
		     uint32_t *out_n)
{
	size_t total = (size_t)n + nres, i;
	uint64_t x = UINT64_MAX, s, e;
	uint32_t t, count = 0;

	if (!out_n || (n && !host) || (nres && !reserved) || (cap && !out))
		return -EINVAL;
	*out_n = 0;
	for (i = 0; i < total; i++)
		if (gmm_get(host, n, reserved, i, &s, &e, &t) && s < x)
			x = s;
	while (x != UINT64_MAX) {
		uint64_t next = UINT64_MAX;
		uint32_t win = 0;

		for (i = 0; i < total; i++) {
			if (!gmm_get(host, n, reserved, i, &s, &e, &t))
				continue;
			if (s <= x && x < e) {
				/* t >= 1, so t > win never lets 1 win */
				if (win == 0 || win == MB_MEMORY_AVAILABLE ||
				    t > win)
					win = t;
				if (e < next)
					next = e;
			} else if (s > x && s < next) {
				next = s;
			}
		}
		if (win && count &&
		    out[count - 1].type == win &&
		    out[count - 1].base + out[count - 1].len == x) {
			out[count - 1].len += next - x;
		} else if (win) {
			if (count == cap) {
				*out_n = count;
				return -ENOSPC;
			}
			out[count].base = x;
			out[count].len = next - x;
			out[count].type = win;
			count++;
		}
		x = next;
	}
	*out_n = count;
	return 0;
}
