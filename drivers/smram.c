/* SMRAM control decisions (pure); drivers/smram.h has the register layout. */
#include "drivers/smram.h"

enum smram_chipset smram_chipset_of(uint32_t pci_id)
{
	switch (pci_id) {
	case PCI_ID_I440FX:
		return SMRAM_CHIPSET_I440FX;
	case PCI_ID_Q35_MCH:
		return SMRAM_CHIPSET_Q35;
	default:
		return SMRAM_CHIPSET_UNKNOWN;
	}
}

const char *smram_chipset_name(enum smram_chipset c)
{
	switch (c) {
	case SMRAM_CHIPSET_I440FX:
		return "i440fx";
	case SMRAM_CHIPSET_Q35:
		return "q35";
	default:
		return "unknown";
	}
}

uint8_t smram_reg(enum smram_chipset c)
{
	switch (c) {
	case SMRAM_CHIPSET_I440FX:
		return 0x72;
	case SMRAM_CHIPSET_Q35:
		return 0x9d;
	default:
		return 0;
	}
}

bool smram_is_locked(uint8_t v)
{
	return (v & SMRAM_D_LCK) && !(v & SMRAM_D_OPEN) && (v & SMRAM_G_SMRAME);
}

void smram_plan(enum smram_chipset c, uint8_t cur, struct smram_plan *p)
{
	p->value = cur;
	p->why = "";
	if (c == SMRAM_CHIPSET_UNKNOWN) {
		p->action = SMRAM_CANNOT_LOCK;
		p->why = "host bridge not known to this hypervisor (i440FX and Q35 are)";
	} else if (!(cur & SMRAM_G_SMRAME)) {
		/* SMM code would then run from ordinary memory or the VGA
		 * window; enabling SMRAM now would not move the SMI handler. */
		p->action = SMRAM_CANNOT_LOCK;
		p->why = "SMRAM is disabled (G_SMRAME=0)";
	} else if (cur & SMRAM_D_LCK) {
		p->action = smram_is_locked(cur) ? SMRAM_ALREADY_LOCKED : SMRAM_CANNOT_LOCK;
		p->why = smram_is_locked(cur) ? "" : "locked open by the firmware";
	} else {
		/* D_OPEN and D_CLS must not both be set (440FX datasheet): close
		 * by clearing D_OPEN, keep the rest, set D_LCK. */
		p->action = SMRAM_WRITE_LOCK;
		p->value = (uint8_t)((cur & ~SMRAM_D_OPEN) | SMRAM_D_LCK);
	}
}

static bool smram_overlaps(unsigned reg, unsigned size, unsigned first, unsigned last)
{
	return reg <= last && reg + size - 1 >= first;
}

bool smram_cfg_write_blocked(enum smram_chipset c, unsigned bus, unsigned dev, unsigned fn,
			     unsigned reg, unsigned size)
{
	if (bus || dev || fn || !size)
		return false;
	switch (c) {
	case SMRAM_CHIPSET_I440FX:
		return smram_overlaps(reg, size, 0x72, 0x72);
	case SMRAM_CHIPSET_Q35:
		return smram_overlaps(reg, size, 0x9d, 0x9e) || smram_overlaps(reg, size, 0xb8, 0xbb);
	default:
		/* An unknown host bridge: its SMRAM control could be anywhere in
		 * the standard header's device-specific part. */
		return reg + size - 1 >= 0x40;
	}
}

bool smram_launch_allowed(bool locked, bool protection_wanted, bool risk_accepted)
{
	return locked || !protection_wanted || risk_accepted;
}
