/* The guest's view of the UART the hypervisor logs to (a shared UART).
 *
 * The hypervisor owns the port: the line settings it programmed (divisor,
 * LCR, FIFO, loopback off) are never changed by the guest, whose values are
 * kept here and read back as written.  What the guest may drive is passed
 * to the real UART: the receive and modem-status interrupt enables, OUT2
 * (the PC's IRQ gate), the receive side (RBR, clearing the receive FIFO) and
 * those interrupts' identification.  Transmitted bytes go to the console's
 * log ring through ops->tx at once; THRE/TEMT say whether it has room.
 *
 * The transmitter is virtual and infinitely fast, and so is its interrupt
 * (PC16550D data sheet, "Interrupt Identification Register", table 4): the
 * THRE interrupt is pending while IER.ETBEI is set and the (virtual) THR is
 * empty; it becomes pending when a write to IER sets ETBEI and after every
 * THR write (the byte leaves at once), and is cleared by the IIR read that
 * reports it.  IIR reports, in the 16550's priority order, the real receiver
 * line status and received data (or character timeout), then the virtual
 * THRE, then the real modem status.  The real IER never has ETBEI then.
 * When the THRE interrupt becomes pending and the guest's OUT2 is set,
 * ops->irq_raise delivers it to the guest (hv/vuart_irq.c); when it cannot
 * (no usable route), the THRE interrupt falls back to the real UART's (the
 * guest's ETBEI passed through) until the guest next clears ETBEI, so a
 * driver that waits for it never waits forever.
 * Loopback (MCR bit 4) is emulated: MSR reflects MCR, transmitted bytes go
 * nowhere.  Pure code: the port accesses are callbacks (host-tested in
 * tests/unit/test_vuart.c). */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdbool.h>
#include <stdint.h>

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thri;     /* the virtual THRE interrupt is pending */
	bool real_thre; /* fallback: the real UART's THRE interrupt (ETBEI passed) */
};

struct vuart_ops {
	void *ctx;
	uint8_t (*phys_in)(void *ctx, unsigned reg);
	void (*phys_out)(void *ctx, unsigned reg, uint8_t val);
	/* A transmitted byte; false when there is no room (the byte is lost,
	 * as on a UART written while THRE was clear). */
	bool (*tx)(void *ctx, uint8_t c);
	bool (*tx_room)(void *ctx);
	/* Raises the UART's interrupt in the guest; false when it cannot (then
	 * nothing was sent).  NULL: never (the real THRE interrupt is used). */
	bool (*irq_raise)(void *ctx);
};

/* The reset state of a 16550 (IER 0, LCR 0, MCR 0, divisor 0) as the
 * guest's firmware would have left it: 8N1 at 115200. */
void vuart_reset(struct vuart *v);
uint8_t vuart_read(struct vuart *v, const struct vuart_ops *o, unsigned reg);
void vuart_write(struct vuart *v, const struct vuart_ops *o, unsigned reg, uint8_t val);
/* Whether the THRE interrupt is the virtual one now (the transmitter must
 * then always have room after a guest's write: the caller makes it). */
bool vuart_virtual_thre(const struct vuart *v);

/* The vector an I/O APIC redirection table entry (82093AA data sheet 3.2.4:
 * bits 0-7 vector, 8-10 delivery mode, 11 destination mode, 15 trigger
 * mode, 16 mask, 56-63 destination) delivers to the processor whose local
 * APIC has ID apic_id, LDR ldr and DFR dfr (xAPIC: SDM Vol. 3A 11.6.2.2),
 * when it is one the hypervisor may raise as a self-IPI in its place:
 * unmasked, edge-triggered, fixed or lowest-priority delivery, a vector of
 * 32 or more, and this processor the destination (physical: its APIC ID;
 * logical, xAPIC only: flat or cluster model matching its LDR).  -1 when
 * not (the caller then leaves the interrupt to the real UART). */
int vuart_irq_route(uint64_t rte, uint32_t apic_id, bool x2apic, uint32_t ldr, uint32_t dfr);

#endif
