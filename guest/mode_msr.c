/* Attack modes against the MSR policy (issue 11 items 2 and 5): the guest
 * tries to move the local APIC's window onto hypervisor memory, to point
 * Intel PT and the debug store at it, to retype memory through the MTRRs and
 * to rewind the TSC under the hypervisor's log rate limiter.  Each check
 * prints `msr NAME ok` or `msr NAME FAIL why`; the mode exits with the
 * number of failures. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"

/* SDM Vol. 4 table 2-2. */
#define MSR_TSC             0x10
#define MSR_APIC_BASE       0x1b
#define MSR_TSC_ADJUST      0x3b
#define MSR_MTRRCAP         0xfe
#define MSR_MCG_CAP         0x179
#define MSR_MCG_STATUS      0x17a
#define MSR_MISC_ENABLE     0x1a0
#define MSR_MTRR_DEF_TYPE   0x2ff
#define MSR_VMX_BASIC       0x480
#define MSR_RTIT_OUTPUT_BASE 0x560
#define MSR_RTIT_CTL        0x570
#define MSR_DS_AREA         0x600
#define MISC_ENABLE_KVM     0x1801ull /* fast strings, BTS and PEBS unavailable */
#define MTRRCAP_SMRR        (1ull << 11)
#define TSC_ADJUST_STEP     (1ull << 40)
/* The `log` range of hv/default.conf ("audit"). */
#define AUDIT_RANGE         0x801100
#define AUDIT_LEN           0x100

static uint32_t msr_fails;

static void msr_result(const char *name, bool ok, const char *why)
{
	if (ok) {
		con_printf("guest: msr %s ok\n", name);
	} else {
		con_printf("guest: msr %s FAIL %s\n", name, why);
		msr_fails++;
	}
}

static inline uint64_t msr_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* A read that must give exactly want. */
static void msr_expect_read(const char *name, uint32_t msr, uint64_t want)
{
	uint64_t v = 0;
	int32_t vec = probe_rdmsr(msr, &v);
	char why[96];

	con_snprintf(why, sizeof(why), "msr=0x%x vector=%d value=0x%lx want=0x%lx", msr, vec, v,
		     want);
	msr_result(name, vec < 0 && v == want, why);
}

/* An access that must raise #GP. */
static void msr_expect_gp(const char *name, uint32_t msr, bool write, uint64_t v)
{
	int32_t vec = write ? probe_wrmsr(msr, v) : probe_rdmsr(msr, &v);
	char why[96];

	con_snprintf(why, sizeof(why), "%s msr=0x%x vector=%d (want #GP)",
		     write ? "wrmsr" : "rdmsr", msr, vec);
	msr_result(name, vec == EXC_GP, why);
}

static void msr_check_apic_base(void)
{
	uint64_t base = 0, after = 0;
	char why[128];
	int32_t vec, vec2;

	probe_rdmsr(MSR_APIC_BASE, &base);
	/* Item 2: the window onto the hypervisor's memory. */
	vec = probe_wrmsr(MSR_APIC_BASE, (base & 0xfffull) | boot_ram_end);
	probe_rdmsr(MSR_APIC_BASE, &after);
	vec2 = probe_wrmsr(MSR_APIC_BASE, base); /* the same base: allowed */
	con_snprintf(why, sizeof(why), "base=0x%lx move vector=%d after=0x%lx same vector=%d",
		     base, vec, after, vec2);
	msr_result("apic-base-move", vec == EXC_GP && after == base && vec2 < 0, why);
}

static void msr_check_mtrr(void)
{
	uint64_t cap = 0, def = 0, back = 0;
	char why[128];
	int32_t v1, v2, v3;

	probe_rdmsr(MSR_MTRRCAP, &cap);
	probe_rdmsr(MSR_MTRR_DEF_TYPE, &def);
	/* Make everything uncached (default type UC): a guest view only. */
	v1 = probe_wrmsr(MSR_MTRR_DEF_TYPE, def & ~0xffull);
	probe_rdmsr(MSR_MTRR_DEF_TYPE, &back);
	v2 = probe_wrmsr(MSR_MTRR_DEF_TYPE, (def & ~0xffull) | 2); /* reserved type */
	v3 = probe_wrmsr(MSR_MTRR_DEF_TYPE, def);
	con_snprintf(why, sizeof(why), "cap=0x%lx def=0x%lx write=%d back=0x%lx bad=%d restore=%d",
		     cap, def, v1, back, v2, v3);
	msr_result("mtrr-view", !(cap & MTRRCAP_SMRR) && v1 < 0 && back == (def & ~0xffull) &&
		   v2 == EXC_GP && v3 < 0, why);
}

static void msr_check_tsc(void)
{
	uint64_t adj = 0, a, b, t;
	char why[128];
	int32_t vec, vec2;

	vec = probe_wrmsr(MSR_TSC, 0x1000);
	t = msr_rdtsc();
	con_snprintf(why, sizeof(why), "wrmsr vector=%d rdtsc after=0x%lx", vec, t);
	msr_result("tsc-write", vec < 0 && t >= 0x1000 && t < 0x1000 + 10000000, why);
	vec = probe_rdmsr(MSR_TSC_ADJUST, &adj);
	a = msr_rdtsc();
	vec2 = probe_wrmsr(MSR_TSC_ADJUST, adj + TSC_ADJUST_STEP);
	b = msr_rdtsc();
	con_snprintf(why, sizeof(why), "adjust=0x%lx vectors=%d,%d delta=0x%lx", adj, vec, vec2,
		     b - a);
	msr_result("tsc-adjust", vec < 0 && vec2 < 0 && b - a >= TSC_ADJUST_STEP &&
		   b - a < TSC_ADJUST_STEP + 10000000, why);
}

uint32_t guest_mode_msr_policy(const struct guest_boot *b)
{
	(void)b;
	msr_fails = 0;
	msr_expect_read("misc-enable", MSR_MISC_ENABLE, MISC_ENABLE_KVM);
	msr_expect_read("mcg-cap", MSR_MCG_CAP, 0);
	msr_expect_read("mcg-status", MSR_MCG_STATUS, 0);
	msr_expect_read("feature-control", 0x3a, 1);
	msr_check_apic_base();
	msr_expect_gp("pt-output-base", MSR_RTIT_OUTPUT_BASE, true, boot_ram_end);
	msr_expect_gp("pt-ctl", MSR_RTIT_CTL, true, 1);
	msr_expect_gp("ds-area", MSR_DS_AREA, true, boot_ram_end);
	msr_expect_gp("vmx-basic", MSR_VMX_BASIC, false, 0);
	msr_expect_gp("unknown-read", 0x12345678, false, 0);
	msr_expect_gp("unknown-write", 0x1fff, true, 0);
	msr_check_mtrr();
	msr_check_tsc();
	con_printf("guest: msr done failed=%u\n", msr_fails);
	return msr_fails;
}

/* n stores to the `log` range, each after setting the TSC back to the same
 * value (rewind=1): on a hypervisor whose clock the guest can set, time
 * stands still for the rate limiter and the stores go unlogged. */
uint32_t guest_mode_tsc_rewind(const struct guest_boot *b)
{
	uint64_t n = 300, rewind = 1;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)AUDIT_RANGE;

	if (boot_arg_u64(b, "n", &n) == BOOT_ARG_BAD || n > 100000 ||
	    boot_arg_u64(b, "rewind", &rewind) == BOOT_ARG_BAD) {
		con_printf("guest: FAIL bad argument n/rewind\n");
		return GUEST_EXIT_USAGE;
	}
	con_printf("guest: tsc-rewind stores=%lu rewind=%lu\n", n, rewind);
	for (uint64_t i = 0; i < n; i++) {
		if (rewind && probe_wrmsr(MSR_TSC, 0x100000) >= 0) {
			con_printf("guest: FAIL wrmsr IA32_TSC faulted\n");
			return GUEST_EXIT_FAIL;
		}
		/* A changed byte each time: software SPP counts only those. */
		p[i % AUDIT_LEN] = (uint8_t)(p[i % AUDIT_LEN] + 1);
	}
	con_printf("guest: tsc-rewind done\n");
	return GUEST_EXIT_OK;
}
