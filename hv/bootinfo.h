/* The loader's boot information (Multiboot 1 or 2) normalised into one struct.
 * The parser trusts nothing: every pointer is read through a mapping hook that
 * may refuse, every length and count is bounds-checked. */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/memrange.h"

#define BOOTINFO_MAX_MMAP	128
#define BOOTINFO_MAX_MODULES	16
#define BOOTINFO_MAX_STRING	4096	/* including the NUL */
/* Entries bootinfo_free_ram() may produce. */
#define BOOTINFO_MAX_FREE	(BOOTINFO_MAX_MMAP + BOOTINFO_MAX_MODULES + 3)

struct bootinfo_mmap_entry {
	uint64_t base, len;
	uint32_t type;		/* MB_MEMORY_* (1 usable, 2 reserved, ...) */
};

struct bootinfo_module {
	uint64_t start, end;	/* end exclusive */
	const char *string;	/* NULL when the loader gave none */
};

struct bootinfo {
	int protocol;		/* 1 or 2 */
	const char *loader_name;	/* "unknown" when not given */
	const char *cmdline;	/* NULL when not given */
	uint32_t mem_lower_kb, mem_upper_kb;
	bool has_basic_mem;
	uint32_t mmap_count;
	struct bootinfo_mmap_entry mmap[BOOTINFO_MAX_MMAP];
	uint32_t module_count;
	struct bootinfo_module modules[BOOTINFO_MAX_MODULES];
	/* 0 when not given; for mb2 the address of the RSDP copy in the info */
	uint64_t rsdp_phys;
	/* Extent of everything read from the loader (mb1: info struct, arrays,
	 * strings), so the hypervisor keeps those pages out of its allocator. */
	uint64_t info_start, info_end;
	/* more mmap entries or modules than fit were given; the first kept */
	bool truncated;
};

/* Returns a readable pointer for [pa, pa + len), or NULL when that range is not
 * readable.  Pointers handed out must stay valid as long as the bootinfo is
 * used: strings in struct bootinfo point into them. */
struct bootinfo_mem {
	void *ctx;
	const void *(*map)(void *ctx, uint64_t pa, uint64_t len);
};

/* magic: EAX at kernel entry; info_pa: EBX.  0, or -EINVAL for an unknown magic
 * or malformed data (out is then incomplete).  A string pointer of 0 in mb1
 * info reads as "not given". */
int bootinfo_parse(uint32_t magic, uint64_t info_pa,
		   const struct bootinfo_mem *mem, struct bootinfo *out);

/* The firmware's usable RAM (type 1 entries), merged: sorted and disjoint.
 * Returns the count, at most BOOTINFO_MAX_MMAP. */
size_t bootinfo_usable_ram(const struct bootinfo *bi, struct mem_range *out);

/* The usable RAM the hypervisor may take for itself while the loader's
 * hand-off is still in use: above 1 MiB, clear of `image`, the modules and
 * the loader's information.  out holds BOOTINFO_MAX_FREE ranges; returns the
 * count.  *staging (if not NULL) gets the pool room copies of the modules
 * need: each module's size, a page of rounding and a spare page. */
size_t bootinfo_free_ram(const struct bootinfo *bi, struct mem_range image,
			 struct mem_range *out, uint64_t *staging);

/* A module string's role: leading tokens containing '/' or ':' (paths, URLs)
 * are skipped, the next token is the role.  Returns "guest", "config" or
 * "guest-module" from a static table, NULL for none or unknown; *args (if args
 * is not NULL) gets the text after the role token, "" when there is none. */
const char *bootinfo_module_role(const char *string, const char **args);

#endif
