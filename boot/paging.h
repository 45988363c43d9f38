/* The hypervisor's own page tables: physical = virtual over 0..4 GiB with
 * 2 MiB pages (boot/entry.S builds them before long mode). */
#ifndef BOOT_PAGING_H
#define BOOT_PAGING_H

#include <stdint.h>

extern uint64_t boot_pml4[512], boot_pdpt[512], boot_pd[4 * 512];

/* Rebuilds the same tables in this copy of the image and loads CR3 with
 * them: a moved image (hv/relocate.c) must not keep running on the tables
 * of the copy it left, which becomes guest RAM. */
void boot_paging_adopt(void);

#endif
