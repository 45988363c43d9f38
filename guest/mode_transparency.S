/* Probes for mode=transparency (guest/mode_transparency*.c).
 *
 * tp_try(fn, arg) calls fn(arg) with landing gates installed by the C side:
 * an exception at such a gate records its vector, error code, RIP, RFLAGS
 * and CR2, drops the frame and returns the vector from tp_try (like
 * longjmp); fn returning normally gives -1.  #DB has its own gate that
 * records DR6 and returns to the program (traps and faults alike). */
#define TP_LAPIC_EOI 0xfee000b0
#include "guest/asm.h"


	.text
	.code64

/* int32_t tp_try(void (*fn)(uint64_t), uint64_t arg) */
	.globl tp_try
tp_try:
	push_callee_saved
	sub	$8, %rsp		/* 16-byte aligned at the call */
	mov	%rsp, tp_try_rsp(%rip)
	mov	%rdi, %rax
	mov	%rsi, %rdi
	call	*%rax
	mov	$-1, %eax
tp_try_out:
	add	$8, %rsp
	pop_callee_saved
	ret

/* Landing gates: a uniform frame (zero error code where the CPU pushes none,
 * SDM Vol. 3A 6.13), then record and leave through tp_try_out. */
.macro tp_land vector, errcode
	.globl tp_land_\vector
tp_land_\vector:
	.if !\errcode
	push	$0
	.endif
	push	$\vector
	jmp	tp_land_common
.endm
	tp_land 0, 0
	tp_land 3, 0
	tp_land 6, 0
	tp_land 11, 1
	tp_land 13, 1
	tp_land 14, 1
	tp_land 17, 1

tp_land_common:
	pop	%rax
	mov	%rax, tp_exc_vector(%rip)
	pop	%rax
	mov	%rax, tp_exc_error(%rip)
	mov	(%rsp), %rax
	mov	%rax, tp_exc_rip(%rip)
	mov	8(%rsp), %rax
	mov	%rax, tp_exc_cs(%rip)
	mov	16(%rsp), %rax
	mov	%rax, tp_exc_rflags(%rip)
	mov	%cr2, %rax
	mov	%rax, tp_exc_cr2(%rip)
	/* From CPL 3 the CPU loaded SS with a null selector (SDM Vol. 3A
	 * 6.14.4): back to the kernel's. */
	mov	$0x10, %eax
	mov	%eax, %ss
	mov	tp_try_rsp(%rip), %rsp
	mov	tp_exc_vector(%rip), %eax
	jmp	tp_try_out

/* #DB: record DR6 and the frame, clear TF and DR7 in the image / register
 * (one event per probe), set RF so that a returned-to instruction
 * breakpoint does not fire again (SDM Vol. 3B 18.3.1.1), reset DR6 (the
 * processor never clears it, 18.2.3) and return. */
	.globl tp_db_stub
tp_db_stub:
	push	%rax
	push	%rdx
	mov	%dr6, %rax
	mov	%rax, tp_db_dr6(%rip)
	mov	16(%rsp), %rax		/* the frame: RIP, CS, RFLAGS */
	mov	%rax, tp_db_rip(%rip)
	mov	32(%rsp), %rax
	mov	%rax, tp_db_rflags(%rip)
	andq	$~0x100, 32(%rsp)
	orq	$0x10000, 32(%rsp)
	/* Hit n (of four) into tp_db_dr6s[n], tp_db_rips[n]. */
	mov	tp_db_count(%rip), %edx
	and	$3, %edx
	shl	$3, %edx
	lea	tp_db_dr6s(%rip), %rax
	add	%rdx, %rax
	mov	%dr6, %rdx
	mov	%rdx, (%rax)
	mov	tp_db_rip(%rip), %rdx
	mov	%rdx, tp_db_rips - tp_db_dr6s(%rax)
	cmpl	$0, tp_db_keep(%rip)	/* keep DR7: several hits per probe */
	jne	1f
	xor	%eax, %eax
	mov	%rax, %dr7
1:	mov	$0xffff0ff0, %eax
	mov	%rax, %dr6
	incl	tp_db_count(%rip)
	pop	%rdx
	pop	%rax
	iretq

/* Interrupt gates: count, EOI (local APIC or 8259), return. */
	.globl tp_lapic_timer_stub
tp_lapic_timer_stub:
	push	%rax
	incl	tp_lapic_ticks(%rip)
	mov	$TP_LAPIC_EOI, %eax
	movl	$0, (%rax)
	pop	%rax
	iretq

	.globl tp_pit_stub
tp_pit_stub:
	push	%rax
	incl	tp_pit_ticks(%rip)
	mov	$0x20, %al		/* non-specific EOI to the master 8259 */
	outb	%al, $0x20
	pop	%rax
	iretq

/* The faulting instructions, each with a global label at itself and after
 * it so the C side can tell where the frame's RIP points. */
	.globl tp_do_gp_sel, tp_gp_sel_insn
tp_do_gp_sel:				/* #GP(selector): beyond the GDT limit */
	mov	$0x1234, %eax
tp_gp_sel_insn:
	mov	%eax, %ds
	mov	$0x10, %eax
	mov	%eax, %ds
	ret

	.globl tp_do_gp_noncanon, tp_gp_noncanon_insn
tp_do_gp_noncanon:			/* #GP(0): non-canonical address */
	movabs	$0x8000000000000000, %rax
tp_gp_noncanon_insn:
	mov	(%rax), %rax
	ret

	.globl tp_do_pf_read, tp_pf_read_insn
tp_do_pf_read:				/* #PF: the address in RDI is unmapped */
tp_pf_read_insn:
	mov	(%rdi), %rax
	ret

	.globl tp_do_pf_write, tp_pf_write_insn
tp_do_pf_write:
tp_pf_write_insn:
	movq	$1, (%rdi)
	ret

	.globl tp_do_ud, tp_ud_insn
tp_do_ud:
tp_ud_insn:
	ud2
	ret

	.globl tp_do_de, tp_de_insn
tp_do_de:
	xor	%ecx, %ecx
	mov	$1, %eax
	xor	%edx, %edx
tp_de_insn:
	div	%ecx
	ret

	.globl tp_do_bp, tp_bp_next
tp_do_bp:
	int3
tp_bp_next:
	ret

/* uint64_t tp_read(uint64_t addr); void tp_call(uint64_t addr) */
	.globl tp_do_read, tp_read_insn
tp_do_read:
tp_read_insn:
	mov	(%rdi), %rax
	ret

	.globl tp_do_call
tp_do_call:
	jmp	*%rdi

/* uint64_t tp_xgetbv(uint32_t xcr) (through tp_try: #GP lands there) */
	.globl tp_do_xgetbv
tp_do_xgetbv:
	mov	%edi, %ecx
	xgetbv
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, tp_xgetbv_value(%rip)
	ret

/* XSETBV: XCR index in RDI, value in tp_xsetbv_in. */
	.globl tp_do_xsetbv
tp_do_xsetbv:
	mov	%edi, %ecx
	mov	tp_xsetbv_in(%rip), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	.globl tp_xsetbv_insn
tp_xsetbv_insn:
	xsetbv
	ret

	.globl tp_do_mov_cr4
tp_do_mov_cr4:
	.globl tp_mov_cr4_insn
tp_mov_cr4_insn:
	mov	%rdi, %cr4
	ret

/* int32_t tp_user_try(void (*fn)(void), uint64_t user_rsp, uint64_t
 * rflags): IRET to fn at CPL 3 (CS 0x2b, SS 0x23, the given RSP and
 * RFLAGS).  fn ends with a jump to tp_u_done, whose UD2 brings it back
 * through tp_land_6 with RIP = tp_u_done; anything else it raises lands
 * the same way.  Exceptions from CPL 3 switch to the TSS's RSP0. */
	.globl tp_user_try
tp_user_try:
	push_callee_saved
	sub	$8, %rsp
	mov	%rsp, tp_try_rsp(%rip)
	pushq	$0x23
	push	%rsi
	push	%rdx
	pushq	$0x2b
	push	%rdi
	iretq

/* The CPL-3 snippets for tp_user_try. */
	.globl tp_u_done
tp_u_done:
	ud2

	.globl tp_u_sgdt, tp_u_sidt, tp_u_smsw, tp_u_str, tp_u_hlt, tp_u_mov_cr0
	.globl tp_u_rdmsr, tp_u_cli, tp_u_in, tp_u_rdtsc, tp_u_int3, tp_u_int80
	.globl tp_u_pf_super, tp_u_pf_super_write, tp_u_pf_unmapped, tp_u_ac
	.globl tp_u_nothing
tp_u_nothing:
	jmp	tp_u_done
tp_u_sgdt:
	sgdt	-16(%rsp)
	jmp	tp_u_done
tp_u_sidt:
	sidt	-16(%rsp)
	jmp	tp_u_done
tp_u_smsw:
	smsw	%eax
	jmp	tp_u_done
tp_u_str:
	str	%eax
	jmp	tp_u_done
tp_u_hlt:
	hlt
	jmp	tp_u_done
tp_u_mov_cr0:
	mov	%cr0, %rax
	jmp	tp_u_done
tp_u_rdmsr:
	mov	$0x10, %ecx
	rdmsr
	jmp	tp_u_done
tp_u_cli:
	cli
	jmp	tp_u_done
tp_u_in:
	inb	$0x80, %al
	jmp	tp_u_done
tp_u_rdtsc:
	rdtsc
	jmp	tp_u_done
tp_u_int3:
	int3
	jmp	tp_u_done
tp_u_int80:
	int	$0x80
	jmp	tp_u_done
tp_u_pf_super:				/* a supervisor page: 0x600000 */
	mov	$0x600000, %eax
	mov	(%rax), %eax
	jmp	tp_u_done
tp_u_pf_super_write:
	mov	$0x600000, %eax
	movl	$0, (%rax)
	jmp	tp_u_done
tp_u_pf_unmapped:
	movabs	$0x100000000, %rax
	mov	(%rax), %eax
	jmp	tp_u_done
	.globl tp_u_ins_super, tp_u_ins_user
tp_u_ins_super:				/* INSB (IOPL 3) into a supervisor page */
	mov	$0x600000, %edi
	mov	$0x3fd, %edx
	insb
	jmp	tp_u_done
tp_u_ins_user:				/* INSB (IOPL 3) onto its own stack */
	lea	-64(%rsp), %rdi
	mov	$0x3fd, %edx
	insb
	jmp	tp_u_done
tp_u_ac:				/* misaligned with CR0.AM and RFLAGS.AC */
	mov	-15(%rsp), %eax
	jmp	tp_u_done

/* RDMSR / WRMSR: the MSR in RDI, the value in tp_msr_value. */
	.globl tp_do_rdmsr, tp_do_wrmsr
tp_do_rdmsr:
	mov	%edi, %ecx
	.globl tp_rdmsr_insn
tp_rdmsr_insn:
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, tp_msr_value(%rip)
	ret

tp_do_wrmsr:
	mov	%edi, %ecx
	mov	tp_msr_value(%rip), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	wrmsr
	ret

/* invpcid type in RDI, descriptor tp_invpcid_desc (PCID 1, address 0) */
	.globl tp_do_invpcid
tp_do_invpcid:
	invpcid	tp_invpcid_desc(%rip), %rdi
	ret

/* Single step: POPF sets TF; the trap comes after the next instruction
 * (SDM Vol. 3B 18.3.1.4), at tp_ss_next. */
	.globl tp_do_single_step, tp_ss_next
tp_do_single_step:
	pushf
	orq	$0x100, (%rsp)
	popf
	nop
tp_ss_next:
	nop
	ret

/* Instruction breakpoint on tp_ibp_insn (a fault: RIP = the instruction). */
	.globl tp_do_ibp, tp_ibp_insn
tp_do_ibp:
	nop
tp_ibp_insn:
	nop
	ret

/* Data breakpoint: a write to tp_watch (a trap: RIP after the store). */
	.globl tp_do_watch, tp_watch_next
tp_do_watch:
	movl	$1, tp_watch(%rip)
tp_watch_next:
	ret

/* Instructions spphv emulates (they exit), for single-step and breakpoint
 * probes: void tp_x_NAME(uint64_t tf).  With tf != 0, POPF sets TF right
 * before the instruction: the single-step trap comes after it, at
 * tp_x_NAME_next.  The NOP at tp_x_NAME_next is the second breakpoint of
 * the pair probes. */
.macro tp_x_begin name
	.globl tp_x_\name, tp_x_\name\()_insn, tp_x_\name\()_next
tp_x_\name:
	push	%rbx
.endm
.macro tp_x_tf
	test	%rdi, %rdi
	jz	1f
	pushf
	orq	$0x100, (%rsp)
	popf
1:
.endm
.macro tp_x_end name
tp_x_\name\()_next:
	nop
	pop	%rbx
	ret
.endm

	tp_x_begin cpuid
	xor	%eax, %eax
	xor	%ecx, %ecx
	tp_x_tf
tp_x_cpuid_insn:
	cpuid
	tp_x_end cpuid

	tp_x_begin in
	mov	$0x3fd, %edx		/* COM1 LSR: trapped under spphv */
	tp_x_tf
tp_x_in_insn:
	inb	%dx, %al
	tp_x_end in

	tp_x_begin rdmsr
	mov	$0x1b, %ecx		/* IA32_APIC_BASE */
	tp_x_tf
tp_x_rdmsr_insn:
	rdmsr
	tp_x_end rdmsr

	tp_x_begin xsetbv
	xor	%ecx, %ecx
	mov	$3, %eax
	xor	%edx, %edx
	tp_x_tf
tp_x_xsetbv_insn:
	xsetbv
	tp_x_end xsetbv

	tp_x_begin in80
	mov	$0x80, %edx		/* not trapped */
	tp_x_tf
tp_x_in80_insn:
	inb	%dx, %al
	tp_x_end in80

/* void tp_do_ins(uint64_t dst): one INSB from COM1's LSR to dst;
 * void tp_do_outs(uint64_t src): one OUTSB from src to COM1's scratch
 * register (0x3ff).  Both trapped under spphv. */
	.globl tp_do_ins, tp_ins_next, tp_do_outs, tp_outs_next
tp_do_ins:
	mov	$0x3fd, %edx
	.globl tp_ins_insn
tp_ins_insn:
	insb
tp_ins_next:
	ret
/* uint64_t tp_do_rep_ins(uint64_t dst): REP INSB, four bytes; returns RCX. */
	.globl tp_do_rep_ins, tp_rep_ins_insn, tp_rep_ins_next
tp_do_rep_ins:
	mov	$4, %ecx
	mov	$0x3fd, %edx
tp_rep_ins_insn:
	rep insb
tp_rep_ins_next:
	mov	%rcx, %rax
	ret
tp_do_outs:
	mov	%rdi, %rsi
	mov	$0x3ff, %edx
	.globl tp_outs_insn
tp_outs_insn:
	outsb
tp_outs_next:
	ret

/* uint64_t tp_ring3_trip(uint64_t kind): kind 0 = SYSCALL from CPL 0, SYSRET
 * to CPL 3, SYSCALL back; kind 1 = the same with SYSENTER / SYSEXIT.  The
 * entry points record CS and SS at each stop; interrupts stay off (the
 * guest has no TSS, so nothing may interrupt CPL 3). */
	.globl tp_ring3_trip
tp_ring3_trip:
	push_callee_saved
	pushf
	cli
	mov	%rsp, tp_trip_rsp(%rip)
	movl	$0, tp_trip_phase(%rip)
	test	%rdi, %rdi
	jnz	1f
	syscall
	jmp	tp_trip_fail
1:	sysenter
tp_trip_fail:
	movl	$99, tp_trip_phase(%rip)
tp_trip_done:
	mov	tp_trip_rsp(%rip), %rsp
	popf
	pop_callee_saved
	mov	tp_trip_phase(%rip), %eax
	ret

.macro tp_record_segs slot
	mov	%cs, %eax
	mov	%eax, tp_trip_cs+4*\slot(%rip)
	mov	%ss, %eax
	mov	%eax, tp_trip_ss+4*\slot(%rip)
.endm

	.globl tp_syscall_entry
tp_syscall_entry:
	mov	%rcx, tp_trip_rcx(%rip)
	mov	%r11, tp_trip_r11(%rip)
	cmpl	$0, tp_trip_phase(%rip)
	jne	2f
	tp_record_segs 0
	incl	tp_trip_phase(%rip)
	lea	tp_user_syscall(%rip), %rcx
	mov	$0x2, %r11d		/* RFLAGS for CPL 3: IF = 0 */
	sysretq
2:	tp_record_segs 2
	incl	tp_trip_phase(%rip)
	jmp	tp_trip_done

tp_user_syscall:			/* CPL 3 */
	tp_record_segs 1
	syscall
	ud2

	.globl tp_sysenter_entry
tp_sysenter_entry:
	cmpl	$0, tp_trip_phase(%rip)
	jne	2f
	tp_record_segs 0
	incl	tp_trip_phase(%rip)
	lea	tp_user_sysenter(%rip), %rdx
	mov	tp_trip_rsp(%rip), %rcx
	sysexitq
2:	tp_record_segs 2
	incl	tp_trip_phase(%rip)
	jmp	tp_trip_done

tp_user_sysenter:			/* CPL 3 */
	tp_record_segs 1
	mov	%rsp, tp_trip_user_rsp(%rip)
	sysenter
	ud2

	.data
	.balign 16
	.globl tp_invpcid_desc
tp_invpcid_desc:
	.quad	1, 0

	.bss
	.balign 8
	.globl tp_exc_vector, tp_exc_error, tp_exc_rip, tp_exc_cs, tp_exc_rflags, tp_exc_cr2
	.globl tp_db_dr6, tp_db_rip, tp_db_rflags, tp_db_count, tp_watch
	.globl tp_db_dr6s, tp_db_rips, tp_db_keep
	.globl tp_lapic_ticks, tp_pit_ticks, tp_xgetbv_value, tp_xsetbv_in, tp_msr_value
	.globl tp_trip_phase, tp_trip_cs, tp_trip_ss, tp_trip_rcx, tp_trip_r11, tp_trip_user_rsp
	.globl tp_trip_rsp
tp_try_rsp:	.quad 0
tp_exc_vector:	.quad 0
tp_exc_error:	.quad 0
tp_exc_rip:	.quad 0
tp_exc_cs:	.quad 0
tp_exc_rflags:	.quad 0
tp_exc_cr2:	.quad 0
tp_db_dr6:	.quad 0
tp_db_rip:	.quad 0
tp_db_rflags:	.quad 0
tp_db_dr6s:	.quad 0, 0, 0, 0
tp_db_rips:	.quad 0, 0, 0, 0
tp_db_keep:	.long 0
tp_xgetbv_value: .quad 0
tp_xsetbv_in:	.quad 0
tp_msr_value:	.quad 0
tp_trip_rsp:	.quad 0
tp_trip_rcx:	.quad 0
tp_trip_r11:	.quad 0
tp_trip_user_rsp: .quad 0
tp_trip_cs:	.long 0, 0, 0
tp_trip_ss:	.long 0, 0, 0
tp_trip_phase:	.long 0
tp_db_count:	.long 0
tp_watch:	.long 0
tp_lapic_ticks:	.long 0
tp_pit_ticks:	.long 0

	.section .note.GNU-stack, "", @progbits
