/* Layout facts shared by the boot assembly and C. */
#ifndef BOOT_BOOT_DEFS_H
#define BOOT_BOOT_DEFS_H

#define BOOT_STACK_SIZE   0x8000   /* main hypervisor stack */
#define BOOT_IST_SIZE     0x2000   /* each of the NMI, #DF, #MC stacks */

/* GDT selectors (boot/gdt.c builds the same layout). */
#define GDT_SEL_CODE32    0x08
#define GDT_SEL_CODE64    0x10
#define GDT_SEL_DATA      0x18
#define GDT_SEL_TSS       0x20

#define COM1_PORT         0x3f8

/* Most application processors the hypervisor parks (hv/smp.c); a MADT that
 * lists more is refused, never silently capped.  Their stacks, TSSs and
 * VMXON regions come from the pool. */
#define AP_MAX            1024

#endif
