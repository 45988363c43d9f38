/* mode=hlt: one HLT with interrupts disabled.  HLT exits only when the
 * "HLT exiting" control is set (SDM Vol. 3C, section 26.1.3); the hypervisor
 * sets it only under its `test-unhandled-exit` switch and has no handler for
 * exit reason 12, so the run must end with the unhandled-exit status.  Without
 * that switch nothing can wake the CPU (IF = 0, no NMI source): the run ends
 * only by the caller's timeout. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/guest.h"

uint32_t guest_mode_hlt(const struct guest_boot *b);

uint32_t guest_mode_hlt(const struct guest_boot *b)
{
	(void)b;
	con_printf("guest: hlt with interrupts disabled\n");
	__asm__ volatile("cli; hlt" ::: "memory");
	con_printf("guest: FAIL hlt returned\n");
	return GUEST_EXIT_FAIL;
}
