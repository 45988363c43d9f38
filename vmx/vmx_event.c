/*
 * The event layer (vmx/vmx_event.h).  One queued event (VM-entry
 * interruption-information format, with its error code and instruction
 * length) and one waiting NMI.  Re-injection follows SDM Vol. 3C 28.2.4 and
 * 31.7.1.1: an event whose delivery caused the exit is injected again with
 * the same type, vector, error code and (software events) instruction length.
 */
#include "hv/cpu.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_event_rules.h"
#include "vmx/vmx_ops.h"

static struct {
	uint32_t info, error, len;
	bool reinject; /* from the IDT-vectoring information */
	bool nmi;
	bool timer_for_retry;
} vmx_ev;

static uint64_t vmx_read_dr6(void)
{
	uint64_t v;

	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void vmx_write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

static bool vmx_ev_timer_owned;

bool vmx_event_timer_owned(void)
{
	return vmx_ev_timer_owned;
}

void vmx_event_timer(bool on, uint32_t value)
{
	vmx_ev_timer_owned = on;
	if (on) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, value);
		vmx.pin |= PIN_BASED_VMX_PREEMPTION_TIMER;
	} else {
		vmx.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	}
	/* The VMCS gets vmx.pin at the end of the exit (vmx_handle_exit). */
}

static bool vmx_event_is_soft(uint32_t info)
{
	uint32_t t = info & INTR_INFO_TYPE_MASK;

	return t == INTR_TYPE_SOFT_INTR || t == INTR_TYPE_SOFT_EXCEPTION ||
	       t == INTR_TYPE_PRIV_SW_EXCEPTION;
}

bool vmx_event_exit_begin(uint32_t basic, uint64_t qual)
{
	uint32_t idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	bool unblock = false;

	if (idt & INTR_INFO_VALID) {
		vmx_ev.info = idt & ~INTR_INFO_NMI_UNBLOCKING; /* bit 12 is reserved on entry */
		vmx_ev.error = (idt & INTR_INFO_DELIVER_CODE) ? vmcs_read32(IDT_VECTORING_ERROR_CODE) : 0;
		vmx_ev.len = vmx_event_is_soft(idt) ? vmcs_read32(VM_EXIT_INSTRUCTION_LEN) : 0;
		vmx_ev.reinject = true;
		return true;
	}
	/* A fault in an IRET that had unblocked NMIs: the IRET runs again, so
	 * NMIs must be blocked until it completes (SDM Vol. 3C 28.2.3). */
	if (basic == EXIT_REASON_EXCEPTION_NMI)
		unblock = vmcs_read32(VM_EXIT_INTR_INFO) & INTR_INFO_NMI_UNBLOCKING;
	else if (basic == EXIT_REASON_EPT_VIOLATION)
		unblock = qual & EPT_VIOL_NMI_UNBLOCKING;
	else if (basic == EXIT_REASON_SPP)
		unblock = qual & VMX_SPP_QUAL_NMI_UNBLOCKING;
	if (unblock)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | GUEST_INTR_STATE_NMI);
	return false;
}

void vmx_event_drop_delivered(void)
{
	if (vmx_ev.reinject) {
		vmx_ev.info = 0;
		vmx_ev.reinject = false;
	}
}

bool vmx_event_delivering(void)
{
	return vmx_ev.reinject && (vmx_ev.info & INTR_INFO_VALID);
}

bool vmx_event_queued(void)
{
	return (vmx_ev.info & INTR_INFO_VALID) || vmx_ev.nmi;
}

__attribute__((noreturn)) static void vmx_event_triple_fault(void)
{
	pr_err("guest triple fault: an exception while delivering #DF (SDM Vol. 3A 6.15); "
	       "stopping the guest");
	vmx_dump_guest_state(NULL);
	vmx_stop_guest(HV_STATUS_GUEST_TRIPLE_FAULT);
}

static void vmx_event_set(uint32_t info, uint32_t error, uint32_t len)
{
	if (vmx_ev.info & INTR_INFO_VALID) {
		switch (vmx_exc_combine(vmx_ev.info, info & INTR_INFO_VECTOR_MASK)) {
		case VMX_COMBINE_TRIPLE:
			vmx_event_triple_fault();
		case VMX_COMBINE_DF:
			info = INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_CODE |
			       X86_VEC_DF;
			error = 0;
			len = 0;
			break;
		case VMX_COMBINE_SECOND:
			break;
		}
	}
	vmx_ev.info = info;
	vmx_ev.error = error;
	vmx_ev.len = len;
	vmx_ev.reinject = false;
}

void vmx_event_queue_exception(uint8_t vector, bool has_error, uint32_t error)
{
	vmx_event_set(INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION |
		      (has_error ? INTR_INFO_DELIVER_CODE : 0) | vector, has_error ? error : 0, 0);
}

void vmx_event_queue_db(uint64_t dr6_bits)
{
	/* The CPU does not write DR6 for a #DB that exits or is injected
	 * (SDM Vol. 3C 28.1): the guest must see what the CPU would leave. */
	vmx_write_dr6(vmx_dr6_after_db(vmx_read_dr6(), dr6_bits));
	vmx_event_queue_exception(X86_VEC_DB, false, 0);
}

void vmx_event_queue_nmi(void)
{
	vmx_ev.nmi = true;
}

void vmx_event_reflect_exit(struct guest_regs *r)
{
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);
	uint32_t type = info & INTR_INFO_TYPE_MASK, vector = info & INTR_INFO_VECTOR_MASK;
	uint64_t qual = vmcs_readl(EXIT_QUALIFICATION);

	(void)r;
	if (!(info & INTR_INFO_VALID))
		return;
	if (type == INTR_TYPE_NMI) {
		vmx_event_queue_nmi();
		return;
	}
	if (type == INTR_TYPE_HARD_EXCEPTION && vector == X86_VEC_PF)
		/* an exiting #PF leaves CR2 alone (SDM Vol. 3C 28.1) */
		__asm__ volatile("mov %0, %%cr2" : : "r"(qual));
	if (type == INTR_TYPE_HARD_EXCEPTION && vector == X86_VEC_DB) {
		vmx_write_dr6(vmx_dr6_after_db(vmx_read_dr6(), qual));
	}
	vmx_event_set(info & ~INTR_INFO_NMI_UNBLOCKING,
		      (info & INTR_INFO_DELIVER_CODE) ? vmcs_read32(VM_EXIT_INTR_ERROR_CODE) : 0,
		      vmx_event_is_soft(info) ? vmcs_read32(VM_EXIT_INSTRUCTION_LEN) : 0);
}

static void vmx_event_write(uint32_t info, uint32_t error, uint32_t len)
{
	unsigned vector = info & INTR_INFO_VECTOR_MASK;

	/* A fault's pushed RFLAGS has RF = 1; VM entry pushes GUEST_RFLAGS as
	 * it is, so the VMM sets it (SDM Vol. 3A 18.3.1.1; KVM does the same). */
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HARD_EXCEPTION && vmx_exc_sets_rf(vector))
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) | X86_RFLAGS_RF);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
}

static __attribute__((noinline)) void vmx_event_inject_queued(bool hold);

void vmx_event_inject(bool hold)
{
	/* The common exit queues nothing: no VMCS access at all, and no
	 * register saved for the rest. */
	if (hv_nmi_pending || vmx_ev.nmi || (vmx_ev.info & INTR_INFO_VALID) ||
	    vmx_ev.timer_for_retry)
		vmx_event_inject_queued(hold);
}

static void vmx_event_inject_queued(bool hold)
{
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	uint64_t rflags = vmcs_readl(GUEST_RFLAGS);
	bool wait = false;

	if (hv_nmi_pending) {
		hv_nmi_pending = false;
		vmx_ev.nmi = true;
	}
	if (vmx_ev.info & INTR_INFO_VALID) {
		if (vmx_ev.reinject || vmx_event_may_inject(vmx_ev.info, intr, rflags)) {
			vmx_event_write(vmx_ev.info, vmx_ev.error, vmx_ev.len);
			vmx_ev.info = 0;
			vmx_ev.reinject = false;
			if (vmx_ev.nmi)
				wait = true;
		} else {
			wait = true;
		}
	} else if (vmx_ev.nmi && !hold) {
		uint32_t nmi = INTR_INFO_VALID | INTR_TYPE_NMI | X86_VEC_NMI;

		if (vmx_event_may_inject(nmi, intr, rflags)) {
			vmx_event_write(nmi, 0, 0);
			vmx_ev.nmi = false;
		} else {
			wait = true;
		}
	}
	/* Blocked (STI or MOV-SS shadow, an NMI handler not yet returned):
	 * come back soon and try again.  NMI-window exiting needs virtual
	 * NMIs, which this hypervisor does not use; the preemption timer
	 * gives the same retry without them. */
	if (!hold && wait && vmx.caps.preemption_timer) {
		vmx_ev.timer_for_retry = true;
		vmx_event_timer(true, 1);
	} else if (!hold && vmx_ev.timer_for_retry) {
		vmx_ev.timer_for_retry = false;
		vmx_event_timer(false, 0);
	}
}
