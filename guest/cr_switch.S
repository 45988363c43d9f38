/* Leaving and re-entering IA-32e mode for mode=cr (guest/mode_cr.c): every
 * paging-mode change goes through MOV to CR0 the way an OS loader does it
 * (SDM Vol. 3A 10.8.5), with CR0.NE toggled so that under spphv the write
 * that turns paging on exits (NE is host-owned, SDM Vol. 3C 25.6.6) and is
 * emulated; natively the same instructions just run.
 *
 * uint32_t cr_excursion(uint32_t kind, uint32_t pae_pdpt, uint32_t probe)
 *   kind 0: paging off, LME = 1, then CR0.PG (NE flipped back) in one exiting write
 *           enters IA-32e mode; returns EFER (low half) read in
 *           compatibility mode right after that write.
 *   kind 1: paging off, LME = 0, CR3 = pae_pdpt, then CR0.PG (+NE) in one
 *           exiting write enters PAE paging; returns the 32-bit word at
 *           linear address `probe` read through those tables.
 *   kind 2: paging off, LME = 0 (legacy protected mode), then a far JMP
 *           to the TSS descriptor at GDT selector 0x20 (cr_gdt[4], filled
 *           by the caller): a hardware task switch (SDM Vol. 3A 7.3), which
 *           always exits in VMX non-root operation (Vol. 3C 26.1.2).
 *           Returns 0 only if the task switch did not happen.
 * Runs with interrupts off; no exception may happen in 32-bit code (the
 * IDT is the 64-bit one): a bug ends in a triple fault, not a wrong value. */
#include "guest/asm.h"
#include "guest/cpu.h"

#define GUEST_SEL_CODE32 0x18
#define GUEST_SEL_TSS    0x20
#define CR0_NE GUEST_BIT(5)

	.text
	.code64
	.globl cr_excursion
cr_excursion:
	push_callee_saved
	pushfq
	cli
	mov	%rsp, cr_saved_rsp(%rip)
	sgdt	cr_saved_gdt(%rip)
	lgdt	cr_gdt_ptr(%rip)
	mov	%edi, %ebx		/* kind */
	mov	%esi, %ebp		/* PAE PDPT */
	mov	%edx, cr_probe(%rip)	/* probe address */
	/* Far return into the 32-bit code segment (compatibility mode). */
	lea	cr_compat(%rip), %rax
	pushq	$GUEST_SEL_CODE32
	push	%rax
	lretq

	.code32
cr_compat:
	/* Leave IA-32e mode: paging off from compatibility mode clears
	 * EFER.LMA (SDM Vol. 3A 10.8.5.4), then LME off. */
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	/* Flip CR0.NE (x87 error reporting): under spphv an exiting write,
	 * so the one that flips it back together with PG exits too. */
	mov	%cr0, %eax
	xor	$CR0_NE, %eax
	mov	%eax, %cr0
	test	%ebx, %ebx
	jz	cr_long
	cmp	$1, %ebx
	je	cr_pae
	/* kind 2: restore NE, then the task switch. */
	mov	%cr0, %eax
	xor	$CR0_NE, %eax
	mov	%eax, %cr0
	ljmp	$GUEST_SEL_TSS, $0
	xor	%esi, %esi
	jmp	cr_relong

cr_long:

	/* kind 0: IA-32e mode through one MOV to CR0. */
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	xor	$CR0_NE, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	mov	%eax, %esi
	ljmp	$GUEST_SEL_CODE64, $cr_back64

cr_pae:
	/* kind 1: PAE paging (CR4.PAE is still set) through one MOV to CR0,
	 * which loads the four PDPTEs (SDM Vol. 3A 4.4.1). */
	mov	%cr3, %edi
	mov	%ebp, %cr3
	mov	%cr0, %eax
	xor	$CR0_NE, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	mov	cr_probe, %eax
	mov	(%eax), %esi
	/* Back: paging off, the 4-level tables, LME, paging on. */
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	%edi, %cr3
cr_relong:
	mov	$MSR_IA32_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$GUEST_SEL_CODE64, $cr_back64

	.code64
cr_back64:
	mov	$GUEST_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	cr_saved_rsp(%rip), %rsp
	lgdt	cr_saved_gdt(%rip)
	mov	%esi, %eax
	popfq
	pop_callee_saved
	ret

	.data
	.balign 16
	.globl cr_gdt
cr_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* GUEST_SEL_CODE64 as in boot.S */
	.quad	0x00cf92000000ffff	/* GUEST_SEL_DATA */
	.quad	0x00cf9a000000ffff	/* GUEST_SEL_CODE32: D=1, execute/read */
	.quad	0			/* GUEST_SEL_TSS: written by kind 2's caller */
cr_gdt_end:
	.balign 8
	.word	0
cr_gdt_ptr:
	.word	cr_gdt_end - cr_gdt - 1
	.quad	cr_gdt
	.balign 8
	.word	0, 0, 0
cr_saved_gdt:
	.word	0
	.quad	0
cr_saved_rsp:
	.quad	0
cr_probe:
	.long	0
