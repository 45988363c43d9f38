/* Benchmark mode (guest/bench.h): costs of SPP as the guest sees them, in TSC
 * ticks.  Under Bochs a tick is one emulated instruction (hypervisor
 * instructions included), so the figures are instruction counts.
 *
 * Every single-store figure is the RDTSC delta around that store minus the
 * median delta around no store (the fences, moves and RDTSC themselves); each
 * is taken `reps` times and reported as min, median and max.  RDTSC does not
 * exit (no "RDTSC exiting") and LFENCE orders it (SDM Vol. 2B, RDTSC); CPUID
 * would serialise too, but it always exits (SDM Vol. 3C 26.1.2) and would put
 * two VM exits in every sample.
 *
 * Bochs 2.7 keeps a writable TLB entry for an SPP page after an allowed write
 * to it, so a later forbidden write may go through without an exit (see
 * /work/shared/PLATFORM.md).  Each forbidden store is therefore preceded by
 * INVLPG of its page, outside the timed region, in both modes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/bench.h"
#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"

/* Hypercall 4: VM exits so far, this VMCALL included (vmx/vmx_hypercall.c). */
#define BENCH_HC_EXIT_COUNT 4
#define BENCH_WORDS_PER_PAGE 512
#define BENCH_WORDS_PER_SP   16
#define BENCH_SECTIONS_MAX   96
#define BENCH_DEFAULT_REPS   9
#define BENCH_SEED           0x5eed000000000000ull

struct bench_stat {
	uint64_t min, med, max;
};

struct bench {
	uintptr_t area;
	uint32_t reps;
	uint64_t overhead;   /* median ticks of an empty timed region */
	uint64_t violations; /* violating stores made so far */
	bool ok;
};

static inline volatile uint64_t *bench_word(const struct bench *k, uint32_t off)
{
	return (volatile uint64_t *)(k->area + off);
}

static inline uint64_t bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* One asm block, so the compiler cannot put anything between the reads. */
static uint64_t bench_timed_store(volatile uint64_t *p, uint64_t v)
{
	uint32_t lo0, hi0, lo1, hi1;

	__asm__ volatile("lfence; rdtsc; mov %%eax, %0; mov %%edx, %1\n\t"
			 "movq %5, (%4)\n\t"
			 "lfence; rdtsc"
			 : "=&r"(lo0), "=&r"(hi0), "=&a"(lo1), "=&d"(hi1)
			 : "r"(p), "r"(v)
			 : "memory");
	return ((uint64_t)hi1 << 32 | lo1) - ((uint64_t)hi0 << 32 | lo0);
}

static uint64_t bench_timed_empty(void)
{
	uint32_t lo0, hi0, lo1, hi1;

	__asm__ volatile("lfence; rdtsc; mov %%eax, %0; mov %%edx, %1\n\t"
			 "lfence; rdtsc"
			 : "=&r"(lo0), "=&r"(hi0), "=&a"(lo1), "=&d"(hi1)
			 :
			 : "memory");
	return ((uint64_t)hi1 << 32 | lo1) - ((uint64_t)hi0 << 32 | lo0);
}

static uint64_t bench_exits(void)
{
	struct hc_regs r = { .eax = BENCH_HC_EXIT_COUNT };

	if (hc_vmcall(&r) >= 0)
		return 0;
	return (uint64_t)r.ebx << 32 | r.eax;
}

static struct bench_stat bench_stat_of(uint64_t *s, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint64_t v = s[i];
		uint32_t j = i;

		for (; j > 0 && s[j - 1] > v; j--)
			s[j] = s[j - 1];
		s[j] = v;
	}
	return (struct bench_stat){ s[0], s[n / 2], s[n - 1] };
}

static uint64_t bench_net(const struct bench *k, uint64_t raw)
{
	return raw > k->overhead ? raw - k->overhead : 0;
}

/* Median of `reps` single stores of old ^ (2i + 1) (never old) to p. */
static struct bench_stat bench_store_stat(struct bench *k, volatile uint64_t *p,
					  bool forbidden)
{
	uint64_t s[BENCH_MAX_REPS];

	for (uint32_t i = 0; i < k->reps; i++) {
		uint64_t v = *p ^ (2 * (uint64_t)i + 1);

		if (forbidden)
			cpu_invlpg(p);
		s[i] = bench_net(k, bench_timed_store(p, v));
	}
	return bench_stat_of(s, k->reps);
}

static bool bench_mask_ok(const struct bench *k, uint32_t page, uint32_t protected_sp)
{
	uint32_t mask = hc_query(k->area + page);

	if (mask & protected_sp) {
		con_printf("guest: FAIL bench: page 0x%lx writable mask 0x%x, sub-pages 0x%x "
			   "should be protected (configuration does not match)\n",
			   (uint64_t)(k->area + page), mask, protected_sp);
		return false;
	}
	return true;
}

static void bench_calib(struct bench *k)
{
	uint64_t s[BENCH_MAX_REPS];
	struct bench_stat e, plain;

	for (uint32_t i = 0; i < k->reps; i++)
		s[i] = bench_timed_empty();
	e = bench_stat_of(s, k->reps);
	k->overhead = e.med;
	plain = bench_store_stat(k, bench_word(k, BENCH_PAGE_PLAIN), false);
	con_printf("guest: bench sec=calib reps=%u overhead_min=%lu overhead_med=%lu "
		   "overhead_max=%lu plain_min=%lu plain_med=%lu plain_max=%lu\n",
		   k->reps, e.min, e.med, e.max, plain.min, plain.med, plain.max);
}

/* Item 1: VM exits and cost of a write to a permitted sub-page of a
 * protected page. */
static void bench_perm(struct bench *k)
{
	uint32_t writes = 0;
	uint64_t e0, e1;
	struct bench_stat c;

	e0 = bench_exits();
	for (uint32_t sp = BENCH_FIRST_FREE_SP; sp < 32; sp++, writes++)
		*bench_word(k, BENCH_PAGE_MIXED + sp * 128) = e0 + sp;
	e1 = bench_exits();
	c = bench_store_stat(k, bench_word(k, BENCH_PAGE_MIXED + BENCH_FIRST_FREE_SP * 128),
			     false);
	con_printf("guest: bench sec=perm writes=%u exits=%lu min=%lu med=%lu max=%lu\n",
		   writes, e1 - e0 - 1, c.min, c.med, c.max);
}

/* Item 2: one violation round trip; deny keeps the old bytes, log the new. */
static void bench_violation(struct bench *k, const char *name, uint32_t off, bool deny)
{
	volatile uint64_t *p = bench_word(k, off);
	uint64_t old = *p, v = old ^ 0xa5, e0, e1;
	struct bench_stat c;
	bool ok;

	cpu_invlpg(p);
	e0 = bench_exits();
	*p = v;
	e1 = bench_exits();
	ok = *p == (deny ? old : v);
	c = bench_store_stat(k, p, true);
	k->violations += 1 + k->reps;
	/* After the reps a log sub-page holds the last value, a deny one the
	 * first. */
	ok = ok && (!deny || *p == old);
	k->ok = k->ok && ok;
	con_printf("guest: bench sec=%s reps=%u exits=%lu min=%lu med=%lu max=%lu ok=%u\n",
		   name, k->reps, e1 - e0 - 1, c.min, c.med, c.max, ok ? 1 : 0);
}

static void bench_fill(volatile uint64_t *page, uint64_t seed)
{
	uint32_t lo = BENCH_BASE_SP * BENCH_WORDS_PER_SP, hi = lo + BENCH_WORDS_PER_SP;

	for (uint32_t w = 0; w < BENCH_WORDS_PER_PAGE; w++) {
		if (w >= lo && w < hi)
			cpu_invlpg(&page[w]);
		page[w] = seed + w;
	}
}

/* Item 6: every word of a page with one protected sub-page written, next to
 * the same loop on an unprotected page. */
static void bench_base(struct bench *k)
{
	volatile uint64_t *pg = bench_word(k, BENCH_PAGE_BASE);
	volatile uint64_t *plain = bench_word(k, BENCH_PAGE_PLAIN);
	uint32_t lo = BENCH_BASE_SP * BENCH_WORDS_PER_SP, hi = lo + BENCH_WORDS_PER_SP;
	uint64_t s[BENCH_MAX_REPS], r[BENCH_MAX_REPS], old[BENCH_WORDS_PER_SP];
	uint64_t exits = 0;
	bool ok = true;

	for (uint32_t w = lo; w < hi; w++)
		old[w - lo] = pg[w];
	for (uint32_t i = 0; i < k->reps; i++) {
		uint64_t seed = BENCH_SEED | (uint64_t)i << 32, t0, e0 = bench_exits();

		for (uint32_t w = lo; w < hi; w++)
			ok = ok && old[w - lo] != seed + w;
		t0 = bench_rdtsc();
		bench_fill(pg, seed);
		s[i] = bench_rdtsc() - t0;
		exits = bench_exits() - e0 - 1;
		t0 = bench_rdtsc();
		bench_fill(plain, seed);
		r[i] = bench_rdtsc() - t0;
		for (uint32_t w = 0; w < BENCH_WORDS_PER_PAGE; w++)
			ok = ok && pg[w] == (w >= lo && w < hi ? old[w - lo] : seed + w);
	}
	k->violations += (uint64_t)k->reps * BENCH_WORDS_PER_SP;
	k->ok = k->ok && ok;
	struct bench_stat a = bench_stat_of(s, k->reps), b = bench_stat_of(r, k->reps);

	con_printf("guest: bench sec=base reps=%u stores=%u forbidden=%u exits=%lu min=%lu "
		   "med=%lu max=%lu plain_min=%lu plain_med=%lu ok=%u\n",
		   k->reps, BENCH_WORDS_PER_PAGE, BENCH_WORDS_PER_SP, exits, a.min, a.med,
		   a.max, b.min, b.med, ok ? 1 : 0);
}

/* Item 3: n violating stores in a loop, then proof the hypervisor still
 * answers: a hypercall and one more measured violation. */
static void bench_storm(struct bench *k, uint64_t n)
{
	volatile uint64_t *p = bench_word(k, BENCH_DENY_OFF);
	uint64_t old = *p, e0, e1, t0, t1, post;
	struct hc_regs r = { .eax = HC_VERSION };
	bool ok;

	cpu_invlpg(p);
	e0 = bench_exits();
	t0 = bench_rdtsc();
	for (uint64_t i = 0; i < n; i++)
		*p = old ^ (2 * i + 1);
	t1 = bench_rdtsc();
	e1 = bench_exits();
	ok = *p == old;
	bool alive = hc_vmcall(&r) < 0 && (int32_t)r.eax > 0 && r.ebx == HC_SIG_EBX &&
		     r.ecx == HC_SIG_ECX && r.edx == HC_SIG_EDX;
	cpu_invlpg(p);
	post = bench_net(k, bench_timed_store(p, old ^ 0x5a));
	ok = ok && *p == old;
	k->violations += n + 1;
	k->ok = k->ok && ok && alive;
	con_printf("guest: bench sec=storm stores=%lu ticks=%lu exits=%lu per_store=%lu "
		   "post=%lu responsive=%u ok=%u\n",
		   n, t1 - t0, e1 - e0 - 1, n ? (t1 - t0) / n : 0, post, alive ? 1 : 0,
		   ok ? 1 : 0);
}

/* The halt policy has no round trip: the hypervisor stops the guest.  The
 * TSC read just before the store is left in RSI (and RAX), which the
 * hypervisor prints when it dumps the guest registers. */
static void bench_halt(struct bench *k)
{
	volatile uint64_t *p = bench_word(k, BENCH_PAGE_HALT);

	con_printf("guest: bench sec=halt armed=1\n");
	cpu_invlpg(p);
	__asm__ volatile("lfence; rdtsc; shl $32, %%rdx; or %%rdx, %%rax; mov %%rax, %%rsi\n\t"
			 "movq %%rcx, (%%rdi)"
			 :
			 : "D"(p), "c"(*p ^ 0x77)
			 : "rax", "rdx", "rsi", "memory");
	con_printf("guest: FAIL bench: store to the halt range returned\n");
}

static bool bench_has(const char *list, const char *name)
{
	for (const char *s = list; *s;) {
		const char *a = s, *b = name;

		while (*a && *a != ',' && *a == *b) {
			a++;
			b++;
		}
		if ((*a == ',' || !*a) && !*b)
			return true;
		while (*s && *s != ',')
			s++;
		if (*s == ',')
			s++;
	}
	return false;
}

static bool bench_known(const char *list)
{
	static const char *const known[] = { "calib", "perm", "deny", "log", "base",
					     "storm", "halt" };
	char tok[BENCH_SECTIONS_MAX];

	for (const char *s = list; *s;) {
		size_t n = 0;
		bool found = false;

		while (*s && *s != ',' && n < sizeof(tok) - 1)
			tok[n++] = *s++;
		tok[n] = '\0';
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found = found || bench_has(known[i], tok);
		if (!found) {
			con_printf("guest: FAIL bench: unknown section '%s'\n", tok);
			return false;
		}
		if (*s == ',')
			s++;
	}
	return true;
}

uint32_t guest_mode_bench(const struct guest_boot *b)
{
	char sec[BENCH_SECTIONS_MAX] = "calib,perm,deny,log,base";
	uint64_t reps = BENCH_DEFAULT_REPS, storm = 0, area = GUEST_SPP_AREA;
	struct bench k = { .ok = true };

	if (boot_arg_str(b, "sections", sec, sizeof(sec)) == BOOT_ARG_BAD ||
	    boot_arg_u64(b, "reps", &reps) == BOOT_ARG_BAD || !reps ||
	    reps > BENCH_MAX_REPS || boot_arg_u64(b, "storm", &storm) == BOOT_ARG_BAD ||
	    boot_arg_u64(b, "area", &area) == BOOT_ARG_BAD || area % 0x200000 ||
	    !boot_mmap_usable(b, area, BENCH_PAGE_HALT + 0x1000) || !bench_known(sec)) {
		con_printf("guest: FAIL bench: bad arguments\n");
		return GUEST_EXIT_USAGE;
	}
	if (!b->hv) {
		con_printf("guest: FAIL bench needs the hypervisor\n");
		return GUEST_EXIT_FAIL;
	}
	k.area = (uintptr_t)area;
	k.reps = (uint32_t)reps;
	con_printf("guest: bench sec=start tsc=%lu area=0x%lx reps=%u\n", bench_rdtsc(),
		   area, k.reps);
	bench_calib(&k);
	if ((bench_has(sec, "deny") || bench_has(sec, "storm")) && !bench_mask_ok(&k, 0, 1u))
		return GUEST_EXIT_FAIL;
	if ((bench_has(sec, "log") && !bench_mask_ok(&k, 0, 2u)) ||
	    (bench_has(sec, "base") && !bench_mask_ok(&k, BENCH_PAGE_BASE, 1u << BENCH_BASE_SP)) ||
	    (bench_has(sec, "halt") && !bench_mask_ok(&k, BENCH_PAGE_HALT, 1u)))
		return GUEST_EXIT_FAIL;
	if (bench_has(sec, "perm"))
		bench_perm(&k);
	if (bench_has(sec, "deny"))
		bench_violation(&k, "deny", BENCH_DENY_OFF, true);
	if (bench_has(sec, "log"))
		bench_violation(&k, "log", BENCH_LOG_OFF, false);
	if (bench_has(sec, "base"))
		bench_base(&k);
	if (bench_has(sec, "storm"))
		bench_storm(&k, storm);
	con_printf("guest: bench sec=end violations=%lu exits=%lu ok=%u\n", k.violations,
		   bench_exits(), k.ok ? 1 : 0);
	if (bench_has(sec, "halt")) {
		bench_halt(&k);
		return GUEST_EXIT_FAIL;
	}
	return k.ok ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}
