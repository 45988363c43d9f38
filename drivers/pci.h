/* PCI configuration mechanism #1 (ports 0xCF8/0xCFC, PCI Local Bus
 * Specification 3.0 section 3.2.2.3.2), used by the hypervisor before the
 * guest runs and by the guest's trapped accesses (vmx/vmx_pci.c). */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_ADDR_ENABLE    0x80000000u

static inline uint32_t pci_cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_ADDR_ENABLE | (bus & 0xff) << 16 | (dev & 0x1f) << 11 | (fn & 7) << 8 |
	       (reg & 0xfc);
}

uint32_t pci_cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
uint8_t pci_cfg_read8(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
void pci_cfg_write8(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint8_t v);

#endif
