/* Mode `wake-ap`: try to start the other processors the way an OS would
 * (INIT-SIPI-SIPI to all but self, SDM Vol. 3A 9.4.4) into a tiny real-mode
 * routine that writes a marker.  Under spphv the APs are parked in VMX root
 * operation, so the marker must stay unwritten; booted natively on a
 * machine with more than one CPU the AP starts and the mode fails — which
 * is how to see that the check can fail. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define WAKE_TRAMPOLINE 0x7000u
#define WAKE_MARKER     0x7f00u
#define APIC_ICR_LO     0xfee00300u
#define APIC_ICR_HI     0xfee00310u

static void wake_ipi(uint32_t icr)
{
	*(volatile uint32_t *)(uintptr_t)APIC_ICR_HI = 0;
	*(volatile uint32_t *)(uintptr_t)APIC_ICR_LO = icr;
	for (int i = 0; i < 100000 && (*(volatile uint32_t *)(uintptr_t)APIC_ICR_LO & (1u << 12)); i++)
		__asm__ volatile("pause");
}

static void wake_delay(uint64_t ticks)
{
	uint32_t lo, hi;
	uint64_t start, now;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	start = (uint64_t)hi << 32 | lo;
	do {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		now = (uint64_t)hi << 32 | lo;
	} while (now - start < ticks);
}

uint32_t guest_mode_wake_ap(const struct guest_boot *b)
{
	/* xor ax,ax; mov ds,ax; mov byte [0x7f00],0xab; cli; hlt; jmp $-1 */
	static const uint8_t code[] = { 0x31, 0xc0, 0x8e, 0xd8, 0xc6, 0x06, 0x00, 0x7f,
					0xab, 0xfa, 0xf4, 0xeb, 0xfd };
	volatile uint8_t *marker = (volatile uint8_t *)(uintptr_t)WAKE_MARKER;

	(void)b;
	for (unsigned i = 0; i < sizeof(code); i++)
		((volatile uint8_t *)(uintptr_t)WAKE_TRAMPOLINE)[i] = code[i];
	*marker = 0;
	con_printf("guest: sending INIT-SIPI-SIPI to all other processors\n");
	wake_ipi((3u << 18) | (1u << 14) | (5u << 8));
	wake_delay(500000);
	for (int i = 0; i < 2; i++) {
		wake_ipi((3u << 18) | (6u << 8) | (WAKE_TRAMPOLINE >> 12));
		wake_delay(100000);
	}
	wake_delay(5000000);
	if (*marker == 0xab) {
		con_printf("guest: FAIL an application processor started guest code\n");
		return GUEST_EXIT_FAIL;
	}
	con_printf("guest: no application processor started\n");
	return GUEST_EXIT_OK;
}
