#include "drivers/uart.h"
#include "drivers/uart_regs.h"
#include "hv/cpu.h"

/* At 115200 baud a 16-byte FIFO empties in ~1.4 ms; a port read costs ~1 us
 * on hardware (one instruction in Bochs).  1,000,000 reads is far longer
 * than any working UART needs. */
#define UART_SPIN_LIMIT 1000000

bool uart_init(struct uart *u, uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(115200 / (baud ? baud : 115200));

	u->port = port;
	u->present = false;
	u->fifo = 1;
	u->baud = 115200 / (div ? div : 1);
	/* No 16550 at this port reads back 0xff from the scratch register. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, (uint8_t)(div ? div : 1));
	outb(port + UART_DLM, (uint8_t)(div >> 8));
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS); /* loopback off */
	/* IIR bits 7:6 both set: a 16550A with working FIFOs; an 8250/16450
	 * (or a 16550 with the broken FIFO) takes one byte at a time. */
	if ((inb(port + UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO)
		u->fifo = UART_FIFO_SIZE;
	u->present = true;
	return true;
}

uint32_t uart_tx_room(struct uart *u)
{
	if (!u->present)
		return 0;
	/* THRE: the holding register (and with FIFOs the whole FIFO) is empty. */
	return (inb(u->port + UART_LSR) & UART_LSR_THRE) ? u->fifo : 0;
}

void uart_tx(struct uart *u, uint8_t c)
{
	outb(u->port + UART_THR, c);
}

void uart_putc(struct uart *u, char c)
{
	uint32_t spins = 0;

	if (!u->present)
		return;
	while (!(inb(u->port + UART_LSR) & UART_LSR_THRE)) {
		if (++spins >= UART_SPIN_LIMIT) {
			/* Wedged: stop waiting on it for good. */
			u->present = false;
			return;
		}
		cpu_pause();
	}
	outb(u->port + UART_THR, (uint8_t)c);
}
