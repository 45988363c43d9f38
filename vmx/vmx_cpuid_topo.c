#include "vmx/vmx_cpuid_topo.h"

/* Leaf 0BH/1FH level types (ECX[15:8]). */
#define TOPO_LEVEL_SMT  1
#define TOPO_LEVEL_CORE 2

void vmx_cpuid_one_cpu(uint32_t leaf, uint32_t sub, uint32_t max_basic, struct cpuid_regs *c)
{
	if (leaf > max_basic)
		return;
	switch (leaf) {
	case 1:
		/* EBX[23:16]: addressable logical processor IDs in the package.
		 * HTT (EDX bit 28) stays: with it the field is valid, and 1 says
		 * one processor. */
		c->ebx = (c->ebx & ~0x00ff0000u) | (1u << 16);
		break;
	case 4:
		/* EAX[4:0] = 0: no cache at this sub-leaf, nothing to describe.
		 * Else EAX[25:14] (logical processors sharing the cache - 1) and
		 * EAX[31:26] (cores in the package - 1) become 0. */
		if (c->eax & 0x1f)
			c->eax &= 0x00003fffu;
		break;
	case 0xb:
	case 0x1f:
		/* Within max_basic the leaf exists.  Two levels, SMT and core,
		 * each with one logical processor and a shift of 0 (the x2APIC
		 * ID is then the package ID), then the invalid level (type 0);
		 * EDX (x2APIC ID) stays. */
		if (sub == 0 || sub == 1) {
			c->eax = 0;
			c->ebx = 1;
			c->ecx = (sub == 0 ? TOPO_LEVEL_SMT : TOPO_LEVEL_CORE) << 8 | sub;
		} else {
			c->eax = 0;
			c->ebx = 0;
			c->ecx = sub & 0xff;
		}
		break;
	default:
		break;
	}
}
