/* Sub-page write protection at run time: the violation handler, the
 * monitor-trap-flag window, hypercalls 2 (query) and 3 (lock), the summary. */
#ifndef SPP_SPP_H
#define SPP_SPP_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx.h"

/* An EPT violation on a page that carries protection; false when gpa is on
 * no protected page (the caller then treats it as an access outside guest
 * memory). */
bool spp_handle_ept_violation(struct guest_regs *r, uint64_t gpa, uint64_t qual);
/* The MTF exit that closes a lifted-protection window; false when no window
 * was open (an MTF exit nobody asked for). */
bool spp_handle_mtf(struct guest_regs *r);
/* An interrupt or NMI exit while a window is open: closes it so the event is
 * delivered with protection in place; the instruction is re-executed. */
bool spp_abort_window(struct guest_regs *r);
/* Exit reason 66 (SDM Vol. 3C 28.3.4). */
void spp_handle_spp_event(struct guest_regs *r, uint64_t qual);
/* Hypercalls: 32-bit writable-sub-page mask (all ones when unprotected);
 * lock returns 0 or a negative errno. */
uint32_t spp_query(uint64_t gpa);
int spp_lock(uint64_t gpa, uint64_t len);
/* spp-summary and spp-range lines, at guest exit. */
void spp_print_summary(void);

#endif
