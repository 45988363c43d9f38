/* Human-readable names for exit reasons and VM-instruction errors, for panic
 * and log messages.  Pure. */
#ifndef VMX_VMX_NAMES_H
#define VMX_VMX_NAMES_H

#include <stdint.h>

/* Name of a basic exit reason (SDM Vol. 3D appendix C).  Bits 31:16 of the
 * exit-reason field are flags (SDM Vol. 3C 25.9.1) and are ignored, so the raw
 * field may be passed.  "unknown" for numbers the SDM does not define. */
const char *vmx_exit_reason_name(uint32_t basic_reason);

/* Meaning of a VM-instruction error number (SDM Vol. 3C 31.4, table 31-1);
 * "unknown" for reserved or out-of-range numbers. */
const char *vmx_instruction_error_str(uint32_t n);

#endif
