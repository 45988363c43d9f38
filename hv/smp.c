#include "hv/smp.h"
#include "boot/boot_defs.h"
#include "boot/desc.h"
#include "hv/acpi.h"
#include "hv/acpi_cpus.h"
#include "hv/cmdline.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/status.h"
#include "hv/tsc.h"
#include "vmx/vmx_ops.h"

#define MSR_APIC_BASE      0x1b
#define APIC_BASE_BSP      (1ull << 8)
#define APIC_BASE_X2APIC   (1ull << 10)
#define MSR_X2APIC_ICR     0x830
#define XAPIC_ICR_LO       0x300
#define XAPIC_ICR_HI       0x310
#define ICR_ALL_BUT_SELF   (3u << 18)
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_PENDING        (1u << 12)

/* Per application processor, from the pool (never in the guest's EPT): one
 * page for its GDT and TSS, its VMXON region, its stack, and one stack for
 * each IST slot (NMI, #DF, #MC). */
#define SMP_AP_STACK_PAGES 4
#define SMP_AP_IST_PAGES   1
#define SMP_AP_PAGES       (2 + SMP_AP_STACK_PAGES + DESC_IST_COUNT * SMP_AP_IST_PAGES)
#define PAGE               4096u

extern const char ap_trampoline[], ap_trampoline_end[];
void ap_main(uint32_t slot);

/* Read by boot/ap_entry.S: slots below ap_slots have a stack; a processor
 * arriving beyond them counts itself in ap_unslotted and halts. */
volatile uint32_t ap_next_slot, ap_slots, ap_unslotted;
uint64_t ap_stack_top[AP_MAX];

static struct desc_cpu *ap_desc[AP_MAX];
static uint64_t ap_vmxon_pa[AP_MAX];
static const struct vmx_cpu *ap_vmx;
static volatile uint32_t ap_parked, ap_failed;

static struct {
	bool have_madt, bad_ap_max;
	uint64_t madt_pa;
	uint32_t bsp_id, madt_cpus, aps, ap_max;
} smp;

static void smp_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz() / 1000000 * us;

	while (rdtsc() < end)
		cpu_pause();
}

static void smp_send_ipi(uint32_t icr)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (base & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, icr);
		return;
	}
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);

	apic[XAPIC_ICR_HI / 4] = 0;
	apic[XAPIC_ICR_LO / 4] = icr;
	for (int spins = 0; spins < 100000 && (apic[XAPIC_ICR_LO / 4] & ICR_PENDING); spins++)
		cpu_pause();
}

uint32_t smp_bsp_apic_id(void)
{
	/* The x2APIC ID where leaf 0BH exists (SDM Vol. 3A 10.12.8.1), else
	 * the initial APIC ID of CPUID.1:EBX[31:24]. */
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

bool smp_this_cpu_is_bsp(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP;
}

void smp_plan(uint64_t rsdp_hint, const char *cmdline)
{
	struct acpi_cpu_count c;
	uint64_t pa;
	char val[24];
	uint64_t max;
	const uint8_t *madt;

	smp.bsp_id = smp_bsp_apic_id();
	smp.ap_max = AP_MAX;
	if (cmdline_get(cmdline, "ap-max", val, sizeof(val))) {
		if (cmdline_parse_u64(val, &max) || max > AP_MAX)
			smp.bad_ap_max = true;
		else
			smp.ap_max = (uint32_t)max;
	}
	if (acpi_find_tables(acpi_find_rsdp(rsdp_hint), "APIC", &pa, 1) != 1)
		return;
	madt = acpi_table_at(pa, "APIC");
	if (!madt || acpi_madt_count(madt, madt[4] | madt[5] << 8 | madt[6] << 16 |
					   (uint32_t)madt[7] << 24, smp.bsp_id, &c))
		return;
	smp.have_madt = true;
	smp.madt_pa = pa;
	smp.madt_cpus = c.enabled;
	smp.aps = c.enabled - (c.bsp_listed ? 1 : 0);
}

uint64_t smp_pool_bytes(void)
{
	uint32_t n = smp.aps < smp.ap_max ? smp.aps : smp.ap_max;

	return (uint64_t)n * SMP_AP_PAGES * PAGE;
}

void ap_main(uint32_t slot)
{
	uint64_t fc;

	/* Its own GDT, TSS and IST stacks before anything can fault: an NMI
	 * from the guest must never find TR's reset base 0 (guest memory). */
	desc_cpu_load(ap_desc[slot]);
	fc = rdmsr(0x3a);
	if (!(fc & 1))
		wrmsr(0x3a, fc | 1 | 4);
	write_cr0((read_cr0() | ap_vmx->msrs.cr0_fixed0) & ap_vmx->msrs.cr0_fixed1);
	write_cr4((read_cr4() | ap_vmx->msrs.cr4_fixed0 | X86_CR4_VMXE) & ap_vmx->msrs.cr4_fixed1);
	if (vmx_on(ap_vmxon_pa[slot]))
		__atomic_add_fetch(&ap_parked, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&ap_failed, 1, __ATOMIC_SEQ_CST);
	/* Parked: INIT is blocked in VMX root operation; an NMI is delivered
	 * through the host IDT (SDM Vol. 3C 26.1: VMX root operation handles
	 * events as outside VMX), runs on this CPU's IST1 stack and returns
	 * here (hv/panic.c); nothing else wakes a CPU with interrupts off. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Per-AP memory; false when the pool ran out. */
static bool smp_alloc_ap(struct palloc *pool, uint32_t i, uint32_t revision)
{
	uint64_t pa = palloc_pages(pool, SMP_AP_PAGES), ist[DESC_IST_COUNT];

	if (!pa)
		return false;
	memset((void *)(uintptr_t)pa, 0, SMP_AP_PAGES * PAGE);
	ap_desc[i] = (struct desc_cpu *)(uintptr_t)pa;
	ap_vmxon_pa[i] = pa + PAGE;
	*(uint32_t *)(uintptr_t)ap_vmxon_pa[i] = revision;
	ap_stack_top[i] = pa + (2 + SMP_AP_STACK_PAGES) * PAGE;
	for (int k = 0; k < DESC_IST_COUNT; k++)
		ist[k] = ap_stack_top[i] + (uint64_t)(k + 1) * SMP_AP_IST_PAGES * PAGE;
	desc_cpu_setup(ap_desc[i], ist);
	return true;
}

void smp_park_aps(const struct vmx_cpu *v, struct palloc *pool)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);
	uint32_t seen = 0;

	if (!(cpuid(1, 0).edx & (1u << 9))) {
		pr_info("smp: no local APIC; single processor");
		return;
	}
	if (smp.have_madt)
		pr_info("smp: the MADT lists %u enabled processor(s); this one has APIC ID %u",
			smp.madt_cpus, smp.bsp_id);
	else
		pr_info("smp: no ACPI MADT; expecting no application processor");
	if (smp.bad_ap_max) {
		pr_err("refused: ap-max on the command line is not a number from 0 to %u", AP_MAX);
		hv_power_off(HV_STATUS_SMP);
	}
	if (smp.aps > smp.ap_max) {
		pr_err("refused: the MADT lists %u application processor(s), more than the %u "
		       "this hypervisor parks (ap-max)", smp.aps, smp.ap_max);
		hv_power_off(HV_STATUS_SMP);
	}
	ap_vmx = v;
	for (uint32_t i = 0; i < smp.aps; i++)
		if (!smp_alloc_ap(pool, i, v->caps.vmcs_revision)) {
			pr_err("refused: no pool memory for application processor %u of %u",
			       i + 1, smp.aps);
			hv_power_off(HV_STATUS_NO_MEMORY);
		}
	ap_slots = smp.aps;
	/* The trampoline page stays: it is reserved from the guest (not in the
	 * EPT, reserved in its memory map), so a processor arriving at any
	 * time runs this code, never bytes the guest wrote. */
	memcpy((void *)(uintptr_t)SMP_TRAMPOLINE_PA, ap_trampoline, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* All excluding self, not the MADT's IDs: a processor the MADT does
	 * not list must not stay in wait-for-SIPI for the guest to start. */
	smp_send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
	smp_delay_us(10000);
	for (int i = 0; i < 2; i++) {
		smp_send_ipi(ICR_ALL_BUT_SELF | ICR_STARTUP | (SMP_TRAMPOLINE_PA >> 12));
		smp_delay_us(200);
	}
	/* Until every listed AP has checked in and none arrived for 50 ms
	 * (bounded: 1 s in all).  When the MADT lists no AP, a quiet 20 ms
	 * (two 10 ms polls) is enough to catch one it does not list: an AP
	 * reaches the trampoline microseconds after its SIPI (SDM Vol. 3A
	 * 9.4.4 waits 200 us per SIPI); it would count as unslotted below. */
	uint64_t step_us = smp.aps ? 50000 : 10000;
	int polls = (int)(1000000 / step_us), quiet = smp.aps ? 2 : 1;

	for (int waited = 0; waited < polls; waited++) {
		smp_delay_us(step_us);
		uint32_t now = ap_parked + ap_failed + ap_unslotted;

		if (now == seen && now >= smp.aps && waited >= quiet)
			break;
		seen = now;
	}
	pr_info("smp: parked %u application processor(s) in VMX root operation", ap_parked);
	/* A processor halted outside VMX root operation would still take the
	 * guest's INIT-SIPI and run unprotected: fail closed. */
	if (ap_failed) {
		pr_err("refused: %u application processor(s) could not enter VMX root operation",
		       ap_failed);
		hv_power_off(HV_STATUS_NO_VMX);
	}
	if (ap_unslotted) {
		pr_err("refused: %u processor(s) started beyond the %u application processor(s) "
		       "the MADT lists", ap_unslotted, smp.aps);
		hv_power_off(HV_STATUS_SMP);
	}
	if (ap_parked < smp.aps) {
		pr_err("refused: %u of the %u application processor(s) the MADT lists did not start",
		       smp.aps - ap_parked, smp.aps);
		hv_power_off(HV_STATUS_SMP);
	}
}
