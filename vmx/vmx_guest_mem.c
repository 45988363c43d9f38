#include "vmx/vmx_guest_mem.h"
#include "hv/errno.h"
#include "hv/cpu.h"
#include "hv/hv.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_ops.h"

uint8_t *vmx_guest_phys(uint64_t gpa)
{
	struct mem_range r = { gpa, gpa + 1 };

	/* Identity EPT; the hypervisor's own map covers 0..4 GiB. */
	if (gpa >= (1ull << 32) || !memrange_set_covers(hv.guest_ram, hv.guest_ram_count, &r) ||
	    memrange_set_overlaps(hv.hv_mem, 2, &r, NULL))
		return NULL;
	return (uint8_t *)(uintptr_t)gpa;
}

static int vmx_read_entry(void *ctx, uint64_t pa, unsigned size, uint64_t *e)
{
	uint8_t *p = vmx_guest_phys(pa);

	(void)ctx;
	if (!p || !vmx_guest_phys(pa + size - 1))
		return -EFAULT;
	*e = size == 4 ? *(volatile uint32_t *)p : *(volatile uint64_t *)p;
	return 0;
}

/* The guest's paging state from the VMCS; MAXPHYADDR is the processor's,
 * which CPUID shows the guest unchanged. */
static void vmx_guest_paging(struct vmx_paging *p)
{
	static unsigned maxphyaddr;

	if (!maxphyaddr) {
		struct cpuid_regs r = cpuid(0x80000000, 0);

		maxphyaddr = r.eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
	}
	*p = (struct vmx_paging){
		.cr0 = vmcs_readl(GUEST_CR0), .cr3 = vmcs_readl(GUEST_CR3),
		.cr4 = vmcs_readl(GUEST_CR4), .efer = vmcs_read64(GUEST_IA32_EFER),
		.maxphyaddr = maxphyaddr, .read = vmx_read_entry,
	};
	if ((p->cr0 & X86_CR0_PG) && (p->cr4 & X86_CR4_PAE) && !(p->efer & X86_EFER_LMA)) {
		p->pdpte[0] = vmcs_read64(GUEST_PDPTR0);
		p->pdpte[1] = vmcs_read64(GUEST_PDPTR1);
		p->pdpte[2] = vmcs_read64(GUEST_PDPTR2);
		p->pdpte[3] = vmcs_read64(GUEST_PDPTR3);
	}
}

int vmx_guest_translate_access(uint64_t gla, const struct vmx_guest_access *acc,
			       uint64_t *gpa, uint32_t *pf_error)
{
	struct vmx_paging p;
	int rc;

	vmx_guest_paging(&p);
	rc = vmx_walk(&p, gla, acc, gpa, pf_error);
	if (rc)
		return rc;
	return vmx_guest_phys(*gpa) ? 0 : -EFAULT;
}

int vmx_guest_translate(uint64_t gla, bool write, uint64_t *gpa)
{
	/* An implicit supervisor-mode access (SDM Vol. 3A 4.6): what a task
	 * switch makes to the TSSs and descriptor tables, whatever the CPL. */
	const struct vmx_guest_access acc = { .write = write };
	uint32_t pf_error;

	return vmx_guest_translate_access(gla, &acc, gpa, &pf_error) ? -EFAULT : 0;
}
