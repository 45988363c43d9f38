/* Guest PCI configuration accesses (PCI Local Bus Specification 3.0
 * 3.2.2.3.2): the address register is the guest's own copy, loaded into the
 * real 0xCF8 just before each data-port access, so the hypervisor sees
 * exactly which register a data access reaches.  Single CPU: nothing else
 * uses the ports while the guest runs. */
#include "drivers/pci.h"
#include "hv/cpu.h"
#include "hv/log.h"
#include "vmx/vmx_ops.h"
#include "vmx/vmx_pci.h"

#define VMX_PCI_WARN_MAX 16

static enum smram_chipset vmx_pci_chipset;
static uint32_t vmx_pci_addr;

void vmx_pci_init(enum smram_chipset chipset)
{
	vmx_pci_chipset = chipset;
	vmx_pci_addr = inl(PCI_CONFIG_ADDRESS);
}

void vmx_pci_trap_ports(uint8_t *io_a)
{
	/* A dword access to 0xCF8 checks the bits of 0xCF8-0xCFB (SDM Vol. 3C
	 * 26.1.3); only 0xCF8's is set, so byte accesses to 0xCF9 (reset
	 * control) are not this file's. */
	io_a[PCI_CONFIG_ADDRESS / 8] |= (uint8_t)(1u << (PCI_CONFIG_ADDRESS % 8));
	for (unsigned p = PCI_CONFIG_DATA; p < PCI_CONFIG_DATA + 4; p++)
		io_a[p / 8] |= (uint8_t)(1u << (p % 8));
}

static void vmx_pci_set_result(struct guest_regs *r, unsigned size, uint32_t v)
{
	/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends (SDM Vol. 1
	 * 3.4.1.1). */
	if (size == 4)
		r->rax = v;
	else if (size == 2)
		r->rax = (r->rax & ~0xffffull) | (v & 0xffff);
	else
		r->rax = (r->rax & ~0xffull) | (v & 0xff);
}

bool vmx_pci_io(struct guest_regs *r, uint64_t qual)
{
	uint16_t port = (uint16_t)(qual >> VMX_IO_QUAL_PORT_SHIFT);
	unsigned size = (unsigned)(qual & VMX_IO_QUAL_SIZE_MASK) + 1;
	bool in = qual & VMX_IO_QUAL_IN;
	uint32_t a = vmx_pci_addr, v = (uint32_t)r->rax;

	if (qual & (VMX_IO_QUAL_STRING | VMX_IO_QUAL_REP))
		return false;
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (in)
			r->rax = vmx_pci_addr;
		else
			vmx_pci_addr = v;
		vmx_skip_instruction();
		return true;
	}
	if (port == PCI_CONFIG_ADDRESS) {
		/* Byte or word at 0xCF8: not a configuration access (the
		 * mechanism decodes only dwords there); carried out as is. */
		if (in)
			vmx_pci_set_result(r, size, size == 2 ? inw(port) : inb(port));
		else if (size == 2)
			outw(port, (uint16_t)v);
		else
			outb(port, (uint8_t)v);
		vmx_skip_instruction();
		return true;
	}
	if (port < PCI_CONFIG_DATA || port > PCI_CONFIG_DATA + 3)
		return false;
	outl(PCI_CONFIG_ADDRESS, a);
	if (in) {
		vmx_pci_set_result(r, size, size == 4 ? inl(port) : size == 2 ? inw(port) : inb(port));
	} else if ((a & PCI_ADDR_ENABLE) &&
		   smram_cfg_write_blocked(vmx_pci_chipset, (a >> 16) & 0xff, (a >> 11) & 0x1f,
					   (a >> 8) & 7, (a & 0xfc) + (port & 3), size)) {
		/* The guest decides how often this happens: a few lines, then
		 * silence, so it cannot flood the log with them. */
		static unsigned dropped;

		if (dropped < VMX_PCI_WARN_MAX)
			pr_warn("pci: guest write 0x%x (size %u) to host bridge register 0x%x dropped: "
				"SMRAM control%s", v, size, (a & 0xfc) + (port & 3),
				dropped == VMX_PCI_WARN_MAX - 1 ? " (further drops not logged)" : "");
		dropped++;
	} else if (size == 4) {
		outl(port, v);
	} else if (size == 2) {
		outw(port, (uint16_t)v);
	} else {
		outb(port, (uint8_t)v);
	}
	vmx_skip_instruction();
	return true;
}
