/* Attack mode for issue 11 item 6: a page directory in a locked page.  The
 * guest builds a page directory whose entry 0 maps a 2 MiB page with the
 * accessed and dirty flags clear, locks the page holding it (lock
 * hypercall), installs it as PDPT entry 4 (linear 4 GiB) and reads and
 * writes through it: the CPU's own page walk then sets A and D in the
 * locked entry.  Without EPT A/D flags those writes bypass the EPT and the
 * SPPT (spp-summary violations=0); with them they are violations like any
 * other write, and the locked entry keeps its value. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"

#define PD_PAGE      (GUEST_SPP_AREA + 0x4000) /* free in hv/default.conf */
#define PDPT_SLOT    4                         /* linear 4 GiB .. 5 GiB */
#define DATA_PAGE    0x1000000ull              /* 2 MiB at 16 MiB: guest RAM */
#define PTE_A        (1ull << 5)
#define PTE_D        (1ull << 6)
#define ADDR_MASK    0x000ffffffffff000ull

static inline uint64_t adwalk_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void adwalk_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

uint32_t guest_mode_ad_walk(const struct guest_boot *b)
{
	volatile uint64_t *pml4 = (volatile uint64_t *)(uintptr_t)(adwalk_read_cr3() & ADDR_MASK);
	volatile uint64_t *pdpt = (volatile uint64_t *)(uintptr_t)(pml4[0] & ADDR_MASK);
	volatile uint64_t *pd = (volatile uint64_t *)(uintptr_t)PD_PAGE;
	volatile uint8_t *va = (volatile uint8_t *)(uintptr_t)(((uint64_t)PDPT_SLOT << 30) + 0x10);
	volatile uint8_t *pa = (volatile uint8_t *)(uintptr_t)(DATA_PAGE + 0x10);
	uint64_t before, after;
	uint8_t old, now;
	int32_t ret;

	(void)b;
	for (unsigned i = 0; i < 512; i++)
		pd[i] = 0;
	pd[0] = DATA_PAGE | PTE_P | PTE_W | PTE_PS;
	before = pd[0];
	ret = hc_lock(PD_PAGE, 4096);
	con_printf("guest: ad-walk lock gpa=0x%x ret=%d pde=0x%lx\n", PD_PAGE, ret, before);
	if (ret) {
		con_printf("guest: ad-walk FAIL lock\n");
		return GUEST_EXIT_FAIL;
	}
	pdpt[PDPT_SLOT] = PD_PAGE | PTE_P | PTE_W;
	adwalk_write_cr3(adwalk_read_cr3());
	old = *va;              /* the walk sets A */
	*va = (uint8_t)(old + 1); /* and D */
	now = *pa;
	after = pd[0];
	pdpt[PDPT_SLOT] = 0;
	adwalk_write_cr3(adwalk_read_cr3());
	con_printf("guest: ad-walk pde before=0x%lx after=0x%lx data=0x%x->0x%x\n", before, after,
		   old, now);
	if (now != (uint8_t)(old + 1)) {
		con_printf("guest: ad-walk FAIL the write through the mapping was lost\n");
		return GUEST_EXIT_FAIL;
	}
	if (after != before) {
		con_printf("guest: ad-walk FAIL the CPU's A/D update changed the locked entry\n");
		return GUEST_EXIT_FAIL;
	}
	con_printf("guest: ad-walk ok\n");
	return GUEST_EXIT_OK;
}
