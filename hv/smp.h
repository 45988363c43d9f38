#ifndef HV_SMP_H
#define HV_SMP_H

#include <stdbool.h>

#include "hv/palloc.h"
#include "vmx/vmx.h"

/* The page the application processors start in (SIPI vector 0x08).  It
 * keeps the trampoline for good and is reserved from the guest. */
#define SMP_TRAMPOLINE_PA 0x8000u

/* Counts the processors the ACPI MADT lists as enabled (rsdp_hint from the
 * boot information, 0 to search the BIOS areas) and reads `ap-max=N` from the
 * command line.  Prints nothing; call before sizing the pool. */
void smp_plan(uint64_t rsdp_hint, const char *cmdline);

/* Pool bytes the application processors will take (smp_park_aps). */
uint64_t smp_pool_bytes(void);

/* Starts every application processor (INIT-SIPI-SIPI to all excluding self,
 * SDM Vol. 3A 9.4.4) and parks it in VMX root operation, where INIT is
 * blocked (SDM Vol. 3C 24.8) and a SIPI is ignored outside wait-for-SIPI:
 * the guest cannot start a processor outside the EPT.  Each gets its own
 * GDT, TSS, IST stacks and stack from the pool.  Refuses to launch
 * (HV_STATUS_SMP) when the MADT lists more than ap-max, when a listed one
 * does not arrive or an unlisted one does; HV_STATUS_NO_VMX when one cannot
 * enter VMX root operation. */
void smp_park_aps(const struct vmx_cpu *v, struct palloc *pool);

/* This CPU's APIC ID as the MADT names it (x2APIC ID where CPUID leaf 0BH
 * exists, else the initial APIC ID). */
uint32_t smp_bsp_apic_id(void);

/* IA32_APIC_BASE.BSP (SDM Vol. 3A 10.4.4): true on the processor the
 * firmware booted, the one that runs the guest. */
bool smp_this_cpu_is_bsp(void);

#endif
