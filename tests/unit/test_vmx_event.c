/* The pure event rules (vmx/vmx_event_rules.c) and the one-instruction step
 * driven through every exit order.  Expected values come from the SDM: the
 * double-fault table (Vol. 3A 6.15, tables 6-4 and 6-5), which exceptions
 * are faults (table 6-1), the entry checks on injected NMIs and interrupts
 * (Vol. 3C 27.3.1.5), DR6 (Vol. 3A 18.2.3), and the priorities that put MTF
 * and the single-step trap after an instruction and interrupts before one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/vmx_event_rules.h"

#define HW(v) (INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | (v))
#define EXT(v) (INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (v))
#define NMI (INTR_INFO_VALID | INTR_TYPE_NMI | 2)

static void test_double_fault_table(void **state)
{
	(void)state;
	/* contributory then contributory: #DF */
	assert_int_equal(vmx_exc_combine(HW(13), 13), VMX_COMBINE_DF);
	assert_int_equal(vmx_exc_combine(HW(0), 11), VMX_COMBINE_DF);
	/* contributory then #PF: serially */
	assert_int_equal(vmx_exc_combine(HW(13), 14), VMX_COMBINE_SECOND);
	/* #PF then #PF or contributory: #DF; then benign: serially */
	assert_int_equal(vmx_exc_combine(HW(14), 14), VMX_COMBINE_DF);
	assert_int_equal(vmx_exc_combine(HW(14), 12), VMX_COMBINE_DF);
	assert_int_equal(vmx_exc_combine(HW(14), 6), VMX_COMBINE_SECOND);
	/* #DF then contributory or #PF: shutdown (triple fault) */
	assert_int_equal(vmx_exc_combine(HW(8), 14), VMX_COMBINE_TRIPLE);
	assert_int_equal(vmx_exc_combine(HW(8), 13), VMX_COMBINE_TRIPLE);
	assert_int_equal(vmx_exc_combine(HW(8), 3), VMX_COMBINE_SECOND);
	/* benign first, interrupts, NMIs, software events: serially */
	assert_int_equal(vmx_exc_combine(HW(6), 13), VMX_COMBINE_SECOND);
	assert_int_equal(vmx_exc_combine(EXT(0x40), 14), VMX_COMBINE_SECOND);
	assert_int_equal(vmx_exc_combine(NMI, 13), VMX_COMBINE_SECOND);
	assert_int_equal(vmx_exc_combine(INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | 3, 14),
			 VMX_COMBINE_SECOND);
	assert_int_equal(vmx_exc_combine(0, 13), VMX_COMBINE_SECOND);
}

static void test_rf_for_faults_only(void **state)
{
	(void)state;
	static const unsigned faults[] = { 0, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19, 20, 21 };

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		assert_true(vmx_exc_sets_rf(faults[i]));
	/* #DB (trap or instruction breakpoint), NMI, #BP/#OF traps, aborts */
	assert_false(vmx_exc_sets_rf(1));
	assert_false(vmx_exc_sets_rf(2));
	assert_false(vmx_exc_sets_rf(3));
	assert_false(vmx_exc_sets_rf(4));
	assert_false(vmx_exc_sets_rf(8));
	assert_false(vmx_exc_sets_rf(18));
	assert_false(vmx_exc_sets_rf(32));
}

static void test_may_inject(void **state)
{
	uint64_t ifl = X86_RFLAGS_IF;

	(void)state;
	assert_true(vmx_event_may_inject(NMI, 0, 0));
	assert_false(vmx_event_may_inject(NMI, GUEST_INTR_STATE_STI, ifl));
	assert_false(vmx_event_may_inject(NMI, GUEST_INTR_STATE_MOV_SS, 0));
	assert_false(vmx_event_may_inject(NMI, GUEST_INTR_STATE_NMI, 0));
	assert_true(vmx_event_may_inject(EXT(0x40), 0, ifl));
	assert_false(vmx_event_may_inject(EXT(0x40), 0, 0));
	assert_false(vmx_event_may_inject(EXT(0x40), GUEST_INTR_STATE_STI, ifl));
	assert_true(vmx_event_may_inject(EXT(0x40), GUEST_INTR_STATE_NMI, ifl));
	/* exceptions ignore IF and the shadows */
	assert_true(vmx_event_may_inject(HW(13), GUEST_INTR_STATE_MOV_SS | GUEST_INTR_STATE_NMI, 0));
}

static void test_dr6(void **state)
{
	(void)state;
	/* single-step: BS set, B0-B3 from the qualification (none) */
	assert_int_equal(vmx_dr6_after_db(0xffff0ff0, X86_DR6_BS), 0xffff4ff0);
	/* B0-B3 replaced, BS kept from before (the CPU never clears it) */
	assert_int_equal(vmx_dr6_after_db(0xffff4ff3, 0x4), 0xffff4ff4);
	/* an RTM bit or anything else in the qualification is not DR6's */
	assert_int_equal(vmx_dr6_after_db(0xffff0ff0, 1ull << 16 | 1), 0xffff0ff1);
	/* data breakpoint (R/W0 = 01) is a trap; instruction breakpoint is not */
	assert_true(vmx_db_is_trap(X86_DR6_BS, 0));
	assert_true(vmx_db_is_trap(1, 1ull << 16));
	assert_false(vmx_db_is_trap(1, 0));
	assert_false(vmx_db_is_trap(2, 1ull << 16));
}

static struct vmx_step_machine insn_step(bool guest_tf)
{
	struct vmx_step_machine m = { VMX_STEP_IDLE, false };

	assert_true(vmx_step_machine_open(&m, false, guest_tf));
	assert_int_equal(m.state, VMX_STEP_INSN);
	return m;
}

static void test_step_mtf_first(void **state)
{
	struct vmx_step_machine m = insn_step(false);

	(void)state;
	struct vmx_step_out o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_MTF, false, 0);

	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_CONSUME);
	assert_true(o.restore_tf);
	assert_true(o.clear_pending_bs); /* the TF trap left pending is not the guest's */
	assert_int_equal(m.state, VMX_STEP_IDLE);
	/* a later #DB is no longer the step's */
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_DB_TRAP, false, X86_DR6_BS);
	assert_int_equal(o.verdict, VMX_STEP_CONTINUE);
	assert_int_equal(o.action, VMX_STEP_ACT_DISPATCH);
}

static void test_step_db_first(void **state)
{
	(void)state;
	struct vmx_step_machine m = insn_step(false);
	struct vmx_step_out o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_DB_TRAP, false, X86_DR6_BS);

	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_CONSUME); /* the step's own trap */
	assert_true(o.restore_tf);
	assert_false(o.clear_pending_bs); /* the trap is this exit, not pending */
	/* the guest single-steps itself: it gets its #DB with BS */
	m = insn_step(true);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_DB_TRAP, false, X86_DR6_BS);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_DB);
	assert_int_equal(o.db_bits, X86_DR6_BS);
	assert_false(o.clear_pending_bs);
	/* a data breakpoint on the store: the guest's, without the step's BS */
	m = insn_step(false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_DB_TRAP, false, X86_DR6_BS | 2);
	assert_int_equal(o.action, VMX_STEP_ACT_DB);
	assert_int_equal(o.db_bits, 2);
}

static void test_step_interrupt_first(void **state)
{
	(void)state;
	struct vmx_step_machine m = insn_step(false);
	struct vmx_step_out o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_INTR, false, 0);

	/* the instruction has not run: it runs again, the interrupt waits */
	assert_int_equal(o.verdict, VMX_STEP_ABORTED);
	assert_int_equal(o.action, VMX_STEP_ACT_PENDING);
	assert_true(o.restore_tf);
	m = insn_step(false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_NMI, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_ABORTED);
	assert_int_equal(o.action, VMX_STEP_ACT_REFLECT);
}

static void test_step_fault_first(void **state)
{
	(void)state;
	struct vmx_step_machine m = insn_step(false);
	struct vmx_step_out o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_EXCEPTION, false, 0);

	assert_int_equal(o.verdict, VMX_STEP_ABORTED);
	assert_int_equal(o.action, VMX_STEP_ACT_REFLECT);
	/* an instruction breakpoint is a fault too, not the end of the step */
	assert_false(vmx_db_is_trap(1, 0));
}

static void test_step_second_page(void **state)
{
	(void)state;
	struct vmx_step_machine m = insn_step(false);
	struct vmx_step_out o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_VIOLATION, false, 0);

	assert_int_equal(o.verdict, VMX_STEP_CONTINUE);
	assert_int_equal(o.action, VMX_STEP_ACT_DISPATCH); /* the client adds the page */
	assert_false(vmx_step_machine_open(&m, false, false)); /* already open */
	assert_int_equal(m.state, VMX_STEP_INSN);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_MTF, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
}

static void test_step_delivery(void **state)
{
	struct vmx_step_machine m = { VMX_STEP_IDLE, false };
	struct vmx_step_out o;

	(void)state;
	/* the timer (or MTF) right after the delivery */
	assert_true(vmx_step_machine_open(&m, true, true));
	assert_false(m.guest_tf); /* TF is not touched for a delivery */
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_TIMER, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_CONSUME);
	assert_false(o.restore_tf);
	/* the frame spans a second held page, then completes */
	vmx_step_machine_open(&m, true, false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_VIOLATION, true, 0);
	assert_int_equal(o.verdict, VMX_STEP_CONTINUE);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_MTF, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
	/* a fault during the delivery (#PF on the stack): not completed, the
	 * fault goes back combined with the event */
	vmx_step_machine_open(&m, true, false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_EXCEPTION, true, 0);
	assert_int_equal(o.verdict, VMX_STEP_ABORTED);
	assert_int_equal(o.action, VMX_STEP_ACT_REFLECT);
	/* delivered, then an interrupt before the handler's first instruction */
	vmx_step_machine_open(&m, true, false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_INTR, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_PENDING);
	/* delivered, and the handler's first instruction writes a held page:
	 * the step is done and that violation opens the next one */
	vmx_step_machine_open(&m, true, false);
	o = vmx_step_machine_exit(&m, VMX_STEP_EXIT_VIOLATION, false, 0);
	assert_int_equal(o.verdict, VMX_STEP_DONE);
	assert_int_equal(o.action, VMX_STEP_ACT_DISPATCH);
	assert_int_equal(m.state, VMX_STEP_IDLE);
}

static void test_step_idle_passes_everything(void **state)
{
	struct vmx_step_machine m = { VMX_STEP_IDLE, false };

	(void)state;
	for (int e = VMX_STEP_EXIT_MTF; e <= VMX_STEP_EXIT_OTHER; e++) {
		struct vmx_step_out o = vmx_step_machine_exit(&m, (enum vmx_step_exit)e, false, 0);

		assert_int_equal(o.verdict, VMX_STEP_CONTINUE);
		assert_int_equal(o.action, VMX_STEP_ACT_DISPATCH);
	}
}

static void test_db_match(void **state)
{
	const uint64_t dr[4] = { 0x3fd, 0x1004, 0x2000, 0x3000 };
	/* DR0: L0, I/O, 1 byte.  DR1: G1, writes, 4 bytes.  DR2: disabled,
	 * I/O.  DR3: L3, reads and writes, 8 bytes. */
	uint64_t dr7 = 0x400 | (1u << 0) | (2ull << 16) | (1u << 3) | (1ull << 20) | (3ull << 22) |
		       (2ull << 24) | (1u << 6) | (3ull << 28) | (2ull << 30);

	(void)state;
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_IO, 0x3fd, 1), 1);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_IO, 0x3fc, 2), 1);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_IO, 0x3fc, 1), 0);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_IO, 0x2000, 1), 0); /* disabled */
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_WRITE, 0x1007, 1), 2);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_WRITE, 0x1008, 1), 0);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_READ, 0x1004, 1), 0); /* writes only */
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_READ, 0x3007, 1), 8);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_WRITE, 0x2ffc, 8), 8);
	assert_int_equal(vmx_db_match(dr7, dr, VMX_DB_MATCH_IO, 0x3fd, 1) |
			 vmx_db_match(dr7, dr, VMX_DB_MATCH_WRITE, 0x1004, 4), 3);
	assert_int_equal(vmx_db_match(0x400, dr, VMX_DB_MATCH_IO | VMX_DB_MATCH_WRITE, 0x3fd, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_fault_table),
		cmocka_unit_test(test_rf_for_faults_only),
		cmocka_unit_test(test_may_inject),
		cmocka_unit_test(test_dr6),
		cmocka_unit_test(test_step_mtf_first),
		cmocka_unit_test(test_step_db_first),
		cmocka_unit_test(test_step_interrupt_first),
		cmocka_unit_test(test_step_fault_first),
		cmocka_unit_test(test_step_second_page),
		cmocka_unit_test(test_step_delivery),
		cmocka_unit_test(test_step_idle_passes_everything),
		cmocka_unit_test(test_db_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
