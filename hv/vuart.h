/* The guest's view of the UART the hypervisor logs to (a shared UART).
 *
 * The hypervisor owns the port: the line settings it programmed (divisor,
 * LCR, FIFO, loopback off) are never changed by the guest, whose values are
 * kept here and read back as written.  What the guest may drive is passed
 * to the real UART: the interrupt enables (IER), OUT2 (the PC's IRQ gate),
 * the receive side (RBR, clearing the receive FIFO) and the interrupt
 * identification, so an interrupt-driven driver such as Linux's 8250 gets
 * the real THRE and receive interrupts.  Transmitted bytes go to the
 * console's log ring through ops->tx; THRE/TEMT say whether it has room.
 * Loopback (MCR bit 4) is emulated: MSR reflects MCR, transmitted bytes go
 * nowhere.  Pure code: the port accesses are callbacks (host-tested in
 * tests/unit/test_vuart.c). */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdbool.h>
#include <stdint.h>

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};

struct vuart_ops {
	void *ctx;
	uint8_t (*phys_in)(void *ctx, unsigned reg);
	void (*phys_out)(void *ctx, unsigned reg, uint8_t val);
	/* A transmitted byte; false when there is no room (the byte is lost,
	 * as on a UART written while THRE was clear). */
	bool (*tx)(void *ctx, uint8_t c);
	bool (*tx_room)(void *ctx);
};

/* The reset state of a 16550 (IER 0, LCR 0, MCR 0, divisor 0) as the
 * guest's firmware would have left it: 8N1 at 115200. */
void vuart_reset(struct vuart *v);
uint8_t vuart_read(struct vuart *v, const struct vuart_ops *o, unsigned reg);
void vuart_write(struct vuart *v, const struct vuart_ops *o, unsigned reg, uint8_t val);

#endif
