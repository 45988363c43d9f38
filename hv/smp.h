#ifndef HV_SMP_H
#define HV_SMP_H

#include "hv/palloc.h"
#include "vmx/vmx.h"

/* Starts every application processor (INIT-SIPI-SIPI, SDM Vol. 3A 9.4.4)
 * and parks it in VMX root operation, where INIT is blocked (SDM Vol. 3C
 * 24.8) and a SIPI is ignored outside wait-for-SIPI: the guest cannot start
 * a processor outside the EPT.  The guest sees one CPU. */
void smp_park_aps(const struct vmx_cpu *v, struct palloc *pool);

#endif
