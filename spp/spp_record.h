/* What a violation record says, the same in both modes (docs/spp.md).
 *
 * One record per protected sub-page that an instruction writes or tries to
 * write, with the exact guest-physical and linear address of the faulting
 * access where the CPU reports one:
 *  - the sub-page of the access's first byte on each page (the EPT
 *    violation's guest-physical and linear address, SDM Vol. 3C 28.2.1 and
 *    29.3.3.2): an attempt, recorded at the exit whether or not the bytes
 *    would change; hardware SPP suppresses the write, software mode exits
 *    on every write to the page, so both modes see the same exit;
 *  - any other protected sub-page of that page the instruction changed
 *    (found by comparing when the window closes): at the sub-page's first
 *    byte, the linear address offset from the exit's by the same amount.
 * Records are printed when the window closes after the instruction ran, so a
 * window aborted by an interrupt (the instruction runs again and exits
 * again) reports nothing twice.  A `halt` attempt is reported at once: the
 * guest stops there. */
#ifndef SPP_SPP_RECORD_H
#define SPP_SPP_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "spp/spp_state.h"

/* The EPT violation that opened window page `idx`: gpa and the exit
 * qualification (for the linear-address-valid bit).  Returns the range of
 * the first byte's sub-page, or SPP_NO_RANGE when it is writable. */
uint16_t spp_record_exit(uint32_t idx, const struct spp_page *rec, uint64_t gpa, uint64_t qual);
/* Reports the attempt recorded for window page `idx` now (a halt range). */
void spp_record_attempt_now(uint32_t idx);
/* At close: reports page idx's attempt if the instruction completed. */
void spp_record_close_page(uint32_t idx, bool completed);
/* At close: sub-page `sp` of window page idx (base gpa `page`) changed. */
void spp_record_changed(uint32_t idx, uint64_t page, unsigned sp, uint16_t range);

/* Prints one spp-violation record (docs/log-format.md) for violation `seq`;
 * may be lost, counted, when the log ring is full. */
void spp_record_print(uint64_t seq, uint64_t gpa, uint64_t rip, uint64_t gla,
		      const struct config_protect *p);

#endif
