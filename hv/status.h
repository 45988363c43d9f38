/* Power-off statuses: the hypervisor prints `hv-exit status=N` as its last
 * line and hands N to the emulator; tools/hvrun exits with N.  Guest exit
 * statuses 0..99 pass through unchanged (larger ones are reported as 99), so
 * the hypervisor's own statuses start at 100.  docs/hvrun.md lists them; keep
 * both in step. */
#ifndef HV_STATUS_H
#define HV_STATUS_H

#define HV_STATUS_GUEST_MAX          99
#define HV_STATUS_PANIC              100 /* exception or assertion in the hypervisor */
#define HV_STATUS_NO_VMX             101 /* CPU lacks VMX/EPT/unrestricted guest/MTF */
#define HV_STATUS_BAD_CONFIG         102 /* configuration rejected; guest not launched */
#define HV_STATUS_BAD_GUEST          103 /* guest image missing, malformed or overlapping */
#define HV_STATUS_VMENTRY_FAIL       104 /* VMLAUNCH/VMRESUME failed */
#define HV_STATUS_GUEST_TRIPLE_FAULT 105 /* guest triple fault or other crash exit */
#define HV_STATUS_UNHANDLED_EXIT     106 /* VM exit with no handler */
#define HV_STATUS_GUEST_EPT_FAULT    107 /* guest touched memory outside guest RAM */
#define HV_STATUS_SPP_HALT           108 /* a `halt` range was written */
#define HV_STATUS_BAD_BOOT           109 /* unknown loader, no long mode, bad boot info */
#define HV_STATUS_FEATURE_LOCKED     110 /* IA32_FEATURE_CONTROL locked with VMX off */
#define HV_STATUS_NO_MEMORY          111 /* hypervisor ran out of memory at boot */
#define HV_STATUS_PLATFORM_UNSAFE    112 /* SMRAM cannot be locked and protection is on */
#define HV_STATUS_SMP                113 /* processors do not match the MADT; guest not launched */
#define HV_STATUS_GUEST_RESET        114 /* guest reset the machine (0xCF9, 0x64, ACPI reset register) */
#define HV_STATUS_GUEST_INIT         115 /* guest sent INIT to its own processor */
#define HV_STATUS_GUEST_TASK_SWITCH  116 /* guest hardware task switch (not emulated) */

#endif
