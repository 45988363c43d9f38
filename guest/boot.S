/* Test guest entry: multiboot1 header, 32-bit protected-mode entry, switch to
 * IA-32e mode on identity-mapped 2 MiB pages over the first 4 GiB, call
 * guest_main(magic, info).  SDM Vol. 3A, section 10.8.5 (initializing IA-32e
 * mode); Multiboot 0.6.96, section 3.2 (machine state at entry). */
#include "guest/cpu.h"
#include "guest/mb1.h"

/* The address fields let QEMU -kernel boot an ELF64 image (it only parses
 * ELF32 itself). */
#define GUEST_MB1_FLAGS (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_ADDRESS)
#define GUEST_PD_COUNT 4
#define GUEST_STACK_SIZE 16384
#define LSR_THR_EMPTY 0x20
#define SERIAL_SPIN 100000

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long GUEST_MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + GUEST_MB1_FLAGS)
	.long mb1_header
	.long __guest_start
	.long __guest_data_end
	.long __guest_bss_end
	.long guest_entry32

	.section .text.entry32, "ax"
	.code32
	.globl guest_entry32
guest_entry32:
	cli
	cld
	/* EAX = magic, EBX = info: keep them clear of rep stos and cpuid. */
	mov	%eax, %esi
	mov	%ebx, %ebp
	mov	$boot_stack_top, %esp

zero_bss:
	mov	$__guest_bss_start, %edi
	mov	$__guest_bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb

check_long_mode:
	mov	$0x80000000, %eax
	cpuid
	cmp	$CPUID_EXT_FEATURES, %eax
	jb	no_long_mode
	mov	$CPUID_EXT_FEATURES, %eax
	cpuid
	test	$CPUID_EXT_EDX_LM, %edx
	jz	no_long_mode

setup_page_tables:
	mov	$guest_pdpt, %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, guest_pml4

	mov	$guest_pd, %eax
	or	$(PTE_P | PTE_W), %eax
	mov	$guest_pdpt, %edi
	mov	$GUEST_PD_COUNT, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b

	/* 2 MiB leaves; the upper halves stay zero from the bss clear. */
	mov	$(PTE_P | PTE_W | PTE_PS), %eax
	mov	$guest_pd, %edi
	mov	$(GUEST_PD_COUNT * 512), %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b

enable_long_mode:
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$guest_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
	mov	%eax, %cr0
	lgdt	guest_gdt_ptr
	ljmp	$GUEST_SEL_CODE64, $entry64

no_long_mode:
	mov	$msg_no_long_mode, %esi
3:	movb	(%esi), %bl
	test	%bl, %bl
	jz	halt32
	mov	$(COM1_PORT + 5), %dx
	mov	$SERIAL_SPIN, %ecx
4:	inb	%dx, %al
	test	$LSR_THR_EMPTY, %al
	jnz	5f
	loop	4b
5:	mov	$COM1_PORT, %dx
	mov	%bl, %al
	outb	%al, %dx
	inc	%esi
	jmp	3b
halt32:
	cli
	hlt
	jmp	halt32

	.code64
entry64:
	mov	$GUEST_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	mov	%esi, %edi
	mov	%ebp, %esi
	xor	%ebp, %ebp
	call	guest_main
6:	cli
	hlt
	jmp	6b

	.section .rodata
msg_no_long_mode:
	.asciz	"guest: FAIL no long mode\n"

	.section .data
	.balign 16
guest_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* GUEST_SEL_CODE64: L=1, D=0, execute/read */
	.quad	0x00cf92000000ffff	/* GUEST_SEL_DATA: read/write */
guest_gdt_end:
	.balign 8
	/* A 10-byte pseudo-descriptor: 32-bit LGDT reads the first 6 bytes. */
	.word	0
guest_gdt_ptr:
	.word	guest_gdt_end - guest_gdt - 1
	.quad	guest_gdt

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
	.globl guest_pml4
guest_pml4:
	.skip	4096
guest_pdpt:
	.skip	4096
guest_pd:
	.skip	GUEST_PD_COUNT * 4096

	.section .bss
	.balign 16
boot_stack:
	.skip	GUEST_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
