/* mode=demo, the default mode: what `make run` shows.  The guest writes to
 * each range hv/default.conf protects and to a permitted sub-page next to one,
 * reads every write back and says what happened:
 *   guest: demo write gpa=0x... range=NAME policy=P old=0x... new=0x... now=0x... -> RESULT
 * `deny` must keep the old bytes, `log` the new ones, an unprotected sub-page
 * the new ones without a violation.  The `halt` range (tripwire) is left
 * alone so the run ends normally (mode=spp-halt writes there).  The
 * hypervisor then prints one spp-violation line per blocked or logged write
 * and, at the exit hypercall, spp-summary and the spp-range counts.
 *
 * Before each probe the page's TLB entry is flushed with INVLPG: Bochs 2.7
 * caches a writable translation for the whole 4 KiB page after an allowed
 * write to an SPP page, so a later write to a protected sub-page of the same
 * page would go through unchecked (fixed in Bochs 2.8; real hardware consults
 * the SPP table on every write to such a page, SDM Vol. 3C, 29.3.4).
 * With protection off (spp=off) every write must go through.  Exits with the
 * number of writes that did not behave as the policy says. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"

uint32_t guest_mode_demo(const struct guest_boot *b);

enum demo_expect { DEMO_KEEP_OLD, DEMO_TAKE_NEW };

struct demo_write {
	uint64_t gpa;
	const char *range;   /* the hv/default.conf name, or "-" when unprotected */
	const char *policy;
	enum demo_expect expect;
};

/* hv/default.conf, in file order, with one permitted neighbour. */
static const struct demo_write demo_writes[] = {
	{ 0x800000, "guard-first", "deny", DEMO_KEEP_OLD },
	{ 0x800080, "-", "none", DEMO_TAKE_NEW },  /* sub-page 1, next to guard-first */
	{ 0x800f80, "guard-last", "deny", DEMO_KEEP_OLD },
	{ 0x801100, "audit", "log", DEMO_TAKE_NEW },
	{ 0x801180, "audit", "log", DEMO_TAKE_NEW },
	{ 0x802000, "ro-page", "deny", DEMO_KEEP_OLD },
	{ 0x802f80, "ro-page", "deny", DEMO_KEEP_OLD },
};

/* The writable masks hv/default.conf gives these pages (bit i: sub-page i
 * writable); a different configuration makes the demo's claims wrong. */
static const struct {
	uint64_t page;
	uint32_t mask;
} demo_masks[] = {
	{ 0x800000, 0x7ffffffe }, { 0x801000, 0xfffffff3 }, { 0x802000, 0x00000000 },
	{ 0x803000, 0xfffffeff },
};

static uint64_t demo_read(uint64_t gpa)
{
	return *(const volatile uint64_t *)(uintptr_t)gpa;
}

/* 1: the default configuration is in force; 0: protection is off (spp=off,
 * or no MTF), every page answers all-writable; -1: another configuration. */
static int demo_config_state(void)
{
	bool deflt = true, off = true;

	for (size_t i = 0; i < sizeof(demo_masks) / sizeof(demo_masks[0]); i++) {
		uint32_t got = hc_query(demo_masks[i].page);

		con_printf("guest: demo page=0x%lx writable-mask=0x%08x\n", demo_masks[i].page, got);
		deflt &= got == demo_masks[i].mask;
		off &= got == 0xffffffffu;
	}
	if (deflt)
		return 1;
	if (off) {
		con_printf("guest: demo: protection is off (spp: mode=off): every write must "
			   "go through, with no violation\n");
		return 0;
	}
	con_printf("guest: demo FAIL the masks are not those of hv/default.conf: the demo "
		   "expects the default configuration (mode=spp-config probes any)\n");
	return -1;
}

static bool demo_one(const struct demo_write *w, uint32_t seq, bool protection)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)w->gpa;
	uint64_t old, val, now;
	bool kept_old, ok;

	cpu_invlpg(p);
	old = demo_read(w->gpa);
	val = 0x44454d4f00000000ull | ((uint64_t)seq << 8) | 0x5a;  /* "DEMO", distinct per write */
	if (val == old)
		val ^= 0xff;
	cpu_invlpg(p);
	*p = val;
	cpu_invlpg(p);
	now = demo_read(w->gpa);
	kept_old = now == old;
	ok = protection && w->expect == DEMO_KEEP_OLD ? kept_old : now == val;
	con_printf("guest: demo write gpa=0x%lx range=%s policy=%s old=0x%lx new=0x%lx now=0x%lx "
		   "-> %s %s\n", w->gpa, w->range, w->policy, old, val, now,
		   kept_old ? "kept the old bytes" : now == val ? "took the new bytes" : "changed",
		   ok ? "(as configured)" : "FAIL");
	return ok;
}

uint32_t guest_mode_demo(const struct guest_boot *b)
{
	uint32_t failed = 0;
	int state;

	if (!b->hv) {
		con_printf("guest: demo needs the hypervisor (hv=no): natively every write "
			   "goes through\n");
		return GUEST_EXIT_USAGE;
	}
	con_printf("guest: demo: writing to the ranges hv/default.conf protects "
		   "(docs/guest.md)\n");
	state = demo_config_state();
	if (state < 0)
		return GUEST_EXIT_USAGE;
	for (size_t i = 0; i < sizeof(demo_writes) / sizeof(demo_writes[0]); i++)
		failed += !demo_one(&demo_writes[i], (uint32_t)i, state > 0);
	con_printf("guest: demo leaves tripwire (0x803400+0x80, policy=halt) alone: a write "
		   "there stops the guest (mode=spp-halt)\n");
	con_printf("guest: demo done writes=%u failed=%u\n",
		   (uint32_t)(sizeof(demo_writes) / sizeof(demo_writes[0])), failed);
	return failed < GUEST_EXIT_MAX_FAILS ? failed : GUEST_EXIT_MAX_FAILS;
}
