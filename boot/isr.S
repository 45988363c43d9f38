/*
 * Exception entry stubs.  Every vector pushes the same frame (a dummy error
 * code where the CPU pushes none, SDM Vol. 3A section 7.13) and jumps to one
 * common path that saves the general registers in the order of
 * struct exception_frame (hv/panic.h) and calls exception_dispatch.  Only an
 * NMI comes back (it is handed to the guest or ignored on a parked AP); any
 * other exception in the hypervisor is fatal.
 */
	.text
	.code64

.macro isr_noerr vec
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

.macro isr_err vec
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

isr_noerr 0
isr_noerr 1
isr_noerr 2
isr_noerr 3
isr_noerr 4
isr_noerr 5
isr_noerr 6
isr_noerr 7
isr_err 8
isr_noerr 9
isr_err 10
isr_err 11
isr_err 12
isr_err 13
isr_err 14
isr_noerr 15
isr_noerr 16
isr_err 17
isr_noerr 18
isr_noerr 19
isr_noerr 20
isr_err 21
isr_noerr 22
isr_noerr 23
isr_noerr 24
isr_noerr 25
isr_noerr 26
isr_noerr 27
isr_noerr 28
isr_err 29
isr_err 30
isr_noerr 31
isr_noerr 255

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call exception_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                  /* vector and error code */
	iretq

	.section .rodata
	.globl isr_table
	.align 8
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr
	.globl isr_spurious
isr_spurious:
	.quad isr_255

	.section .note.GNU-stack, "", @progbits
