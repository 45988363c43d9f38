/*
 * "Run one instruction with events held" (vmx/vmx.h), the service spp/ uses
 * for its window.  The step is bounded twice: the monitor trap flag (SDM
 * Vol. 3C 26.5.2) and the guest's RFLAGS.TF with #DB intercepted (the
 * single-step trap, SDM Vol. 3A 18.3.1.4): Bochs 2.7 advertises MTF but never
 * delivers the MTF exit, real CPUs deliver both; whichever comes first ends
 * the step and the other is cancelled.  When the exit that opened the step
 * interrupted an event's delivery, the step is that delivery: the event is
 * re-injected and the VMX-preemption timer at 0 (and MTF) exit right after it
 * is delivered, before the handler's first instruction (SDM Vol. 3C 26.7.2,
 * 26.7.4); TF is not used there, the frame would carry it.  While a step is
 * open every exception, external interrupt and NMI exits (SDM Vol. 3C
 * 25.6.1, 25.6.3) so no guest handler runs with the client's pages open.
 * Which exit ends the step is the pure vmx_step_classify().
 */
#include "hv/panic.h"
#include "vmx/vmx.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_event_rules.h"
#include "vmx/vmx_ops.h"

static struct vmx_step_machine vmx_step;
/* How the step uses the VMX-preemption timer: an event delivery step owns it
 * (value 0: exit right after the delivery); an instruction step only masks
 * it, so that whoever armed it (the console drain, an NMI retry) cannot end
 * the step before the instruction, and gets it back unchanged at close. */
static bool vmx_step_timer_owned, vmx_step_timer_masked;

const struct vmx_client *vmx_client;

void vmx_set_client(const struct vmx_client *c)
{
	vmx_client = c;
}

bool vmx_step_active(void)
{
	return vmx_step.state != VMX_STEP_IDLE;
}

/* The events that could reach a guest handler during the step, and so must
 * exit instead.  Those the guest itself blocks (RFLAGS.IF = 0, an STI or
 * MOV-SS shadow, an NMI handler not yet returned) stay pending in the
 * interrupt controller or the CPU on their own: making them exit would only
 * end the step before the instruction every time it is tried, because the
 * guest could not take them either (SDM Vol. 3A 6.8.3, Vol. 3C 25.4.2). */
static uint32_t vmx_step_hold(bool delivery, uint64_t rflags)
{
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO), hold = 0;
	bool shadow = intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);

	/* Delivering: the handler's IF and blocking are not known yet. */
	if (delivery || ((rflags & X86_RFLAGS_IF) && !shadow))
		hold |= PIN_BASED_EXT_INTR_MASK;
	if (delivery || (!shadow && !(intr & GUEST_INTR_STATE_NMI)))
		hold |= PIN_BASED_NMI_EXITING;
	return hold;
}

/* The pin-based controls reach the VMCS at the end of the exit
 * (vmx_pin_commit): this runs on every violation, so each field is
 * written once per exit. */
static void vmx_step_controls_open(bool delivery, uint64_t rflags)
{
	if (vmx.caps.preemption_timer && delivery) {
		vmx_event_timer(true, 0);
		vmx_step_timer_owned = true;
	} else if (vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		vmx.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		vmx_step_timer_masked = true;
	}
	vmx.pin = (vmx.pin & ~(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)) |
		  vmx_step_hold(delivery, rflags);
	vmcs_write32(EXCEPTION_BITMAP, 0xffffffffu);
	if (vmx.caps.mtf)
		vmx_set_mtf(true);
	if (!delivery)
		vmcs_writel(GUEST_RFLAGS, rflags | X86_RFLAGS_TF);
}

static void vmx_step_close(const struct vmx_step_out *o)
{
	if (vmx_step_timer_owned)
		vmx_event_timer(false, 0);
	else if (vmx_step_timer_masked)
		vmx.pin |= PIN_BASED_VMX_PREEMPTION_TIMER;
	vmx_step_timer_owned = vmx_step_timer_masked = false;
	vmx.pin &= ~(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	if (vmx.caps.mtf)
		vmx_set_mtf(false);
	if (o->restore_tf) {
		uint64_t rflags = vmcs_readl(GUEST_RFLAGS) & ~X86_RFLAGS_TF;

		vmcs_writel(GUEST_RFLAGS, rflags | (vmx_step.guest_tf ? X86_RFLAGS_TF : 0));
	}
	if (o->clear_pending_bs) {
		uint64_t dbg = vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS);

		if (dbg & X86_DR6_BS)
			vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, dbg & ~X86_DR6_BS);
	}
}

bool vmx_step_open(void)
{
	bool delivery = vmx_event_delivering();

	if (vmx_step.state != VMX_STEP_IDLE) {
		/* A further page of the same step.  The instruction runs again
		 * from its start, so the single-step trap its first attempt left
		 * pending must not fire before it has. */
		uint64_t dbg = vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS);

		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, dbg & ~X86_DR6_BS);
		return false;
	}
	if (delivery && !vmx.caps.preemption_timer && !vmx.caps.mtf)
		panic("an event delivery step needs the preemption timer or MTF");
	uint64_t rflags = vmcs_readl(GUEST_RFLAGS);

	vmx_step_machine_open(&vmx_step, delivery, rflags & X86_RFLAGS_TF);
	vmx_step_controls_open(delivery, rflags);
	return true;
}

static enum vmx_step_exit vmx_step_exit_kind(uint32_t basic, uint64_t qual)
{
	uint32_t info, type, vector;

	switch (basic) {
	case EXIT_REASON_MONITOR_TRAP_FLAG:
		return VMX_STEP_EXIT_MTF;
	case EXIT_REASON_PREEMPTION_TIMER:
		return VMX_STEP_EXIT_TIMER;
	case EXIT_REASON_EPT_VIOLATION:
		return VMX_STEP_EXIT_VIOLATION;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return VMX_STEP_EXIT_INTR;
	case EXIT_REASON_EXCEPTION_NMI:
		info = vmcs_read32(VM_EXIT_INTR_INFO);
		type = info & INTR_INFO_TYPE_MASK;
		vector = info & INTR_INFO_VECTOR_MASK;
		if (type == INTR_TYPE_NMI)
			return VMX_STEP_EXIT_NMI;
		if (type == INTR_TYPE_HARD_EXCEPTION && vector == X86_VEC_DB) {
			/* DR7 matters only for a breakpoint hit (B0-B3). */
			if (vmx_db_is_trap(qual, (qual & 0xf) ? vmcs_readl(GUEST_DR7) : 0))
				return VMX_STEP_EXIT_DB_TRAP;
		}
		return VMX_STEP_EXIT_EXCEPTION;
	default:
		return VMX_STEP_EXIT_OTHER;
	}
}

bool vmx_step_exit(struct guest_regs *r, uint32_t basic, uint64_t qual, bool idt_valid)
{
	struct vmx_step_out o;
	enum vmx_step_exit kind;

	if (vmx_step.state == VMX_STEP_IDLE)
		return false;
	kind = vmx_step_exit_kind(basic, qual);
	o = vmx_step_machine_exit(&vmx_step, kind, idt_valid,
				  kind == VMX_STEP_EXIT_DB_TRAP ? qual : 0);
	if (o.verdict == VMX_STEP_CONTINUE)
		return false;
	vmx_step_close(&o);
	vmx_client->step_end(r, o.verdict == VMX_STEP_DONE);
	switch (o.action) {
	case VMX_STEP_ACT_DISPATCH:
		return false;
	case VMX_STEP_ACT_DB:
		vmx_event_queue_db(o.db_bits);
		return true;
	case VMX_STEP_ACT_REFLECT:
		vmx_event_reflect_exit(r);
		return true;
	case VMX_STEP_ACT_PENDING:
		/* Acknowledge-on-exit is off: the interrupt stays pending in the
		 * interrupt controller and is delivered when the guest allows. */
	case VMX_STEP_ACT_CONSUME:
	default:
		return true;
	}
}
