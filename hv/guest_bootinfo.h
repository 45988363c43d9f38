/* The boot information the hypervisor hands its guest: a Multiboot 1 (default)
 * or Multiboot 2 info block laid out in a caller buffer that the guest sees at
 * guest-physical buf_gpa, and the guest's memory map. */
#ifndef HV_GUEST_BOOTINFO_H
#define HV_GUEST_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "hv/bootinfo.h"
#include "hv/memrange.h"

struct guest_bootinfo_input {
	const char *cmdline;		/* NULL: empty command line */
	const char *loader_name;	/* NULL: no loader-name field/tag */
	const struct bootinfo_mmap_entry *mmap;	/* guest-physical */
	uint32_t mmap_count;
	const struct bootinfo_module *modules;	/* guest-physical, < 4 GiB */
	uint32_t module_count;
	/* The firmware's RSDP (ACPI 6.5 5.2.5.3), copied into a Multiboot 2
	 * ACPI tag: rsdp_len 20 gives tag 14 (ACPI 1.0 RSDP), 36 tag 15;
	 * 0 no tag.  Multiboot 1 has no such field. */
	const uint8_t *rsdp;
	uint32_t rsdp_len;
};

/* Multiboot 1 info (spec 0.6.96, 3.3) with flags mem, cmdline, mods, mmap and,
 * when given, loader name; mem_lower/mem_upper come from the map (usable RAM
 * contiguous from 0, capped at 640 KiB, and from 1 MiB).  Strings and arrays
 * follow the info in buf.  *info_gpa = where the guest finds the info (EBX).
 * -EINVAL: buf_gpa not 8-aligned or a NULL pointer; -ERANGE: buffer or a
 * module not below 4 GiB; -ENOSPC: buf_size too small. */
int guest_bootinfo_build_mb1(void *buf, uint32_t buf_size, uint32_t buf_gpa,
			     const struct guest_bootinfo_input *in,
			     uint32_t *info_gpa);

/* Multiboot 2 info (spec 2.0, 3.6): basic meminfo, cmdline, loader name (when
 * given), one module tag per module, mmap, the ACPI RSDP (when given), end;
 * tags 8-aligned.  Same errors, and -EINVAL for an rsdp_len other than 0, 20
 * or 36. */
int guest_bootinfo_build_mb2(void *buf, uint32_t buf_size, uint32_t buf_gpa,
			     const struct guest_bootinfo_input *in,
			     uint32_t *info_gpa);

/* The guest's memory map: the host map with each reserved (hypervisor) range
 * reported as type 2 in place of whatever usable RAM it covered.  Overlapping
 * host entries resolve to the more restrictive type (any type beats 1, else
 * the larger number wins); unknown types become 2.  A reserved range over a
 * hole in the host map is reported as type 2 too.  Output sorted, disjoint, adjacent same-type entries merged, no empty
 * entries.  -ENOSPC when more than cap entries result. */
int guest_mmap_build(const struct bootinfo_mmap_entry *host, uint32_t n,
		     const struct mem_range *reserved, size_t nres,
		     struct bootinfo_mmap_entry *out, uint32_t cap,
		     uint32_t *out_n);

#endif
