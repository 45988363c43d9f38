/* SMRAM lock-down: a guest that can open SMRAM can install its own SMI
 * handler, which runs outside VMX and outside the EPT (issue 11 item 1).
 * Real firmware normally locks SMRAM; Bochs's BIOS does not. */
#include "drivers/pci.h"
#include "drivers/smram.h"
#include "hv/cmdline.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "hv/power.h"
#include "hv/status.h"
#include "vmx/vmx_pci.h"

void hv_platform_lockdown(void)
{
	uint32_t id = pci_cfg_read32(0, 0, 0, 0);
	enum smram_chipset chipset = smram_chipset_of(id);
	/* Test switch: behave as on a host bridge this hypervisor cannot lock. */
	bool test = cmdline_get(hv.boot.cmdline, "test-smram-unlockable", NULL, 0);
	enum smram_chipset plan_for = test ? SMRAM_CHIPSET_UNKNOWN : chipset;
	uint8_t reg = smram_reg(chipset), before = reg ? pci_cfg_read8(0, 0, 0, reg) : 0, after;
	struct smram_plan plan;
	char val[32];
	bool accept = cmdline_get(hv.boot.cmdline, "smram", val, sizeof(val)) &&
		      !strcmp(val, "allow-unlocked");
	bool wanted = hv.config.spp_mode != CONFIG_SPP_OFF &&
		      (hv.config.protect_count || hv.config.hypercall_lock);
	bool locked;

	vmx_pci_init(chipset);
	smram_plan(plan_for, before, &plan);
	if (plan.action == SMRAM_WRITE_LOCK)
		pci_cfg_write8(0, 0, 0, reg, plan.value);
	after = reg ? pci_cfg_read8(0, 0, 0, reg) : 0;
	locked = plan.action != SMRAM_CANNOT_LOCK && smram_is_locked(after);
	pr_info("platform: smram chipset=%s id=0x%08x reg=0x%02x before=0x%02x after=0x%02x state=%s",
		smram_chipset_name(chipset), id, reg, before, after,
		!locked ? "unlocked" : plan.action == SMRAM_ALREADY_LOCKED ? "locked-by-firmware" :
		"locked");
	if (locked)
		return;
	if (!plan.why[0])
		plan.why = "the lock did not hold";
	if (!smram_launch_allowed(locked, wanted, accept)) {
		pr_err("refused: SMRAM cannot be locked (%s): the guest could run its own SMI handler "
		       "outside the EPT; boot with smram=allow-unlocked to accept that risk", plan.why);
		hv_power_off(HV_STATUS_PLATFORM_UNSAFE);
	}
	pr_warn("platform: SMRAM is NOT locked (%s); %s", plan.why,
		wanted ? "risk accepted with smram=allow-unlocked" :
		"no protect ranges and hypercall-lock off, so nothing depends on it");
}
