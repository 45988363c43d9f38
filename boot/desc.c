#include "boot/desc.h"
#include "boot/boot_defs.h"

#include <stddef.h>

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (SDM Vol. 3A 9.7)");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "IST1 at offset 0x24 (SDM Vol. 3A 9.7)");
_Static_assert(GDT_SEL_TSS / 8 + 2 <= DESC_GDT_ENTRIES, "the TSS descriptor takes two slots");

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[32];
extern const uint64_t isr_spurious;

static struct desc_cpu bsp_desc __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t bsp_ist_stacks[DESC_IST_COUNT][BOOT_IST_SIZE] __attribute__((aligned(16)));

static void desc_set_gate(int vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)handler, .sel = GDT_SEL_CODE64, .ist = ist,
		.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.off_mid = (uint16_t)(handler >> 16),
		.off_hi = (uint32_t)(handler >> 32),
	};
}

void desc_cpu_setup(struct desc_cpu *c, const uint64_t ist_top[DESC_IST_COUNT])
{
	uint64_t tss_base = (uint64_t)&c->tss;

	c->gdt[0] = 0;
	c->gdt[GDT_SEL_CODE32 / 8] = 0x00cf9a000000ffffull;
	c->gdt[GDT_SEL_CODE64 / 8] = 0x00209a0000000000ull;
	c->gdt[GDT_SEL_DATA / 8] = 0x00cf92000000ffffull;
	/* 16-byte TSS descriptor, type 9 (available 64-bit TSS), SDM Vol. 3A 9.2.3. */
	c->gdt[GDT_SEL_TSS / 8] = (sizeof(c->tss) - 1) | (tss_base & 0xffffff) << 16 |
				  0x89ull << 40 | ((tss_base >> 24) & 0xff) << 56;
	c->gdt[GDT_SEL_TSS / 8 + 1] = tss_base >> 32;
	c->tss = (struct tss64){ .iomap_base = sizeof(c->tss) };
	for (int i = 0; i < DESC_IST_COUNT; i++)
		c->tss.ist[i] = ist_top[i];
}

void desc_cpu_load(struct desc_cpu *c)
{
	struct desc_ptr gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %2\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w3, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"lidt %1\n\t"
		"movw %w4, %%ax\n\t"
		"ltr %%ax"
		:
		: "m"(gdtr), "m"(idtr), "i"((uint64_t)GDT_SEL_CODE64),
		  "i"(GDT_SEL_DATA), "i"(GDT_SEL_TSS)
		: "rax", "memory");
}

void desc_init(void)
{
	uint64_t ist_top[DESC_IST_COUNT];

	for (int v = 0; v < 256; v++)
		desc_set_gate(v, v < 32 ? isr_table[v] : isr_spurious, 0);
	desc_set_gate(2, isr_table[2], DESC_IST_NMI);
	desc_set_gate(8, isr_table[8], DESC_IST_DF);
	desc_set_gate(18, isr_table[18], DESC_IST_MC);

	for (int i = 0; i < DESC_IST_COUNT; i++)
		ist_top[i] = (uint64_t)&bsp_ist_stacks[i][BOOT_IST_SIZE];
	desc_cpu_setup(&bsp_desc, ist_top);
	desc_cpu_load(&bsp_desc);
}

void desc_host_state(struct desc_host_state *s)
{
	s->gdt_base = (uint64_t)bsp_desc.gdt;
	s->idt_base = (uint64_t)idt;
	s->tr_base = (uint64_t)&bsp_desc.tss;
	s->cs = GDT_SEL_CODE64;
	s->ds = GDT_SEL_DATA;
	s->tr = GDT_SEL_TSS;
}
