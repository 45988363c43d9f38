#include "hv/panic.h"
#include "hv/cpu.h"
#include "hv/lib/format.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/smp.h"
#include "hv/status.h"
#include "boot/boot_defs.h"

#include <stddef.h>

_Static_assert(offsetof(struct exception_frame, vector) == 15 * 8,
	       "boot/isr.S pushes 15 registers before the vector");
_Static_assert(offsetof(struct exception_frame, rip) == 17 * 8,
	       "the CPU's frame follows the error code");

static int panic_depth;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM no math coprocessor", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection",
};

__attribute__((noreturn)) void hv_panic_at(const char *file, int line,
					   const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	__asm__ volatile("cli");
	if (panic_depth++)
		hv_power_off(HV_STATUS_PANIC);
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("PANIC at %s:%d: %s", file, line, msg);
	hv_power_off(HV_STATUS_PANIC);
}

bool hv_nmi_pending;

void exception_dispatch(struct exception_frame *f)
{
	/* NMIs belong to the guest (NMI exiting is off outside SPP windows):
	 * one that lands while the BSP runs the hypervisor is re-injected at
	 * the next VM entry.  A parked AP runs no guest: its NMI (the guest can
	 * send one through its local APIC) is dropped and the AP returns to
	 * its halt loop, on its own IST1 stack (boot/desc.h). */
	if (f->vector == 2) {
		if (smp_this_cpu_is_bsp())
			hv_nmi_pending = true;
		return;
	}
	const char *name = f->vector < 32 ? exception_names[f->vector] : NULL;

	if (panic_depth++)
		hv_power_off(HV_STATUS_PANIC);
	pr_err("exception in hypervisor: vector=%lu (%s) error=0x%lx rip=0x%lx cr2=0x%lx",
	       f->vector, name ? name : "?", f->error_code, f->rip, read_cr2());
	pr_err("  rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx", f->rax, f->rbx, f->rcx, f->rdx);
	pr_err("  rsi=0x%lx rdi=0x%lx rbp=0x%lx rsp=0x%lx", f->rsi, f->rdi, f->rbp, f->rsp);
	pr_err("  r8=0x%lx r9=0x%lx r10=0x%lx r11=0x%lx", f->r8, f->r9, f->r10, f->r11);
	pr_err("  r12=0x%lx r13=0x%lx r14=0x%lx r15=0x%lx", f->r12, f->r13, f->r14, f->r15);
	pr_err("  cs=0x%lx rflags=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx",
	       f->cs, f->rflags, read_cr0(), read_cr3(), read_cr4());
	hv_power_off(HV_STATUS_PANIC);
}
