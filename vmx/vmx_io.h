#ifndef VMX_VMX_IO_H
#define VMX_VMX_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx.h"

/* An I/O exit that touches the console UART's registers: emulated, RIP
 * advanced; false when the access is elsewhere. */
bool vmx_io_console(struct guest_regs *r, uint64_t qual);

#endif
