/* The boot page tables rebuilt from C, the same as boot/entry.S's 32-bit loop
 * builds them: PML4[0] -> PDPT, PDPT[0..3] -> four page directories, 2048
 * 2 MiB leaves mapping 0..4 GiB one to one (SDM Vol. 3A 5.5.4). */
#include "boot/paging.h"

#define PTE_P_W   0x3ull
#define PDE_LARGE 0x83ull  /* present, writable, 2 MiB page */

void boot_paging_adopt(void)
{
	for (unsigned i = 0; i < 512; i++)
		boot_pml4[i] = boot_pdpt[i] = 0;
	boot_pml4[0] = (uint64_t)(uintptr_t)boot_pdpt | PTE_P_W;
	for (unsigned i = 0; i < 4; i++)
		boot_pdpt[i] = (uint64_t)(uintptr_t)&boot_pd[i * 512] | PTE_P_W;
	for (uint64_t i = 0; i < 4 * 512; i++)
		boot_pd[i] = (i << 21) | PDE_LARGE;
	/* Loading CR3 flushes every non-global translation (Vol. 3A 4.10.4.1);
	 * the boot tables have no global pages. */
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)boot_pml4) : "memory");
}
