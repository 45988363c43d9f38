#ifndef SPP_SPP_SETUP_H
#define SPP_SPP_SETUP_H

#include "vmx/vmx.h"

/* Chooses the SPP mode (hardware, software, off) from the configuration, the
 * command line and the CPU; builds the SPPT from the protected ranges and
 * write-protects their EPT leaves.  Refuses with one clear line when the
 * protection cannot be enforced on this CPU. */
void spp_setup(struct vmx_guest_setup *g);

#endif
