/* The guest's PCI configuration mechanism #1: 0xCF8 (dword) and 0xCFC-0xCFF
 * are trapped so writes to the host bridge's SMRAM control are dropped
 * (drivers/smram.h); every other access is carried out unchanged. */
#ifndef VMX_VMX_PCI_H
#define VMX_VMX_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/smram.h"
#include "vmx/vmx.h"

/* The host bridge to guard; the address register's current value becomes
 * the guest's. */
void vmx_pci_init(enum smram_chipset chipset);
/* Sets the I/O bitmap bits of the trapped ports (bitmap A: ports 0-0x7fff). */
void vmx_pci_trap_ports(uint8_t *io_bitmap_a);
/* An I/O exit: true when it was a PCI configuration access, emulated and
 * RIP advanced; false leaves it to the caller. */
bool vmx_pci_io(struct guest_regs *r, uint64_t qual);

#endif
