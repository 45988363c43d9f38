#ifndef BOOT_DESC_H
#define BOOT_DESC_H

#include <stdint.h>

/* 64-bit task-state segment, SDM Vol. 3A section 9.7 (figure 9-11). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* One CPU's descriptor tables: a GDT with the common layout of
 * boot/boot_defs.h and a TSS descriptor for this CPU's own TSS.  Every CPU
 * needs its own: LTR marks the descriptor busy, and the TSS holds the IST
 * pointers to this CPU's NMI, #DF and #MC stacks (SDM Vol. 3A 7.14.5).  The
 * IDT is shared. */
#define DESC_GDT_ENTRIES 6
struct desc_cpu {
	uint64_t gdt[DESC_GDT_ENTRIES];
	struct tss64 tss;
};

/* IST slots (1-based, as in the IDT gate's IST field). */
enum { DESC_IST_NMI = 1, DESC_IST_DF = 2, DESC_IST_MC = 3, DESC_IST_COUNT = 3 };

/* Builds the IDT routing every vector to boot/isr.S and loads the BSP's GDT,
 * IDT and TSS (its IST stacks are in the image's bss). */
void desc_init(void);

/* Fills c for one CPU: the GDT, a TSS whose IST slots 1..3 hold the given
 * stack tops (16-byte aligned, in hypervisor memory). */
void desc_cpu_setup(struct desc_cpu *c, const uint64_t ist_top[DESC_IST_COUNT]);

/* Loads c's GDT (reloading CS, DS, ES, SS), the shared IDT and c's TSS. */
void desc_cpu_load(struct desc_cpu *c);

/* Values the VMCS host-state area needs (SDM Vol. 3C section 25.5): the
 * BSP's, the only CPU that runs the guest. */
struct desc_host_state {
	uint64_t gdt_base, idt_base, tr_base;
	uint16_t cs, ds, tr;
};
void desc_host_state(struct desc_host_state *s);

#endif
