/* mode=init-self: the guest sends INIT to its own processor through the
 * local APIC's ICR (SDM Vol. 3A 11.6.1: delivery mode INIT, level assert,
 * physical destination = its own APIC ID; the "self" shorthand allows fixed
 * delivery only).  Natively that resets the processor (Vol. 3A 9.1) and the
 * firmware starts again; under spphv an INIT in VMX non-root operation
 * always exits (Vol. 3C 26.2, exit reason 3) and the hypervisor stops the
 * guest with `guest-reset via=init`, status 115.  Returning is a failure. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/guest.h"

#define INIT_LAPIC      0xfee00000ull
#define LAPIC_ID        0x20
#define LAPIC_ICR_LOW   0x300
#define LAPIC_ICR_HIGH  0x310
#define ICR_INIT        (5u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_PENDING     (1u << 12)

uint32_t guest_mode_init_self(const struct guest_boot *b);

static volatile uint32_t *init_lapic(unsigned reg)
{
	return (volatile uint32_t *)(uintptr_t)(INIT_LAPIC + reg);
}

uint32_t guest_mode_init_self(const struct guest_boot *b)
{
	uint32_t id = *init_lapic(LAPIC_ID) >> 24;

	(void)b;
	con_printf("guest: INIT to own APIC ID %u now\n", id);
	*init_lapic(LAPIC_ICR_HIGH) = id << 24;
	*init_lapic(LAPIC_ICR_LOW) = ICR_INIT | ICR_LEVEL_ASSERT;
	/* The INIT is taken at an instruction boundary soon after delivery. */
	for (unsigned i = 0; i < 1000000; i++)
		__asm__ volatile("pause");
	con_printf("guest: FAIL INIT returned (icr=0x%x)\n", *init_lapic(LAPIC_ICR_LOW));
	return GUEST_EXIT_FAIL;
}
