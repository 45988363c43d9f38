/* SMRAM control of the host bridge (PCI 0:0.0): which chipsets, which
 * register, how to close and lock it, and which guest configuration writes
 * must never reach it.  Pure: unit-tested on the host (tests/unit/test_smram.c);
 * drivers/pci.c does the port I/O.
 *
 * Register layout, same on both chipsets (Intel 440FX PCIset datasheet
 * 290549, register SMRAM 72h; Intel 3 Series / Q35 MCH datasheet, register
 * SMRAM 9Dh): bit 6 D_OPEN, bit 5 D_CLS, bit 4 D_LCK, bit 3 G_SMRAME,
 * bits 2:0 C_BASE_SEG.  Setting D_LCK clears D_OPEN and makes the register
 * read-only until reset; on Q35 it also locks ESMRAMC (9Eh, TSEG). */
#ifndef DRIVERS_SMRAM_H
#define DRIVERS_SMRAM_H

#include <stdbool.h>
#include <stdint.h>

#define SMRAM_D_OPEN   0x40
#define SMRAM_D_CLS    0x20
#define SMRAM_D_LCK    0x10
#define SMRAM_G_SMRAME 0x08

/* PCI vendor/device of 0:0.0 as one dword (config offset 0). */
#define PCI_ID_I440FX  0x12378086u
#define PCI_ID_Q35_MCH 0x29c08086u

enum smram_chipset { SMRAM_CHIPSET_UNKNOWN = 0, SMRAM_CHIPSET_I440FX, SMRAM_CHIPSET_Q35 };

enum smram_chipset smram_chipset_of(uint32_t pci_id);
const char *smram_chipset_name(enum smram_chipset c);
/* Config offset of the SMRAM register, 0 for an unknown chipset. */
uint8_t smram_reg(enum smram_chipset c);

enum smram_action {
	SMRAM_ALREADY_LOCKED, /* D_LCK set by the firmware: nothing to do */
	SMRAM_WRITE_LOCK,     /* write plan.value, then check */
	SMRAM_CANNOT_LOCK,    /* plan.why says why */
};

struct smram_plan {
	enum smram_action action;
	uint8_t value;
	const char *why;
};

/* What to do with the SMRAM register's current value. */
void smram_plan(enum smram_chipset c, uint8_t cur, struct smram_plan *p);
/* Closed and locked: D_LCK set, D_OPEN clear, SMRAM enabled (with G_SMRAME
 * clear SMM code would run from memory the guest can write). */
bool smram_is_locked(uint8_t value);

/* Whether a guest write of size bytes at config offset reg of bus:dev.fn
 * touches the host bridge's SMRAM control (i440FX 72h; Q35 9Dh-9Eh and the
 * TSEG base B8h-BBh) and must be dropped. */
bool smram_cfg_write_blocked(enum smram_chipset c, unsigned bus, unsigned dev, unsigned fn,
			     unsigned reg, unsigned size);

/* Launch decision: with protection wanted (protect ranges or hypercall-lock)
 * and SMRAM not locked, refuse unless the risk was accepted explicitly. */
bool smram_launch_allowed(bool locked, bool protection_wanted, bool risk_accepted);

#endif
