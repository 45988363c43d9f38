/* The benchmark mode of the test guest ("mode=bench"), driven by tools/bench.
 *
 * Command line: sections=LIST (comma-separated, default
 * "calib,perm,deny,log,base"; also "storm" and "halt"), reps=N (1..63, default
 * 9), storm=N (violating stores in the storm section), area=ADDR (default the
 * SPP test area).  Each section prints one "guest: bench sec=NAME KEY=VALUE..."
 * line; tools/bench parses them.
 *
 * The layout below must match the configuration tools/bench writes: four
 * pages at AREA, all in one 2 MiB region.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

#include "guest/guest.h"

/* Page 0: sub-page 0 `deny`, sub-page 1 `log`, sub-pages 2..31 writable. */
#define BENCH_PAGE_MIXED    0x0000
#define BENCH_DENY_OFF      0x0000
#define BENCH_LOG_OFF       0x0080
#define BENCH_FIRST_FREE_SP 2
/* Page 1: unprotected, the reference for every cost. */
#define BENCH_PAGE_PLAIN    0x1000
/* Page 2: only sub-page 5 protected (`deny`), written all over (item 6). */
#define BENCH_PAGE_BASE     0x2000
#define BENCH_BASE_SP       5
/* Page 3: sub-page 0 `halt`. */
#define BENCH_PAGE_HALT     0x3000

#define BENCH_MAX_REPS 63

uint32_t guest_mode_bench(const struct guest_boot *b);

#endif
