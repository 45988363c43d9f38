/* The "checks" mode: self-checks of the boot environment and of what
 * the hypervisor must show or hide.  One line per check, then a summary. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"
#include "guest/idt.h"

#define WHY_MAX 96
/* A function number no hypervisor revision is going to define. */
#define HC_UNKNOWN_FN 0x7fff
/* VMCS field "VM-instruction error" (SDM Vol. 3C, appendix B.3.1). */
#define VMCS_VM_INSTRUCTION_ERROR 0x4400

extern char __guest_start[];
extern char __guest_end[];

struct guest_check {
	const char *name;
	bool needs_hv;
	/* Returns true on success; otherwise explains in why. */
	bool (*run)(const struct guest_boot *b, char *why, size_t n);
};

static bool check_long_mode(const struct guest_boot *b, char *why, size_t n)
{
	uint64_t efer = 0;
	uint64_t cr0 = cpu_read_cr0();
	uint64_t cr4 = cpu_read_cr4();
	uint16_t cs = cpu_read_cs();
	int32_t vec = probe_rdmsr(MSR_IA32_EFER, &efer);

	(void)b;
	if (vec >= 0 || !(efer & EFER_LMA) || !(cr0 & CR0_PG) ||
	    !(cr4 & CR4_PAE) || cs != GUEST_SEL_CODE64) {
		con_snprintf(why, n, "efer=0x%lx vector=%d cr0=0x%lx cr4=0x%lx cs=0x%x",
			     efer, vec, cr0, cr4, cs);
		return false;
	}
	return true;
}

static bool check_cpuid_hv(const struct guest_boot *b, char *why, size_t n)
{
	struct cpuid_regs r1 = cpu_cpuid(1, 0);
	struct cpuid_regs r = cpu_cpuid(CPUID_HV_BASE, 0);

	(void)b;
	if (!(r1.ecx & CPUID1_ECX_HYPERVISOR) || r.ebx != HC_SIG_EBX ||
	    r.ecx != HC_SIG_ECX || r.edx != HC_SIG_EDX || r.eax < CPUID_HV_BASE) {
		con_snprintf(why, n, "leaf1.ecx=0x%x max=0x%x sig=0x%x,0x%x,0x%x",
			     r1.ecx, r.eax, r.ebx, r.ecx, r.edx);
		return false;
	}
	return true;
}

static bool check_cpuid_vmx_hidden(const struct guest_boot *b, char *why,
				   size_t n)
{
	uint32_t ecx = cpu_cpuid(1, 0).ecx;

	(void)b;
	if (ecx & CPUID1_ECX_VMX) {
		con_snprintf(why, n, "leaf1.ecx=0x%x has VMX", ecx);
		return false;
	}
	return true;
}

static bool check_hypercall_version(const struct guest_boot *b, char *why,
				    size_t n)
{
	struct hc_regs r = { .eax = HC_VERSION };
	int32_t vec = hc_vmcall(&r);

	(void)b;
	if (vec >= 0 || (int32_t)r.eax <= 0 || r.ebx != HC_SIG_EBX ||
	    r.ecx != HC_SIG_ECX || r.edx != HC_SIG_EDX) {
		con_snprintf(why, n, "vector=%d eax=0x%x sig=0x%x,0x%x,0x%x", vec,
			     r.eax, r.ebx, r.ecx, r.edx);
		return false;
	}
	return true;
}

static bool check_hypercall_unknown(const struct guest_boot *b, char *why,
				    size_t n)
{
	struct hc_regs r = { .eax = HC_UNKNOWN_FN };
	int32_t vec = hc_vmcall(&r);

	(void)b;
	if (vec >= 0 || (int32_t)r.eax != -HC_ENOSYS) {
		con_snprintf(why, n, "vector=%d ret=%d", vec, (int32_t)r.eax);
		return false;
	}
	return true;
}

/* With the guest's CR4.VMXE clear VMXON raises #UD before any VM exit on a
 * real CPU (SDM Vol. 3C, section 31.3, VMXON); under the hypervisor the
 * processor's own CR4.VMXE is 1, so the #UD must come from the hypervisor.
 * VMREAD outside VMX operation raises #UD too. */
static bool check_vmx_ud(const struct guest_boot *b, char *why, size_t n)
{
	static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
	uint32_t before = guest_exc_count[EXC_UD];
	uint64_t value = 0;
	int32_t v1 = probe_vmxon((uint64_t)(uintptr_t)vmxon_region);
	int32_t v2 = probe_vmread(VMCS_VM_INSTRUCTION_ERROR, &value);
	uint32_t counted = guest_exc_count[EXC_UD] - before;

	(void)b;
	if (v1 != EXC_UD || v2 != EXC_UD || counted != 2) {
		con_snprintf(why, n, "vmxon vector=%d vmread vector=%d ud_count=%u",
			     v1, v2, counted);
		return false;
	}
	return true;
}

static bool check_feature_control(const struct guest_boot *b, char *why,
				  size_t n)
{
	uint64_t v = 0;
	int32_t vec = probe_rdmsr(MSR_IA32_FEATURE_CONTROL, &v);

	(void)b;
	/* #GP is fine too: the MSR simply does not exist for this guest. */
	if (vec == EXC_GP)
		return true;
	if (vec >= 0 || (v & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		con_snprintf(why, n, "vector=%d value=0x%lx", vec, v);
		return false;
	}
	return true;
}

static bool check_mmap(const struct guest_boot *b, char *why, size_t n)
{
	uint64_t start = (uint64_t)(uintptr_t)__guest_start;
	uint64_t end = (uint64_t)(uintptr_t)__guest_end;

	if (!b->info || !(b->info->flags & MB1_INFO_MMAP) ||
	    !b->info->mmap_length) {
		con_snprintf(why, n, "no memory map flags=0x%x",
			     b->info ? b->info->flags : 0);
		return false;
	}
	if (!boot_mmap_usable(b, start, end - start)) {
		con_snprintf(why, n, "image 0x%lx-0x%lx not in available memory",
			     start, end);
		return false;
	}
	return true;
}

static bool check_spp_area(const struct guest_boot *b, char *why, size_t n)
{
	if (!boot_mmap_usable(b, GUEST_SPP_AREA, GUEST_SPP_AREA_SIZE)) {
		con_snprintf(why, n, "0x%x+0x%x not in available memory",
			     GUEST_SPP_AREA, GUEST_SPP_AREA_SIZE);
		return false;
	}
	return true;
}

static bool check_cmdline(const struct guest_boot *b, char *why, size_t n)
{
	if (!b->has_cmdline || !b->cmdline[0]) {
		con_snprintf(why, n, "no command line");
		return false;
	}
	return true;
}

static bool check_ram_rw(const struct guest_boot *b, char *why, size_t n)
{
	static volatile uint64_t area[512] __attribute__((aligned(4096)));
	static const uint64_t patterns[] = {
		0, ~0ull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull,
	};

	const size_t npat = sizeof(patterns) / sizeof(patterns[0]);

	(void)b;
	/* A last pass stores each word's own address, which catches aliasing. */
	for (size_t p = 0; p <= npat; p++) {
		for (size_t i = 0; i < 512; i++)
			area[i] = p < npat ? patterns[p] : (uint64_t)(uintptr_t)&area[i];
		for (size_t i = 0; i < 512; i++) {
			uint64_t want = p < npat ? patterns[p] :
						   (uint64_t)(uintptr_t)&area[i];
			uint64_t got = area[i];

			if (got != want) {
				con_snprintf(why, n, "at 0x%lx read 0x%lx want 0x%lx",
					     (uint64_t)(uintptr_t)&area[i], got, want);
				return false;
			}
		}
	}
	return true;
}

/* The guest's RAM is one piece from 1 MiB, as on bare metal: no other
 * available entry between its end and 4 GiB, and mem_upper (KiB above
 * 1 MiB, Multiboot 0.6.96 3.3) says where it ends.  Kernels that take
 * mem_upper as their memory and the map's largest entry for the rest rely on
 * it. */
static bool check_ram_one_piece(const struct guest_boot *b, char *why, size_t n)
{
	const struct mb1_info *info = b->info;
	uint64_t pos, end, upper_end;

	if (!info || !(info->flags & MB1_INFO_MMAP) || !(info->flags & MB1_INFO_MEM) ||
	    !boot_ram_end) {
		con_snprintf(why, n, "no memory map or mem_upper flags=0x%x", info ? info->flags : 0);
		return false;
	}
	upper_end = 0x100000 + (uint64_t)info->mem_upper * 1024;
	if (upper_end != boot_ram_end) {
		con_snprintf(why, n, "mem_upper ends at 0x%lx, the map's RAM from 1 MiB at 0x%lx",
			     upper_end, boot_ram_end);
		return false;
	}
	pos = info->mmap_addr;
	end = pos + info->mmap_length;
	while (pos + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const struct mb1_mmap_entry *)(uintptr_t)pos;

		if (e->type == MB1_MEM_AVAILABLE && e->base >= boot_ram_end && e->base < (1ull << 32)) {
			con_snprintf(why, n, "RAM 0x100000-0x%lx then more at 0x%lx-0x%lx",
				     boot_ram_end - 1, e->base, e->base + e->length - 1);
			return false;
		}
		pos += (uint64_t)e->size + sizeof(e->size);
	}
	return true;
}

/* Where the loader put hv.elf is ordinary RAM once the hypervisor has moved
 * to the top: available, holding nothing of the hypervisor's (zero, as a
 * fresh machine's RAM reads in Bochs), and writable. */
static bool check_hv_load_area(const struct guest_boot *b, char *why, size_t n)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)GUEST_HV_LOAD_ADDR;

	if (!boot_mmap_usable(b, GUEST_HV_LOAD_ADDR, 0x10000)) {
		con_snprintf(why, n, "0x%x+0x10000 not in available memory", GUEST_HV_LOAD_ADDR);
		return false;
	}
	for (size_t i = 0; i < 0x10000 / sizeof(*p); i++) {
		if (p[i]) {
			con_snprintf(why, n, "at 0x%lx read 0x%lx, not 0",
				     (uint64_t)(uintptr_t)&p[i], p[i]);
			return false;
		}
	}
	p[0] = 0x5350504856475354ull;
	if (p[0] != 0x5350504856475354ull) {
		con_snprintf(why, n, "write at 0x%x did not stick", GUEST_HV_LOAD_ADDR);
		return false;
	}
	p[0] = 0;
	return true;
}

static const struct guest_check guest_checks[] = {
	{ "long-mode", false, check_long_mode },
	{ "cpuid-hv", true, check_cpuid_hv },
	{ "cpuid-vmx-hidden", true, check_cpuid_vmx_hidden },
	{ "hypercall-version", true, check_hypercall_version },
	{ "hypercall-unknown", true, check_hypercall_unknown },
	{ "vmx-ud", false, check_vmx_ud },
	{ "feature-control", true, check_feature_control },
	{ "mmap", false, check_mmap },
	{ "spp-area", false, check_spp_area },
	{ "cmdline", false, check_cmdline },
	{ "ram-rw", false, check_ram_rw },
	{ "ram-one-piece", false, check_ram_one_piece },
	{ "hv-load-area", false, check_hv_load_area },
};

uint32_t guest_mode_checks(const struct guest_boot *b)
{
	uint32_t passed = 0, failed = 0;

	for (size_t i = 0; i < sizeof(guest_checks) / sizeof(guest_checks[0]); i++) {
		const struct guest_check *c = &guest_checks[i];
		char why[WHY_MAX] = "";

		if (c->needs_hv && !b->hv) {
			con_printf("guest: check %s skip (no hypervisor)\n", c->name);
		} else if (c->run(b, why, sizeof(why))) {
			con_printf("guest: check %s ok\n", c->name);
			passed++;
		} else {
			con_printf("guest: check %s FAIL (%s)\n", c->name, why);
			failed++;
		}
	}
	con_printf("guest: done passed=%u failed=%u\n", passed, failed);
	return failed < GUEST_EXIT_MAX_FAILS ? failed : GUEST_EXIT_MAX_FAILS;
}
