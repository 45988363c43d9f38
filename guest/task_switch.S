/* Hardware task switches for mode=task (guest/mode_task.c): from 64-bit
 * mode into legacy 32-bit protected mode (paging off, as guest/cr_switch.S
 * does), then task A switches tasks the ways a 32-bit kernel does (SDM Vol.
 * 3A 7.3) and every task writes what it sees into task_res[]:
 *   1. A: far JMP to TSS B; B records its registers and jumps back to A.
 *   2. A: far CALL to B; B records NT and its back link, IRET returns.
 *   3. A: UD2; #UD goes through a task gate in the IDT to task C, which
 *      records NT/back link, moves A's saved EIP past UD2 and IRETs.
 *   4. A: MOV to DS of a selector past the GDT limit; #GP(0x58) goes
 *      through a task gate to task D, which pops the error code.
 *   5. A: far JMP to itself (busy): #GP(0x20), to D again.
 *   6. A: far JMP to TSS F, whose DS is past the GDT limit: #TS(0x58) in
 *      task F (Vol. 3A 7.3, table 7-1), through a task gate to task E,
 *      which pops the error code and jumps back to A.
 * Then CR0 is recorded and TS cleared, and IA-32e mode re-entered.
 * uint32_t task_excursion(void): returns 0.  Interrupts are off; an
 * exception without a task gate ends in a triple fault, not a wrong value. */
#include "guest/asm.h"
#include "guest/cpu.h"

#define SEL_CODE32 0x18
#define SEL_A 0x20
#define SEL_B 0x28
#define SEL_F 0x48
#define SEL_BAD 0x58 /* past the GDT limit */
#define R(n) (task_res + 4 * (n))
#define STR(n) str %ax; movzwl %ax, %eax; mov %eax, R(n)
#define FLAGS(n) pushf; pop %eax; mov %eax, R(n)

	.text
	.code64
	.globl task_excursion
task_excursion:
	push_callee_saved
	pushfq
	cli
	mov	%rsp, task_saved_rsp(%rip)
	sgdt	task_saved_gdt(%rip)
	sidt	task_saved_idt(%rip)
	lgdt	task_gdt_ptr(%rip)
	lea	task_a32(%rip), %rax
	pushq	$SEL_CODE32
	push	%rax
	lretq

	.code32
task_a32:
	/* Leave IA-32e mode (SDM Vol. 3A 10.8.5.4): paging off, LME off. */
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	$GUEST_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	lidt	task_idt_ptr
	mov	$SEL_A, %ax
	ltr	%ax

	/* 1: JMP to B and back. */
	mov	%esp, R(0)
	mov	$0xa1a1a1a1, %esi
	mov	$0xa2a2a2a2, %edi
	mov	$0xa3a3a3a3, %ebp
	ljmp	$SEL_B, $0
	mov	%esi, R(20)
	mov	%edi, R(21)
	mov	%ebp, R(22)
	mov	%esp, R(23)
	FLAGS(24)
	STR(25)

	/* 2: CALL B; B returns with IRET (NT = 1). */
	lcall	$SEL_B, $0
	FLAGS(30)
	STR(31)

	/* 3: #UD through the task gate of vector 6 (task C). */
	movl	$2, task_fix
	ud2
	movl	$1, R(40)

	/* 4: #GP(0x58) through the task gate of vector 13 (task D). */
	movl	$2, task_fix
	mov	$SEL_BAD, %eax
	mov	%eax, %ds		/* 8e d8: 2 bytes */
	movl	$1, R(50)

	/* 5: JMP to the busy task A: #GP(0x20), task D again. */
	movl	$7, task_fix
	ljmp	$SEL_A, $0		/* ea + ptr16:32: 7 bytes */
	movl	$1, R(55)

	/* 6: JMP to F: #TS(0x58) in F, to task E, which jumps back here. */
	ljmp	$SEL_F, $0
	STR(70)
	mov	%cr0, %eax
	mov	%eax, R(71)
	clts

	/* Back to IA-32e mode. */
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$GUEST_SEL_CODE64, $task_back64

	/* Task B: its registers as the switch loaded them, then back to A;
	 * entered again by A's CALL, it returns with IRET. */
	.globl task_b
task_b:
	mov	%eax, R(1)
	mov	%ecx, R(2)
	mov	%edx, R(3)
	mov	%ebx, R(4)
	mov	%esp, R(5)
	mov	%ebp, R(6)
	mov	%esi, R(7)
	mov	%edi, R(8)
	FLAGS(9)
	STR(10)
	mov	%cs, %ax
	movzwl	%ax, %eax
	mov	%eax, R(11)
	mov	%ss, %ax
	movzwl	%ax, %eax
	mov	%eax, R(12)
	mov	%ds, %ax
	movzwl	%ax, %eax
	mov	%eax, R(13)
	mov	%es, %ax
	movzwl	%ax, %eax
	mov	%eax, R(14)
	mov	%fs, %ax
	movzwl	%ax, %eax
	mov	%eax, R(15)
	mov	%gs, %ax
	movzwl	%ax, %eax
	mov	%eax, R(16)
	ljmp	$SEL_A, $0
	FLAGS(32)
	STR(33)
	mov	task_tss_b_ptr, %eax	/* low half of a pointer below 4 GiB */
	movzwl	(%eax), %eax
	mov	%eax, R(34)
	iret
	ud2

	/* Task C (#UD): NT, TR, back link; A resumes after its UD2. */
	.globl task_c
task_c:
	FLAGS(41)
	STR(42)
	movzwl	task_tss_c, %eax
	mov	%eax, R(43)
	mov	task_fix, %eax
	add	%eax, task_tss_a + 0x20
	iret
	jmp	task_c

	/* Task D (#GP): the error code on its stack, twice. */
	.globl task_d
task_d:
	pop	%eax
	mov	task_d_count, %ecx
	mov	%eax, R(51)(, %ecx, 4)
	mov	%esp, R(53)(, %ecx, 4)
	incl	task_d_count
	STR(57)
	movzwl	task_tss_d, %eax
	mov	%eax, R(58)
	mov	task_fix, %eax
	add	%eax, task_tss_a + 0x20
	iret
	jmp	task_d

	/* Task E (#TS raised in task F): the error code, then JMP to A. */
	.globl task_e
task_e:
	pop	%eax
	mov	%eax, R(60)
	mov	%esp, R(61)
	STR(62)
	movzwl	task_tss_e, %eax
	mov	%eax, R(63)
	FLAGS(64)
	ljmp	$SEL_A, $0
	ud2

	/* Task F never runs an instruction: loading its DS faults. */
	.globl task_f
task_f:
	ud2

	.code64
task_back64:
	mov	$GUEST_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	task_saved_rsp(%rip), %rsp
	lgdt	task_saved_gdt(%rip)
	lidt	task_saved_idt(%rip)
	xor	%eax, %eax
	popfq
	pop_callee_saved
	ret

	.data
	.balign 16
	.globl task_gdt
task_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* GUEST_SEL_CODE64 as in boot.S */
	.quad	0x00cf93000000ffff	/* GUEST_SEL_DATA */
	.quad	0x00cf9b000000ffff	/* SEL_CODE32: D=1, execute/read */
	.quad	0, 0, 0, 0, 0, 0	/* TSSs A..F: written by guest/mode_task.c */
	.quad	0			/* 0x50: unused; 0x58 is past the limit */
task_gdt_end:
	.balign 8
	.word	0
task_gdt_ptr:
	.word	task_gdt_end - task_gdt - 1
	.quad	task_gdt
	.balign 8
	.word	0, 0, 0
task_idt_ptr:
	.word	32 * 8 - 1
	.long	task_idt
	.balign 8
	.word	0, 0, 0
task_saved_gdt:
	.word	0
	.quad	0
	.balign 8
	.word	0, 0, 0
task_saved_idt:
	.word	0
	.quad	0
task_saved_rsp:
	.quad	0
	.globl task_fix
task_fix:
	.long	0
task_d_count:
	.long	0
