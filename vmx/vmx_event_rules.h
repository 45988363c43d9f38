/* Pure rules of event delivery, taken from the SDM and kept free of VMCS
 * access so host unit tests can drive them: exception classes and the
 * double-fault rule, which exceptions get RF in the pushed RFLAGS image, when
 * a queued event may be injected, how DR6 follows a #DB exit qualification,
 * and the one-instruction step ("run one instruction with events held") as
 * a state machine over exit kinds. */
#ifndef VMX_VMX_EVENT_RULES_H
#define VMX_VMX_EVENT_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmx_defs.h"

#define X86_VEC_DE 0
#define X86_VEC_DB 1
#define X86_VEC_NMI 2
#define X86_VEC_BP 3
#define X86_VEC_OF 4
#define X86_VEC_UD 6
#define X86_VEC_DF 8
#define X86_VEC_TS 10
#define X86_VEC_NP 11
#define X86_VEC_SS 12
#define X86_VEC_GP 13
#define X86_VEC_PF 14
#define X86_VEC_MC 18
#define X86_VEC_VE 20

/* DR6 bits (SDM Vol. 3A 18.2.3): B0-B3, BD, BS, BT; the rest read as 1
 * except bit 16 (RTM, active low) and bit 12 (reserved 0). */
#define X86_DR6_TRAP_BITS 0xfull
#define X86_DR6_BD (1ull << 13)
#define X86_DR6_BS (1ull << 14)
#define X86_DR6_BT (1ull << 15)
#define X86_DR6_FIXED_1 0xffff0ff0ull

/* Exception classes for the double-fault rule (SDM Vol. 3A 6.15, table 6-4). */
enum vmx_exc_class { VMX_EXC_BENIGN, VMX_EXC_CONTRIBUTORY, VMX_EXC_PAGE_FAULT };

enum vmx_exc_class vmx_exc_class(unsigned vector);

/* What the CPU does when delivering `first` (VM-entry interruption-information
 * format) raises exception `second` (SDM Vol. 3A 6.15, table 6-5). */
enum vmx_exc_combine { VMX_COMBINE_SECOND, VMX_COMBINE_DF, VMX_COMBINE_TRIPLE };

enum vmx_exc_combine vmx_exc_combine(uint32_t first_info, unsigned second);

/* True when the hardware exception `vector` is fault-class, so the RFLAGS
 * image it pushes has RF = 1 (SDM Vol. 3A 6.6 and 18.3.1.1; #DB is not: an
 * instruction-breakpoint #DB leaves RF to its handler, a trap-class #DB
 * pushes RF as it was). */
bool vmx_exc_sets_rf(unsigned vector);

/* True when the event (VM-entry interruption-information format) may be
 * injected now: NMIs not while blocked by NMI, STI or MOV SS; external
 * interrupts only with RFLAGS.IF = 1 and no STI/MOV-SS blocking (SDM Vol. 3C
 * 27.3.1.5 entry checks, Vol. 3A 6.8.3).  Exceptions always. */
bool vmx_event_may_inject(uint32_t info, uint32_t interruptibility, uint64_t rflags);

/* DR6 as the CPU leaves it for a #DB whose exit qualification is `qual`
 * (SDM Vol. 3C 28.2.1, table 28-1): B0-B3 replaced, BD and BS set when
 * reported (the CPU never clears them), everything else kept. */
uint64_t vmx_dr6_after_db(uint64_t dr6, uint64_t qual);

/* True when a #DB with exit qualification `qual` is a trap that ends an
 * instruction (single-step, or a data breakpoint: DR7 R/Wn != 00), false
 * for an instruction-breakpoint fault (SDM Vol. 3A 18.2.4, 18.3.1). */
bool vmx_db_is_trap(uint64_t qual, uint64_t dr7);

/* R/W encodings of DR7 (SDM Vol. 3B 18.2.4) as a mask for vmx_db_match:
 * what an I/O access, a data write and a data read each match. */
#define VMX_DB_MATCH_IO    (1u << 2)
#define VMX_DB_MATCH_WRITE ((1u << 1) | (1u << 3))
#define VMX_DB_MATCH_READ  (1u << 3)

/* B0-B3 for the breakpoints enabled in dr7 (L or G) whose R/W encoding is
 * in rw_mask and whose range (the address in dr[i], LEN 1, 2, 8 or 4 bytes,
 * aligned down as the SDM requires, 18.2.5) overlaps [addr, addr + len).
 * For what an instruction the hypervisor completes would have matched. */
uint64_t vmx_db_match(uint64_t dr7, const uint64_t dr[4], unsigned rw_mask, uint64_t addr,
		      unsigned len);

/*
 * The one-instruction step.  Opened at an exit; `delivery` when that exit
 * interrupted the delivery of an event, which is then re-injected and the
 * step is that delivery alone.  Each later exit is classified:
 *   CONTINUE  the step goes on (a further page of the same instruction or
 *             delivery: an EPT violation while the step is incomplete);
 *   DONE      the instruction (or delivery) completed;
 *   ABORTED   it did not complete and will run again (an interrupt, NMI or
 *             fault came first).
 */
enum vmx_step_state { VMX_STEP_IDLE, VMX_STEP_INSN, VMX_STEP_DELIVERY };
enum vmx_step_exit {
	VMX_STEP_EXIT_MTF,        /* monitor trap flag */
	VMX_STEP_EXIT_DB_TRAP,    /* #DB with a trap reported (BS, B0-B3 data) */
	VMX_STEP_EXIT_TIMER,      /* VMX-preemption timer */
	VMX_STEP_EXIT_VIOLATION,  /* EPT violation on a page the client holds */
	VMX_STEP_EXIT_EXCEPTION,  /* any other exception exit */
	VMX_STEP_EXIT_INTR,       /* external interrupt */
	VMX_STEP_EXIT_NMI,
	VMX_STEP_EXIT_OTHER,
};
enum vmx_step_verdict { VMX_STEP_CONTINUE, VMX_STEP_DONE, VMX_STEP_ABORTED };

/* idt_valid: the exit came during event delivery (IDT-vectoring info valid). */
enum vmx_step_verdict vmx_step_classify(enum vmx_step_state s, enum vmx_step_exit e,
					bool idt_valid);

/* The step with what vmx/ must do at each exit. */
struct vmx_step_machine {
	enum vmx_step_state state;
	bool guest_tf; /* the guest's own RFLAGS.TF (instruction steps) */
};

enum vmx_step_action {
	VMX_STEP_ACT_DISPATCH, /* not the step's: the exit handler runs */
	VMX_STEP_ACT_CONSUME,  /* the step's own exit (MTF, timer, its #DB) */
	VMX_STEP_ACT_REFLECT,  /* hand the exit's exception or NMI back */
	VMX_STEP_ACT_DB,       /* queue #DB for the guest with db_bits */
	VMX_STEP_ACT_PENDING,  /* an external interrupt stays pending */
};

struct vmx_step_out {
	enum vmx_step_verdict verdict;
	enum vmx_step_action action;
	uint64_t db_bits;       /* VMX_STEP_ACT_DB: DR6 bits for the guest */
	bool restore_tf;        /* closing an instruction step: TF back */
	bool clear_pending_bs;  /* drop a single-step trap the step left */
};

/* Opens a step; false (and nothing changes) when one is open already. */
bool vmx_step_machine_open(struct vmx_step_machine *m, bool delivery, bool guest_tf);
/* One exit: db_qual is the #DB exit qualification for VMX_STEP_EXIT_DB_TRAP. */
struct vmx_step_out vmx_step_machine_exit(struct vmx_step_machine *m, enum vmx_step_exit e,
					  bool idt_valid, uint64_t db_qual);

#endif
