#ifndef VMX_VMX_DRAIN_H
#define VMX_VMX_DRAIN_H

#include <stdint.h>

#include "vmx/vmx.h"

/* Arms the VMX-preemption timer while the console has bytes waiting
 * (`pending`, from console_drain or console_pending), and disarms it when it
 * has none; call before every VM entry. */
void vmx_drain_update(uint32_t pending);
/* Exit reason 52 (VMX-preemption timer expired). */
void vmx_exit_drain(struct guest_regs *r, uint64_t qual);

#endif
