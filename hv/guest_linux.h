/* The Linux boot protocol's 32-bit entry for a bzImage guest (hv/guest_linux.c). */
#ifndef HV_GUEST_LINUX_H
#define HV_GUEST_LINUX_H

#include "hv/hv.h"
#include "vmx/vmx.h"

/* Loads the kernel, its initrd and zero page and fills the entry state;
 * refuses (HV_STATUS_BAD_GUEST) with one line on any problem. */
void guest_load_linux(const struct hv_module_copy *gm, struct vmx_guest_setup *g);

#endif
