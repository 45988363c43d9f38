/* 16550 UART, polled, never waiting on the transmitter except in
 * uart_putc (used only to empty the log at a stop).  Every wait on a status
 * bit is bounded: a missing or wedged UART costs a bounded number of reads,
 * never a hang. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdbool.h>
#include <stdint.h>

struct uart {
	uint16_t port;
	bool present;
	uint8_t fifo;   /* bytes the transmitter takes when THRE is set */
	uint32_t baud;
};

/* Programs baud and 8N1, enables the FIFOs; returns false (and marks the
 * UART absent) when the scratch probe finds no 16550 at port. */
bool uart_init(struct uart *u, uint16_t port, uint32_t baud);
/* Bytes that can be written now without waiting (0 or the FIFO size). */
uint32_t uart_tx_room(struct uart *u);
/* Writes one byte to the transmit register without looking at LSR: only
 * after uart_tx_room said there is room. */
void uart_tx(struct uart *u, uint8_t c);
/* Waits (bounded) for room, then writes c. */
void uart_putc(struct uart *u, char c);

#endif
