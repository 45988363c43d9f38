/* Event-delivery probes (guest/mode_events.c): code that runs with RSP on a
 * chosen page, so that the frame an exception or interrupt pushes lands
 * there, and handlers that touch no stack before they leave it. */
#define EV_LAPIC_EOI 0xfee000b0
#include "guest/asm.h"


	.text
	.code64

.macro save_and_switch
	push_callee_saved
	mov	%rsp, ev_saved_rsp(%rip)
	mov	%rdi, %rsp
.endm

.macro restore_and_return
	mov	ev_saved_rsp(%rip), %rsp
	pop_callee_saved
	ret
.endm

/* int64_t ev_trap_on_stack(uint64_t stack, uint64_t kind): RSP = stack, then
 * int3 (kind 0) or ud2 (kind 1).  The vector's gate is ev_landing_stub,
 * which records where the frame is and returns 0 from here; -1 when the
 * instruction raised nothing. */
	.globl ev_trap_on_stack
ev_trap_on_stack:
	save_and_switch
	cmp	$1, %rsi
	je	1f
	.globl ev_int3_insn, ev_int3_next
ev_int3_insn:
	int3
ev_int3_next:
	jmp	2f
1:
	.globl ev_ud2_insn
ev_ud2_insn:
	ud2
2:	mov	$-1, %rax
	restore_and_return

	.globl ev_landing_stub
ev_landing_stub:
	mov	%rsp, ev_frame_rsp(%rip)
	incl	ev_entries(%rip)
	xor	%eax, %eax
	restore_and_return

/* uint64_t ev_spin_on_stack(uint64_t stack, uint64_t loops, uint64_t ticks):
 * RSP = stack, interrupts on, spin until ev_ticks reaches `ticks` or `loops`
 * iterations pass; returns the iterations left.  No stack use of its own.
 * The count is in RAX, which the timer handler pushes: every push writes
 * bytes that differ from the last one. */
	.globl ev_spin_on_stack
ev_spin_on_stack:
	save_and_switch
	mov	%rsi, %rax
	sti
1:	cmpl	%edx, ev_ticks(%rip)
	jae	2f
	dec	%rax
	jnz	1b
2:	cli
	restore_and_return

/* uint64_t ev_store_storm(uint64_t addr, uint64_t n): n one-byte
 * read-modify-write stores (NOT) to addr with interrupts on; each changes
 * the byte, so a store that took effect is visible. */
	.globl ev_store_storm
ev_store_storm:
	mov	%rsi, %rcx
	sti
1:	notb	(%rdi)
	dec	%rcx
	jnz	1b
	cli
	mov	%rsi, %rax
	ret

/* The local APIC timer's vector: count, end of interrupt, return. */
	.globl ev_timer_stub
ev_timer_stub:
	push	%rax
	incl	ev_ticks(%rip)
	mov	$EV_LAPIC_EOI, %eax
	movl	$0, (%rax)
	pop	%rax
	iretq

/* NMI: count and return (IRET ends NMI blocking). */
	.globl ev_nmi_stub
ev_nmi_stub:
	incl	ev_nmis(%rip)
	iretq

	.bss
	.balign 8
	.globl ev_saved_rsp, ev_frame_rsp, ev_entries, ev_ticks, ev_nmis
ev_saved_rsp:	.quad 0
ev_frame_rsp:	.quad 0
ev_entries:	.long 0
ev_ticks:	.long 0
ev_nmis:	.long 0

	.section .note.GNU-stack, "", @progbits
