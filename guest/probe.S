/* Probed instructions.  Each sits between two labels recorded in
 * guest_fixups, so guest_exception() knows its exact length and resumes after
 * it, leaving the vector in guest_probe_vector. */
#include "guest/hypercall.h"

.macro fixup start, end
	.pushsection .rodata.guest_fixups, "a"
	.balign	8
	.quad	\start, \end
	.popsection
.endm

	.text

/* int32_t probe_vmxon(uint64_t region_pa) */
	.globl probe_vmxon
probe_vmxon:
	movl	$-1, guest_probe_vector(%rip)
	push	%rdi
1:	vmxon	(%rsp)
2:	fixup	1b, 2b
	add	$8, %rsp
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_vmread(uint64_t field, uint64_t *value) */
	.globl probe_vmread
probe_vmread:
	movl	$-1, guest_probe_vector(%rip)
	xor	%eax, %eax
1:	vmread	%rdi, %rax
2:	fixup	1b, 2b
	mov	%rax, (%rsi)
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_rdmsr(uint32_t msr, uint64_t *value) */
	.globl probe_rdmsr
probe_rdmsr:
	movl	$-1, guest_probe_vector(%rip)
	mov	%edi, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
1:	rdmsr
2:	fixup	1b, 2b
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, (%rsi)
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_wrmsr(uint32_t msr, uint64_t value) */
	.globl probe_wrmsr
probe_wrmsr:
	movl	$-1, guest_probe_vector(%rip)
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
1:	wrmsr
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t hc_vmcall(struct hc_regs *regs): EAX, EBX, ECX, EDX, ESI in and
 * out, per the hypercall ABI in hypercall.h. */
	.globl hc_vmcall
hc_vmcall:
	movl	$-1, guest_probe_vector(%rip)
	push	%rbx
	push	%rdi
	mov	HC_REGS_EAX(%rdi), %eax
	mov	HC_REGS_EBX(%rdi), %ebx
	mov	HC_REGS_ECX(%rdi), %ecx
	mov	HC_REGS_EDX(%rdi), %edx
	mov	HC_REGS_ESI(%rdi), %esi
1:	vmcall
2:	fixup	1b, 2b
	pop	%rdi
	mov	%eax, HC_REGS_EAX(%rdi)
	mov	%ebx, HC_REGS_EBX(%rdi)
	mov	%ecx, HC_REGS_ECX(%rdi)
	mov	%edx, HC_REGS_EDX(%rdi)
	mov	%esi, HC_REGS_ESI(%rdi)
	pop	%rbx
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_mov_cr0(uint64_t value) */
	.globl probe_mov_cr0
probe_mov_cr0:
	movl	$-1, guest_probe_vector(%rip)
1:	mov	%rdi, %cr0
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_mov_cr4(uint64_t value) */
	.globl probe_mov_cr4
probe_mov_cr4:
	movl	$-1, guest_probe_vector(%rip)
1:	mov	%rdi, %cr4
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_xsaves(void *area, uint64_t rfbm) */
	.globl probe_xsaves
probe_xsaves:
	movl	$-1, guest_probe_vector(%rip)
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
1:	xsaves64 (%rdi)
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_xrstors(const void *area, uint64_t rfbm) */
	.globl probe_xrstors
probe_xrstors:
	movl	$-1, guest_probe_vector(%rip)
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
1:	xrstors64 (%rdi)
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret

/* int32_t probe_xsetbv(uint32_t xcr, uint64_t value) */
	.globl probe_xsetbv
probe_xsetbv:
	movl	$-1, guest_probe_vector(%rip)
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
1:	xsetbv
2:	fixup	1b, 2b
	movl	guest_probe_vector(%rip), %eax
	ret
