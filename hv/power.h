#ifndef HV_POWER_H
#define HV_POWER_H

#include <stdint.h>

/* Prints `hv-exit status=N` and powers the machine off: QEMU's isa-debug-exit
 * port, Bochs's shutdown port, then ACPI S5 on hardware.  Never returns. */
__attribute__((noreturn)) void hv_power_off(unsigned status);

/* The ACPI RSDP from the boot information, for the S5 path (0: none); a
 * copy is kept in hypervisor memory, and power_rsdp_pa() returns its
 * address (0: none, search the BIOS areas). */
void power_set_rsdp(uint64_t rsdp_pa);
uint64_t power_rsdp_pa(void);

#endif
