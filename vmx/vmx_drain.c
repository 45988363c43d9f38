/* Keeping the console moving while the guest runs.  Every VM exit hands the
 * UART what it takes without waiting (console_drain); a guest that exits
 * rarely is interrupted by the VMX-preemption timer (SDM Vol. 3C 26.5.1)
 * while bytes are waiting, about once per FIFO's worth of transmit time, so
 * the log never depends on the guest's behaviour.  The timer is armed only
 * while the ring holds bytes. */
#include "hv/console.h"
#include "hv/tsc.h"
#include "vmx/vmx.h"
#include "vmx/vmx_drain.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_ops.h"

static uint32_t vmx_drain_period;

/* Ticks of the preemption timer for one FIFO (16 bytes of 10 bits) at the
 * console's baud rate; the timer counts TSC >> IA32_VMX_MISC[4:0]. */
static uint32_t vmx_drain_timer_value(void)
{
	if (!vmx_drain_period) {
		uint64_t baud = console_baud() ? console_baud() : 115200;
		uint64_t ticks = tsc_hz() * 160 / baud;
		uint64_t v = ticks >> (vmx.msrs.misc & VMX_MISC_PREEMPTION_RATE_MASK);

		vmx_drain_period = v ? (v > 0xffffffffull ? 0xffffffffu : (uint32_t)v) : 1;
		console_set_tsc_hz(tsc_hz());
	}
	return vmx_drain_period;
}

void vmx_drain_update(uint32_t pending)
{
	uint32_t period = vmx_drain_timer_value(); /* computed once */
	bool want = vmx.caps.preemption_timer && pending;
	bool on = vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER;

	/* The event layer holds the timer for a step or an NMI retry
	 * (vmx/vmx_event.c) and hands it back afterwards. */
	if (want == on || vmx_event_timer_owned() || vmx_step_active())
		return;
	/* Without the "save VMX-preemption timer value" exit control the field
	 * keeps this value, loaded again at every entry (SDM Vol. 3C 26.5.1).
	 * The pin control itself is written at the end of the exit. */
	if (want) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, period);
		vmx.pin |= PIN_BASED_VMX_PREEMPTION_TIMER;
	} else {
		vmx.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	}
}

void vmx_exit_drain(struct guest_regs *r, uint64_t qual)
{
	(void)r;
	(void)qual;
	/* vmx_handle_exit drains after every exit; nothing else to do. */
}
