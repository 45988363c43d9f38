/* Modes about the processors the guest does not own.
 *
 * `nmi-ap`: an NMI to a parked application processor must run on that
 * processor's own stack in hypervisor memory.  A processor whose TR still
 * has its reset base 0 would take its NMI stack (IST1, SDM Vol. 3A 7.14.5)
 * from the 8 bytes at physical 0x24 (the TSS's IST1 field, Vol. 3A 9.7): the
 * mode points those at a page of its own, sends an NMI to all other
 * processors and checks that neither that page nor the bytes around 0x24
 * changed.  Then the exit hypercall shows the hypervisor still runs.
 *
 * `cpus`: reports what an OS would count: enabled processors in the ACPI
 * MADT and in the MP table, found where an OS looks for them (ACPI 6.5
 * 5.2.5.1, MP spec 1.4 4.1), and the CPUID leaves that count logical
 * processors.  Booted natively on several CPUs it sees all of them. */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define APIC_ICR_LO     0xfee00300u
#define APIC_ICR_HI     0xfee00310u
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_NMI          (4u << 8)
#define IST1_AT_TR_BASE0 0x24u
#define FAKE_STACK_PAGE  0x6000u
#define FAKE_STACK_FILL  0x5a
#define LOW_CHECK_END    0x100u

static void smp_ipi(uint32_t icr)
{
	*(volatile uint32_t *)(uintptr_t)APIC_ICR_HI = 0;
	*(volatile uint32_t *)(uintptr_t)APIC_ICR_LO = icr;
	for (int i = 0; i < 100000 && (*(volatile uint32_t *)(uintptr_t)APIC_ICR_LO & (1u << 12)); i++)
		__asm__ volatile("pause");
}

static void smp_delay(uint64_t ticks)
{
	uint32_t lo, hi;
	uint64_t start, now;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	start = (uint64_t)hi << 32 | lo;
	do {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		now = (uint64_t)hi << 32 | lo;
	} while (now - start < ticks);
}

/* Low fixed addresses through a register, so GCC does not treat them as
 * pointers to zero-sized objects. */
static volatile uint8_t *phys(uint32_t pa)
{
	uintptr_t p = pa;

	__asm__("" : "+r"(p));
	return (volatile uint8_t *)p;
}

uint32_t guest_mode_nmi_ap(const struct guest_boot *b)
{
	static uint8_t low[LOW_CHECK_END];
	volatile uint8_t *page = phys(FAKE_STACK_PAGE);
	uint32_t changed = 0, first = 0;

	(void)b;
	for (uint32_t i = 0; i < 4096; i++)
		page[i] = FAKE_STACK_FILL;
	/* The recognisable value: the top of FAKE_STACK_PAGE. */
	*(volatile uint64_t *)phys(IST1_AT_TR_BASE0) = FAKE_STACK_PAGE + 4096;
	for (uint32_t i = 0; i < LOW_CHECK_END; i++)
		low[i] = phys(0)[i];
	con_printf("guest: IST1 at 0x%x points at 0x%x; sending NMI to all other processors\n",
		   IST1_AT_TR_BASE0, FAKE_STACK_PAGE + 4096);
	smp_ipi(ICR_ALL_BUT_SELF | ICR_NMI);
	smp_delay(5000000);
	for (uint32_t i = 0; i < 4096; i++)
		if (page[i] != FAKE_STACK_FILL && !changed++)
			first = FAKE_STACK_PAGE + i;
	for (uint32_t i = 0; i < LOW_CHECK_END; i++)
		if (phys(0)[i] != low[i] && !changed++)
			first = i;
	if (changed) {
		con_printf("guest: FAIL %u byte(s) of guest memory changed by the NMI, first at 0x%x\n",
			   changed, first);
		return GUEST_EXIT_FAIL;
	}
	con_printf("guest: NMI to the other processors left guest memory unchanged\n");
	return GUEST_EXIT_OK;
}

static uint32_t rd32(const volatile uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sum_ok(const volatile uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static int sig_is(const volatile uint8_t *p, const char *sig, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)sig[i])
			return 0;
	return 1;
}

/* The first 16-byte aligned structure with signature sig and a valid
 * checksum over len bytes in [start, end); 0 if none. */
static uint32_t scan(uint32_t start, uint32_t end, const char *sig, uint32_t siglen, uint32_t len)
{
	for (uint32_t pa = start; pa + len <= end; pa += 16)
		if (sig_is(phys(pa), sig, siglen) && sum_ok(phys(pa), len))
			return pa;
	return 0;
}

static uint32_t ebda_base(void)
{
	uint32_t seg = phys(0x40e)[0] | phys(0x40e)[1] << 8;

	return seg >= 0x8000 && seg < 0xa000 ? seg << 4 : 0;
}

/* Enabled processors in the MADT; -1 when there is no valid one, -2 when a
 * table on the way has a bad checksum. */
static int madt_enabled(uint32_t *madt_at)
{
	uint32_t ebda = ebda_base(), rsdp = 0, sdt, entry, len;

	if (ebda)
		rsdp = scan(ebda, ebda + 1024, "RSD PTR ", 8, 20);
	if (!rsdp)
		rsdp = scan(0xe0000, 0x100000, "RSD PTR ", 8, 20);
	if (!rsdp)
		return -1;
	/* An ACPI 2.0+ OS uses the XSDT (below 4 GiB here). */
	if (phys(rsdp)[15] >= 2 && rd32(phys(rsdp + 28)) == 0 && rd32(phys(rsdp + 24))) {
		sdt = rd32(phys(rsdp + 24));
		entry = 8;
	} else {
		sdt = rd32(phys(rsdp + 16));
		entry = 4;
	}
	len = rd32(phys(sdt + 4));
	if (!sum_ok(phys(sdt), len))
		return -2;
	for (uint32_t off = 36; off + entry <= len; off += entry) {
		uint32_t t = rd32(phys(sdt + off));
		int n = 0;

		if (entry == 8 && rd32(phys(sdt + off + 4)))
			continue;
		if (!sig_is(phys(t), "APIC", 4))
			continue;
		uint32_t tlen = rd32(phys(t + 4));

		if (!sum_ok(phys(t), tlen))
			return -2;
		for (uint32_t e = 44; e + 2 <= tlen && phys(t + e)[1] >= 2; e += phys(t + e)[1]) {
			uint8_t type = phys(t + e)[0];

			if ((type == 0 && (rd32(phys(t + e + 4)) & 1)) ||
			    (type == 9 && (rd32(phys(t + e + 8)) & 1)))
				n++;
		}
		*madt_at = t;
		return n;
	}
	return -1;
}

static int mp_enabled(void)
{
	uint32_t ebda = ebda_base(), fp = 0, cfg, n = 0, off = 44;

	if (ebda)
		fp = scan(ebda, ebda + 1024, "_MP_", 4, 16);
	if (!fp)
		fp = scan(0x9fc00, 0xa0000, "_MP_", 4, 16);
	if (!fp)
		fp = scan(0xf0000, 0x100000, "_MP_", 4, 16);
	if (!fp || !(cfg = rd32(phys(fp + 4))))
		return -1;
	uint32_t len = phys(cfg + 4)[0] | phys(cfg + 4)[1] << 8;
	uint32_t count = phys(cfg + 34)[0] | phys(cfg + 34)[1] << 8;

	if (!sig_is(phys(cfg), "PCMP", 4) || !sum_ok(phys(cfg), len))
		return -2;
	for (uint32_t i = 0; i < count && off < len; i++) {
		if (phys(cfg + off)[0] == 0) {
			n += phys(cfg + off)[3] & 1;
			off += 20;
		} else {
			off += 8;
		}
	}
	return (int)n;
}

uint32_t guest_mode_cpus(const struct guest_boot *b)
{
	uint32_t madt_at = 0, max = cpu_cpuid(0, 0).eax;
	int madt = madt_enabled(&madt_at), mp = mp_enabled();
	struct cpuid_regs r = cpu_cpuid(1, 0);
	uint32_t logical, cores = 0, smt = 0, core = 0;

	(void)b;
	logical = (r.edx & (1u << 28)) ? (r.ebx >> 16) & 0xff : 1;
	if (max >= 4) {
		r = cpu_cpuid(4, 0);
		cores = (r.eax & 0x1f) ? (r.eax >> 26) + 1 : 0;
	}
	if (max >= 0xb) {
		smt = cpu_cpuid(0xb, 0).ebx & 0xffff;
		core = cpu_cpuid(0xb, 1).ebx & 0xffff;
	}
	con_printf("guest: cpus madt=%d mp=%d cpuid1-logical=%u cpuid4-cores=%u "
		   "cpuidb-smt=%u cpuidb-core=%u (MADT at 0x%x)\n",
		   madt, mp, logical, cores, smt, core, madt_at);
	if (madt == -2 || mp == -2) {
		con_printf("guest: FAIL a processor table has a bad checksum\n");
		return GUEST_EXIT_FAIL;
	}
	return GUEST_EXIT_OK;
}
