/*
 * Application-processor start-up (SDM Vol. 3A section 9.4.4, the
 * INIT-SIPI-SIPI sequence).  ap_trampoline is copied to a page below 1 MiB;
 * a SIPI starts the AP there in real mode at CS = page >> 4, IP = 0.  It
 * switches to protected mode, then joins the boot path's long-mode set-up
 * with the BSP's page tables, and calls ap_main, which parks it in VMX root
 * operation.
 */
#include "boot/boot_defs.h"

#define CR0_PE     (1 << 0)
#define CR0_WP     (1 << 16)
#define CR0_PG     (1 << 31)
#define CR4_PAE    (1 << 5)
#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)

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
	.short ap_gdt_end - ap_gdt - 1
	.long ap_gdt
ap_trampoline_end:

	.align 16
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00209a0000000000        /* 0x10: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x18: data */
ap_gdt_end:

	.section .boot.text, "ax"
	.code32
ap_entry32:
	movw $GDT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $boot_pml4_pa, %eax
	movl (%eax), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $GDT_SEL_CODE64, $ap_entry64

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
