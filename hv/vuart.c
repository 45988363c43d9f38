#include "hv/vuart.h"
#include "drivers/uart_regs.h"

void vuart_reset(struct vuart *v)
{
	*v = (struct vuart){ .lcr = UART_LCR_8N1, .dll = 1, .mcr = UART_MCR_DTR | UART_MCR_RTS,
			     .fcr = UART_FCR_ENABLE };
}

/* In loopback the modem inputs are wired to the modem outputs (PC16550D,
 * MCR bit 4): CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2. */
static uint8_t vuart_loop_msr(const struct vuart *v)
{
	uint8_t m = v->mcr;

	return (uint8_t)(((m & UART_MCR_RTS) ? 0x10 : 0) | ((m & UART_MCR_DTR) ? 0x20 : 0) |
			 ((m & UART_MCR_OUT1) ? 0x40 : 0) | ((m & UART_MCR_OUT2) ? 0x80 : 0));
}

uint8_t vuart_read(struct vuart *v, const struct vuart_ops *o, unsigned reg)
{
	bool dlab = v->lcr & UART_LCR_DLAB;
	uint8_t lsr;

	switch (reg) {
	case UART_RBR:
		return dlab ? v->dll : o->phys_in(o->ctx, UART_RBR);
	case UART_IER:
		return dlab ? v->dlm : v->ier;
	case UART_IIR:
		/* The pending interrupt is the real one (the real IER is the
		 * guest's); the FIFO bits follow the guest's FCR. */
		return (uint8_t)((o->phys_in(o->ctx, UART_IIR) & UART_IIR_ID_MASK) |
				 ((v->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0));
	case UART_LCR:
		return v->lcr;
	case UART_MCR:
		return v->mcr;
	case UART_LSR:
		lsr = o->phys_in(o->ctx, UART_LSR) & (uint8_t)~(UART_LSR_THRE | UART_LSR_TEMT);
		if (o->tx_room(o->ctx))
			lsr |= UART_LSR_THRE | UART_LSR_TEMT;
		return lsr;
	case UART_MSR:
		return (v->mcr & UART_MCR_LOOP) ? vuart_loop_msr(v) : o->phys_in(o->ctx, UART_MSR);
	case UART_SCR:
		return v->scr;
	default:
		return 0xff;
	}
}

static void vuart_sync_mcr(const struct vuart *v, const struct vuart_ops *o)
{
	/* The line stays the hypervisor's: DTR and RTS on, loopback off.  OUT2
	 * gates the UART's interrupt line on a PC, so it is the guest's. */
	uint8_t out2 = (v->mcr & UART_MCR_LOOP) ? 0 : (v->mcr & UART_MCR_OUT2);

	o->phys_out(o->ctx, UART_MCR, (uint8_t)(UART_MCR_DTR | UART_MCR_RTS | out2));
}

void vuart_write(struct vuart *v, const struct vuart_ops *o, unsigned reg, uint8_t val)
{
	bool dlab = v->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			v->dll = val;
		else if (!(v->mcr & UART_MCR_LOOP))
			o->tx(o->ctx, val);
		break;
	case UART_IER:
		if (dlab) {
			v->dlm = val;
		} else {
			v->ier = val & UART_IER_MASK;
			o->phys_out(o->ctx, UART_IER, v->ier);
		}
		break;
	case UART_FCR:
		/* Never disable the FIFO or clear the transmit side: bytes of
		 * the hypervisor's may be in it. */
		v->fcr = val;
		o->phys_out(o->ctx, UART_FCR,
			    (uint8_t)(UART_FCR_ENABLE | (val & (UART_FCR_CLEAR_RX | UART_FCR_TRIGGER))));
		break;
	case UART_LCR:
		v->lcr = val;
		break;
	case UART_MCR:
		v->mcr = val & UART_MCR_MASK;
		vuart_sync_mcr(v, o);
		break;
	case UART_SCR:
		v->scr = val;
		break;
	default: /* LSR and MSR are read-only (writes are factory test modes) */
		break;
	}
}
