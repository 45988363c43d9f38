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
