#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"
#include "guest/idt.h"

static struct guest_boot guest_boot_state;
static bool guest_hv;

bool guest_detect_hv(void)
{
	if (!(cpu_cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR))
		return false;
	struct cpuid_regs r = cpu_cpuid(CPUID_HV_BASE, 0);

	return r.ebx == HC_SIG_EBX && r.ecx == HC_SIG_ECX && r.edx == HC_SIG_EDX;
}

void guest_exit(uint32_t status)
{
	static const char bochs_shutdown[] = "Shutdown";

	con_printf("guest: exit status=%u\n", status);
	if (guest_hv) {
		hc_exit(status);
		con_printf("guest: FAIL exit hypercall returned\n");
	}
	cpu_outl(QEMU_DEBUG_EXIT_PORT, status);
	for (const char *p = bochs_shutdown; *p; p++)
		cpu_outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	cpu_halt_forever();
}

void guest_main(uint32_t magic, uint32_t info_pa)
{
	struct guest_boot *b = &guest_boot_state;

	con_init();
	idt_init();
	boot_parse(b, magic, info_pa);
	b->hv = guest_detect_hv();
	guest_hv = b->hv;
	con_printf("guest: start mode=%s hv=%s\n", b->mode, b->hv ? "yes" : "no");
	if (magic != MB1_BOOTLOADER_MAGIC)
		con_printf("guest: warning bad multiboot magic=0x%x\n", magic);

	const struct guest_mode *m = guest_mode_find(b->mode);

	if (!m) {
		con_printf("guest: FAIL unknown mode=%s\n", b->mode);
		guest_exit(GUEST_EXIT_USAGE);
	}
	guest_exit(m->run(b));
}
