#include "drivers/uart.h"
#include "hv/cpu.h"

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1  0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define MCR_LOOP 0x10

/* At 115200 baud a byte takes ~87 us; a port read costs ~1 us on hardware.
 * 100000 reads is far longer than any working UART needs. */
#define UART_SPIN_LIMIT 100000

bool uart_init(struct uart *u, uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(115200 / (baud ? baud : 115200));

	u->port = port;
	u->present = false;
	/* No 16550 at this port reads back 0xff from the scratch register. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, (uint8_t)(div ? div : 1));
	outb(port + UART_DLM, (uint8_t)(div >> 8));
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS; loopback off */
	u->present = true;
	return true;
}

void uart_putc(struct uart *u, char c)
{
	uint32_t spins = 0;

	if (!u->present)
		return;
	while (!(inb(u->port + UART_LSR) & LSR_THRE)) {
		if (++spins >= UART_SPIN_LIMIT) {
			/* Wedged: stop waiting on it for good. */
			u->present = false;
			return;
		}
		cpu_pause();
	}
	outb(u->port + UART_THR, (uint8_t)c);
}

void uart_write(struct uart *u, const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(u, '\r');
		uart_putc(u, s[i]);
	}
}
