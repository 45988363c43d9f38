/* State shared by the core's boot stages (one CPU, one guest). */
#ifndef HV_HV_H
#define HV_HV_H

#include "hv/bootinfo.h"

struct hv_state {
	struct bootinfo boot;
};

extern struct hv_state hv;

/* Checks the CPU, builds the tables and launches the guest; never returns. */
__attribute__((noreturn)) void hv_setup_and_launch(void);

#endif
