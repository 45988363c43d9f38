/* Platform lock-down before the guest runs (docs/security.md). */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

/* Closes and locks SMRAM where the chipset allows it and reports its state
 * in one `platform: smram ...` line.  With protection configured and SMRAM
 * not locked, refuses to launch (HV_STATUS_PLATFORM_UNSAFE) unless the
 * command line has smram=allow-unlocked.  Also tells the guest's PCI
 * configuration trap (vmx/vmx_pci.c) which host bridge it guards. */
void hv_platform_lockdown(void);

#endif
