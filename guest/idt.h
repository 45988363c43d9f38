/* Guest exception handling: a 32-vector IDT whose handler prints and counts
 * every exception, and a fixup table that lets probes survive the exception
 * their instruction is expected to raise. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#define GUEST_EXC_VECTORS 32
#define GUEST_FRAME_SIZE 176

/* Vectors that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP,
 * #VC, #SX (SDM Vol. 3A, table 6-1). */
#define GUEST_EXC_ERRCODE_MASK \
	((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | \
	 (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

#define EXC_DE 0
#define EXC_BP 3
#define EXC_UD 6
#define EXC_DF 8
#define EXC_GP 13
#define EXC_PF 14

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Layout built by isr.S: its pushes, then the stub's, then the CPU's. */
struct guest_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct guest_frame, vector) == 15 * 8, "frame vector");
_Static_assert(offsetof(struct guest_frame, rip) == 17 * 8, "frame rip");
_Static_assert(sizeof(struct guest_frame) == GUEST_FRAME_SIZE, "frame size");
_Static_assert(GUEST_FRAME_SIZE % 16 == 0, "handler call stays 16-byte aligned");

/* An instruction at [start, end): an exception there resumes at end. */
struct guest_fixup {
	uint64_t start;
	uint64_t end;
};

/* Vector raised by the last probed instruction, -1 for none (probe.S). */
extern volatile int32_t guest_probe_vector;
extern volatile uint32_t guest_exc_count[GUEST_EXC_VECTORS];

void idt_init(void);
/* Loads a zero-limit IDT: the next exception becomes a triple fault. */
void idt_load_empty(void);
uint32_t idt_exception_total(void);
void guest_exception(struct guest_frame *f);

/* Probes (probe.S): each returns the vector its instruction raised, or -1. */
int32_t probe_vmxon(uint64_t region_pa);
int32_t probe_vmread(uint64_t field, uint64_t *value);
int32_t probe_rdmsr(uint32_t msr, uint64_t *value);
int32_t probe_wrmsr(uint32_t msr, uint64_t value);
int32_t probe_mov_cr0(uint64_t value);
int32_t probe_mov_cr4(uint64_t value);
int32_t probe_xsaves(void *area, uint64_t rfbm);
int32_t probe_xrstors(const void *area, uint64_t rfbm);
int32_t probe_xsetbv(uint32_t xcr, uint64_t value);
#endif

#endif
