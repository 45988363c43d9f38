#include "vmx/vmx_guest_mem.h"
#include "hv/errno.h"
#include "hv/hv.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_ops.h"

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define ADDR_52 0x000ffffffffff000ull

uint8_t *vmx_guest_phys(uint64_t gpa)
{
	struct mem_range r = { gpa, gpa + 1 };

	/* Identity EPT; the hypervisor's own map covers 0..4 GiB. */
	if (gpa >= (1ull << 32) || !memrange_set_covers(hv.guest_ram, hv.guest_ram_count, &r) ||
	    memrange_set_overlaps(hv.hv_mem, 2, &r, NULL))
		return NULL;
	return (uint8_t *)(uintptr_t)gpa;
}

static int vmx_read_entry(uint64_t pa, unsigned size, uint64_t *e)
{
	uint8_t *p = vmx_guest_phys(pa);

	if (!p || !vmx_guest_phys(pa + size - 1))
		return -EFAULT;
	*e = size == 4 ? *(volatile uint32_t *)p : *(volatile uint64_t *)p;
	return 0;
}

/* One level: entry at table + index * size; present, writable if asked. */
static int vmx_walk_step(uint64_t table, uint64_t index, unsigned size, bool write,
			 uint64_t *e)
{
	if (vmx_read_entry(table + index * size, size, e) || !(*e & PTE_P) ||
	    (write && !(*e & PTE_W)))
		return -EFAULT;
	return 0;
}

int vmx_guest_translate(uint64_t gla, bool write, uint64_t *gpa)
{
	uint64_t cr0 = vmcs_readl(GUEST_CR0), cr3 = vmcs_readl(GUEST_CR3);
	uint64_t cr4 = vmcs_readl(GUEST_CR4), efer = vmcs_read64(GUEST_IA32_EFER);
	uint64_t e;

	/* CR0.WP is not honoured for supervisor writes here: this walker
	 * refuses every write through a read-only entry, the stricter choice. */
	if (!(cr0 & X86_CR0_PG)) {
		*gpa = gla & 0xffffffffull;
	} else if (!(cr4 & X86_CR4_PAE)) {
		/* 32-bit paging (SDM Vol. 3A 4.3). */
		if (vmx_walk_step(cr3 & 0xfffff000ull, (gla >> 22) & 0x3ff, 4, write, &e))
			return -EFAULT;
		if ((e & PTE_PS) && (cr4 & X86_CR4_PSE)) {
			*gpa = (e & 0xffc00000ull) | ((e >> 13) & 0xffull) << 32 | (gla & 0x3fffff);
		} else {
			if (vmx_walk_step(e & 0xfffff000ull, (gla >> 12) & 0x3ff, 4, write, &e))
				return -EFAULT;
			*gpa = (e & 0xfffff000ull) | (gla & 0xfff);
		}
	} else {
		int level;

		if (cr4 & X86_CR4_LA57)
			return -EFAULT;
		if (efer & X86_EFER_LMA) {
			/* 4-level paging (SDM Vol. 3A 4.5). */
			if (vmx_walk_step(cr3 & ADDR_52, (gla >> 39) & 0x1ff, 8, write, &e) ||
			    vmx_walk_step(e & ADDR_52, (gla >> 30) & 0x1ff, 8, write, &e))
				return -EFAULT;
		} else {
			/* PAE paging (SDM Vol. 3A 4.4): with EPT the PDPTEs are the
			 * ones the CPU loaded into the VMCS (SDM Vol. 3C 28.3.1). */
			switch ((gla >> 30) & 3) {
			case 0: e = vmcs_read64(GUEST_PDPTR0); break;
			case 1: e = vmcs_read64(GUEST_PDPTR1); break;
			case 2: e = vmcs_read64(GUEST_PDPTR2); break;
			default: e = vmcs_read64(GUEST_PDPTR3); break;
			}
			if (!(e & PTE_P))
				return -EFAULT;
			gla &= 0xffffffffull;
		}
		/* e is now a PDPTE: 1 GiB page, or the page directory. */
		for (level = 3; level >= 2; level--) {
			uint64_t page = 1ull << (12 + 9 * (level - 1));

			if (level == 3 && (efer & X86_EFER_LMA) && (e & PTE_PS)) {
				*gpa = (e & ADDR_52 & ~(page - 1)) | (gla & (page - 1));
				return vmx_guest_phys(*gpa) ? 0 : -EFAULT;
			}
			if (level == 2) {
				if (vmx_walk_step(e & ADDR_52, (gla >> 21) & 0x1ff, 8, write, &e))
					return -EFAULT;
				if (e & PTE_PS) {
					*gpa = (e & ADDR_52 & ~(page - 1)) | (gla & (page - 1));
					return vmx_guest_phys(*gpa) ? 0 : -EFAULT;
				}
			}
		}
		if (vmx_walk_step(e & ADDR_52, (gla >> 12) & 0x1ff, 8, write, &e))
			return -EFAULT;
		*gpa = (e & ADDR_52) | (gla & 0xfff);
	}
	return vmx_guest_phys(*gpa) ? 0 : -EFAULT;
}

int vmx_guest_translate_access(uint64_t gla, const struct vmx_guest_access *acc,
			       uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t cr0 = vmcs_readl(GUEST_CR0), cr4 = vmcs_readl(GUEST_CR4);
	uint64_t table = vmcs_readl(GUEST_CR3) & ADDR_52, e = 0;
	bool writable = true, user = true;
	uint32_t err = (acc->write ? PF_W : 0) | (acc->user ? PF_U : 0);
	int level;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) || (cr4 & X86_CR4_LA57) ||
	    !(vmcs_read64(GUEST_IA32_EFER) & X86_EFER_LMA))
		return -EFAULT;
	/* A non-canonical address is #GP, not #PF (Vol. 3A 3.3.7.1): the
	 * caller's problem, as before. */
	if ((uint64_t)((int64_t)(gla << 16) >> 16) != gla)
		return -EFAULT;
	for (level = 4; level >= 1; level--) {
		if (vmx_read_entry(table + ((gla >> (12 + 9 * (level - 1))) & 0x1ff) * 8, 8, &e))
			return -EFAULT;
		if (!(e & PTE_P)) {
			*pf_error = err; /* P = 0: not present */
			return -EACCES;
		}
		writable &= !!(e & PTE_W);
		user &= !!(e & PTE_US);
		if (level == 1 || (level <= 3 && (e & PTE_PS)))
			break;
		table = e & ADDR_52;
	}
	uint64_t page = 1ull << (12 + 9 * (level - 1));

	/* Access rights (Vol. 3A 4.6.1): user accesses need U/S = 1 at every
	 * level and, to write, R/W = 1; supervisor writes need R/W = 1 only
	 * with CR0.WP; supervisor data accesses to user pages fault with
	 * CR4.SMAP unless RFLAGS.AC = 1. */
	if ((acc->user && !user) || (acc->write && !writable && (acc->user || (cr0 & X86_CR0_WP))) ||
	    (!acc->user && user && (cr4 & X86_CR4_SMAP) && !acc->smap_ok)) {
		*pf_error = err | PF_P;
		return -EACCES;
	}
	*gpa = (e & ADDR_52 & ~(page - 1)) | (gla & (page - 1));
	return vmx_guest_phys(*gpa) ? 0 : -EFAULT;
}
