/* The virtual THRE interrupt's delivery: the guest owns the local APIC and
 * the I/O APIC (both in its EPT, passed through), so the hypervisor raises
 * the UART's interrupt the way the I/O APIC would have, as a fixed
 * interrupt from this CPU's own local APIC to itself, with the vector of the
 * UART's redirection entry.  Because the interrupt really comes through the
 * local APIC, the guest's EOI (to that local APIC) ends it; nothing is
 * injected through the VMCS.  The accesses are a fixed handful, none loops
 * on a guest-controlled value, guest memory is never written. */
#include "hv/vuart_irq.h"
#include "hv/acpi.h"
#include "hv/acpi_cpus.h"
#include "hv/cpu.h"
#include "hv/log.h"
#include "hv/vuart.h"

#include <stddef.h>

#define VI_MSR_APIC_BASE 0x1bu
#define VI_APIC_BASE_EXTD (1ull << 10) /* x2APIC mode (SDM Vol. 3A 11.12.1) */
#define VI_APIC_BASE_EN   (1ull << 11) /* global enable (11.4.3) */
/* xAPIC registers (SDM Vol. 3A table 11-1) and their x2APIC MSRs (table
 * 11-6: 0x800 + offset / 16). */
#define VI_APIC_ID   0x20u
#define VI_APIC_LDR  0xd0u
#define VI_APIC_DFR  0xe0u
#define VI_APIC_SVR  0xf0u
#define VI_APIC_ICR_LO 0x300u
#define VI_APIC_SVR_ENABLE (1u << 8)  /* APIC software enable (11.9) */
#define VI_ICR_PENDING (1u << 12)     /* delivery status (11.6.1) */
#define VI_ICR_ASSERT  (1u << 14)
#define VI_ICR_SELF    (1u << 18)     /* destination shorthand 01: self */
#define VI_MSR_X2APIC(off) (0x800u + (off) / 16)
#define VI_MSR_SELF_IPI 0x83fu        /* SELF IPI (11.12.11) */
/* I/O APIC (82093AA data sheet 3.0, 3.2.2): IOREGSEL at +0, IOWIN at
 * +0x10; register 1 the version (bits 16-23 the last entry), 0x10 + 2n the
 * low and 0x11 + 2n the high half of redirection entry n. */
#define VI_IOWIN_IDX (0x10u / 4)
#define VI_IOAPIC_VER 0x01u
#define VI_IOAPIC_RTE 0x10u
/* Bounded wait for a previous interrupt command to leave (11.6.1); the
 * self IPI is not lost if it is still pending: the guest's own command,
 * if any, was sent before it exited. */
#define VI_ICR_SPINS 1000

static struct {
	volatile uint32_t *ioapic;
	uint32_t pin;
} vuart_irq;

static uint32_t vuart_irq_ioapic_read(volatile uint32_t *io, uint32_t reg)
{
	io[0] = reg;
	return io[VI_IOWIN_IDX];
}

void vuart_irq_init(uint64_t rsdp_hint, uint16_t port)
{
	uint8_t irq = (port == 0x3f8 || port == 0x3e8) ? 4 : (port == 0x2f8 || port == 0x2e8) ? 3 : 0;
	uint64_t pa = 0, madt_pa;
	uint32_t pin, sel;
	const uint8_t *madt;
	volatile uint32_t *io;

	vuart_irq.ioapic = NULL;
	if (!irq || acpi_find_tables(acpi_find_rsdp(rsdp_hint), "APIC", &madt_pa, 1) != 1)
		return;
	madt = acpi_table_at(madt_pa, "APIC");
	if (!madt || acpi_madt_isa_irq(madt, madt[4] | madt[5] << 8 | madt[6] << 16 |
						 (uint32_t)madt[7] << 24, irq, &pa, &pin) ||
	    !pa || pa > 0xfffff000ull || (pa & 0xf))
		return;
	io = (volatile uint32_t *)(uintptr_t)pa;
	sel = io[0];
	if (pin > ((vuart_irq_ioapic_read(io, VI_IOAPIC_VER) >> 16) & 0xff)) {
		io[0] = sel;
		return;
	}
	io[0] = sel;
	vuart_irq.ioapic = io;
	vuart_irq.pin = pin;
	pr_info("console: the guest's UART interrupt (ISA IRQ %u) is I/O APIC 0x%lx input %u",
		irq, pa, pin);
}

bool vuart_irq_raise(void)
{
	volatile uint32_t *io = vuart_irq.ioapic, *apic;
	uint64_t base, rte;
	uint32_t sel, id, ldr, dfr = 0;
	bool x2;
	int vec;

	if (!io)
		return false;
	base = rdmsr(VI_MSR_APIC_BASE);
	if (!(base & VI_APIC_BASE_EN))
		return false;
	x2 = base & VI_APIC_BASE_EXTD;
	apic = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000ull);
	if (x2) {
		if (!(rdmsr(VI_MSR_X2APIC(VI_APIC_SVR)) & VI_APIC_SVR_ENABLE))
			return false;
		id = (uint32_t)rdmsr(VI_MSR_X2APIC(VI_APIC_ID));
		ldr = (uint32_t)rdmsr(VI_MSR_X2APIC(VI_APIC_LDR));
	} else {
		if ((base >> 32) || !(apic[VI_APIC_SVR / 4] & VI_APIC_SVR_ENABLE))
			return false;
		id = apic[VI_APIC_ID / 4] >> 24;
		ldr = apic[VI_APIC_LDR / 4];
		dfr = apic[VI_APIC_DFR / 4];
	}
	/* The guest's IOREGSEL is put back: it may be between selecting a
	 * register and using the window. */
	sel = io[0];
	rte = vuart_irq_ioapic_read(io, VI_IOAPIC_RTE + 2 * vuart_irq.pin);
	rte |= (uint64_t)vuart_irq_ioapic_read(io, VI_IOAPIC_RTE + 2 * vuart_irq.pin + 1) << 32;
	io[0] = sel;
	vec = vuart_irq_route(rte, id, x2, ldr, dfr);
	if (vec < 0)
		return false;
	if (x2) {
		wrmsr(VI_MSR_SELF_IPI, (uint32_t)vec);
		return true;
	}
	for (int i = 0; i < VI_ICR_SPINS && (apic[VI_APIC_ICR_LO / 4] & VI_ICR_PENDING); i++)
		cpu_pause();
	apic[VI_APIC_ICR_LO / 4] = VI_ICR_SELF | VI_ICR_ASSERT | (uint32_t)vec;
	return true;
}
