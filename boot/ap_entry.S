/*
 * Application-processor start-up (SDM Vol. 3A section 9.4.4, the
 * INIT-SIPI-SIPI sequence).  ap_trampoline is copied to a page below 1 MiB;
 * a SIPI starts the AP there in real mode at CS = page >> 4, IP = 0.  It
 * switches to protected mode on the boot GDT, then joins the BSP's long-mode
 * set-up (enable_long_mode in boot/entry.S), and calls ap_main, which parks it in VMX root
 * operation.
 */
#include "boot/boot_defs.h"

#define CR0_PE     (1 << 0)

	.section .rodata
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	/* The GDTR below holds a 32-bit base: lgdtl reads all of it. */
	lgdtl ap_gdtr - ap_trampoline
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $GDT_SEL_CODE32, $ap_entry32
	.align 8
ap_gdtr:
	.short boot_gdt_limit
	.long boot_gdt
ap_trampoline_end:

	.align 8
ap_long_mode_target:
	.long ap_entry64
	.short GDT_SEL_CODE64

	.section .boot.text, "ax"
	.code32
ap_entry32:
	movw $GDT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $ap_long_mode_target, %ebp
	jmp enable_long_mode

	.code64
ap_entry64:
	/* Each AP takes the next stack slot. */
	movl $1, %eax
	lock xaddl %eax, ap_next_slot
	cmpl $AP_MAX, %eax
	jae 2f
	movl %eax, %edi
	incl %eax
	shll $AP_STACK_SHIFT, %eax
	addq $ap_stacks, %rax
	movq %rax, %rsp
	call ap_main
2:	cli
	hlt
	jmp 2b

	.data
	.globl ap_next_slot
ap_next_slot:
	.long 0

	.bss
	.align 4096
	.globl ap_stacks
ap_stacks:
	.skip AP_MAX << AP_STACK_SHIFT

	.section .note.GNU-stack, "", @progbits
