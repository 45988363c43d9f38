/* Hardware task switches, exit reason 9 (vmx/vmx_task.c). */
#ifndef VMX_VMX_TASK_H
#define VMX_VMX_TASK_H

#include <stdint.h>

struct guest_regs;

/* Emulates the task switch the exit reports, or stops the guest (status
 * 116) for what is not emulated. */
void vmx_exit_task_switch(struct guest_regs *r, uint64_t qual);

#endif
