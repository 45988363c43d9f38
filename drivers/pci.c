#include "drivers/pci.h"
#include "hv/cpu.h"

uint32_t pci_cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_cfg_addr(bus, dev, fn, reg));
	return inl(PCI_CONFIG_DATA);
}

uint8_t pci_cfg_read8(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_cfg_addr(bus, dev, fn, reg));
	return inb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)));
}

void pci_cfg_write8(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint8_t v)
{
	outl(PCI_CONFIG_ADDRESS, pci_cfg_addr(bus, dev, fn, reg));
	outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)), v);
}
