/* Power-off and reset the way PC operating systems do them, for the tests of
 * the hypervisor's interception (vmx/vmx_guest_power.c):
 *   mode=reset-cf9     0x02 then 0x06 to port 0xCF9 (Linux's reboot=pci)
 *   mode=reset-kbd     0xFE to the keyboard controller's port 0x64
 *   mode=poweroff-s5 port=P typ=T   SLP_TYP=T without, then with SLP_EN to
 *                      the PM1a control port P (as ACPICA writes it)
 *   mode=pci-id        a dword write to 0xCF8 (which covers the trapped 0xCF9)
 *                      and a read of PCI 0:0.0's vendor/device ID at 0xCFC
 * Each mode that should end the run prints a FAIL line if it returns. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

uint32_t guest_mode_reset_cf9(const struct guest_boot *b);
uint32_t guest_mode_reset_kbd(const struct guest_boot *b);
uint32_t guest_mode_poweroff_s5(const struct guest_boot *b);
uint32_t guest_mode_pci_id(const struct guest_boot *b);

static void power_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static uint32_t power_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint32_t guest_mode_reset_cf9(const struct guest_boot *b)
{
	(void)b;
	con_printf("guest: reset through 0xcf9 now\n");
	cpu_outb(0xcf9, 0x02);
	con_printf("guest: 0xcf9 reads 0x%x\n", cpu_inb(0xcf9));
	cpu_outb(0xcf9, 0x06);
	con_printf("guest: FAIL reset through 0xcf9 returned\n");
	return GUEST_EXIT_FAIL;
}

uint32_t guest_mode_reset_kbd(const struct guest_boot *b)
{
	(void)b;
	con_printf("guest: reset through the keyboard controller now\n");
	cpu_outb(0x64, 0xfe);
	con_printf("guest: FAIL keyboard-controller reset returned\n");
	return GUEST_EXIT_FAIL;
}

uint32_t guest_mode_poweroff_s5(const struct guest_boot *b)
{
	uint64_t port = 0, typ = 0;

	if (boot_arg_u64(b, "port", &port) != BOOT_ARG_OK || port > 0xffff ||
	    boot_arg_u64(b, "typ", &typ) != BOOT_ARG_OK || typ > 7) {
		con_printf("guest: FAIL poweroff-s5 needs port=P typ=T\n");
		return GUEST_EXIT_USAGE;
	}
	con_printf("guest: ACPI S5 through port 0x%x now\n", (uint32_t)port);
	power_outw((uint16_t)port, (uint16_t)(typ << 10));
	power_outw((uint16_t)port, (uint16_t)(typ << 10 | 1u << 13));
	con_printf("guest: FAIL ACPI S5 returned\n");
	return GUEST_EXIT_FAIL;
}

uint32_t guest_mode_pci_id(const struct guest_boot *b)
{
	(void)b;
	cpu_outl(0xcf8, 0x80000000u);
	con_printf("guest: pci 0:0.0 id=0x%x\n", power_inl(0xcfc));
	return GUEST_EXIT_OK;
}
