#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"

/* SDM Vol. 3A, section 6.14.1: 64-bit interrupt gate. */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDT_TYPE_INT_GATE_P 0x8e

extern const uint64_t guest_isr_stubs[GUEST_EXC_VECTORS];
extern const struct guest_fixup __guest_fixups_start[];
extern const struct guest_fixup __guest_fixups_end[];

volatile int32_t guest_probe_vector = -1;
volatile uint32_t guest_exc_count[GUEST_EXC_VECTORS];

static struct idt_gate idt[GUEST_EXC_VECTORS] __attribute__((aligned(16)));
static int exc_depth;

static const char *const exc_names[GUEST_EXC_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "RSV",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "RSV", "RSV",
	"RSV", "RSV", "RSV", "RSV", "#HV", "#VC", "#SX", "RSV",
};

static void idt_load(uint16_t limit, uint64_t base)
{
	struct idt_ptr p = { .limit = limit, .base = base };

	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_init(void)
{
	for (int v = 0; v < GUEST_EXC_VECTORS; v++) {
		uint64_t off = guest_isr_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)off,
			.selector = GUEST_SEL_CODE64,
			.type_attr = IDT_TYPE_INT_GATE_P,
			.offset_mid = (uint16_t)(off >> 16),
			.offset_hi = (uint32_t)(off >> 32),
		};
	}
	idt_load(sizeof(idt) - 1, (uint64_t)(uintptr_t)idt);
}

void idt_load_empty(void)
{
	idt_load(0, 0);
}

uint32_t idt_exception_total(void)
{
	uint32_t n = 0;

	for (int v = 0; v < GUEST_EXC_VECTORS; v++)
		n += guest_exc_count[v];
	return n;
}

static const struct guest_fixup *fixup_find(uint64_t rip)
{
	for (const struct guest_fixup *f = __guest_fixups_start;
	     f < __guest_fixups_end; f++)
		if (f->start == rip)
			return f;
	return NULL;
}

void guest_exception(struct guest_frame *f)
{
	uint32_t v = (uint32_t)f->vector % GUEST_EXC_VECTORS;
	const struct guest_fixup *fix = fixup_find(f->rip);

	/* A fault while reporting one would recurse until the stack is gone. */
	if (exc_depth++)
		guest_exit(GUEST_EXIT_EXCEPTION);
	guest_exc_count[v]++;
	if (v == EXC_PF)
		con_printf("guest: exception vector=%u name=%s rip=0x%lx err=0x%lx cr2=0x%lx action=%s\n",
			   v, exc_names[v], f->rip, f->error, cpu_read_cr2(),
			   fix ? "skip" : "fatal");
	else
		con_printf("guest: exception vector=%u name=%s rip=0x%lx err=0x%lx action=%s\n",
			   v, exc_names[v], f->rip, f->error,
			   fix ? "skip" : "fatal");
	if (!fix) {
		con_printf("guest: FAIL unexpected exception vector=%u\n", v);
		guest_exit(GUEST_EXIT_EXCEPTION);
	}
	guest_probe_vector = (int32_t)v;
	f->rip = fix->end;
	exc_depth--;
}
