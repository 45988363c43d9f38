/*
 * VM entry and exit.  The host-state RSP of the VMCS points at the top of
 * vmx_exit_stack; on a VM exit the CPU lands at vmx_exit_stub with that RSP
 * (SDM Vol. 3C section 28.5.1) and every guest general-purpose register still
 * live.  The stub saves them as struct guest_regs (vmx/vmx.h; offsets pinned
 * there), calls vmx_handle_exit, restores and resumes.  VMRESUME/VMLAUNCH only
 * fall through when the entry itself failed.
 */
	.text
	.code64

	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rdi
	pushq %rsi
	pushq %rbp
	pushq %rbx
	pushq %rdx
	pushq %rcx
	pushq %rax
	movq %rsp, %rdi
	/* HOST_RSP is 16-byte aligned and 15 registers leave it at 8 mod 16;
	 * the SysV ABI wants RSP = 0 mod 16 at the call (psABI 3.2.2). */
	subq $8, %rsp
	call vmx_handle_exit
	addq $8, %rsp
	popq %rax
	popq %rcx
	popq %rdx
	popq %rbx
	popq %rbp
	popq %rsi
	popq %rdi
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	vmresume
	/* Only reached when VMRESUME failed (SDM Vol. 3C 31.3): */
	movq $1, %rdi
	jmp vmx_entry_failed_stub

/* void vmx_launch(uint64_t guest_eax, uint64_t guest_ebx, uint64_t guest_esi):
 * the multiboot hand-off registers (EAX, EBX) or the Linux boot protocol's
 * (ESI: the zero page); all others start as zero. */
	.globl vmx_launch
vmx_launch:
	movq %rdi, %rax
	movq %rsi, %rbx
	movq %rdx, %rsi
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	vmlaunch
	movl $0, %edi                   /* keeps the flags VMLAUNCH set */

vmx_entry_failed_stub:
	/* rdi = 1 for VMRESUME, 0 for VMLAUNCH; flags still hold VMfail. */
	setc %sil
	movzbl %sil, %esi
	leaq vmx_exit_stack_top(%rip), %rsp
	call vmx_entry_failed
1:	cli
	hlt
	jmp 1b

	.bss
	.align 4096
	.globl vmx_exit_stack_top
vmx_exit_stack:
	.skip 0x8000
vmx_exit_stack_top:

	.section .note.GNU-stack, "", @progbits
