/* Attack mode for issue 11 item 1: open SMRAM through the i440FX host
 * bridge (PCI 0:0.0 register 0x72, D_OPEN), copy an SMI handler of our own
 * to SMBASE + 0x8000 (Bochs's BIOS relocates SMBASE to 0xA0000), close
 * SMRAM and raise an SMI through the APM control port 0xB2.  The handler
 * writes a marker into the first sub-page of the `deny` page at 0x800000:
 * from SMM the EPT does not apply.  Prints `smm ... ok` when the marker
 * never lands (the SMI still runs, but the firmware's handler). */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc
#define SMRAM_CFG_ADDR  0x80000070u /* bus 0, device 0, function 0, dword 0x70 */
#define SMRAM_BYTE      2           /* register 0x72 within that dword */
#define D_OPEN          0x40
#define D_CLS           0x20
#define SMI_HANDLER     0xa8000
#define APM_CNT         0xb2
#define TARGET          0x800000    /* hv/default.conf guard-first: deny */
#define MARKER          0x534d4d21u /* "!MMS" */

/* 16-bit SMM code (SDM Vol. 3C 32.5.1: DS base 0, 4 GiB limit):
 *   mov eax, MARKER ; mov [TARGET], eax (32-bit address) ; rsm */
static const uint8_t smm_handler[] = {
	0x66, 0xb8, MARKER & 0xff, (MARKER >> 8) & 0xff, (MARKER >> 16) & 0xff, MARKER >> 24,
	0x67, 0x66, 0xa3, TARGET & 0xff, (TARGET >> 8) & 0xff, (TARGET >> 16) & 0xff, TARGET >> 24,
	0x0f, 0xaa,
};

static uint8_t smram_read(void)
{
	cpu_outl(PCI_ADDR, SMRAM_CFG_ADDR);
	return cpu_inb(PCI_DATA + SMRAM_BYTE);
}

static void smram_write(uint8_t v)
{
	cpu_outl(PCI_ADDR, SMRAM_CFG_ADDR);
	cpu_outb(PCI_DATA + SMRAM_BYTE, v);
}

uint32_t guest_mode_smm(const struct guest_boot *b)
{
	volatile uint32_t *target = (volatile uint32_t *)(uintptr_t)TARGET;
	volatile uint8_t *handler = (volatile uint8_t *)(uintptr_t)SMI_HANDLER;
	uint32_t before = *target, after;
	uint8_t orig, opened;

	(void)b;
	orig = smram_read();
	smram_write((uint8_t)((orig | D_OPEN) & ~D_CLS));
	opened = smram_read();
	con_printf("guest: smm smram=0x%02x after-open=0x%02x\n", orig, opened);
	for (unsigned i = 0; i < sizeof(smm_handler); i++)
		handler[i] = smm_handler[i];
	smram_write(orig);
	cpu_outb(APM_CNT, 0);
	after = *target;
	con_printf("guest: smm target before=0x%x after=0x%x\n", before, after);
	if (after == MARKER) {
		con_printf("guest: smm FAIL our SMI handler wrote the deny page\n");
		return GUEST_EXIT_FAIL;
	}
	if (opened & D_OPEN) {
		con_printf("guest: smm FAIL SMRAM opened\n");
		return GUEST_EXIT_FAIL;
	}
	con_printf("guest: smm ok\n");
	return GUEST_EXIT_OK;
}
