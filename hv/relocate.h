/* Moving hv.elf to the top of RAM below 4 GiB at boot, like firmware's TSEG:
 * the loader puts the image at its link address (96 MiB, linker.ld), which
 * would leave a hole in the middle of the guest's RAM.  The image copies
 * itself up, adjusts the absolute addresses it holds (the .hvrelocs table
 * from tools/hvrelocs; the code itself is position-independent) and starts
 * again from hv_main in the copy.  The pool then grows down from the image
 * (hv/palloc.h), so the guest's RAM runs in one piece from 1 MiB to the
 * pool. */
#ifndef HV_RELOCATE_H
#define HV_RELOCATE_H

#include <stdint.h>

#include "hv/bootinfo.h"

struct hv_move {
	uint64_t from, to, len; /* the image's load address, where it runs, its size */
	uint64_t entry_tsc;     /* TSC at the loader's hand-off, before the move */
	const char *why_not;    /* set when the image stays where it was loaded */
};

/* Filled in the moved copy before it starts; from == 0 in the loaded one. */
extern struct hv_move hv_move;

/* In the copy the loader started (hv_move.to == 0): moves the image and
 * restarts hv_main(magic, info_pa) in the copy; returns only when the image
 * stays, with hv_move.why_not saying why.  Prints nothing (the console is
 * not set up yet); hv_move_report() says what happened. */
void hv_move_image(const struct bootinfo *bi, uint32_t magic, uint32_t info_pa,
		   uint64_t entry_tsc);

/* In the moved copy once its descriptor tables are loaded: zeroes the copy it
 * left, which is guest RAM from now on (nothing of the hypervisor's stays
 * readable there). */
void hv_move_release_old(void);

/* One log line: where the image runs and where it was loaded. */
void hv_move_report(void);

#endif
