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

/* Application processors parked at boot (hv/smp.c). */
#define AP_MAX            64
#define AP_STACK_SHIFT    12       /* 4 KiB stack each */

#endif
