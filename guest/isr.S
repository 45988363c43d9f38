/* Exception entry stubs for vectors 0-31.  Each stub makes the frame uniform
 * (a zero error code where the CPU pushes none, SDM Vol. 3A, section 6.13),
 * adds the vector and calls guest_exception(struct guest_frame *), which may
 * change the saved RIP to skip a probed instruction. */
#include "guest/idt.h"

.macro isr_stub vector
	.balign 16
isr_stub_\vector:
	.if !((GUEST_EXC_ERRCODE_MASK >> \vector) & 1)
	push	$0
	.endif
	push	$\vector
	jmp	isr_common
.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	isr_stub \v
	.endr

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	/* The CPU aligned RSP to 16 before its push (SDM Vol. 3A, section
	 * 6.14.2) and the frame is a multiple of 16, so the call is aligned. */
	mov	%rsp, %rdi
	cld
	call	guest_exception
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl guest_isr_stubs
guest_isr_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_stub_\v
	.endr
