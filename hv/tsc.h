#ifndef HV_TSC_H
#define HV_TSC_H

#include <stdint.h>

/* TSC ticks per second, measured once against the PIT (in Bochs this is
 * the emulated instruction rate). */
uint64_t tsc_hz(void);

#endif
