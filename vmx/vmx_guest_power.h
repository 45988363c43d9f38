/* The ways a PC guest turns itself off or resets the machine, intercepted
 * so that the hypervisor, not the chipset, ends the run (vmx_guest_power.c). */
#ifndef VMX_VMX_GUEST_POWER_H
#define VMX_VMX_GUEST_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx.h"

/* Finds the ports (FADT PM1a/PM1b control, reset register, 0xCF9, 0x64)
 * and sets their bits in the I/O bitmaps (A: 0-0x7fff, B: 0x8000-0xffff). */
void vmx_power_setup(uint8_t *io_a, uint8_t *io_b);

/* A non-string IN/OUT of `size` bytes: true when it was one of the power
 * ports (handled, or the guest stopped); false for other ports. */
bool vmx_power_io(struct guest_regs *r, uint16_t port, unsigned size, bool in);

/* Performs a trapped IN/OUT on the guest's behalf, as the guest asked. */
void vmx_io_passthrough(struct guest_regs *r, uint16_t port, unsigned size, bool in);

/* A triple fault is the shutdown that a PC turns into a reset. */
void vmx_power_record_triple_fault(void);

/* An INIT signal reached the guest's processor (exit reason 3): the guest
 * sent it to itself, nobody else can.  Stops the guest, status 115. */
__attribute__((noreturn)) void vmx_power_init_signal(void);

#endif
