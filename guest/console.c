#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"

/* 16550 registers (offsets from COM1_PORT). */
#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1  0x03
#define UART_LSR_THRE 0x20
/* A missing or stuck UART must not hang the guest: give up after this many
 * status polls and write anyway. */
#define UART_SPIN 100000

static char con_line[CON_LINE_MAX];
static size_t con_len;

void con_init(void)
{
	cpu_outb(COM1_PORT + UART_IER, 0);
	cpu_outb(COM1_PORT + UART_LCR, UART_LCR_DLAB);
	cpu_outb(COM1_PORT + UART_DLL, 1); /* 115200 baud */
	cpu_outb(COM1_PORT + UART_DLM, 0);
	cpu_outb(COM1_PORT + UART_LCR, UART_LCR_8N1);
	cpu_outb(COM1_PORT + UART_FCR, 0x07); /* enable and clear FIFOs */
	cpu_outb(COM1_PORT + UART_MCR, 0x03); /* DTR, RTS */
}

static void con_putc_hw(char c)
{
	for (int i = 0; i < UART_SPIN; i++)
		if (cpu_inb(COM1_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	cpu_outb(COM1_PORT + UART_THR, (uint8_t)c);
}

static void con_flush(void)
{
	for (size_t i = 0; i < con_len; i++)
		con_putc_hw(con_line[i]);
	con_putc_hw('\n');
	con_len = 0;
}

static void con_putc(char c)
{
	if (c == '\n') {
		con_flush();
		return;
	}
	if (con_len == CON_LINE_MAX)
		con_flush();
	con_line[con_len++] = c;
}

/* Where formatted text goes: the console line, or a caller's buffer. */
struct con_sink {
	char *buf; /* NULL: the console */
	size_t size;
	size_t len;
};

static void sink_putc(struct con_sink *k, char c)
{
	if (!k->buf)
		con_putc(c);
	else if (k->len + 1 < k->size)
		k->buf[k->len++] = c;
}

static void sink_puts(struct con_sink *k, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		sink_putc(k, *s++);
}

static void sink_putu(struct con_sink *k, uint64_t v, unsigned base, int width,
		      bool zero)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width && n < (int)sizeof(buf))
		buf[n++] = zero ? '0' : ' ';
	while (n)
		sink_putc(k, buf[--n]);
}

static void con_vformat(struct con_sink *k, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			sink_putc(k, *fmt);
			continue;
		}
		fmt++;
		bool zero = *fmt == '0';
		int width = 0;
		int longs = 0;

		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			sink_puts(k, va_arg(ap, const char *));
			break;
		case 'c':
			sink_putc(k, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = (uint64_t)v;

			if (v < 0) {
				sink_putc(k, '-');
				mag = 0 - mag;
			}
			sink_putu(k, mag, 10, width, zero);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t) :
					     va_arg(ap, unsigned int);

			sink_putu(k, v, *fmt == 'u' ? 10 : 16, width, zero);
			break;
		}
		case '%':
			sink_putc(k, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			sink_putc(k, '%');
			sink_putc(k, *fmt);
			break;
		}
	}
}

void con_printf(const char *fmt, ...)
{
	struct con_sink k = { 0 };
	va_list ap;

	va_start(ap, fmt);
	con_vformat(&k, fmt, ap);
	va_end(ap);
}

void con_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct con_sink k = { .buf = buf, .size = size };
	va_list ap;

	if (!size)
		return;
	va_start(ap, fmt);
	con_vformat(&k, fmt, ap);
	va_end(ap);
	buf[k.len] = '\0';
}
