/* Run-time state of sub-page protection, shared by the files of spp/. */
#ifndef SPP_SPP_STATE_H
#define SPP_SPP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/config.h"
#include "spp/sppt.h"

enum spp_mode { SPP_MODE_OFF, SPP_MODE_HW, SPP_MODE_SW };

/* A lifted-protection window: at most this many pages (one instruction's
 * store can straddle two pages). */
#define SPP_WINDOW_PAGES 2

struct spp_window_page {
	uint64_t gpa;
	uint64_t *pte;
	const struct spp_page *rec;
	uint8_t *saved; /* the page before the instruction ran (pool page) */
};

struct spp_state {
	enum spp_mode mode;
	struct sppt sppt;
	uint64_t *violations; /* per range */
	uint64_t total, logged, suppressed;
	/* rate limit: token bucket refilled from the TSC */
	uint64_t tokens_x_hz, last_tsc, tsc_hz;
	/* the open window */
	uint32_t window_count; /* pages open in the window; 0: closed */
	struct spp_window_page window[SPP_WINDOW_PAGES];
	uint64_t window_rip;
};

extern struct spp_state spp;

const char *spp_mode_name(enum spp_mode m);
/* Marks the EPT leaf of a protected page (split, W cleared, bit 61 in
 * hardware mode); the caller INVEPTs. */
int spp_mark_page(uint64_t gpa);
void spp_invept(void);
/* Counts one violation and logs it (rate-limited); gla 0: none known
 * (spp/spp_record.h decides what a record says). */
void spp_report_violation(uint64_t gpa, uint16_t range_id, uint64_t gla);

#endif
