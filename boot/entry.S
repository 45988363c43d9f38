/*
 * First code to run: the multiboot headers and the 32-bit -> 64-bit switch.
 *
 * Both loaders enter here in 32-bit protected mode with paging off (Multiboot
 * 0.6.96 section 3.2, Multiboot2 section 3.3): EAX holds the loader magic, EBX
 * the physical address of its information structure.  Long mode needs PAE
 * paging, EFER.LME and then CR0.PG (SDM Vol. 3A section 10.8.5); the boot page
 * tables identity-map the first 4 GiB with 2 MiB pages.
 */
#include "hv/multiboot.h"
#include "boot/boot_defs.h"

#define MB1_FLAGS     (MB1_HEADER_FLAG_PAGE_ALIGN | MB1_HEADER_FLAG_MEMORY_INFO | MB1_HEADER_FLAG_ADDRESS)
#define CR0_PE        (1 << 0)
#define CR0_WP        (1 << 16)
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define MSR_EFER      0xc0000080
#define EFER_LME      (1 << 8)
#define PTE_P_W       0x3
#define PDE_LARGE     0x83          /* present, writable, 2 MiB page */

	.section .multiboot, "a"
	.align 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.align 8
	.short 6, 0                     /* module alignment tag: page-aligned modules */
	.long 8
	.align 8
	.short 0, 0                     /* end tag */
	.long 8
mb2_header_end:

	.align 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long MB1_HEADER_CHECKSUM(MB1_FLAGS)
	.long mb1_header                /* header_addr */
	.long _image_start              /* load_addr */
	.long _load_end                 /* load_end_addr */
	.long _image_end                /* bss_end_addr */
	.long _start                    /* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi                 /* loader magic, kept for hv_main */
	movl %ebx, %esi                 /* loader info */
	movl $boot_stack_top, %esp

check_long_mode:
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

setup_page_tables:
	/* The loader zeroes bss, but clear the PML4 and PDPT anyway: a stale
	 * entry there would map junk.  EDI/ESI hold the loader's values. */
	xorl %eax, %eax
	xorl %ecx, %ecx
1:	movl %eax, boot_pml4(,%ecx,4)
	movl %eax, boot_pdpt(,%ecx,4)
	incl %ecx
	cmpl $1024, %ecx
	jne 1b

	movl $boot_pdpt, %eax
	orl $PTE_P_W, %eax
	movl %eax, boot_pml4

	/* PDPT[0..3] -> the four page directories. */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $PTE_P_W, %eax
	movl %eax, boot_pdpt(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jne 2b

	/* 2048 PDEs of 2 MiB: physical = virtual over 0..4 GiB.  The high half
	 * of entry i is i >> 11 (bits 32+ of i * 2 MiB). */
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $PDE_LARGE, %eax
	movl %eax, boot_pd(,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, boot_pd+4(,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jne 3b

	movl $bsp_long_mode_target, %ebp

/* Shared with the APs (boot/ap_entry.S): paging on the boot page tables, long
 * mode, then a far jump through the m16:32 pointer at EBP into 64-bit code.
 * Needs no stack. */
	.globl enable_long_mode
enable_long_mode:
	movl $boot_pml4, %eax
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
	lgdt boot_gdt_desc
	ljmp *(%ebp)

/* No long mode: say so on COM1 (the UART may be absent; then nobody hears it,
 * which is all we can do), ask Bochs and QEMU to power off, then halt. */
no_long_mode:
	movl $msg_no_long_mode, %ebx
4:	movb (%ebx), %al
	testb %al, %al
	jz 5f
	movw $COM1_PORT, %dx
	outb %al, %dx
	incl %ebx
	jmp 4b
5:	movw $0xf4, %dx
	movb $109, %al
	outb %al, %dx
	movl $msg_shutdown, %ebx
	movw $0x8900, %dx
6:	movb (%ebx), %al
	testb %al, %al
	jz 7f
	outb %al, %dx
	incl %ebx
	jmp 6b
7:	cli
	hlt
	jmp 7b

	.code64
long_mode_entry:
	movw $GDT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	/* Upper halves are undefined after the mode switch (SDM Vol. 1
	 * section 3.4.1.1): zero-extend the loader's magic and info. */
	movl %edi, %edi
	movl %esi, %esi
	call hv_main
8:	cli
	hlt
	jmp 8b

/* boot_restart(entry, stack_top, magic, info): hv/relocate.c's jump into the
 * moved copy of the image, on that copy's boot stack.  Interrupts are off
 * and nothing on the old stack is needed again. */
	.globl boot_restart
boot_restart:
	movq %rsi, %rsp
	movq %rdi, %rax
	movl %edx, %edi
	movl %ecx, %esi
	xorl %ebp, %ebp
	call *%rax
9:	cli
	hlt
	jmp 9b

	.section .rodata
msg_no_long_mode:
	.asciz "hv: fatal: this CPU has no 64-bit long mode; spphv needs an x86-64 CPU with VMX\r\n"
msg_shutdown:
	.asciz "Shutdown"

	.align 8
bsp_long_mode_target:
	.long long_mode_entry
	.short GDT_SEL_CODE64

	.align 16
	.globl boot_gdt, boot_gdt_limit
boot_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00209a0000000000        /* 0x10: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x18: data */
boot_gdt_end:
	.set boot_gdt_limit, boot_gdt_end - boot_gdt - 1
boot_gdt_desc:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss
	.align 4096
	.globl boot_pml4, boot_pdpt
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
	.globl boot_pd
boot_pd:
	.skip 4 * 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
