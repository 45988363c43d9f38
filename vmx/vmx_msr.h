/* The guest's MSRs: deny-by-default bitmap and the RDMSR/WRMSR exits
 * (policy table: vmx/vmx_msr_policy.h, reasons: docs/security.md). */
#ifndef VMX_VMX_MSR_H
#define VMX_VMX_MSR_H

#include "ept/mtrr.h"
#include "vmx/vmx.h"

/* Resets the guest's view; host_mtrr NULL when the CPU has no MTRRs. */
void vmx_msr_init(const struct mtrr_state *host_mtrr);
/* Fills the MSR bitmap and the TSC offset of the current VMCS. */
void vmx_msr_setup_vmcs(struct vmx_cpu *v);
/* Exit handlers: emulate, or inject #GP; each advances RIP itself. */
void vmx_msr_exit_read(struct guest_regs *r);
void vmx_msr_exit_write(struct guest_regs *r);

#endif
