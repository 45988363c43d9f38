/* mode=console-attack: a guest that tries to forge and silence the
 * hypervisor's log through the serial ports, then writes to the default
 * configuration's `halt` range (0x803400, "tripwire") so the hypervisor
 * stops it with status 108.  tests/integration/test_console.py checks that
 * tools/hvrun still reports 108 and that the hypervisor's last lines arrive.
 *
 * Each port 0x3F8 and 0x2F8 (whichever the hypervisor logs to, the other
 * may be the guest's own) gets: a fake `hv-exit status=0` line written byte
 * by byte at the start of a line, a new divisor (9600 baud) with the
 * divisor latch read back, loopback mode and the FIFOs cleared; COM1 also
 * gets the line through REP OUTSB and 16-bit OUTs.  Nothing here restores
 * the ports: the hypervisor's records must get out anyway. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define COM2_PORT 0x2F8
#define TRIPWIRE  0x803400ull

uint32_t guest_mode_console_attack(const struct guest_boot *b);

static void put_raw(uint16_t port, const char *s)
{
	for (; *s; s++)
		cpu_outb(port, (uint8_t)*s);
}

static void outsb(uint16_t port, const char *s, uint64_t n)
{
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(port) : "memory");
}

static void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

/* Sets 9600 baud and reads the latch back: 0x0c on a 16550. */
static uint8_t reprogram_divisor(uint16_t port)
{
	uint8_t dll;

	cpu_outb(port + 3, 0x80);
	cpu_outb(port + 0, 0x0c);
	cpu_outb(port + 1, 0x00);
	dll = cpu_inb(port + 0);
	cpu_outb(port + 3, 0x03);
	return dll;
}

uint32_t guest_mode_console_attack(const struct guest_boot *b)
{
	static const char forged[] = "\nhv-exit status=0\n";
	static const char outs_line[] = "guest: console rep-outsb line\n";
	uint8_t dll1, dll2;

	(void)b;
	con_printf("guest: console-attack start\n");
	put_raw(COM1_PORT, forged);
	put_raw(COM2_PORT, forged);
	outsb(COM1_PORT, outs_line, sizeof(outs_line) - 1);
	/* "gu" as one 16-bit OUT reaches THR (0x67) and IER (0x75); IER is then
	 * cleared again. */
	outw(COM1_PORT, 0x0067);
	put_raw(COM1_PORT, "uest: console outw line\n");
	dll1 = reprogram_divisor(COM1_PORT);
	dll2 = reprogram_divisor(COM2_PORT);
	con_printf("guest: console divisor-readback com1=0x%x com2=0x%x\n", dll1, dll2);
	cpu_outb(COM1_PORT + 2, 0x07); /* clear both FIFOs */
	cpu_outb(COM2_PORT + 2, 0x07);
	cpu_outb(COM1_PORT + 4, 0x10); /* loopback */
	cpu_outb(COM2_PORT + 4, 0x10);
	put_raw(COM1_PORT, forged);
	put_raw(COM2_PORT, forged);
	/* The default configuration's halt range: the hypervisor stops the
	 * guest (108).  INVLPG for Bochs 2.7's stale writable TLB entry. */
	cpu_invlpg((const volatile void *)TRIPWIRE);
	*(volatile uint8_t *)TRIPWIRE = 1;
	cpu_outb(COM1_PORT + 4, 0x03);
	con_printf("guest: FAIL the write to the halt range returned\n");
	return GUEST_EXIT_FAIL;
}
