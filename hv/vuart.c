#include "hv/vuart.h"
#include "drivers/uart_regs.h"

void vuart_reset(struct vuart *v)
{
	*v = (struct vuart){ .lcr = UART_LCR_8N1, .dll = 1, .mcr = UART_MCR_DTR | UART_MCR_RTS,
			     .fcr = UART_FCR_ENABLE };
}

#define VUART_IER_ETBEI 0x02
#define VUART_IIR_THRE  0x02
#define VUART_IIR_MSR   0x00

bool vuart_virtual_thre(const struct vuart *v)
{
	return (v->ier & VUART_IER_ETBEI) && !v->real_thre;
}

/* The real IER: the guest's, without ETBEI while the THRE interrupt is the
 * virtual one. */
static void vuart_sync_ier(const struct vuart *v, const struct vuart_ops *o)
{
	o->phys_out(o->ctx, UART_IER,
		    vuart_virtual_thre(v) ? (uint8_t)(v->ier & ~VUART_IER_ETBEI) : v->ier);
}

/* OUT2 gates the UART's interrupt output on a PC; in loopback the output
 * is internal (the real line stays gated: vuart_sync_mcr). */
static bool vuart_irq_gate(const struct vuart *v)
{
	return (v->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;
}

/* The THRE interrupt just became pending, or the gate just opened on it:
 * one edge, at most one interrupt.  Without a way to raise it, the real
 * UART's THRE interrupt takes over. */
static void vuart_thre_edge(struct vuart *v, const struct vuart_ops *o)
{
	if (!vuart_virtual_thre(v) || !vuart_irq_gate(v))
		return;
	if (o->irq_raise && o->irq_raise(o->ctx))
		return;
	v->real_thre = true;
	vuart_sync_ier(v, o);
}

/* IIR with the virtual THRE source among the real ones: receiver line
 * status (0110), received data (0100) and character timeout (1100) come
 * first, then THRE (0010), then modem status (0000) (PC16550D table 4).
 * Reporting THRE clears it. */
static uint8_t vuart_iir(struct vuart *v, const struct vuart_ops *o)
{
	uint8_t id = o->phys_in(o->ctx, UART_IIR) & UART_IIR_ID_MASK;

	if (!vuart_virtual_thre(v))
		return id;
	if (id == VUART_IIR_THRE)
		id = UART_IIR_NO_INT; /* left from before: ETBEI is off in the real IER */
	if (v->thri && (id == UART_IIR_NO_INT || id == VUART_IIR_MSR)) {
		v->thri = false;
		return VUART_IIR_THRE;
	}
	return id;
}

int vuart_irq_route(uint64_t rte, uint32_t apic_id, bool x2apic, uint32_t ldr, uint32_t dfr)
{
	uint32_t vec = rte & 0xff, mode = (rte >> 8) & 7, dest = (uint32_t)(rte >> 56);

	if ((rte & (1u << 16)) || (rte & (1u << 15)) || (mode != 0 && mode != 1) || vec < 32)
		return -1;
	if (!(rte & (1u << 11))) /* physical destination */
		return dest == apic_id ? (int)vec : -1;
	if (x2apic)
		return -1; /* x2APIC logical IDs are 32 bits: not from this entry */
	uint32_t lid = ldr >> 24;

	if ((dfr >> 28) == 0xf) /* flat model: one bit per processor */
		return (dest & lid) ? (int)vec : -1;
	if ((dfr >> 28) == 0x0) /* cluster model: cluster in bits 7-4 */
		return ((dest >> 4) == (lid >> 4) && (dest & lid & 0xf)) ? (int)vec : -1;
	return -1;
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
		/* The FIFO bits follow the guest's FCR. */
		return (uint8_t)(vuart_iir(v, o) | ((v->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0));
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
		else {
			if (!(v->mcr & UART_MCR_LOOP))
				o->tx(o->ctx, val);
			/* The write clears THRE and the byte leaves at once:
			 * pending again, an edge only if it was not pending. */
			if ((v->ier & VUART_IER_ETBEI) && !v->thri) {
				v->thri = true;
				vuart_thre_edge(v, o);
			}
		}
		break;
	case UART_IER:
		if (dlab) {
			v->dlm = val;
		} else {
			bool was = v->ier & VUART_IER_ETBEI;

			v->ier = val & UART_IER_MASK;
			if (!(v->ier & VUART_IER_ETBEI)) {
				v->thri = false;
				v->real_thre = false; /* the next ETBEI tries the virtual one again */
			}
			if (!o->irq_raise)
				v->real_thre = true;
			vuart_sync_ier(v, o);
			if ((v->ier & VUART_IER_ETBEI) && !was) {
				/* Setting ETBEI with THR empty raises THRE. */
				v->thri = true;
				vuart_thre_edge(v, o);
			}
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
	case UART_MCR: {
		bool gate = vuart_irq_gate(v);

		v->mcr = val & UART_MCR_MASK;
		vuart_sync_mcr(v, o);
		if (!gate && vuart_irq_gate(v) && v->thri)
			vuart_thre_edge(v, o); /* the line rises at the gate */
		break;
	}
	case UART_SCR:
		v->scr = val;
		break;
	default: /* LSR and MSR are read-only (writes are factory test modes) */
		break;
	}
}
