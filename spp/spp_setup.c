#include "spp/spp_setup.h"
#include "ept/ept.h"
#include "hv/cpu.h"
#include "hv/errno.h"
#include "hv/hv.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "hv/tsc.h"
#include "spp/spp_state.h"
#include "vmx/vmx_ops.h"

struct spp_state spp;

const char *spp_mode_name(enum spp_mode m)
{
	return m == SPP_MODE_HW ? "hw" : m == SPP_MODE_SW ? "sw" : "off";
}

int spp_mark_page(uint64_t gpa)
{
	uint64_t *pte;
	int err = ept_get_pte_4k(&hv.ept, gpa, &pte);

	if (err)
		return err;
	/* SDM Vol. 3C 29.3.4 (sub-page write permissions): consulted only for a
	 * write to a 4 KiB leaf with bit 61 set and write permission clear.  In
	 * software mode the whole page is write-protected instead. */
	*pte &= ~EPT_WRITE;
	if (spp.mode == SPP_MODE_HW)
		*pte |= EPT_SPP;
	return 0;
}

void spp_invept(void)
{
	vmx_invept(INVEPT_SINGLE_CONTEXT, ept_eptp(&hv.ept, false));
}

static int spp_mark_cb(void *arg, const struct spp_page *p)
{
	(void)arg;
	return spp_mark_page(p->gpa);
}

__attribute__((noreturn)) static void spp_refuse(const char *msg)
{
	pr_err("refused: %s; the guest is not launched", msg);
	hv_power_off(HV_STATUS_NO_VMX);
}

static enum spp_mode spp_choose_mode(void)
{
	enum config_spp_mode want = hv.config.spp_mode;

	if (want == CONFIG_SPP_OFF) {
		if (hv.config.protect_count)
			pr_warn("spp=off: %u configured protect ranges are NOT enforced",
				hv.config.protect_count);
		return SPP_MODE_OFF;
	}
	if (hv.config.protect_count && !vmx.caps.mtf)
		spp_refuse("this CPU has no monitor trap flag (IA32_VMX_PROCBASED_CTLS allowed-1 bit 27), "
			   "which sub-page protection needs to let one instruction through; use a "
			   "configuration without protect ranges or spp=off");
	if (want == CONFIG_SPP_HW && !vmx.caps.spp)
		spp_refuse("spp=hw but this CPU has no sub-page write permissions for EPT "
			   "(IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 23); use spp=auto or spp=sw");
	if (want == CONFIG_SPP_SW)
		return SPP_MODE_SW;
	return vmx.caps.spp ? SPP_MODE_HW : SPP_MODE_SW;
}

void spp_setup(struct vmx_guest_setup *g)
{
	uint64_t ept_before = hv.ept.pages_used;
	int err;

	spp.mode = spp_choose_mode();
	spp.tsc_hz = tsc_hz();
	spp.tokens_x_hz = (uint64_t)hv.config.log_rate * spp.tsc_hz;
	spp.last_tsc = rdtsc();
	spp.violations = (uint64_t *)(uintptr_t)palloc_pages(
		&hv.pool, (hv.config.protect_cap * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE);
	for (int i = 0; i < SPP_WINDOW_PAGES; i++)
		spp.window[i].saved = (uint8_t *)(uintptr_t)palloc_pages(&hv.pool, 1);
	if (!spp.violations || !spp.window[SPP_WINDOW_PAGES - 1].saved)
		panic("pool exhausted for SPP state");
	err = sppt_init(&spp.sppt, &hv.page_ops);
	for (uint32_t i = 0; !err && spp.mode != SPP_MODE_OFF && i < hv.config.protect_count; i++)
		err = sppt_protect(&spp.sppt, hv.config.protect[i].start, hv.config.protect[i].end,
				   (uint16_t)i);
	if (!err && spp.mode != SPP_MODE_OFF)
		err = sppt_for_each_page(&spp.sppt, spp_mark_cb, NULL);
	if (err) {
		pr_err("refused: building the sub-page tables failed (error %d); the guest is not launched",
		       err);
		hv_power_off(err == -ENOMEM ? HV_STATUS_NO_MEMORY : HV_STATUS_BAD_CONFIG);
	}
	g->want_spp_hw = spp.mode == SPP_MODE_HW;
	g->spptp = spp.sppt.root_pa;
	pr_info("spp: mode=%s (cpu spp=%s mtf=%s) pages=%u sppt-pages=%u spp-meta-pages=%u "
		"ept-pages=%u ept-split-pages=%lu",
		spp_mode_name(spp.mode), vmx.caps.spp ? "yes" : "no", vmx.caps.mtf ? "yes" : "no",
		spp.sppt.protected_pages, spp.sppt.table_pages, spp.sppt.meta_pages,
		hv.ept.pages_used, hv.ept.pages_used - ept_before);
}
