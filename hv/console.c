#include "hv/console.h"
#include "drivers/uart.h"
#include "hv/cmdline.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"

#define E9_PORT 0xe9
#define GUEST_LINE_MAX 256

static struct uart console_uart;
static bool console_e9;
static char guest_line[GUEST_LINE_MAX];
static uint32_t guest_line_len;

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

void console_init(const char *spec)
{
	uint64_t baud = 115200;
	const char *rest = "";
	uint16_t port = 0x3f8;

	console_e9 = false;
	if (spec && !strcmp(spec, "e9")) {
		console_e9 = true;
		console_uart.present = false;
		return;
	}
	if (spec && *spec)
		port = console_parse_port(spec, &rest);
	if (*rest && (cmdline_parse_u64(rest, &baud) || !baud || baud > 115200))
		baud = 115200;
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

static void console_raw(const char *s, uint32_t len)
{
	uart_write(&console_uart, s, len);
	if (console_e9)
		for (uint32_t i = 0; i < len; i++)
			outb(E9_PORT, (uint8_t)s[i]);
}

void console_write_line(const char *s, uint32_t len)
{
	console_raw(s, len);
	console_raw("\n", 1);
}

void console_guest_flush(void)
{
	if (!guest_line_len)
		return;
	console_write_line(guest_line, guest_line_len);
	guest_line_len = 0;
}

void console_guest_putc(char c)
{
	if (c == '\r')
		return; /* console_raw adds CR itself */
	if (c == '\n') {
		console_write_line(guest_line, guest_line_len);
		guest_line_len = 0;
		return;
	}
	if (guest_line_len == GUEST_LINE_MAX)
		console_guest_flush();
	guest_line[guest_line_len++] = c;
}
