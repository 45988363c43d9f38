/* mode=spp-first-byte: one 8-byte store at 0x800f7c, which starts in a
 * writable sub-page (30) of the default configuration's page 0x800000 and
 * runs into its `deny` sub-page 31 (guard-last, 0x800f80).  Prints how many
 * of the four bytes in sub-page 31 changed, then exits 0.
 *
 * Software mode write-protects the whole page, sees the store and undoes the
 * bytes in sub-page 31 (changed=0, one violation).  Bochs 2.7's hardware SPP
 * checks only the sub-page of an access's first byte: no exit at all, the
 * protected bytes are written (changed=4).  docs/spp.md says what this does
 * and does not prove about hardware. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define STORE_AT 0x800f7cull

uint32_t guest_mode_spp_first_byte(const struct guest_boot *b);

uint32_t guest_mode_spp_first_byte(const struct guest_boot *b)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)STORE_AT;
	uint8_t before[8];
	uint64_t v = 0;
	unsigned changed = 0;

	(void)b;
	for (unsigned i = 0; i < 8; i++) {
		before[i] = p[i];
		v |= (uint64_t)(uint8_t)(before[i] ^ 0x5a) << (8 * i);
	}
	con_printf("guest: spp first-byte store gpa=0x%lx size=8\n", (uint64_t)STORE_AT);
	/* Bochs 2.7 keeps a writable TLB entry after allowed writes: drop it. */
	cpu_invlpg((const volatile void *)p);
	__asm__ volatile("movq %1, (%0)" : : "r"(p), "r"(v) : "memory");
	for (unsigned i = 4; i < 8; i++)
		changed += p[i] != before[i];
	con_printf("guest: spp first-byte changed=%u\n", changed);
	/* Leave the page as it was for anyone after us. */
	for (unsigned i = 0; i < 4; i++)
		p[i] = before[i];
	return GUEST_EXIT_OK;
}
