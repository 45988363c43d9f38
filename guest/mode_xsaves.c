/* mode=xsaves: XSAVES and XRSTORS with the guest's own IA32_XSS, for the
 * hypervisor's XSS-exiting bitmap (SDM Vol. 3C 25.6.20, 26.1.3): when
 * "enable XSAVES/XRSTORS" is on, a bit set in that bitmap for a component
 * in XCR0 | IA32_XSS makes the instruction exit.  spphv writes 0, so both
 * run as natively; the line below is the same natively and under spphv:
 *   guest: xsaves supported=S xss=0x.. xsaves=V xrstors=V xcomp_bv=0x..
 * (V = -1: no exception; XCOMP_BV bit 63 = compacted format, SDM Vol. 1
 * 13.11.)  Supervisor components are those CPUID.(EAX=0DH,ECX=1):EDX:ECX
 * reports, less Intel PT (bit 8), which the MSR policy refuses. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"

#define CPUID1_ECX_XSAVE   GUEST_BIT(26)
#define CPUIDD1_EAX_XSAVES GUEST_BIT(3)
#define CR4_OSFXSR         GUEST_BIT(9)
#define CR4_OSXSAVE        GUEST_BIT(18)
#define MSR_IA32_XSS       0xda0
#define XSS_PT             (1ull << 8)
#define XCR0_X87_SSE       0x3ull

uint32_t guest_mode_xsaves(const struct guest_boot *b);

static uint8_t xs_area[8192] __attribute__((aligned(64)));

static inline void xs_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

uint32_t guest_mode_xsaves(const struct guest_boot *b)
{
	struct cpuid_regs c1 = cpu_cpuid(1, 0), cd = cpu_cpuid(0xd, 1);
	uint64_t xss, xcomp;
	int32_t vs, vr;

	(void)b;
	if (!(c1.ecx & CPUID1_ECX_XSAVE) || !(cd.eax & CPUIDD1_EAX_XSAVES)) {
		con_printf("guest: xsaves supported=0\n");
		return GUEST_EXIT_OK;
	}
	xs_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	if (probe_xsetbv(0, XCR0_X87_SSE) >= 0) {
		con_printf("guest: FAIL xsetbv x87|SSE faulted\n");
		return GUEST_EXIT_FAIL;
	}
	xss = (((uint64_t)cd.edx << 32) | cd.ecx) & ~XSS_PT;
	if (xss && probe_wrmsr(MSR_IA32_XSS, xss) >= 0) {
		con_printf("guest: FAIL IA32_XSS=0x%lx refused\n", xss);
		return GUEST_EXIT_FAIL;
	}
	/* RFBM all ones: every component enabled in XCR0 | IA32_XSS. */
	vs = probe_xsaves(xs_area, ~0ull);
	xcomp = *(volatile uint64_t *)(xs_area + 520);
	vr = probe_xrstors(xs_area, ~0ull);
	con_printf("guest: xsaves supported=1 xss=0x%lx xsaves=%d xrstors=%d xcomp_bv=0x%lx\n",
		   xss, vs, vr, xcomp);
	return vs < 0 && vr < 0 ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}
