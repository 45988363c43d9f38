/*
 * The SPP violation path (SDM Vol. 3C 29.3.4 for sub-page permissions, 26.5.2
 * for the monitor trap flag).
 *
 * Hardware mode: the CPU checks the sub-page and exits (reason 48) only for a
 * forbidden write; the write has not happened.  Software mode: the page is
 * write-protected in EPT and every write to it exits.  Either way the decision
 * needs no instruction decoder: the page is made writable for exactly one
 * instruction, or for the delivery of the event the exit interrupted, which
 * vmx/ runs with events held (vmx_step_open, vmx/vmx_step.c); when the step
 * ends the protection is restored and the protected sub-pages are compared
 * with a copy taken before.  `deny` sub-pages get their old bytes back, `log`
 * ones keep the new bytes, a `halt` range stops the guest.  spp/ writes no
 * VMCS field: vmx/ owns the controls and the events.
 */
#include "ept/ept.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/errno.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "spp/spp.h"
#include "spp/spp_defs.h"
#include "spp/spp_record.h"
#include "spp/spp_state.h"
#include "vmx/vmx_ops.h"

#define SUBPAGE_OF(gpa) (((gpa) >> SPP_SUBPAGE_SHIFT) & (SPP_SUBPAGES_PER_PAGE - 1))

static bool spp_rate_allows(void)
{
	uint64_t now, cap;

	if (!hv.config.log_rate)
		return false; /* log-rate 0/s: counted, never printed */
	now = rdtsc();
	cap = (uint64_t)hv.config.log_rate * spp.tsc_hz;

	/* Token bucket in units of 1/tsc_hz lines: refills log_rate lines per
	 * second of TSC time, holds at most one second's worth. */
	spp.tokens_x_hz += (now - spp.last_tsc) * hv.config.log_rate;
	if (spp.tokens_x_hz > cap)
		spp.tokens_x_hz = cap;
	spp.last_tsc = now;
	if (spp.tokens_x_hz < spp.tsc_hz)
		return false;
	spp.tokens_x_hz -= spp.tsc_hz;
	return true;
}

void spp_report_violation(uint64_t gpa, uint16_t range_id, uint64_t gla)
{
	const struct config_protect *p = &hv.config.protect[range_id];

	spp.total++;
	spp.violations[range_id]++;
	if (!spp_rate_allows()) {
		spp.suppressed++;
		return;
	}
	spp.logged++;
	spp_record_print(spp.total, gpa, spp.window_rip, gla, p);
}

__attribute__((noreturn)) static void spp_halt_guest(struct guest_regs *r, uint16_t range)
{
	console_guest_flush();
	pr_err("spp: write to halt range %s: stopping the guest", hv.config.protect[range].name);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_SPP_HALT);
}

/* 128 bytes as sixteen 8-byte words, one string instruction each way: this
 * runs on every violation (DF is clear in the hypervisor). */
static void spp_subpage_copy(void *dst, const void *src)
{
	uint64_t n = SPP_SUBPAGE_SIZE / 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static bool spp_subpage_equal(const void *a, const void *b)
{
	uint64_t n = SPP_SUBPAGE_SIZE / 8;
	bool equal;

	/* REPE CMPSQ stops at the first difference; ZF says whether the last
	 * pair compared was equal (SDM Vol. 2B, REP/REPE). */
	__asm__ volatile("repe cmpsq" : "+D"(a), "+S"(b), "+c"(n), "=@ccz"(equal) : : "memory");
	return equal;
}

/* The record and EPT leaf of the last protected page a violation hit.
 * Neither moves once made (records are never freed, the leaves of protected
 * pages are 4 KiB leaves from the moment the page is protected), so a
 * repeat violation on a page skips both lookups. */
static uint64_t spp_cache_page = 1; /* never a page address */
static const struct spp_page *spp_cache_rec;
static uint64_t *spp_cache_pte;

static const struct spp_page *spp_page_find(uint64_t gpa)
{
	if ((gpa & ~(PAGE_SIZE - 1)) == spp_cache_page)
		return spp_cache_rec;
	return spp.mode == SPP_MODE_OFF ? NULL : sppt_find(&spp.sppt, gpa);
}

static int spp_page_pte(const struct spp_page *rec, uint64_t gpa, uint64_t **pte)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);

	if (page == spp_cache_page) {
		*pte = spp_cache_pte;
		return 0;
	}
	if (ept_get_pte_4k(&hv.ept, gpa, pte))
		return -ENOENT;
	spp_cache_page = page;
	spp_cache_rec = rec;
	spp_cache_pte = *pte;
	return 0;
}

static void spp_lift(struct spp_window_page *w, bool lift)
{
	if (lift)
		*w->pte |= EPT_WRITE;
	else
		*w->pte &= ~EPT_WRITE;
}

bool spp_handle_ept_violation(struct guest_regs *r, uint64_t gpa, uint64_t qual)
{
	const struct spp_page *rec = spp_page_find(gpa);
	struct spp_window_page *w;
	uint64_t *pte;

	if (!rec || !(qual & EPT_VIOL_WRITE) || (qual & (EPT_VIOL_READ | EPT_VIOL_FETCH)) ==
	    (EPT_VIOL_READ | EPT_VIOL_FETCH))
		return false;
	if (spp.window_count == SPP_WINDOW_PAGES) {
		console_guest_flush();
		pr_err("spp: one instruction wrote more than %d protected pages (gpa=0x%lx)",
		       SPP_WINDOW_PAGES, gpa);
		vmx_dump_guest_state(r);
		vmx_stop_guest(HV_STATUS_SPP_HALT);
	}
	if (spp_page_pte(rec, gpa, &pte))
		panic("protected page 0x%lx has no EPT leaf", gpa);
	if (!spp.window_count)
		spp.window_rip = vmcs_readl(GUEST_RIP);
	/* The first byte's sub-page: an attempt in either mode (hardware SPP
	 * suppressed the write, software mode exits before any write to the
	 * page); recorded now, reported when the instruction has run
	 * (spp/spp_record.h). */
	uint16_t first = spp_record_exit(spp.window_count, rec, gpa, qual);

	if (first != SPP_NO_RANGE && hv.config.protect[first].policy == SPP_POLICY_HALT) {
		spp_record_attempt_now(spp.window_count);
		spp_halt_guest(r, first);
	}
	w = &spp.window[spp.window_count++];
	w->gpa = gpa & ~(PAGE_SIZE - 1);
	w->pte = pte;
	w->rec = rec;
	/* Only the protected sub-pages matter when the window closes. */
	for (uint32_t prot = ~rec->writable_mask; prot; prot &= prot - 1) {
		uint32_t off = (uint32_t)__builtin_ctz(prot) * SPP_SUBPAGE_SIZE;

		spp_subpage_copy(w->saved + off, (const uint8_t *)(uintptr_t)w->gpa + off);
	}
	/* Write permission is only added: no INVEPT needed, the EPT violation
	 * itself invalidated the mappings used for this guest-physical address
	 * (SDM Vol. 3C 29.4.3.1). */
	spp_lift(w, true);
	vmx_step_open();
	return true;
}

/* Closes the window: protection back, then each protected sub-page that the
 * instruction changed is judged by its range's policy. */
static void spp_close_window(struct guest_regs *r, bool completed)
{
	bool halt = false;
	uint16_t halt_range = 0;

	for (uint32_t i = 0; i < spp.window_count; i++)
		spp_lift(&spp.window[i], false);
	spp_invept();
	for (uint32_t i = 0; i < spp.window_count; i++) {
		struct spp_window_page *w = &spp.window[i];
		uint8_t *page = (uint8_t *)(uintptr_t)w->gpa;

		spp_record_close_page(i, completed);
		for (uint32_t prot = ~w->rec->writable_mask; prot; prot &= prot - 1) {
			unsigned sp = (unsigned)__builtin_ctz(prot);
			uint16_t range = w->rec->range_of_subpage[sp];
			uint32_t off = sp * SPP_SUBPAGE_SIZE;

			if (spp_subpage_equal(page + off, w->saved + off))
				continue;
			spp_record_changed(i, w->gpa, sp, range);
			if (hv.config.protect[range].policy != SPP_POLICY_LOG)
				spp_subpage_copy(page + off, w->saved + off);
			if (hv.config.protect[range].policy == SPP_POLICY_HALT) {
				halt = true;
				halt_range = range;
			}
		}
	}
	spp.window_count = 0;
	if (halt)
		spp_halt_guest(r, halt_range);
}

static void spp_step_end(struct guest_regs *r, bool completed)
{
	spp_close_window(r, completed);
}

void spp_handle_spp_event(struct guest_regs *r, uint64_t qual)
{
	uint64_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	const struct spp_page *rec = sppt_find(&spp.sppt, gpa);
	uint64_t *leaf;

	if ((qual & SPP_EXIT_QUAL_SPPT_MISS) && rec && !sppt_leaf(&spp.sppt, gpa, &leaf, true)) {
		pr_warn("spp: SPPT miss at gpa=0x%lx; repaired from the configuration", gpa);
		*leaf = sppt_mask_to_leaf(rec->writable_mask);
		spp_invept();
		return;
	}
	console_guest_flush();
	pr_err("spp: SPPT %s at gpa=0x%lx (qualification=0x%lx): a hypervisor bug",
	       (qual & SPP_EXIT_QUAL_SPPT_MISS) ? "miss on an unprotected page" : "misconfiguration",
	       gpa, qual);
	if (!sppt_leaf(&spp.sppt, gpa, &leaf, false))
		pr_err("spp: SPPT leaf for gpa=0x%lx is 0x%lx", gpa, *leaf);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_PANIC);
}

uint32_t spp_query(uint64_t gpa)
{
	const struct spp_page *rec = spp.mode == SPP_MODE_OFF ? NULL : sppt_find(&spp.sppt, gpa);

	return rec ? rec->writable_mask : SPP_ALL_WRITABLE_MASK;
}

/* Every page of [start, end) is guest RAM that the EPT maps: exactly what
 * the guest can write, and nothing the hypervisor must not copy (MMIO). */
static bool spp_lock_range_mapped(const struct mem_range *r)
{
	uint64_t entry;
	int level;

	if (!memrange_set_covers(hv.guest_ram, hv.guest_ram_count, r) ||
	    memrange_set_overlaps(hv.hv_mem, 2, r, NULL))
		return false;
	for (uint64_t page = r->start & ~(PAGE_SIZE - 1); page < r->end; page += PAGE_SIZE)
		if (ept_lookup(&hv.ept, page, &entry, &level))
			return false;
	return true;
}

/* All or nothing: everything that can fail (validation, the EPT's 4 KiB
 * leaves, the SPPT's records, which sppt_protect() reserves before writing)
 * happens before the first change a guest could observe.  On failure the
 * protection, the range table and the log are as they were; only pages taken
 * from the pool for splitting EPT leaves (which translate identically) or
 * reserved by sppt_protect() stay used. */
int spp_lock(uint64_t gpa, uint64_t len)
{
	struct mem_range r = { gpa, gpa + len };
	struct config_protect *p;
	uint32_t id = hv.config.protect_count;
	uint64_t *pte;
	int err;

	if (!hv.config.hypercall_lock || spp.mode == SPP_MODE_OFF)
		return -EPERM;
	/* The hypervisor reaches guest pages through its own identity map of
	 * the first 4 GiB (boot/entry.S). */
	if (!len || gpa % SPP_SUBPAGE_SIZE || len % SPP_SUBPAGE_SIZE || r.end < r.start ||
	    r.end > (1ull << 32) || !spp_lock_range_mapped(&r))
		return -EINVAL;
	if (id >= hv.config.protect_cap)
		return -ENOSPC;
	for (uint64_t page = gpa & ~(PAGE_SIZE - 1); page < r.end; page += PAGE_SIZE) {
		err = ept_get_pte_4k(&hv.ept, page, &pte);
		if (err) {
			spp_invept(); /* leaves already split translate identically */
			return err == -ENOENT ? -EINVAL : -ENOMEM;
		}
	}
	err = sppt_protect(&spp.sppt, gpa, gpa + len - 1, (uint16_t)id);
	if (err) {
		spp_invept();
		return err == -EFAULT ? -ENOMEM : err;
	}
	p = &hv.config.protect[id];
	p->start = gpa;
	p->end = gpa + len - 1;
	p->policy = SPP_POLICY_DENY;
	p->line = 0;
	memcpy(p->name, "lock", 5);
	hv.config.protect_count++;
	/* Cannot fail now: every page has its 4 KiB leaf. */
	for (uint64_t page = gpa & ~(PAGE_SIZE - 1); page < r.end; page += PAGE_SIZE)
		if (spp_mark_page(page))
			panic("spp: lock lost the EPT leaf of 0x%lx", page);
	spp_invept();
	pr_info("spp: guest locked 0x%lx-0x%lx (deny) as range %u", gpa, r.end - 1, id);
	return 0;
}

void spp_print_summary(void)
{
	log_event("spp-summary violations=%lu logged=%lu suppressed=%lu mode=%s",
		  spp.total, spp.logged, spp.suppressed, spp_mode_name(spp.mode));
	for (uint32_t i = 0; i < hv.config.protect_count && spp.violations; i++)
		log_event("spp-range name=%s violations=%lu", hv.config.protect[i].name,
			  spp.violations[i]);
}

static const struct vmx_client spp_client = {
	.ept_violation = spp_handle_ept_violation,
	.spp_event = spp_handle_spp_event,
	.step_end = spp_step_end,
	.query = spp_query,
	.lock = spp_lock,
	.summary = spp_print_summary,
};

void spp_register(void)
{
	vmx_set_client(&spp_client);
}
