#ifndef BOOT_DESC_H
#define BOOT_DESC_H

#include <stdint.h>

/* Loads the final GDT (with a TSS whose IST stacks take NMI, #DF and #MC, so
 * those run on a known-good stack whatever state the main stack is in) and the
 * IDT routing every vector to boot/isr.S. */
void desc_init(void);

/* For application processors: the BSP's GDT and IDT, no TSS. */
void desc_load_ap(void);

/* Values the VMCS host-state area needs (SDM Vol. 3C section 25.5). */
struct desc_host_state {
	uint64_t gdt_base, idt_base, tr_base;
	uint16_t cs, ds, tr;
};
void desc_host_state(struct desc_host_state *s);

#endif
