#include "hv/hv.h"
#include "hv/cpu.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/status.h"

__attribute__((noreturn)) void hv_setup_and_launch(void)
{
	if (!(cpuid(1, 0).ecx & (1u << 5))) {
		pr_err("refused: this CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0); spphv needs "
		       "Intel VT-x with EPT and unrestricted guest (run it in Bochs with cpu model "
		       "tigerlake, or on hardware with VT-x enabled in the firmware)");
		hv_power_off(HV_STATUS_NO_VMX);
	}
	pr_err("vmx setup not written yet");
	hv_power_off(HV_STATUS_PANIC);
}
