/* The guest's view of the firmware's processor tables: the ACPI MADT and
 * the legacy MP configuration table list only the CPU the guest runs on. */
#ifndef HV_ACPI_GUEST_H
#define HV_ACPI_GUEST_H

#include <stdint.h>

#include "ept/ept.h"
#include "hv/palloc.h"

/* For every page holding a MADT (from the RSDT and the XSDT) or the MP
 * configuration table: copies the page into the pool, marks every processor
 * entry but bsp_apic_id's disabled in the copy (checksums fixed,
 * hv/acpi_cpus.c) and points the guest's EPT leaf for that page at the
 * copy.  The firmware's tables stay untouched; every pointer to them (RSDP,
 * RSDT, XSDT, MP floating pointer, a boot loader's copy of the RSDP) still
 * leads the guest to the same addresses, where it reads the copies.  Call
 * after the EPT is built, before launch.  Problems are logged; the guest is
 * launched either way. */
void acpi_guest_tables(struct ept *ept, struct palloc *pool, uint64_t rsdp_hint,
		       uint32_t bsp_apic_id);

/* The firmware's RSDP as acpi_guest_tables found it (its bytes saved then:
 * a boot loader's copy may lie in memory the guest image overwrites), for
 * the guest's Multiboot 2 ACPI tag.  *len: 36 (ACPI 2.0+), 20, or 0 and
 * NULL returned when there is none. */
const uint8_t *acpi_guest_rsdp(uint32_t *len);

#endif
