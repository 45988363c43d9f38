#ifndef HV_PANIC_H
#define HV_PANIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register frame built by boot/isr.S; the order is pinned below and there. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Prints where and why, then powers off with HV_STATUS_PANIC.  A panic inside
 * a panic powers off at once. */
__attribute__((noreturn, format(printf, 3, 4)))
void hv_panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) hv_panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define HV_ASSERT(cond)                                              \
	do {                                                         \
		if (!(cond))                                         \
			panic("assertion failed: %s", #cond);        \
	} while (0)

/* Called from boot/isr.S for every CPU exception taken in the hypervisor;
 * returns only for an NMI. */
void exception_dispatch(struct exception_frame *f);

/* An NMI arrived in root operation on the BSP; vmx injects it at the next
 * VM entry. */
extern bool hv_nmi_pending;

#endif
