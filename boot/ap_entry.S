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
	/* Each AP takes the next slot; the BSP prepared ap_slots of them
	 * (stack, TSS, VMXON region in hv/smp.c).  A processor beyond them
	 * has no stack: it counts itself, which stops the launch, and halts. */
	movl $1, %eax
	lock xaddl %eax, ap_next_slot(%rip)
	cmpl ap_slots(%rip), %eax
	jae 1f
	leaq ap_stack_top(%rip), %rcx
	movq (%rcx,%rax,8), %rsp
	movl %eax, %edi
	call ap_main
1:	lock incl ap_unslotted(%rip)
2:	cli
	hlt
	jmp 2b

	.section .note.GNU-stack, "", @progbits
