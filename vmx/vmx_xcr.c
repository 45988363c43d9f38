/* XSETBV checks in the order of the SDM's operation section (Vol. 2D
 * "XSETBV—Set Extended Control Register"): #UD without CR4.OSXSAVE, then
 * #GP(0) for CPL > 0, an XCR other than XCR0, and an XCR0 value that
 * Vol. 1 13.3 forbids.  Pure: vmx/vmx_exit.c gathers the inputs. */
#include "vmx/vmx_xcr.h"

#define X86_VEC_UD 6
#define X86_VEC_GP 13

static bool xcr0_pair_ok(uint64_t v, uint64_t pair)
{
	return (v & pair) == 0 || (v & pair) == pair;
}

int vmx_xsetbv_check(const struct vmx_xsetbv_req *q)
{
	uint64_t v = q->value;

	if (!q->guest_osxsave)
		return X86_VEC_UD;
	if (q->cpl != 0 || q->ecx != 0)
		return X86_VEC_GP;
	/* Bits the processor does not support, reserved bits (63 included)
	 * and supervisor components, none of which CPUID leaf 0DH sub-leaf 0
	 * reports. */
	if (v & ~q->supported)
		return X86_VEC_GP;
	if (!(v & XCR0_X87))
		return X86_VEC_GP;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return X86_VEC_GP;
	/* MPX: BNDREGS and BNDCSR together (Vol. 1 13.3). */
	if (!xcr0_pair_ok(v, XCR0_MPX))
		return X86_VEC_GP;
	/* AVX-512: opmask, ZMM_Hi256 and Hi16_ZMM all or none, and only
	 * with AVX. */
	if (!xcr0_pair_ok(v, XCR0_AVX512) || ((v & XCR0_AVX512) && !(v & XCR0_AVX)))
		return X86_VEC_GP;
	/* AMX: XTILECFG and XTILEDATA together. */
	if (!xcr0_pair_ok(v, XCR0_AMX))
		return X86_VEC_GP;
	return 0;
}
