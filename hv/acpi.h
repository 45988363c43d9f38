/* Just enough ACPI to power the machine off on hardware: find the FADT and
 * the \_S5 sleep type (ACPI 6.x sections 5.2.5-5.2.9, 7.4.2). */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <stdint.h>

struct acpi_s5 {
	uint16_t pm1a_cnt, pm1b_cnt;
	uint16_t slp_typa, slp_typb;
};

/* rsdp_pa: from the boot information, or 0 to search the BIOS areas.
 * -ENOENT when no usable FADT / \_S5 is found. */
int acpi_find_s5(uint64_t rsdp_pa, struct acpi_s5 *out);

/* rsdp_pa if non-zero, else the RSDP found where an OS looks on a BIOS
 * machine: the first KiB of the EBDA, then 0xE0000-0xFFFFF (ACPI 6.5
 * 5.2.5.1).  0 when there is none. */
uint64_t acpi_find_rsdp(uint64_t rsdp_pa);

/* Up to max addresses of valid tables (signature, length, checksum) with
 * signature sig listed by the RSDT and by the XSDT, each address once.
 * Returns how many were found. */
int acpi_find_tables(uint64_t rsdp_pa, const char *sig, uint64_t *pa, int max);

/* The table at pa if it has signature sig, a sane length and a valid
 * checksum; else NULL. */
const uint8_t *acpi_table_at(uint64_t pa, const char *sig);

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO     1

struct acpi_reset {
	uint8_t space;  /* ACPI_SPACE_* */
	uint64_t addr;
	uint8_t value;
};

/* The FADT's reset register; -ENOENT when the FADT offers none. */
int acpi_find_reset(uint64_t rsdp_pa, struct acpi_reset *out);

#endif
