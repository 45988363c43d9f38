#include "hv/hv.h"
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
};

static struct spp_exit_info spp_exits[SPP_WINDOW_PAGES];

uint16_t spp_record_exit(uint32_t idx, const struct spp_page *rec, uint64_t gpa, uint64_t qual)
{
	struct spp_exit_info *e = &spp_exits[idx];

	e->gpa = gpa;
	/* SDM Vol. 3C 28.2.1: bit 7 of the qualification says whether the
	 * guest-linear address field is valid. */
	e->gla_valid = qual & EPT_VIOL_GLA_VALID;
	e->gla = e->gla_valid ? vmcs_readl(GUEST_LINEAR_ADDRESS) : 0;
	e->range = rec->range_of_subpage[SUBPAGE_OF(gpa)];
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
	/* A store runs upwards from the faulting byte: it enters a later
	 * sub-page at its first byte, at the same distance in linear space. */
	if (gpa > e->gpa && e->gla_valid)
		gla = e->gla + (gpa - e->gpa);
	else if (gpa < e->gpa)
		gla = 0; /* not reached from the exit's byte: no linear address known */
	spp_report_violation(gpa, range, gla);
}
