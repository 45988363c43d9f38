/* The VMX layer: enabling VMX, the one VMCS, VM entry and the exit dispatch. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/palloc.h"
#include "vmx/vmx_caps.h"

/* Guest general-purpose registers as vmx/vmx_entry.S pushes them. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(offsetof(struct guest_regs, rax) == 0, "vmx_entry.S pops rax first");
_Static_assert(offsetof(struct guest_regs, r15) == 14 * 8, "vmx_entry.S pushes r15 first");

struct vmx_cpu {
	struct vmx_msr_values msrs;
	struct vmx_caps caps;
	uint64_t vmxon_pa, vmcs_pa, msr_bitmap_pa, io_bitmap_pa[2];
	uint32_t pin, proc, proc2, exit, entry; /* controls in force */
	/* The pin-based controls the VMCS holds.  Exit handling changes only
	 * `pin`; vmx_handle_exit writes it once, before the next entry, when
	 * the two differ (a step, the event retry and the console drain all
	 * touch the preemption-timer and event bits on the same exit). */
	uint32_t pin_in_vmcs;
	uint16_t console_port;                  /* guest writes to it are trapped */
	bool spp_hw;                            /* EPT_SPP control is set */
	bool test_nmi_on_violation;             /* test switch (docs/hvrun.md) */
};

extern struct vmx_cpu vmx;

/* Writes vmx.pin to the VMCS if it changed (vmx_cpu.pin_in_vmcs). */
void vmx_pin_commit(void);

/* Reads the capability MSRs (only those that exist) and decodes them. */
void vmx_probe(struct vmx_cpu *v);
void vmx_report_caps(const struct vmx_cpu *v);

/* Checks IA32_FEATURE_CONTROL, sets CR0/CR4 fixed bits, VMXON.  Refuses
 * (powers off with a status) with one clear line on any failure. */
void vmx_enable(struct vmx_cpu *v, struct palloc *pool);

struct vmx_guest_setup {
	uint64_t eptp, spptp; /* spptp 0: no hardware SPP */
	uint32_t entry;       /* 32-bit entry point */
	uint32_t eax, ebx;    /* multiboot magic and info address */
	uint32_t esi;         /* Linux: the zero page */
	uint16_t cs_sel, ds_sel;           /* flat 32-bit segments */
	uint32_t gdtr_base;
	uint16_t gdtr_limit;
	bool want_spp_hw, want_mtf;
	bool test_entry_fail, test_unhandled_exit;
	bool test_vmcs_poison; /* VMCS data all ones before VMCLEAR */
	bool test_nmi_on_violation; /* an NMI hits the hypervisor at each EPT violation */
};

/* Builds the VMCS for a guest entered in 32-bit protected mode (multiboot
 * or the Linux boot protocol) and launches it; never returns. */
__attribute__((noreturn)) void vmx_launch_guest(struct vmx_cpu *v, struct palloc *pool,
						const struct vmx_guest_setup *g);

/* Asks for one monitor-trap-flag exit after the next guest instruction
 * (SDM Vol. 3C 26.5.2), or cancels it. */
void vmx_set_mtf(bool on);
/* Queues a hardware exception for the guest (vmx/vmx_event.h). */
void vmx_inject_exception(uint8_t vector, bool has_error, uint32_t error);
/* Skips the instruction that caused an instruction exit. */
void vmx_skip_instruction(void);
/* As vmx_skip_instruction, for an instruction that also matched the data
 * or I/O breakpoints dr6_bits (B0-B3): their #DB trap follows it, with BS
 * when TF was set (SDM Vol. 3B 18.3.1.2, 18.3.1.4). */
void vmx_skip_instruction_db(uint64_t dr6_bits);
/* Dumps guest state at error level (for crash exits). */
void vmx_dump_guest_state(const struct guest_regs *r);
/* Stops the guest: flushes its console line, prints the reason, powers off. */
__attribute__((noreturn)) void vmx_stop_guest(unsigned status);

/* The layer above (spp/), registered by hv/setup.c so that vmx/ needs
 * none of its headers: what it does with EPT violations on its pages, SPP
 * events, the end of a step it opened, its hypercalls and its summary. */
struct vmx_client {
	/* false: gpa is not the client's (an access outside guest memory) */
	bool (*ept_violation)(struct guest_regs *r, uint64_t gpa, uint64_t qual);
	void (*spp_event)(struct guest_regs *r, uint64_t qual);
	/* the step ended; completed: the instruction or delivery finished,
	 * else it will run again */
	void (*step_end)(struct guest_regs *r, bool completed);
	uint32_t (*query)(uint64_t gpa);
	int (*lock)(uint64_t gpa, uint64_t len);
	void (*summary)(void);
};

void vmx_set_client(const struct vmx_client *c);
extern const struct vmx_client *vmx_client;

/* Runs exactly one guest instruction with events held (vmx/vmx_step.c);
 * when the current exit interrupted an event's delivery, the step is that
 * delivery.  Called again while open (a further page of the same step) it
 * returns false.  vmx_client->step_end is called when the step ends. */
bool vmx_step_open(void);
bool vmx_step_active(void);
/* At each exit: true when the step consumed the exit. */
bool vmx_step_exit(struct guest_regs *r, uint32_t basic_reason, uint64_t qual, bool idt_valid);

/* Exit handlers: called from vmx_handle_exit by basic exit reason. */
typedef void (*vmx_exit_handler)(struct guest_regs *r, uint64_t qual);

#endif
