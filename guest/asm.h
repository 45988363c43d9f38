/* Assembler macros shared by the test guest's .S files. */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#ifdef __ASSEMBLER__
/* The System V callee-saved registers (psABI 3.2.1), saved on entry to an
 * assembly routine called from C and restored before it returns. */
.macro push_callee_saved
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro pop_callee_saved
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
.endm
#endif

#endif
