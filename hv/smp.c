#include "hv/smp.h"
#include "boot/boot_defs.h"
#include "boot/desc.h"
#include "hv/cpu.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/status.h"
#include "hv/tsc.h"
#include "vmx/vmx_ops.h"

#define MSR_APIC_BASE      0x1b
#define APIC_BASE_X2APIC   (1ull << 10)
#define MSR_X2APIC_ICR     0x830
#define XAPIC_ICR_LO       0x300
#define XAPIC_ICR_HI       0x310
#define ICR_ALL_BUT_SELF   (3u << 18)
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_PENDING        (1u << 12)
#define AP_TRAMPOLINE_PA   0x8000u

extern const char ap_trampoline[], ap_trampoline_end[];
extern volatile uint32_t ap_next_slot;
void ap_main(uint32_t slot);

static uint64_t ap_vmxon_pa[AP_MAX];
static const struct vmx_cpu *ap_vmx;
static volatile uint32_t ap_parked, ap_failed;

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

void ap_main(uint32_t slot)
{
	uint64_t fc;

	desc_load_ap();
	fc = rdmsr(0x3a);
	if (!(fc & 1))
		wrmsr(0x3a, fc | 1 | 4);
	write_cr0((read_cr0() | ap_vmx->msrs.cr0_fixed0) & ap_vmx->msrs.cr0_fixed1);
	write_cr4((read_cr4() | ap_vmx->msrs.cr4_fixed0 | X86_CR4_VMXE) & ap_vmx->msrs.cr4_fixed1);
	if (slot < AP_MAX && ap_vmxon_pa[slot] && vmx_on(ap_vmxon_pa[slot]))
		__atomic_add_fetch(&ap_parked, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&ap_failed, 1, __ATOMIC_SEQ_CST);
	/* Parked: INIT is blocked in VMX root operation; NMIs return here
	 * (hv/panic.c); nothing else wakes a CPU with interrupts off. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void smp_park_aps(const struct vmx_cpu *v, struct palloc *pool)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);
	uint32_t seen = 0;

	if (!(cpuid(1, 0).edx & (1u << 9))) {
		pr_info("smp: no local APIC; single processor");
		return;
	}
	ap_vmx = v;
	for (int i = 0; i < AP_MAX; i++) {
		ap_vmxon_pa[i] = palloc_pages(pool, 1);
		if (ap_vmxon_pa[i])
			*(uint32_t *)(uintptr_t)ap_vmxon_pa[i] = v->caps.vmcs_revision;
	}
	memcpy((void *)(uintptr_t)AP_TRAMPOLINE_PA, ap_trampoline, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	smp_send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
	smp_delay_us(10000);
	for (int i = 0; i < 2; i++) {
		smp_send_ipi(ICR_ALL_BUT_SELF | ICR_STARTUP | (AP_TRAMPOLINE_PA >> 12));
		smp_delay_us(200);
	}
	/* Wait until no new AP has arrived for 50 ms (bounded: 1 s in all). */
	for (int waited = 0; waited < 20; waited++) {
		smp_delay_us(50000);
		uint32_t now = ap_parked + ap_failed;

		if (now == seen && waited >= 2)
			break;
		seen = now;
	}
	memset((void *)(uintptr_t)AP_TRAMPOLINE_PA, 0, len);
	pr_info("smp: parked %u application processor(s) in VMX root operation", ap_parked);
	if (ap_failed) {
		/* A halted AP outside VMX root would still take the guest's
		 * INIT-SIPI and run unprotected: fail closed. */
		pr_err("refused: %u application processor(s) could not enter VMX root operation",
		       ap_failed);
		hv_power_off(HV_STATUS_NO_VMX);
	}
}
