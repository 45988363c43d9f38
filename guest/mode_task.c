/* mode=task: hardware task switches from legacy 32-bit protected mode
 * (guest/task_switch.S): far JMP and CALL to a 32-bit TSS, IRET with NT
 * back to the caller, task gates in the IDT for #UD, #GP (error code on the
 * new task's stack), a JMP to a busy TSS (#GP) and a fault loading the new
 * task's DS (#TS in the new task, SDM Vol. 3A 7.3, table 7-1).  Prints what
 * each task saw: the registers the switch loaded, EFLAGS.NT, TR, back
 * links, error codes, the TSS descriptors' busy bits and CR0.TS.  The same
 * lines come natively (tests/integration/test_task.py compares them). */
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"

#define TASK_TSS_WORDS 26 /* 104 bytes: a 32-bit TSS (Vol. 3A figure 7-2) */
#define TASK_STACK 1024
#define TASK_N 6          /* A..F at GDT selectors 0x20..0x48 */
#define TASK_SEL(i) (0x20u + 8u * (i))
#define TASK_CODE32 0x18u
#define TASK_BAD_SEL 0x58u
#define TASK_EFLAGS_NT GUEST_BIT(14)
#define TASK_CR0_TS GUEST_BIT(3)

uint32_t guest_mode_task(const struct guest_boot *b);
uint32_t task_excursion(void); /* guest/task_switch.S */
void task_b(void), task_c(void), task_d(void), task_e(void), task_f(void);

extern uint64_t task_gdt[11];
uint64_t task_idt[32] __attribute__((aligned(8)));
uint32_t task_res[80];
uint32_t task_tss_a[TASK_TSS_WORDS] __attribute__((aligned(128)));
static uint32_t task_tss_b_own[TASK_TSS_WORDS] __attribute__((aligned(128)));
/* B's TSS; tss-b=ADDR puts it elsewhere (on a protected sub-page, say). */
uint32_t *task_tss_b_ptr = task_tss_b_own;
#define task_tss_b task_tss_b_ptr
uint32_t task_tss_c[TASK_TSS_WORDS] __attribute__((aligned(128)));
uint32_t task_tss_d[TASK_TSS_WORDS] __attribute__((aligned(128)));
uint32_t task_tss_e[TASK_TSS_WORDS] __attribute__((aligned(128)));
uint32_t task_tss_f[TASK_TSS_WORDS] __attribute__((aligned(128)));
static uint8_t task_stack[TASK_N][TASK_STACK] __attribute__((aligned(16)));

/* Stack tops relative to each task's own stack, so that the lines do not
 * depend on where the guest image lies. */
static uint32_t task_top(unsigned i)
{
	return (uint32_t)(uintptr_t)task_stack[i] + TASK_STACK;
}

/* A task: EIP, its own stack, flat segments (DS as given), EFLAGS 2 and
 * general registers tag+1..tag+8 (ESP excepted). */
static void task_tss_init(uint32_t *t, unsigned i, void (*eip)(void), uint32_t tag, uint32_t ds,
			  uint32_t cr3)
{
	for (unsigned k = 0; k < TASK_TSS_WORDS; k++)
		t[k] = 0;
	t[7] = cr3;
	t[8] = (uint32_t)(uintptr_t)eip;
	t[9] = 0x2;
	for (unsigned k = 0; k < 8; k++)
		t[10 + k] = tag + k + 1;
	t[14] = task_top(i);
	t[18] = GUEST_SEL_DATA; /* es */
	t[19] = TASK_CODE32;    /* cs */
	t[20] = GUEST_SEL_DATA; /* ss */
	t[21] = ds;
	t[22] = GUEST_SEL_DATA; /* fs */
	t[23] = GUEST_SEL_DATA; /* gs */
	t[25] = 104u << 16;     /* no I/O permission bitmap */
}

/* An available 32-bit TSS descriptor, DPL 0, limit 0x67 (Vol. 3A 7.2.2). */
static uint64_t task_tss_desc(const uint32_t *t)
{
	uint64_t base = (uint64_t)(uintptr_t)t;

	return 0x67 | ((base & 0xffffff) << 16) | (0x89ull << 40) | ((base >> 24) << 56);
}

/* A task gate, present, DPL 0 (Vol. 3A 7.2.5). */
static uint64_t task_gate(uint32_t sel)
{
	return (uint64_t)sel << 16 | 0x85ull << 40;
}

uint32_t guest_mode_task(const struct guest_boot *b)
{
	uint32_t *tss[TASK_N] = { task_tss_a, task_tss_b, task_tss_c,
				  task_tss_d, task_tss_e, task_tss_f };
	void (*entry[TASK_N])(void) = { 0, task_b, task_c, task_d, task_e, task_f };
	uint32_t cr3, *r = task_res;
	uint64_t cr3_64, at = 0;
	unsigned fails = 0;

	if (boot_arg_u64(b, "tss-b", &at) == BOOT_ARG_BAD || at > 0xffffffffull - 4096 || (at & 127)) {
		con_printf("guest: FAIL bad argument tss-b\n");
		return GUEST_EXIT_USAGE;
	}
	if (at)
		task_tss_b_ptr = (uint32_t *)(uintptr_t)at;
	tss[1] = task_tss_b_ptr;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3_64));
	cr3 = (uint32_t)cr3_64;
	for (unsigned i = 0; i < TASK_N; i++) {
		task_tss_init(tss[i], i, entry[i], 0xb0000000u + 0x10000000u * (i - 1) * (i != 0),
			      i == 5 ? TASK_BAD_SEL : GUEST_SEL_DATA, cr3);
		task_gdt[4 + i] = task_tss_desc(tss[i]);
	}
	for (unsigned v = 0; v < 32; v++)
		task_idt[v] = 0;
	task_idt[6] = task_gate(TASK_SEL(2));  /* #UD -> C */
	task_idt[10] = task_gate(TASK_SEL(4)); /* #TS -> E */
	task_idt[13] = task_gate(TASK_SEL(3)); /* #GP -> D */
	for (unsigned k = 0; k < 80; k++)
		r[k] = 0;
	con_printf("guest: task switches now\n");
	task_excursion();

	con_printf("guest: task jmp b eax=0x%x ecx=0x%x edx=0x%x ebx=0x%x esp=top-%u ebp=0x%x "
		   "esi=0x%x edi=0x%x\n", r[1], r[2], r[3], r[4], task_top(1) - r[5], r[6],
		   r[7], r[8]);
	con_printf("guest: task jmp b eflags=0x%x tr=0x%x cs=0x%x ss=0x%x ds=0x%x es=0x%x "
		   "fs=0x%x gs=0x%x\n", r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16]);
	con_printf("guest: task jmp back esi=0x%x edi=0x%x ebp=0x%x esp=%s nt=%u tr=0x%x\n",
		   r[20], r[21], r[22], r[23] == r[0] ? "same" : "changed",
		   (r[24] & TASK_EFLAGS_NT) ? 1 : 0, r[25]);
	con_printf("guest: task call b nt=%u tr=0x%x link=0x%x\n",
		   (r[32] & TASK_EFLAGS_NT) ? 1 : 0, r[33], r[34]);
	con_printf("guest: task iret nt=%u tr=0x%x b-saved-nt=%u b-saved-eip=%s\n",
		   (r[30] & TASK_EFLAGS_NT) ? 1 : 0, r[31], (task_tss_b[9] & TASK_EFLAGS_NT) ? 1 : 0,
		   task_tss_b[8] > (uint32_t)(uintptr_t)task_b ? "after-iret" : "other");
	con_printf("guest: task ud-gate nt=%u tr=0x%x link=0x%x resumed=%u\n",
		   (r[41] & TASK_EFLAGS_NT) ? 1 : 0, r[42], r[43], r[40]);
	con_printf("guest: task gp-gate err=0x%x esp=top-%u busy-err=0x%x esp=top-%u tr=0x%x "
		   "link=0x%x resumed=%u,%u\n", r[51], task_top(3) - r[53], r[52],
		   task_top(3) - r[54], r[57], r[58], r[50], r[55]);
	con_printf("guest: task ts-in-new-task err=0x%x esp=top-%u tr=0x%x link=0x%x nt=%u "
		   "f-saved-eip=%s back-tr=0x%x\n", r[60], task_top(4) - r[61], r[62], r[63],
		   (r[64] & TASK_EFLAGS_NT) ? 1 : 0,
		   task_tss_f[8] == (uint32_t)(uintptr_t)task_f ? "entry" : "other", r[70]);
	con_printf("guest: task descriptors a=0x%x b=0x%x c=0x%x d=0x%x e=0x%x f=0x%x cr0.ts=%u\n",
		   (unsigned)(task_gdt[4] >> 40) & 0xff, (unsigned)(task_gdt[5] >> 40) & 0xff,
		   (unsigned)(task_gdt[6] >> 40) & 0xff, (unsigned)(task_gdt[7] >> 40) & 0xff,
		   (unsigned)(task_gdt[8] >> 40) & 0xff, (unsigned)(task_gdt[9] >> 40) & 0xff,
		   (r[71] & TASK_CR0_TS) ? 1 : 0);
	/* What the SDM says each must be (Vol. 3A 7.3, 7.4, 6.12.2). */
	fails += r[1] != 0xb0000001u || r[8] != 0xb0000008u || r[5] != task_top(1);
	fails += r[10] != TASK_SEL(1) || r[13] != GUEST_SEL_DATA || (r[9] & TASK_EFLAGS_NT);
	fails += r[20] != 0xa1a1a1a1u || r[23] != r[0] || r[25] != TASK_SEL(0);
	fails += !(r[32] & TASK_EFLAGS_NT) || r[34] != TASK_SEL(0) || r[31] != TASK_SEL(0);
	fails += (task_tss_b[9] & TASK_EFLAGS_NT) != 0 || r[43] != TASK_SEL(0) || r[40] != 1;
	fails += r[51] != TASK_BAD_SEL || r[52] != TASK_SEL(0) || r[53] != task_top(3);
	fails += r[60] != TASK_BAD_SEL || r[63] != TASK_SEL(5) || r[70] != TASK_SEL(0);
	fails += !(r[71] & TASK_CR0_TS);
	if (fails)
		con_printf("guest: task FAIL %u checks\n", fails);
	return fails ? GUEST_EXIT_FAIL : GUEST_EXIT_OK;
}
