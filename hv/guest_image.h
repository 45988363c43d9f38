/* Parse a Multiboot guest kernel held in memory into a load plan: which file
 * bytes go to which guest-physical addresses, and where execution starts. */
#ifndef HV_GUEST_IMAGE_H
#define HV_GUEST_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/memrange.h"

#define GUEST_MAX_SEGMENTS 16

/* Copy file[file_off, file_off + file_size) to dest, zero up to mem_size. */
struct guest_segment {
	uint64_t dest;
	uint64_t file_off;
	uint64_t file_size;
	uint64_t mem_size;
};

struct guest_image {
	/* The header used: mb1 wins when both exist, because the guest boot
	 * info the hypervisor builds is mb1 by default. */
	int mb_version;
	bool has_mb1, has_mb2;
	bool is_elf;
	int elf_class;		/* 32 or 64, 0 if not ELF */
	uint32_t mb1_flags;
	uint64_t entry;		/* guest-physical, entered in 32-bit mode */
	uint32_t nsegs;
	struct guest_segment segs[GUEST_MAX_SEGMENTS];
	uint64_t load_start, load_end;	/* lowest dest, highest dest+mem_size */
};

/* 0 on success.  -ENOEXEC: no multiboot header.  -ENOTSUP: a required feature
 * (mb1 header flag bits 0-15 other than 0 and 1, a required mb2 tag) that the
 * hypervisor does not provide.  -EINVAL: malformed header, a.out-kludge fields
 * or ELF.  -E2BIG: more than GUEST_MAX_SEGMENTS loadable segments.  -ERANGE: a
 * segment or the entry not below 4 GiB. */
int guest_image_parse(const void *file, uint64_t size, struct guest_image *out);

/* -EEXIST with *which = index into forbidden when some segment's
 * [dest, dest + mem_size) intersects forbidden[*which]; 0 otherwise. */
int guest_image_check_overlap(const struct guest_image *img,
			      const struct mem_range *forbidden, size_t n,
			      size_t *which);

#endif
