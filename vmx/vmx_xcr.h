/* XSETBV emulation: the architectural checks of SDM Vol. 2D "XSETBV" and
 * Vol. 1 13.3, as a pure decision the host unit tests drive. */
#ifndef VMX_VMX_XCR_H
#define VMX_VMX_XCR_H

#include <stdbool.h>
#include <stdint.h>

/* XCR0 state-component bits (SDM Vol. 1 13.1). */
#define XCR0_X87       (1ull << 0)
#define XCR0_SSE       (1ull << 1)
#define XCR0_AVX       (1ull << 2)
#define XCR0_BNDREGS   (1ull << 3)
#define XCR0_BNDCSR    (1ull << 4)
#define XCR0_OPMASK    (1ull << 5)
#define XCR0_ZMM_HI256 (1ull << 6)
#define XCR0_HI16_ZMM  (1ull << 7)
#define XCR0_XTILECFG  (1ull << 17)
#define XCR0_XTILEDATA (1ull << 18)
#define XCR0_MPX       (XCR0_BNDREGS | XCR0_BNDCSR)
#define XCR0_AVX512    (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_AMX       (XCR0_XTILECFG | XCR0_XTILEDATA)

struct vmx_xsetbv_req {
	uint32_t ecx;         /* XCR index */
	uint64_t value;       /* EDX:EAX */
	unsigned cpl;         /* guest CPL (SS.DPL) */
	bool guest_osxsave;   /* the guest's own CR4.OSXSAVE */
	uint64_t supported;   /* CPUID.(EAX=0DH,ECX=0):EDX:EAX */
};

/* What the CPU does: 0 (write XCR0), or the vector of the exception it
 * raises instead (6 = #UD, 13 = #GP(0)). */
int vmx_xsetbv_check(const struct vmx_xsetbv_req *q);

#endif
