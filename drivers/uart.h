/* 16550 UART, polled.  Every wait on a status bit is bounded: a missing or
 * wedged UART costs a bounded number of reads per byte, never a hang. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdbool.h>
#include <stdint.h>

struct uart {
	uint16_t port;
	bool present;
};

/* Programs baud and 8N1; returns false (and marks the UART absent) when the
 * scratch/loopback probe finds no 16550 at port. */
bool uart_init(struct uart *u, uint16_t port, uint32_t baud);
void uart_putc(struct uart *u, char c);
void uart_write(struct uart *u, const char *s, uint32_t len);

#endif
