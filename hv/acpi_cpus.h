/* Processor entries of the firmware's CPU tables, read and rewritten in
 * memory the caller owns (pure: host unit-tested):
 *  - the ACPI MADT (ACPI 6.5 section 5.2.12): Processor Local APIC (type 0)
 *    and Processor Local x2APIC (type 9) entries, flags bit 0 Enabled,
 *    bit 1 Online Capable (5.2.12.2, 5.2.12.12);
 *  - the legacy MP configuration table (Intel MultiProcessor Specification
 *    1.4, chapter 4): processor entries (type 0), CPU flags bit 0 EN.
 * The hypervisor counts the processors it must park from the MADT and gives
 * the guest copies that list only the CPU the guest runs on. */
#ifndef HV_ACPI_CPUS_H
#define HV_ACPI_CPUS_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MADT_LAPIC      0
#define ACPI_MADT_X2APIC     9
#define ACPI_MADT_ENABLED    (1u << 0)
#define ACPI_MADT_ONLINE_CAP (1u << 1)
#define ACPI_MADT_ENTRIES    44  /* header (36), local APIC address, flags */

#define MP_CONFIG_HEADER     44
#define MP_ENTRY_PROCESSOR   0
#define MP_CPU_EN            (1u << 0)

struct acpi_cpu_count {
	uint32_t enabled;   /* distinct APIC IDs with an enabled entry */
	uint32_t disabled;  /* processor entries that are not enabled */
	bool bsp_listed;    /* bsp_apic_id has an enabled entry */
};

/* Sum of len bytes (mod 256); a table is valid when it is 0. */
uint8_t acpi_sum(const uint8_t *p, uint32_t len);

/* Counts the MADT's processors.  len: the table's length field, already
 * checked against the memory the caller holds.  -EINVAL: no "APIC"
 * signature, len shorter than the header or different from the length field,
 * an entry shorter than its type's size or running past len. */
int acpi_madt_count(const uint8_t *madt, uint32_t len, uint32_t bsp_apic_id,
		    struct acpi_cpu_count *out);

/* Clears Enabled and Online Capable in every processor entry except
 * bsp_apic_id's (an x2APIC entry compares its 32-bit ID, a local APIC entry
 * its 8-bit ID) and fixes the checksum.  Returns the number of entries
 * changed, or -EINVAL as acpi_madt_count (nothing written then). */
int acpi_madt_hide_aps(uint8_t *madt, uint32_t len, uint32_t bsp_apic_id);

/* The same for an MP configuration table ("PCMP"; len = its base table
 * length, the extended entries after it are not touched). */
int mp_config_count(const uint8_t *cfg, uint32_t len, uint32_t bsp_apic_id,
		    struct acpi_cpu_count *out);
int mp_config_hide_aps(uint8_t *cfg, uint32_t len, uint32_t bsp_apic_id);

#define ACPI_MADT_IOAPIC 1  /* I/O APIC (ACPI 6.5 5.2.12.3) */
#define ACPI_MADT_ISO    2  /* Interrupt Source Override (5.2.12.5) */

/* Where ISA IRQ irq reaches an I/O APIC: its GSI (an Interrupt Source
 * Override for bus 0 and that source, else the IRQ number itself: 5.2.12.5),
 * the address of the I/O APIC whose GSI base is the highest not above it,
 * and its input there (GSI - base).  -ENOENT: no such I/O APIC; -EINVAL as
 * acpi_madt_count. */
int acpi_madt_isa_irq(const uint8_t *madt, uint32_t len, uint8_t irq, uint64_t *ioapic_pa,
		      uint32_t *pin);

#endif
