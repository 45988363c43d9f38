#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "spp/spp.h"
#include "spp/spp_defs.h"
#include "spp/spp_record.h"
#include "vmx/vmx_ops.h"

#define SUBPAGE_OF(gpa) (((gpa) >> SPP_SUBPAGE_SHIFT) & (SPP_SUBPAGES_PER_PAGE - 1))

struct spp_exit_info {
	uint64_t gpa, gla;
	bool gla_valid;
	uint16_t range;    /* of the first byte's sub-page, or SPP_NO_RANGE */
	bool reported;
	bool walk;         /* the CPU's access to a guest paging-structure entry */
};

static struct spp_exit_info spp_exits[SPP_WINDOW_PAGES];

uint16_t spp_record_exit(uint32_t idx, const struct spp_page *rec, uint64_t gpa, uint64_t qual)
{
	struct spp_exit_info *e = &spp_exits[idx];

	e->gpa = gpa;
	/* SDM Vol. 3C 28.2.1: bit 7 of the qualification says whether the
	 * guest-linear address field is valid; with bit 7 set, bit 8 clear
	 * means the access was to a guest paging-structure entry.  With EPT
	 * A/D flags every such access counts as a write (29.3.3.2), whether or
	 * not it sets an A/D bit: not an attempt by itself, only a change
	 * found at close is reported, and the linear address is the one being
	 * translated, not the entry's. */
	e->walk = (qual & EPT_VIOL_GLA_VALID) && !(qual & EPT_VIOL_FINAL_TRANSLATION);
	e->gla_valid = (qual & EPT_VIOL_GLA_VALID) && !e->walk;
	e->gla = e->gla_valid ? vmcs_readl(GUEST_LINEAR_ADDRESS) : 0;
	e->range = e->walk ? SPP_NO_RANGE : rec->range_of_subpage[SUBPAGE_OF(gpa)];
	e->reported = false;
	return e->range;
}

void spp_record_attempt_now(uint32_t idx)
{
	struct spp_exit_info *e = &spp_exits[idx];

	if (e->range == SPP_NO_RANGE || e->reported)
		return;
	e->reported = true;
	spp_report_violation(e->gpa, e->range, e->gla);
}

void spp_record_close_page(uint32_t idx, bool completed)
{
	if (completed)
		spp_record_attempt_now(idx);
	else
		spp_exits[idx].reported = true; /* it runs again and exits again */
}

void spp_record_changed(uint32_t idx, uint64_t page, unsigned sp, uint16_t range)
{
	const struct spp_exit_info *e = &spp_exits[idx];
	uint64_t gpa = page + (uint64_t)sp * SPP_SUBPAGE_SIZE, gla = 0;

	/* The attempt on the first byte's sub-page is that sub-page's record. */
	if (e->range != SPP_NO_RANGE && SUBPAGE_OF(e->gpa) == sp)
		return;
	/* A page walk's A/D update: the entry it wrote. */
	if (e->walk && SUBPAGE_OF(e->gpa) == sp) {
		spp_report_violation(e->gpa & ~7ull, range, 0);
		return;
	}
	/* A store runs upwards from the faulting byte: it enters a later
	 * sub-page at its first byte, at the same distance in linear space. */
	if (gpa > e->gpa && e->gla_valid)
		gla = e->gla + (gpa - e->gpa);
	else if (gpa < e->gpa)
		gla = 0; /* not reached from the exit's byte: no linear address known */
	spp_report_violation(gpa, range, gla);
}

/* ---- the record's text --------------------------------------------- */

/* The line is built by hand rather than by fmt_snprintf: it is printed on
 * every logged violation, and this is the guest-visible cost of logging
 * (docs/benchmarks.md).  The format is the one in docs/log-format.md. */
#define SPP_RECORD_MAX 320

struct spp_line {
	char buf[SPP_RECORD_MAX];
	uint32_t len;
};

static void spp_line_str(struct spp_line *l, const char *s, uint32_t n)
{
	if (n > SPP_RECORD_MAX - 1 - l->len)
		n = SPP_RECORD_MAX - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

#define spp_line_lit(l, s) spp_line_str((l), (s), sizeof(s) - 1)

static void spp_line_cstr(struct spp_line *l, const char *s)
{
	spp_line_str(l, s, (uint32_t)strlen(s));
}

static void spp_line_hex(struct spp_line *l, uint64_t v)
{
	char tmp[18];
	int n = 16;

	do {
		tmp[--n] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	tmp[--n] = 'x';
	tmp[--n] = '0';
	spp_line_str(l, tmp + n, (uint32_t)(16 - n));
}

static void spp_line_dec(struct spp_line *l, uint64_t v)
{
	char tmp[20];
	int n = 20;

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	spp_line_str(l, tmp + n, (uint32_t)(20 - n));
}

void spp_record_print(uint64_t seq, uint64_t gpa, uint64_t rip, uint64_t gla,
		      const struct config_protect *p)
{
	struct spp_line l = { .len = 0 };

	spp_line_lit(&l, "spp-violation seq=");
	spp_line_dec(&l, seq);
	spp_line_lit(&l, " gpa=");
	spp_line_hex(&l, gpa);
	spp_line_lit(&l, " subpage=");
	spp_line_dec(&l, SUBPAGE_OF(gpa));
	spp_line_lit(&l, " rip=");
	spp_line_hex(&l, rip);
	spp_line_lit(&l, " gla=");
	spp_line_hex(&l, gla);
	spp_line_lit(&l, " cr3=");
	spp_line_hex(&l, vmcs_readl(GUEST_CR3));
	spp_line_lit(&l, " mode=");
	spp_line_cstr(&l, spp_mode_name(spp.mode));
	spp_line_lit(&l, " policy=");
	spp_line_cstr(&l, config_policy_name(p->policy));
	spp_line_lit(&l, " range=");
	spp_line_cstr(&l, p->name);
	spp_line_lit(&l, " tsc=");
	spp_line_dec(&l, rdtsc());
	console_write_line_lossy(l.buf, l.len);
}
