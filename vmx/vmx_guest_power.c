/* Guest power-off and reset.  The guest owns the chipset's power and reset
 * controls; left alone, a write to them turns the whole machine off or
 * restarts it, the hypervisor included, and the run ends without its
 * summary.  Intercepted instead (I/O bitmap, SDM Vol. 3C 25.6.4):
 * - ACPI S5: SLP_EN with the \_S5 sleep type in PM1a/PM1b control (ACPI 6.x
 *   4.8.3.2.1 and 16.1.7), ports from the FADT: `guest-poweroff`, status 0;
 * - reset: the FADT reset register when it is an I/O port (ACPI 6.x
 *   4.8.3.6), the PCI reset control register 0xCF9 (RST_CPU, bit 2) and the
 *   keyboard controller's pulse-reset command (0xFE to port 0x64):
 *   `guest-reset`, status 114;
 * - a triple fault (vmx_exit.c): `guest-reset via=triple-fault`, status 105;
 * - INIT to the guest's own processor (exit reason 3, vmx_exit.c):
 *   `guest-reset via=init`, status 115.
 * Every other access to these ports is performed as the guest asked, except
 * 0xCF9, which is emulated (a byte register) and never reaches the chipset. */
#include "hv/acpi.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/status.h"
#include "vmx/vmx_guest_power.h"

#define PCI_RESET_PORT     0xcf9
#define PCI_RESET_RST_CPU  0x04
#define KBC_CMD_PORT       0x64
#define ACPI_SLP_EN        (1u << 13)
#define ACPI_SLP_TYP_SHIFT 10
#define ACPI_SLP_TYP_MASK  7u

static struct {
	struct acpi_s5 s5;
	bool have_s5;
	uint16_t reset_port; /* 0: none, or the reset register is not an I/O port */
	uint8_t reset_value;
	uint8_t cf9;         /* the emulated 0xCF9 register */
} vp;

static void vmx_power_trap(uint8_t *io_a, uint8_t *io_b, uint16_t port)
{
	uint8_t *bm = port < 0x8000 ? io_a : io_b;
	uint16_t bit = port & 0x7fff;

	bm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

void vmx_power_setup(uint8_t *io_a, uint8_t *io_b)
{
	struct acpi_reset rst;

	vp.have_s5 = !acpi_find_s5(power_rsdp_pa(), &vp.s5);
	if (vp.have_s5) {
		vmx_power_trap(io_a, io_b, vp.s5.pm1a_cnt);
		if (vp.s5.pm1b_cnt)
			vmx_power_trap(io_a, io_b, vp.s5.pm1b_cnt);
	}
	if (!acpi_find_reset(power_rsdp_pa(), &rst) && rst.space == ACPI_SPACE_IO &&
	    rst.addr < 0x10000) {
		vp.reset_port = (uint16_t)rst.addr;
		vp.reset_value = rst.value;
		vmx_power_trap(io_a, io_b, vp.reset_port);
	}
	vmx_power_trap(io_a, io_b, PCI_RESET_PORT);
	vmx_power_trap(io_a, io_b, KBC_CMD_PORT);
	pr_info("power: guest power-off via PM1a=0x%x PM1b=0x%x (S5 type %u/%u), reset via "
		"0xcf9, 0x64%s", vp.have_s5 ? vp.s5.pm1a_cnt : 0, vp.have_s5 ? vp.s5.pm1b_cnt : 0,
		vp.s5.slp_typa, vp.s5.slp_typb, vp.reset_port ? " and the FADT reset register" : "");
}

void vmx_io_passthrough(struct guest_regs *r, uint16_t port, unsigned size, bool in)
{
	/* IN to AL/AX leaves the rest of RAX; IN to EAX zero-extends
	 * (SDM Vol. 1 3.4.1.1). */
	if (in) {
		if (size == 1)
			r->rax = (r->rax & ~0xffull) | inb(port);
		else if (size == 2)
			r->rax = (r->rax & ~0xffffull) | inw(port);
		else
			r->rax = inl(port);
	} else {
		if (size == 1)
			outb(port, (uint8_t)r->rax);
		else if (size == 2)
			outw(port, (uint16_t)r->rax);
		else
			outl(port, (uint32_t)r->rax);
	}
}

__attribute__((noreturn)) static void vmx_power_reset(const char *via)
{
	console_guest_flush();
	log_event("guest-reset via=%s", via);
	pr_err("guest reset the machine (%s): stopping the guest", via);
	vmx_stop_guest(HV_STATUS_GUEST_RESET);
}

static bool vmx_power_pm1(struct guest_regs *r, uint16_t port, unsigned size, bool in)
{
	bool a = port == vp.s5.pm1a_cnt;
	uint32_t v = (uint32_t)r->rax;
	unsigned typ = (v >> ACPI_SLP_TYP_SHIFT) & ACPI_SLP_TYP_MASK;

	if (in || !(v & ACPI_SLP_EN)) {
		vmx_io_passthrough(r, port, size, in);
		return true;
	}
	if (typ == (a ? vp.s5.slp_typa : vp.s5.slp_typb)) {
		console_guest_flush();
		log_event("guest-poweroff via=acpi-s5 port=0x%x", port);
		vmx_stop_guest(0);
	}
	/* Another sleep state would suspend the hypervisor with the guest;
	 * the write is dropped and the guest carries on awake. */
	pr_warn("power: guest asked for ACPI sleep type %u through 0x%x: not supported, ignored",
		typ, port);
	return true;
}

bool vmx_power_io(struct guest_regs *r, uint16_t port, unsigned size, bool in)
{
	uint8_t v = (uint8_t)r->rax;

	if (vp.have_s5 && (port == vp.s5.pm1a_cnt || (vp.s5.pm1b_cnt && port == vp.s5.pm1b_cnt)))
		return vmx_power_pm1(r, port, size, in);
	if (vp.reset_port && port == vp.reset_port && port != PCI_RESET_PORT) {
		if (!in && size == 1 && v == vp.reset_value)
			vmx_power_reset("acpi-reset-register");
		vmx_io_passthrough(r, port, size, in);
		return true;
	}
	if (vp.reset_port == PCI_RESET_PORT && port == PCI_RESET_PORT && !in &&
	    v == vp.reset_value)
		vmx_power_reset("acpi-reset-register");
	if (port == PCI_RESET_PORT) { /* the low byte is the register */
		if (in) {
			r->rax = (r->rax & ~0xffull) | vp.cf9;
			return true;
		}
		if (v & PCI_RESET_RST_CPU)
			vmx_power_reset("cf9");
		vp.cf9 = v;
		return true;
	}
	/* Keyboard controller commands 0xF0-0xFF pulse its output lines for
	 * the bits that are 0; bit 0 is the CPU reset line. */
	if (port == KBC_CMD_PORT) {
		if (!in && size == 1 && (v & 0xf0) == 0xf0 && !(v & 1))
			vmx_power_reset("kbd");
		vmx_io_passthrough(r, port, size, in);
		return true;
	}
	return false;
}

void vmx_power_record_triple_fault(void)
{
	log_event("guest-reset via=triple-fault");
}

/* INIT in VMX non-root operation always exits (SDM Vol. 3C 26.2) and is
 * otherwise blocked while the hypervisor runs (Vol. 3C 24.8); the APs are
 * parked in the hypervisor, so only the guest can have sent it, to itself.
 * On bare metal it resets the processor, not the machine (Vol. 3A 9.1:
 * real mode at the reset vector, firmware again, memory kept): that is not
 * emulated, the run stops with a status of its own. */
void vmx_power_init_signal(void)
{
	console_guest_flush();
	log_event("guest-reset via=init");
	pr_err("guest sent INIT to its own processor (a processor reset, not emulated): "
	       "stopping the guest");
	vmx_stop_guest(HV_STATUS_GUEST_INIT);
}
