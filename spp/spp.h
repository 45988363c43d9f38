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
/* Exit reason 66 (SDM Vol. 3C 28.3.4). */
void spp_handle_spp_event(struct guest_regs *r, uint64_t qual);
/* Hypercalls: 32-bit writable-sub-page mask (all ones when unprotected);
 * lock returns 0 or a negative errno. */
uint32_t spp_query(uint64_t gpa);
int spp_lock(uint64_t gpa, uint64_t len);
/* spp-summary and spp-range lines, at guest exit. */
void spp_print_summary(void);
/* Hands these handlers to vmx/ (vmx_set_client); hv/setup.c calls it. */
void spp_register(void);

#endif
