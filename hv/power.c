#include "hv/power.h"
#include "hv/acpi.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/log.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900
#define ACPI_SLP_EN          (1u << 13)

static uint64_t power_rsdp;

/* The loader's RSDP sits in its boot information, which becomes guest RAM
 * (and, for a Linux guest, may lie under the zero page): keep a copy. */
static uint8_t power_rsdp_copy[36] __attribute__((aligned(16)));

void power_set_rsdp(uint64_t rsdp_pa)
{
	if (!rsdp_pa) {
		power_rsdp = 0;
		return;
	}
	memcpy(power_rsdp_copy, (const void *)(uintptr_t)rsdp_pa, sizeof(power_rsdp_copy));
	power_rsdp = (uintptr_t)power_rsdp_copy;
}

uint64_t power_rsdp_pa(void)
{
	return power_rsdp;
}

__attribute__((noreturn)) void hv_power_off(unsigned status)
{
	static const char shutdown[] = "Shutdown";
	struct acpi_s5 s5;

	__asm__ volatile("cli");
	console_guest_flush();
	/* Everything queued goes out before the last line, which waits for
	 * the transmitter too: nothing may follow it. */
	console_drain_all();
	log_event("hv-exit status=%u", status);
	console_drain_all();
	/* QEMU with -device isa-debug-exit exits with (status << 1) | 1. */
	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)status);
	for (const char *s = shutdown; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	if (!acpi_find_s5(power_rsdp, &s5)) {
		outw(s5.pm1a_cnt, (uint16_t)(s5.slp_typa << 10 | ACPI_SLP_EN));
		if (s5.pm1b_cnt)
			outw(s5.pm1b_cnt, (uint16_t)(s5.slp_typb << 10 | ACPI_SLP_EN));
	}
	pr_err("power-off failed; halting");
	cpu_halt_forever();
	__builtin_unreachable();
}
