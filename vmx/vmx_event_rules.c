/* Pure event-delivery rules (vmx/vmx_event_rules.h). */
#include "vmx/vmx_event_rules.h"

enum vmx_exc_class vmx_exc_class(unsigned vector)
{
	switch (vector) {
	case X86_VEC_DE: case X86_VEC_TS: case X86_VEC_NP: case X86_VEC_SS: case X86_VEC_GP:
		return VMX_EXC_CONTRIBUTORY;
	case X86_VEC_PF: case X86_VEC_VE:
		return VMX_EXC_PAGE_FAULT;
	default:
		return VMX_EXC_BENIGN;
	}
}

enum vmx_exc_combine vmx_exc_combine(uint32_t first_info, unsigned second)
{
	uint32_t type = first_info & INTR_INFO_TYPE_MASK;
	unsigned first = first_info & INTR_INFO_VECTOR_MASK;
	enum vmx_exc_class c2 = vmx_exc_class(second);

	/* Only a hardware exception being delivered combines; interrupts,
	 * NMIs and software events are handled serially (table 6-5, benign). */
	if (!(first_info & INTR_INFO_VALID) || type != INTR_TYPE_HARD_EXCEPTION)
		return VMX_COMBINE_SECOND;
	if (first == X86_VEC_DF)
		return c2 == VMX_EXC_BENIGN ? VMX_COMBINE_SECOND : VMX_COMBINE_TRIPLE;
	switch (vmx_exc_class(first)) {
	case VMX_EXC_CONTRIBUTORY:
		return c2 == VMX_EXC_CONTRIBUTORY ? VMX_COMBINE_DF : VMX_COMBINE_SECOND;
	case VMX_EXC_PAGE_FAULT:
		return c2 == VMX_EXC_BENIGN ? VMX_COMBINE_SECOND : VMX_COMBINE_DF;
	default:
		return VMX_COMBINE_SECOND;
	}
}

bool vmx_exc_sets_rf(unsigned vector)
{
	switch (vector) {
	case X86_VEC_DB: case X86_VEC_NMI: case X86_VEC_BP: case X86_VEC_OF:
	case X86_VEC_DF: case X86_VEC_MC:
		return false; /* traps, aborts, NMI, and #DB (see the header) */
	default:
		return vector < 32;
	}
}

bool vmx_event_may_inject(uint32_t info, uint32_t intr, uint64_t rflags)
{
	uint32_t shadow = GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS;

	switch (info & INTR_INFO_TYPE_MASK) {
	case INTR_TYPE_NMI:
		return !(intr & (shadow | GUEST_INTR_STATE_NMI));
	case INTR_TYPE_EXT_INTR:
		return (rflags & X86_RFLAGS_IF) && !(intr & shadow);
	default:
		return true;
	}
}

uint64_t vmx_dr6_after_db(uint64_t dr6, uint64_t qual)
{
	dr6 = (dr6 & ~X86_DR6_TRAP_BITS) | (qual & (X86_DR6_TRAP_BITS | X86_DR6_BD | X86_DR6_BS));
	return dr6 | X86_DR6_FIXED_1;
}

bool vmx_db_is_trap(uint64_t qual, uint64_t dr7)
{
	if (qual & X86_DR6_BS)
		return true;
	for (unsigned i = 0; i < 4; i++)
		if ((qual & (1ull << i)) && ((dr7 >> (16 + 4 * i)) & 3))
			return true;
	return false;
}

enum vmx_step_verdict vmx_step_classify(enum vmx_step_state s, enum vmx_step_exit e,
					bool idt_valid)
{
	if (s == VMX_STEP_IDLE)
		return VMX_STEP_CONTINUE;
	if (s == VMX_STEP_DELIVERY) {
		/* Still delivering: another held page (continue) or a fault
		 * during delivery (the event does not complete).  Any exit after
		 * the delivery finished means the step is done: the timer and
		 * MTF are armed for exactly that boundary (SDM Vol. 3C 26.7.2,
		 * 26.7.4: both come after an injected event's delivery). */
		if (idt_valid)
			return e == VMX_STEP_EXIT_VIOLATION ? VMX_STEP_CONTINUE : VMX_STEP_ABORTED;
		return VMX_STEP_DONE;
	}
	switch (e) {
	case VMX_STEP_EXIT_MTF:
	case VMX_STEP_EXIT_DB_TRAP:
	case VMX_STEP_EXIT_TIMER:
		/* A trap after the instruction (MTF and single-step come after it
		 * completed, SDM Vol. 3C 26.5.2, Vol. 3A 18.3.1.4). */
		return VMX_STEP_DONE;
	case VMX_STEP_EXIT_VIOLATION:
		/* The same instruction wrote a further held page; an EPT
		 * violation while delivering a software interrupt it raised
		 * (INT n) is a further page of the same instruction too. */
		return VMX_STEP_CONTINUE;
	default:
		/* An interrupt or NMI before the instruction, or a fault that
		 * stopped it (faults leave no stores, SDM Vol. 3A 6.5): it runs
		 * again later. */
		return VMX_STEP_ABORTED;
	}
}

bool vmx_step_machine_open(struct vmx_step_machine *m, bool delivery, bool guest_tf)
{
	if (m->state != VMX_STEP_IDLE)
		return false;
	m->state = delivery ? VMX_STEP_DELIVERY : VMX_STEP_INSN;
	m->guest_tf = !delivery && guest_tf;
	return true;
}

struct vmx_step_out vmx_step_machine_exit(struct vmx_step_machine *m, enum vmx_step_exit e,
					  bool idt_valid, uint64_t db_qual)
{
	struct vmx_step_out o = { VMX_STEP_CONTINUE, VMX_STEP_ACT_DISPATCH, 0, false, false };
	bool insn = m->state == VMX_STEP_INSN;

	if (m->state == VMX_STEP_IDLE)
		return o;
	o.verdict = vmx_step_classify(m->state, e, idt_valid);
	if (o.verdict == VMX_STEP_CONTINUE)
		return o;
	m->state = VMX_STEP_IDLE;
	/* The TF the step set comes off; a single-step trap it left pending
	 * (MTF exit first) is the guest's only if the guest had TF set.  When
	 * the exit is that trap, nothing of it is left pending (the #DB is the
	 * exit itself, SDM Vol. 3C 28.1): the field need not be read. */
	o.restore_tf = insn;
	o.clear_pending_bs = insn && !m->guest_tf && e != VMX_STEP_EXIT_DB_TRAP;
	switch (e) {
	case VMX_STEP_EXIT_MTF:
	case VMX_STEP_EXIT_TIMER:
		o.action = VMX_STEP_ACT_CONSUME;
		break;
	case VMX_STEP_EXIT_DB_TRAP:
		o.db_bits = db_qual & (X86_DR6_TRAP_BITS | X86_DR6_BD | X86_DR6_BS);
		if (insn && !m->guest_tf)
			o.db_bits &= ~X86_DR6_BS;
		o.action = (o.db_bits & (X86_DR6_BS | X86_DR6_TRAP_BITS)) ? VMX_STEP_ACT_DB
									   : VMX_STEP_ACT_CONSUME;
		break;
	case VMX_STEP_EXIT_EXCEPTION:
	case VMX_STEP_EXIT_NMI:
		o.action = VMX_STEP_ACT_REFLECT;
		break;
	case VMX_STEP_EXIT_INTR:
		o.action = VMX_STEP_ACT_PENDING;
		break;
	default:
		o.action = VMX_STEP_ACT_DISPATCH;
		break;
	}
	return o;
}

uint64_t vmx_db_match(uint64_t dr7, const uint64_t dr[4], unsigned rw_mask, uint64_t addr,
		      unsigned len)
{
	static const uint64_t bp_len[4] = { 1, 2, 8, 4 }; /* LEN 00, 01, 10, 11 */
	uint64_t hit = 0;

	for (unsigned i = 0; i < 4; i++) {
		unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
		uint64_t n = bp_len[(dr7 >> (18 + 4 * i)) & 3];
		uint64_t lo = dr[i] & ~(n - 1);

		if (!((dr7 >> (2 * i)) & 3) || !((rw_mask >> rw) & 1))
			continue;
		if (lo < addr + len && addr < lo + n)
			hit |= 1ull << i;
	}
	return hit;
}
