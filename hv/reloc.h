/* The image's own relocation table (tools/hvrelocs writes it at build time,
 * hv/relocate.c uses it at boot to run hv.elf at another address).  Each
 * entry is the offset from _image_start of an absolute address the image
 * holds: 64 bits wide, or 32 bits when HV_RELOC_32 is set.  Pure: host-tested. */
#ifndef HV_RELOC_H
#define HV_RELOC_H

#include <stddef.h>
#include <stdint.h>

#define HV_RELOC_32 0x80000000u

/* Adds delta to every site of `table` in the copy of the image at `image`
 * (`len` bytes, the bss included).  All or nothing: -ERANGE, with nothing
 * written, when a site lies outside the image or a 32-bit site's new value
 * does not fit in 32 bits (the copy must then not run). */
int reloc_apply(uint8_t *image, uint64_t len, const uint32_t *table, size_t n, int64_t delta);

#endif
