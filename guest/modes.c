/* The table of guest modes, selected by "mode=NAME" on the command line.
 * To add a mode (an SPP probe, say): write a uint32_t fn(const struct
 * guest_boot *) returning the exit status and add a row to guest_modes. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/bench.h"
#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"
#include "guest/idt.h"
#include "guest/spp_probe.h"

/* The identity map built by boot.S ends here. */
#define GUEST_MAPPED_LIMIT 0x100000000ull

static bool arg_u32(const struct guest_boot *b, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	enum boot_arg_result r = boot_arg_u64(b, key, &v);

	if (r == BOOT_ARG_ABSENT)
		return true;
	/* Negative values arrive sign-extended; keep those that fit 32 bits. */
	if (r == BOOT_ARG_BAD || (v > UINT32_MAX && v < 0xffffffff80000000ull)) {
		con_printf("guest: FAIL bad argument %s\n", key);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static uint32_t mode_write_hv_memory(const struct guest_boot *b)
{
	uint64_t addr = boot_ram_end;

	if (boot_arg_u64(b, "addr", &addr) == BOOT_ARG_BAD ||
	    addr > GUEST_MAPPED_LIMIT - sizeof(uint64_t)) {
		con_printf("guest: FAIL bad argument addr\n");
		return GUEST_EXIT_USAGE;
	}
	con_printf("guest: writing hypervisor memory at 0x%lx\n", addr);
	*(volatile uint64_t *)(uintptr_t)addr = 0x5350504856475354ull;
	con_printf("guest: FAIL write to hypervisor memory returned\n");
	return GUEST_EXIT_FAIL;
}

static uint32_t mode_triple_fault(const struct guest_boot *b)
{
	(void)b;
	con_printf("guest: triple fault now\n");
	/* With no IDT, int3 cannot be delivered (#GP), nor can that #GP (#DF),
	 * nor the #DF: a triple fault (SDM Vol. 3A, section 6.15, #DF). */
	idt_load_empty();
	__asm__ volatile("int3");
	__asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "eax", "ecx", "edx");
	con_printf("guest: FAIL triple fault returned\n");
	return GUEST_EXIT_FAIL;
}

static uint32_t mode_vmx_insn(const struct guest_boot *b)
{
	static uint8_t region[4096] __attribute__((aligned(4096)));
	int32_t vec = probe_vmxon((uint64_t)(uintptr_t)region);

	(void)b;
	if (vec == EXC_UD) {
		con_printf("guest: #UD ok\n");
		return GUEST_EXIT_OK;
	}
	con_printf("guest: FAIL vmxon vector=%d\n", vec);
	return GUEST_EXIT_FAIL;
}

/* An exception no probe expects: the handler must report it and exit with
 * GUEST_EXIT_EXCEPTION. */
static uint32_t mode_unexpected_ud(const struct guest_boot *b)
{
	(void)b;
	__asm__ volatile("ud2");
	con_printf("guest: FAIL ud2 returned\n");
	return GUEST_EXIT_FAIL;
}

static __attribute__((noreturn)) uint32_t mode_spin(const struct guest_boot *b)
{
	(void)b;
	con_printf("guest: spinning\n");
	for (;;)
		__asm__ volatile("pause");
}

/* fn=N ebx= ecx= edx= esi=: one VMCALL with those registers. */
static uint32_t mode_hypercall_raw(const struct guest_boot *b)
{
	struct hc_regs r = { 0 };

	if (!arg_u32(b, "fn", &r.eax) || !arg_u32(b, "ebx", &r.ebx) ||
	    !arg_u32(b, "ecx", &r.ecx) || !arg_u32(b, "edx", &r.edx) ||
	    !arg_u32(b, "esi", &r.esi))
		return GUEST_EXIT_USAGE;
	uint32_t fn = r.eax;
	int32_t vec = hc_vmcall(&r);

	if (vec >= 0) {
		con_printf("guest: FAIL hypercall fn=%u raised vector=%d\n", fn, vec);
		return GUEST_EXIT_FAIL;
	}
	con_printf("guest: hypercall fn=%u ret=%d\n", fn, (int32_t)r.eax);
	con_printf("guest: hypercall out eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x esi=0x%x\n",
		   r.eax, r.ebx, r.ecx, r.edx, r.esi);
	return GUEST_EXIT_OK;
}

uint32_t guest_mode_hlt(const struct guest_boot *b); /* guest/mode_hlt.c */
uint32_t guest_mode_demo(const struct guest_boot *b); /* guest/mode_demo.c */
uint32_t guest_mode_wake_ap(const struct guest_boot *b); /* guest/mode_wake_ap.c */
uint32_t guest_mode_nmi_ap(const struct guest_boot *b);  /* guest/mode_smp.c */
uint32_t guest_mode_cpus(const struct guest_boot *b);    /* guest/mode_smp.c */
uint32_t guest_mode_console_attack(const struct guest_boot *b); /* guest/mode_console.c */
uint32_t guest_mode_spp_first_byte(const struct guest_boot *b); /* guest/mode_spp_first_byte.c */
uint32_t guest_mode_msr_policy(const struct guest_boot *b); /* guest/mode_msr.c */
uint32_t guest_mode_tsc_rewind(const struct guest_boot *b); /* guest/mode_msr.c */
uint32_t guest_mode_smm(const struct guest_boot *b); /* guest/mode_smm.c */
uint32_t guest_mode_event(const struct guest_boot *b); /* guest/mode_events.c */
uint32_t guest_mode_ad_walk(const struct guest_boot *b); /* guest/mode_adwalk.c */
uint32_t guest_mode_reset_cf9(const struct guest_boot *b); /* guest/mode_power.c */
uint32_t guest_mode_reset_kbd(const struct guest_boot *b);
uint32_t guest_mode_poweroff_s5(const struct guest_boot *b);
uint32_t guest_mode_pci_id(const struct guest_boot *b);
uint32_t guest_mode_cr(const struct guest_boot *b); /* guest/mode_cr.c */
uint32_t guest_mode_xsaves(const struct guest_boot *b); /* guest/mode_xsaves.c */
uint32_t guest_mode_init_self(const struct guest_boot *b); /* guest/mode_init.c */
uint32_t guest_mode_task(const struct guest_boot *b); /* guest/mode_task.c */
uint32_t guest_mode_transparency(const struct guest_boot *b); /* guest/mode_transparency.c */

static const struct guest_mode guest_modes[] = {
	{ "demo", guest_mode_demo },
	{ "checks", guest_mode_checks },
	{ "bench", guest_mode_bench },
	{ "write-hv-memory", mode_write_hv_memory },
	{ "triple-fault", mode_triple_fault },
	{ "vmx-insn", mode_vmx_insn },
	{ "spin", mode_spin },
	{ "hypercall-raw", mode_hypercall_raw },
	{ "unexpected-ud", mode_unexpected_ud },
	{ "spp", guest_mode_spp },
	{ "spp-halt", guest_mode_spp_halt },
	{ "spp-storm", guest_mode_spp_storm },
	{ "spp-config", guest_mode_spp_config },
	{ "hlt", guest_mode_hlt },
	{ "wake-ap", guest_mode_wake_ap },
	{ "nmi-ap", guest_mode_nmi_ap },
	{ "cpus", guest_mode_cpus },
	{ "console-attack", guest_mode_console_attack },
	{ "spp-first-byte", guest_mode_spp_first_byte },
	{ "msr-policy", guest_mode_msr_policy },
	{ "tsc-rewind", guest_mode_tsc_rewind },
	{ "smm", guest_mode_smm },
	{ "event", guest_mode_event },
	{ "ad-walk", guest_mode_ad_walk },
	{ "reset-cf9", guest_mode_reset_cf9 },
	{ "reset-kbd", guest_mode_reset_kbd },
	{ "poweroff-s5", guest_mode_poweroff_s5 },
	{ "pci-id", guest_mode_pci_id },
	{ "cr", guest_mode_cr },
	{ "xsaves", guest_mode_xsaves },
	{ "init-self", guest_mode_init_self },
	{ "task", guest_mode_task },
	{ "transparency", guest_mode_transparency },
};

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const struct guest_mode *guest_mode_find(const char *name)
{
	for (size_t i = 0; i < sizeof(guest_modes) / sizeof(guest_modes[0]); i++)
		if (str_eq(guest_modes[i].name, name))
			return &guest_modes[i];
	return NULL;
}
