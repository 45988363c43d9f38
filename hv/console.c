#include "hv/console.h"
#include "drivers/uart.h"
#include "drivers/uart_regs.h"
#include "hv/cmdline.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/logring.h"
#include "hv/vuart.h"
#include "hv/vuart_irq.h"

#define E9_PORT 0xe9
#define CONSOLE_RING_SIZE (64u * 1024)
/* Guest bytes stop being accepted (THRE reads clear) while less than this
 * stays free, so a guest that prints fast never crowds out the records. */
#define CONSOLE_GUEST_RESERVE (8u * 1024)
#define CONSOLE_LINE_MAX 330

static struct uart console_uart;
static bool console_e9;
static char console_ring_buf[CONSOLE_RING_SIZE];
static struct logring console_ring;
static bool console_ring_ready;
static bool console_cr_sent;     /* '\r' of the next '\n' already sent */
static bool console_guest_open;  /* a guest line is unfinished */
static struct vuart console_vuart;
/* No room in the transmitter before this TSC value: the FIFO just filled
 * takes about this long to empty, so the exits in between skip the port
 * read (tens of exits can come in one character time). */
static uint64_t console_busy_until;
static uint64_t console_fifo_ticks;

static uint16_t console_parse_port(const char *spec, const char **rest)
{
	uint64_t port = 0x3f8;
	char word[16];
	uint32_t i = 0;

	while (spec[i] && spec[i] != ',' && i + 1 < sizeof(word)) {
		word[i] = spec[i];
		i++;
	}
	word[i] = '\0';
	*rest = spec[i] == ',' ? spec + i + 1 : "";
	if (!strcmp(word, "com1"))
		return 0x3f8;
	if (!strcmp(word, "com2"))
		return 0x2f8;
	if (!strcmp(word, "com3"))
		return 0x3e8;
	if (!strcmp(word, "com4"))
		return 0x2e8;
	if (cmdline_parse_u64(word, &port) || port > 0xfff8)
		return 0x3f8;
	return (uint16_t)port;
}

static void console_ring_init(void)
{
	if (console_ring_ready)
		return;
	logring_init(&console_ring, console_ring_buf, CONSOLE_RING_SIZE);
	logring_set_resume(&console_ring, CONSOLE_RING_SIZE / 4);
	console_ring_ready = true;
}

void console_init(const char *spec)
{
	uint64_t baud = 115200;
	const char *rest = "";
	uint16_t port = 0x3f8;

	bool e9 = spec && !strcmp(spec, "e9");

	console_ring_init();
	if (!e9 && spec && *spec)
		port = console_parse_port(spec, &rest);
	if (*rest && (cmdline_parse_u64(rest, &baud) || !baud || baud > 115200))
		baud = 115200;
	if (!e9 && console_uart.present && port == console_uart.port &&
	    115200 / (115200 / baud) == console_uart.baud)
		return; /* already so: keep what is queued and the guest's view */
	/* Whatever the old port still owes goes out before the switch. */
	console_drain_all();
	vuart_reset(&console_vuart);
	console_e9 = e9;
	if (e9) {
		console_uart.present = false;
		return;
	}
	uart_init(&console_uart, port, (uint32_t)baud);
}

uint16_t console_port(void)
{
	return console_uart.port;
}

bool console_has_uart(void)
{
	return console_uart.present;
}

uint32_t console_baud(void)
{
	return console_uart.baud;
}

void console_set_tsc_hz(uint64_t hz)
{
	/* One character is 10 bits; the FIFO holds console_uart.fifo of them.
	 * Three quarters of that, so the FIFO never runs dry while waiting. */
	uint64_t baud = console_uart.baud ? console_uart.baud : 115200;

	console_fifo_ticks = hz / baud * 10 * console_uart.fifo * 3 / 4;
}

uint64_t console_dropped(void)
{
	return console_ring.dropped_total;
}

uint32_t console_pending(void)
{
	return console_uart.present ? logring_used(&console_ring) : 0;
}

/* Hands the UART at most `room` bytes, '\n' going out as CR LF. */
static void console_send(uint32_t room)
{
	const char *p;
	uint32_t n;

	while (room && (n = logring_peek(&console_ring, &p))) {
		uint32_t i = 0;

		while (i < n && room) {
			if (p[i] == '\n' && !console_cr_sent) {
				uart_tx(&console_uart, '\r');
				console_cr_sent = true;
			} else {
				uart_tx(&console_uart, (uint8_t)p[i++]);
				console_cr_sent = false;
			}
			room--;
		}
		logring_consume(&console_ring, i);
	}
}

static __attribute__((noinline)) uint32_t console_drain_send(void);

uint32_t console_drain(void)
{
	uint32_t used;

	if (!console_uart.present) {
		/* Nothing to send to: the ring must not keep old bytes. */
		logring_consume(&console_ring, logring_used(&console_ring));
		return 0;
	}
	used = logring_used(&console_ring);
	if (!used && !console_ring.dropped)
		return 0;
	/* Runs after every VM exit: while the FIFO is still sending what it
	 * was given last time, not even the UART is asked. */
	if (console_fifo_ticks && rdtsc() < console_busy_until)
		return used;
	return console_drain_send();
}

static uint32_t console_drain_send(void)
{
	uint32_t room = uart_tx_room(&console_uart);

	if (room) {
		console_send(room);
		if (console_fifo_ticks)
			console_busy_until = rdtsc() + console_fifo_ticks;
	}
	logring_note_drops(&console_ring);
	return logring_used(&console_ring);
}

/* Hands the UART one more byte, waiting (bounded) for it. */
static void console_send_one_blocking(void)
{
	const char *p;

	if (!logring_peek(&console_ring, &p))
		return;
	if (*p == '\n' && !console_cr_sent) {
		uart_putc(&console_uart, '\r');
		console_cr_sent = true;
	} else {
		uart_putc(&console_uart, *p);
		console_cr_sent = false;
		logring_consume(&console_ring, 1);
	}
}

void console_drain_all(void)
{
	if (!console_ring_ready)
		return;
	for (;;) {
		console_drain();
		if (!console_uart.present || (!logring_used(&console_ring) && !console_ring.dropped))
			break;
		if (!logring_used(&console_ring)) {
			/* Only the log-dropped record is left: it goes in now
			 * (nothing else can be waiting for room). */
			logring_set_resume(&console_ring, 0);
			logring_note_drops(&console_ring);
			logring_set_resume(&console_ring, CONSOLE_RING_SIZE / 4);
			continue;
		}
		/* uart_putc waits (bounded) for the transmitter and gives
		 * the UART up if it never empties. */
		console_send_one_blocking();
	}
}

static void console_e9_write(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		outb(E9_PORT, (uint8_t)s[i]);
}

void console_guest_flush(void)
{
	if (!console_guest_open)
		return;
	/* The newline is the guest's line's, not a record: it may use the
	 * space kept for records. */
	if (logring_put_bytes(&console_ring, "\n", 1, 0))
		console_guest_open = false;
}

static void console_queue(const char *s, uint32_t len, bool lossy)
{
	char line[CONSOLE_LINE_MAX];

	console_ring_init();
	if (len > CONSOLE_LINE_MAX - 1)
		len = CONSOLE_LINE_MAX - 1;
	memcpy(line, s, len);
	line[len++] = '\n';
	if (console_e9)
		console_e9_write(line, len);
	if (!console_uart.present)
		return;
	console_guest_flush();
	if (lossy) {
		if (console_guest_open)
			logring_drop(&console_ring); /* not even room to end the guest's line */
		else
			logring_put_record(&console_ring, line, len);
	} else {
		while (console_uart.present &&
		       (console_guest_open || !logring_put_record_keep(&console_ring, line, len))) {
			console_send_one_blocking();
			console_guest_flush();
		}
	}
	console_drain();
}

void console_write_line(const char *s, uint32_t len)
{
	console_queue(s, len, false);
}

void console_write_line_lossy(const char *s, uint32_t len)
{
	console_queue(s, len, true);
}

/* ---- the guest's view of the UART ---------------------------------- */

static uint8_t console_phys_in(void *ctx, unsigned reg)
{
	(void)ctx;
	return inb((uint16_t)(console_uart.port + reg));
}

static void console_phys_out(void *ctx, unsigned reg, uint8_t val)
{
	(void)ctx;
	outb((uint16_t)(console_uart.port + reg), val);
}

static bool console_guest_room(void *ctx)
{
	(void)ctx;
	/* Enough for the byte, a mark and the line's end. */
	return logring_free(&console_ring) >= CONSOLE_GUEST_RESERVE + 4;
}

static bool console_guest_tx(void *ctx, uint8_t c)
{
	(void)ctx;
	if (!console_guest_room(NULL))
		return false;
	if (c == '\r')
		return true; /* the console ends lines with CR LF itself */
	if (!console_guest_open) {
		if (c == '\n') {
			/* An empty guest line still gets its mark. */
			logring_put_bytes(&console_ring, CONSOLE_GUEST_MARK "\n",
					  sizeof(CONSOLE_GUEST_MARK), 0);
			return true;
		}
		logring_put_bytes(&console_ring, CONSOLE_GUEST_MARK, sizeof(CONSOLE_GUEST_MARK) - 1, 0);
		console_guest_open = true;
	}
	logring_put_bytes(&console_ring, (const char *)&c, 1, 0);
	if (c == '\n')
		console_guest_open = false;
	return true;
}

static bool console_guest_irq(void *ctx)
{
	(void)ctx;
	return vuart_irq_raise();
}

static const struct vuart_ops console_vuart_ops = {
	.phys_in = console_phys_in,
	.phys_out = console_phys_out,
	.tx = console_guest_tx,
	.tx_room = console_guest_room,
	.irq_raise = console_guest_irq,
};

uint8_t console_guest_in(unsigned reg)
{
	return vuart_read(&console_vuart, &console_vuart_ops, reg);
}

void console_guest_out(unsigned reg, uint8_t val)
{
	vuart_write(&console_vuart, &console_vuart_ops, reg, val);
	console_drain();
	/* With the virtual THRE interrupt the guest is told THR is empty
	 * whenever it writes: if the ring is full (a guest printing faster
	 * than the wire for long), it waits here for room instead, at the
	 * wire's pace.  Bounded: each byte sent makes one byte of room. */
	for (int i = 0; i < 64 && console_uart.present && vuart_virtual_thre(&console_vuart) &&
			!console_guest_room(NULL); i++)
		console_send_one_blocking();
}
