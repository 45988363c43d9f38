/* VM-exit dispatch: a table indexed by basic exit reason (SDM Vol. 3C
 * appendix C).  An empty slot goes to one path that logs the exit with the
 * guest state and stops the guest; each handler advances RIP itself. */
#include "hv/console.h"
#include "hv/hv.h"
#include "hv/cpu.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "vmx/vmx.h"
#include "vmx/vmx_event.h"
#include "vmx/vmx_event_rules.h"
#include "vmx/vmx_cpuid_topo.h"
#include "vmx/vmx_cr.h"
#include "vmx/vmx_drain.h"
#include "vmx/vmx_io.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_msr_policy.h"
#include "vmx/vmx_pci.h"
#include "vmx/vmx_names.h"
#include "vmx/vmx_guest_power.h"
#include "vmx/vmx_ops.h"
#include "vmx/vmx_task.h"
#include "vmx/vmx_xcr.h"

#define CPUID_HV_BIT   (1u << 31)
#define CPUID_VMX_BIT  (1u << 5)
#define HV_CPUID_LEAF  0x40000000u
#define CPUID_OSXSAVE_BIT (1u << 27) /* leaf 1, ECX */
#define CPUID_OSPKE_BIT   (1u << 4)  /* leaf 7 sub-leaf 0, ECX */

void vmx_hypercall(struct guest_regs *r);

void vmx_skip_instruction(void)
{
	vmx_skip_instruction_db(0);
}

void vmx_skip_instruction_db(uint64_t dr6_bits)
{
	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	/* Blocking by STI/MOV SS ends with the instruction (SDM Vol. 3C 25.4.2). */
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	/* The processor clears RF once an instruction completes (SDM Vol. 3B
	 * 18.3.1.1); one completed here must too, or an instruction breakpoint
	 * on the next instruction, RF's one-instruction suppression over, is
	 * lost (the guest returned from a #DB for this one with RF = 1). */
	uint64_t rflags = vmcs_readl(GUEST_RFLAGS);

	if (rflags & X86_RFLAGS_RF)
		vmcs_writel(GUEST_RFLAGS, rflags & ~X86_RFLAGS_RF);
	/* The emulated instruction completed with TF = 1: the single-step trap
	 * follows it (SDM Vol. 3A 18.3.1.4), DR6.BS set; one #DB reports it
	 * with the breakpoints the instruction matched. */
	if (rflags & X86_RFLAGS_TF)
		dr6_bits |= X86_DR6_BS;
	if (dr6_bits)
		vmx_event_queue_db(dr6_bits);
}

void vmx_inject_exception(uint8_t vector, bool has_error, uint32_t error)
{
	vmx_event_queue_exception(vector, has_error, error);
}

void vmx_set_mtf(bool on)
{
	if (on)
		vmx.proc |= CPU_BASED_MONITOR_TRAP_FLAG;
	else
		vmx.proc &= ~CPU_BASED_MONITOR_TRAP_FLAG;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx.proc);
}

void vmx_dump_guest_state(const struct guest_regs *r)
{
	pr_err("guest: rip=0x%lx rsp=0x%lx rflags=0x%lx cs=0x%x cs_ar=0x%x efer=0x%lx",
	       vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS),
	       vmcs_read16(GUEST_CS_SELECTOR), vmcs_read32(GUEST_CS_AR_BYTES),
	       vmcs_read64(GUEST_IA32_EFER));
	pr_err("guest: cr0=0x%lx cr3=0x%lx cr4=0x%lx shadow_cr0=0x%lx shadow_cr4=0x%lx",
	       vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3), vmcs_readl(GUEST_CR4),
	       vmcs_readl(CR0_READ_SHADOW), vmcs_readl(CR4_READ_SHADOW));
	pr_err("guest: tr=0x%x tr_ar=0x%x tr_base=0x%lx tr_limit=0x%x gdtr=0x%lx/0x%x idtr=0x%lx/0x%x",
	       vmcs_read16(GUEST_TR_SELECTOR), vmcs_read32(GUEST_TR_AR_BYTES),
	       vmcs_readl(GUEST_TR_BASE), vmcs_read32(GUEST_TR_LIMIT),
	       vmcs_readl(GUEST_GDTR_BASE), vmcs_read32(GUEST_GDTR_LIMIT),
	       vmcs_readl(GUEST_IDTR_BASE), vmcs_read32(GUEST_IDTR_LIMIT));
	pr_err("guest: ss_ar=0x%x ds_ar=0x%x ldtr_ar=0x%x activity=%u interruptibility=0x%x",
	       vmcs_read32(GUEST_SS_AR_BYTES), vmcs_read32(GUEST_DS_AR_BYTES),
	       vmcs_read32(GUEST_LDTR_AR_BYTES), vmcs_read32(GUEST_ACTIVITY_STATE),
	       vmcs_read32(GUEST_INTERRUPTIBILITY_INFO));
	if (r)
		pr_err("guest: rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx rsi=0x%lx rdi=0x%lx rbp=0x%lx",
		       r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp);
}

__attribute__((noreturn)) void vmx_stop_guest(unsigned status)
{
	console_guest_flush();
	if (vmx_client)
		vmx_client->summary();
	hv_power_off(status);
}

static void vmx_exit_unhandled(struct guest_regs *r, uint64_t qual)
{
	uint32_t reason = vmcs_read32(VM_EXIT_REASON) & VMX_EXIT_REASON_BASIC_MASK;

	console_guest_flush();
	pr_err("unhandled VM exit: reason=%u (%s) qualification=0x%lx; stopping the guest",
	       reason, vmx_exit_reason_name(reason), qual);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_UNHANDLED_EXIT);
}

static void vmx_exit_init(struct guest_regs *r, uint64_t qual)
{
	(void)r;
	(void)qual;
	vmx_power_init_signal();
}

static void vmx_exit_triple_fault(struct guest_regs *r, uint64_t qual)
{
	(void)qual;
	console_guest_flush();
	vmx_power_record_triple_fault();
	pr_err("guest triple fault: stopping the guest");
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_GUEST_TRIPLE_FAULT);
}

static void vmx_exit_cpuid(struct guest_regs *r, uint64_t qual)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	struct cpuid_regs c;

	(void)qual;
	if (leaf == HV_CPUID_LEAF) {
		/* "SubPageVisor" in EBX, ECX, EDX; highest hypervisor leaf in EAX. */
		c = (struct cpuid_regs){ HV_CPUID_LEAF, 0x50627553, 0x56656761, 0x726f7369 };
	} else if (leaf > HV_CPUID_LEAF && leaf <= HV_CPUID_LEAF + 0xff) {
		c = (struct cpuid_regs){ 0, 0, 0, 0 };
	} else {
		c = cpuid(leaf, sub);
		if (leaf == 1)
			c.ecx = (c.ecx & ~CPUID_VMX_BIT) | CPUID_HV_BIT;
		/* OSXSAVE and OSPKE mirror CR4 (SDM Vol. 2A CPUID): the guest's
		 * CR4, not the hypervisor's. */
		if (leaf == 1)
			c.ecx = (c.ecx & ~CPUID_OSXSAVE_BIT) |
				((vmx_guest_cr4() & X86_CR4_OSXSAVE) ? CPUID_OSXSAVE_BIT : 0);
		if (leaf == 7 && sub == 0)
			c.ecx = (c.ecx & ~CPUID_OSPKE_BIT) |
				((vmx_guest_cr4() & X86_CR4_PKE) ? CPUID_OSPKE_BIT : 0);
		vmx_msr_cpuid_hide(leaf, sub, &c.eax, &c.ebx, &c.ecx, &c.edx);
		/* The guest owns one CPU; the others are parked (hv/smp.c). */
		vmx_cpuid_one_cpu(leaf, sub, cpuid(0, 0).eax, &c);
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
	vmx_skip_instruction();
}

/* VMX instructions in the guest: the guest was told there is no VMX, so
 * behave like such a CPU (SDM Vol. 3C 31.3: #UD outside VMX operation). */
static void vmx_exit_vmx_insn(struct guest_regs *r, uint64_t qual)
{
	(void)r;
	(void)qual;
	vmx_inject_exception(X86_VEC_UD, false, 0);
}

static void vmx_exit_invd(struct guest_regs *r, uint64_t qual)
{
	(void)r;
	(void)qual;
	/* INVD would drop dirty lines, including the hypervisor's: write back
	 * instead (what KVM and Xen do). */
	__asm__ volatile("wbinvd" ::: "memory");
	vmx_skip_instruction();
}

static void vmx_exit_xsetbv(struct guest_regs *r, uint64_t qual)
{
	struct cpuid_regs c = cpuid(0xd, 0);
	struct vmx_xsetbv_req q = {
		.ecx = (uint32_t)r->rcx,
		.value = (r->rdx << 32) | (uint32_t)r->rax,
		/* CPL is SS.DPL (SDM Vol. 3A 5.5), bits 6:5 of the access rights. */
		.cpl = (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3,
		.guest_osxsave = vmx_guest_cr4() & X86_CR4_OSXSAVE,
		.supported = ((uint64_t)c.edx << 32) | c.eax,
	};
	int vec;

	(void)qual;
	/* XCR0 is not switched on exits: the guest's value is the CPU's, and
	 * the hypervisor (general registers only) never depends on it.  The
	 * host runs with CR4.OSXSAVE set (vmx_enable) so XSETBV works here. */
	vec = vmx_xsetbv_check(&q);
	if (vec) {
		vmx_inject_exception((uint8_t)vec, vec == X86_VEC_GP, 0);
		return;
	}
	__asm__ volatile("xsetbv" : : "c"(q.ecx), "a"((uint32_t)q.value),
			 "d"((uint32_t)(q.value >> 32)));
	vmx_skip_instruction();
}

static void vmx_exit_getsec(struct guest_regs *r, uint64_t qual)
{
	(void)r;
	(void)qual;
	/* CR4.SMXE is host-owned and clear, so GETSEC is #UD (SDM Vol. 2D 7.2). */
	vmx_inject_exception(X86_VEC_UD, false, 0);
}


static void vmx_exit_rdmsr(struct guest_regs *r, uint64_t qual)
{
	(void)qual;
	vmx_msr_exit_read(r);
}

static void vmx_exit_wrmsr(struct guest_regs *r, uint64_t qual)
{
	(void)qual;
	vmx_msr_exit_write(r);
}

static void vmx_exit_cr_access(struct guest_regs *r, uint64_t qual)
{
	unsigned cr = qual & VMX_CR_QUAL_CR_MASK;
	unsigned type = (qual >> VMX_CR_QUAL_TYPE_SHIFT) & VMX_CR_QUAL_TYPE_MASK;
	unsigned gpr = (qual >> VMX_CR_QUAL_GPR_SHIFT) & VMX_CR_QUAL_GPR_MASK;
	uint64_t *regs = (uint64_t *)r, val;

	if (type != VMX_CR_TYPE_MOV_TO_CR || (cr != 0 && cr != 4)) {
		vmx_exit_unhandled(r, qual);
		return;
	}
	/* GPR 4 is RSP, which lives in the VMCS, not in guest_regs. */
	static const int8_t slot[16] = { 0, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

	val = slot[gpr] < 0 ? vmcs_readl(GUEST_RSP) : regs[slot[gpr]];
	vmx_cr_mov_to(cr, val);
}

static void vmx_exit_io(struct guest_regs *r, uint64_t qual)
{
	uint16_t port = (uint16_t)(qual >> VMX_IO_QUAL_PORT_SHIFT);
	unsigned size = (unsigned)(qual & VMX_IO_QUAL_SIZE_MASK) + 1;

	if (vmx_pci_io(r, qual))
		return;
	if (!(qual & (VMX_IO_QUAL_STRING | VMX_IO_QUAL_REP)) &&
	    vmx_power_io(r, port, size, qual & VMX_IO_QUAL_IN)) {
		vmx_skip_instruction();
		return;
	}
	if (vmx_io_console(r, qual))
		return;
	vmx_exit_unhandled(r, qual);
}

/* Test switch: a real NMI reaches the hypervisor while it handles the exit
 * (a self-IPI through the local APIC, SDM Vol. 3A 11.6.1), as a watchdog's
 * would; it must reach the guest once, when the guest can take it. */
static void vmx_test_self_nmi(void)
{
	uint64_t base = rdmsr(0x1b) & ~0xfffull; /* IA32_APIC_BASE */
	volatile uint32_t *lapic = (volatile uint32_t *)(uintptr_t)base;

	/* The "self" shorthand allows fixed delivery only: name our own ID. */
	lapic[0x310 / 4] = lapic[0x20 / 4] & 0xff000000u;
	lapic[0x300 / 4] = 4u << 8; /* delivery mode NMI, physical destination */
}

static void vmx_exit_ept_violation(struct guest_regs *r, uint64_t qual)
{
	uint64_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);

	if (vmx.test_nmi_on_violation)
		vmx_test_self_nmi();

	if (vmx_client && vmx_client->ept_violation(r, gpa, qual))
		return;
	console_guest_flush();
	pr_err("guest access outside guest memory: gpa=0x%lx gla=0x%lx qualification=0x%lx (%s%s%s); "
	       "stopping the guest",
	       gpa, (qual & EPT_VIOL_GLA_VALID) ? vmcs_readl(GUEST_LINEAR_ADDRESS) : 0, qual,
	       (qual & EPT_VIOL_READ) ? "read" : "", (qual & EPT_VIOL_WRITE) ? "write" : "",
	       (qual & EPT_VIOL_FETCH) ? "fetch" : "");
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_GUEST_EPT_FAULT);
}

void ept_dump_entry(uint64_t gpa);

static void vmx_exit_ept_misconfig(struct guest_regs *r, uint64_t qual)
{
	uint64_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);

	(void)qual;
	console_guest_flush();
	pr_err("EPT misconfiguration at gpa=0x%lx (a hypervisor bug)", gpa);
	ept_dump_entry(gpa);
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_PANIC);
}

/* Exception/NMI exits are enabled only while a step is open
 * (vmx/vmx_step.c); one that arrives otherwise hands its event back.  The
 * preemption timer (a step, an NMI retry, the console drain) needs nothing:
 * vmx_handle_exit injects and drains after every exit. */
static void vmx_exit_event(struct guest_regs *r, uint64_t qual)
{
	uint32_t reason = vmcs_read32(VM_EXIT_REASON) & VMX_EXIT_REASON_BASIC_MASK;

	if (reason == EXIT_REASON_EXCEPTION_NMI)
		vmx_event_reflect_exit(r);
	else
		vmx_exit_unhandled(r, qual);
}

static void vmx_exit_spp(struct guest_regs *r, uint64_t qual)
{
	if (!vmx_client)
		vmx_exit_unhandled(r, qual);
	vmx_client->spp_event(r, qual);
}

static void vmx_exit_vmcall(struct guest_regs *r, uint64_t qual)
{
	(void)qual;
	vmx_hypercall(r);
}

static const vmx_exit_handler vmx_exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_NMI] = vmx_exit_event,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = vmx_exit_event,
	[EXIT_REASON_TRIPLE_FAULT] = vmx_exit_triple_fault,
	[EXIT_REASON_INIT_SIGNAL] = vmx_exit_init,
	[EXIT_REASON_TASK_SWITCH] = vmx_exit_task_switch,
	[EXIT_REASON_CPUID] = vmx_exit_cpuid,
	[EXIT_REASON_GETSEC] = vmx_exit_getsec,
	[EXIT_REASON_INVD] = vmx_exit_invd,
	[EXIT_REASON_VMCALL] = vmx_exit_vmcall,
	[EXIT_REASON_VMCLEAR] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMLAUNCH] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMPTRLD] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMPTRST] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMREAD] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMRESUME] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMWRITE] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMXOFF] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMXON] = vmx_exit_vmx_insn,
	[EXIT_REASON_INVEPT] = vmx_exit_vmx_insn,
	[EXIT_REASON_INVVPID] = vmx_exit_vmx_insn,
	[EXIT_REASON_VMFUNC] = vmx_exit_vmx_insn,
	[EXIT_REASON_CR_ACCESS] = vmx_exit_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = vmx_exit_io,
	[EXIT_REASON_MSR_READ] = vmx_exit_rdmsr,
	[EXIT_REASON_MSR_WRITE] = vmx_exit_wrmsr,
	[EXIT_REASON_EPT_VIOLATION] = vmx_exit_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = vmx_exit_ept_misconfig,
	[EXIT_REASON_XSETBV] = vmx_exit_xsetbv,
	[EXIT_REASON_SPP] = vmx_exit_spp,
	[EXIT_REASON_PREEMPTION_TIMER] = vmx_exit_drain,
};

static void vmx_report_entry_failure(uint32_t reason, struct guest_regs *r)
{
	uint32_t basic = reason & VMX_EXIT_REASON_BASIC_MASK;

	console_guest_flush();
	pr_err("VM-entry failure: exit reason %u (%s) qualification=0x%lx",
	       basic, vmx_exit_reason_name(basic), vmcs_readl(EXIT_QUALIFICATION));
	vmx_dump_guest_state(r);
	vmx_stop_guest(HV_STATUS_VMENTRY_FAIL);
}

void vmx_pin_commit(void)
{
	if (vmx.pin != vmx.pin_in_vmcs) {
		vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx.pin);
		vmx.pin_in_vmcs = vmx.pin;
	}
}

void vmx_handle_exit(struct guest_regs *r);

uint64_t vmx_exit_count;

void vmx_handle_exit(struct guest_regs *r)
{
	vmx_exit_count++;
	uint32_t reason = vmcs_read32(VM_EXIT_REASON);
	uint32_t basic = reason & VMX_EXIT_REASON_BASIC_MASK;
	vmx_exit_handler h;

	if (reason & VMX_EXIT_REASON_FAILED_VMENTRY)
		vmx_report_entry_failure(reason, r);
	h = basic < EXIT_REASON_COUNT ? vmx_exit_handlers[basic] : NULL;
	uint64_t qual = vmcs_readl(EXIT_QUALIFICATION);
	bool idt_valid = vmx_event_exit_begin(basic, qual);

	/* Every exit clears the valid bit of the VM-entry interruption
	 * information (SDM Vol. 3C 25.8.3): only vmx_event_inject sets it. */
	if (!vmx_step_exit(r, basic, qual, idt_valid))
		(h ? h : vmx_exit_unhandled)(r, qual);
	bool stepping = vmx_step_active();

	vmx_event_inject(stepping);
	/* A step lasts one guest instruction and holds the preemption timer:
	 * the exit that ends it drains the console. */
	if (!stepping)
		vmx_drain_update(console_drain());
	vmx_pin_commit();
}

/* VMLAUNCH/VMRESUME fell through (SDM Vol. 3C 31.3): a control or host-state
 * check failed before the guest ran. */
__attribute__((noreturn)) void vmx_entry_failed(uint64_t resume, uint64_t invalid);

__attribute__((noreturn)) void vmx_entry_failed(uint64_t resume, uint64_t invalid)
{
	uint32_t err = invalid ? 0 : vmcs_read32(VM_INSTRUCTION_ERROR);

	console_guest_flush();
	pr_err("VM-entry failure: %s failed, VM-instruction error %u (%s)",
	       resume ? "VMRESUME" : "VMLAUNCH", err,
	       invalid ? "VMfailInvalid: no current VMCS" : vmx_instruction_error_str(err));
	vmx_dump_guest_state(NULL);
	vmx_stop_guest(HV_STATUS_VMENTRY_FAIL);
}

void ept_dump_entry(uint64_t gpa)
{
	uint64_t entry;
	int level;

	if (ept_lookup(&hv.ept, gpa, &entry, &level))
		pr_err("ept: gpa=0x%lx is not mapped", gpa);
	else
		pr_err("ept: gpa=0x%lx leaf level=%d entry=0x%lx", gpa, level, entry);
}
