/* MOV to CR0/CR4 exits: gather the guest's view, let the pure rules decide
 * (vmx/vmx_cr_rules.c), then write the read shadow, the guest field with
 * the bits VMX operation pins (SDM Vol. 3C 24.8), EFER.LMA with the
 * "IA-32e mode guest" entry control (Vol. 3C 25.8.1, 27.3.1.1), and under
 * PAE paging the PDPTE fields the next VM entry loads (Vol. 3C 27.3.2.4). */
#include "hv/cpu.h"
#include "vmx/vmx.h"
#include "vmx/vmx_cr.h"
#include "vmx/vmx_cr_rules.h"
#include "vmx/vmx_guest_mem.h"
#include "vmx/vmx_ops.h"

uint64_t vmx_guest_cr0(void)
{
	uint64_t mask = vmcs_readl(CR0_GUEST_HOST_MASK);

	return (vmcs_readl(GUEST_CR0) & ~mask) | (vmcs_readl(CR0_READ_SHADOW) & mask);
}

uint64_t vmx_guest_cr4(void)
{
	uint64_t mask = vmcs_readl(CR4_GUEST_HOST_MASK);

	return (vmcs_readl(GUEST_CR4) & ~mask) | (vmcs_readl(CR4_READ_SHADOW) & mask);
}

static unsigned vmx_cr_maxphyaddr(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
}

/* The four PDPTEs at CR3[31:5] (32-byte aligned, so in one page), checked
 * as the CPU checks them; a table outside guest RAM reads as all ones and
 * fails the check, which is what the guest gets. */
int vmx_cr_load_pdptes(void)
{
	uint64_t base = vmcs_readl(GUEST_CR3) & VMX_PAE_CR3_MASK, pdpte[4];
	const volatile uint64_t *p = (const volatile uint64_t *)vmx_guest_phys(base);

	if (!p || !vmx_guest_phys(base + 31))
		return 13;
	for (unsigned i = 0; i < 4; i++)
		pdpte[i] = p[i];
	if (vmx_pdptes_check(pdpte, vmx_cr_maxphyaddr()))
		return 13;
	vmcs_write64(GUEST_PDPTR0, pdpte[0]);
	vmcs_write64(GUEST_PDPTR1, pdpte[1]);
	vmcs_write64(GUEST_PDPTR2, pdpte[2]);
	vmcs_write64(GUEST_PDPTR3, pdpte[3]);
	return 0;
}

void vmx_cr_mov_to(unsigned cr, uint64_t val)
{
	struct vmx_cr_state s = {
		.cr0 = vmx_guest_cr0(),
		.cr3 = vmcs_readl(GUEST_CR3),
		.cr4 = vmx_guest_cr4(),
		.efer = vmcs_read64(GUEST_IA32_EFER),
		.cs_l = vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L,
		/* The guest was told it has no VMX and no SMX. */
		.cr4_allowed = vmx.msrs.cr4_fixed1 & ~(X86_CR4_VMXE | X86_CR4_SMXE),
	};
	struct vmx_cr_result res;
	uint64_t cr0_fixed0 = vmx.msrs.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	int vec = cr == 0 ? vmx_cr0_write(&s, val, &res) : vmx_cr4_write(&s, val, &res);

	if (!vec && res.load_pdptes) {
		/* The PDPTEs come from the CR3 in force, which this write
		 * does not change. */
		vec = vmx_cr_load_pdptes();
	}
	if (vec) {
		vmx_inject_exception((uint8_t)vec, true, 0);
		return;
	}
	/* VM entry does not load CR0.CD and CR0.NW from the guest field nor
	 * VM exit from the host field (SDM Vol. 3C 27.3.2.1, 28.5.1): the
	 * processor's own bits are the guest's, as after a write that did
	 * not exit, so an emulated write changes them there. */
	if (cr == 0 && ((read_cr0() ^ res.cr0) & (X86_CR0_CD | X86_CR0_NW)))
		write_cr0((read_cr0() & ~(X86_CR0_CD | X86_CR0_NW)) |
			  (res.cr0 & (X86_CR0_CD | X86_CR0_NW)));
	vmcs_writel(CR0_READ_SHADOW, res.cr0);
	vmcs_writel(GUEST_CR0, (res.cr0 | cr0_fixed0) & vmx.msrs.cr0_fixed1);
	vmcs_writel(CR4_READ_SHADOW, res.cr4);
	vmcs_writel(GUEST_CR4, (res.cr4 | vmx.msrs.cr4_fixed0) & vmx.msrs.cr4_fixed1);
	if (res.efer != s.efer) {
		uint32_t entry = vmcs_read32(VM_ENTRY_CONTROLS);

		vmcs_write64(GUEST_IA32_EFER, res.efer);
		entry = res.ia32e ? entry | VM_ENTRY_IA32E_MODE : entry & ~VM_ENTRY_IA32E_MODE;
		vmcs_write32(VM_ENTRY_CONTROLS, entry);
	}
	vmx_skip_instruction();
}
