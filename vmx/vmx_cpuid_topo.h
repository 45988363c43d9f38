/* CPUID as the guest sees it on the one CPU it owns: the leaves that count
 * logical processors describe a package with one core and one thread, so an
 * OS does not look for the processors the hypervisor parked (SDM Vol. 2A,
 * CPUID: leaf 1 EBX[23:16], leaf 4 EAX[25:14] and EAX[31:26], leaves 0BH and
 * 1FH; Vol. 3A 10.9 "Topology identification").  Pure: host unit-tested. */
#ifndef VMX_VMX_CPUID_TOPO_H
#define VMX_VMX_CPUID_TOPO_H

#include <stdint.h>

#include "hv/cpu.h"

/* Rewrites c, the processor's answer to CPUID(leaf, sub), in place.
 * max_basic: the processor's highest basic leaf (CPUID.0:EAX); a leaf above
 * it returns another leaf's data and is left alone, as is every leaf this
 * does not concern.  The initial and x2APIC IDs stay the real ones. */
void vmx_cpuid_one_cpu(uint32_t leaf, uint32_t sub, uint32_t max_basic, struct cpuid_regs *c);

#endif
