/* Loading a bzImage guest as a Linux boot loader would, for the 32-bit entry
 * (the kernel's Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"):
 * the protected-mode kernel where hv/linux_boot.c places it, the initrd (a
 * module with the string `guest-initrd`), the command line (the `guest`
 * module's string after the word `guest`), the zero page with an e820 map of
 * the guest's RAM, and a GDT with the flat __BOOT_CS/__BOOT_DS selectors.
 * Any problem is refused with one line and HV_STATUS_BAD_GUEST. */
#include "hv/guest_linux.h"
#include "hv/guest_bootinfo.h"
#include "hv/lib/string.h"
#include "hv/linux_boot.h"
#include "hv/log.h"
#include "hv/power.h"
#include "hv/status.h"

/* The loader's own area: conventional memory at 64 KiB, as GRUB uses low
 * memory for the same things. */
#define LINUX_ZERO_PAGE_GPA 0x10000u
#define LINUX_GDT_GPA       0x11000u
#define LINUX_RSDP_GPA      0x11800u
#define LINUX_CMDLINE_GPA   0x12000u
#define LINUX_AREA_END      0x20000u
#define LINUX_RSDP_MAX      36u /* ACPI 2.0+ RSDP (ACPI 6.x 5.2.5.3) */

__attribute__((noreturn)) static void linux_refuse(const char *why)
{
	pr_err("refused: Linux guest: %s", why);
	hv_power_off(HV_STATUS_BAD_GUEST);
}

/* Flat 4 GiB code (execute/read) and data (read/write) descriptors at the
 * selectors boot.rst asks for; entries 0 and 1 are unused. */
static void linux_write_gdt(struct vmx_guest_setup *g)
{
	uint64_t *gdt = (uint64_t *)(uintptr_t)LINUX_GDT_GPA;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[LINUX_BOOT_CS / 8] = 0x00cf9b000000ffffull;
	gdt[LINUX_BOOT_DS / 8] = 0x00cf93000000ffffull;
	g->gdtr_base = LINUX_GDT_GPA;
	g->gdtr_limit = 4 * 8 - 1;
	g->cs_sel = LINUX_BOOT_CS;
	g->ds_sel = LINUX_BOOT_DS;
}

static uint64_t linux_copy_rsdp(void)
{
	const uint8_t *rsdp = (const uint8_t *)(uintptr_t)power_rsdp_pa();

	if (!rsdp)
		return 0; /* BIOS: the kernel finds it in the BIOS area itself */
	/* Under UEFI the loader's copy is the only one a kernel without EFI
	 * services can find: hand it over through boot_params.acpi_rsdp_addr. */
	memcpy((void *)(uintptr_t)LINUX_RSDP_GPA, rsdp, rsdp[15] >= 2 ? LINUX_RSDP_MAX : 20);
	return LINUX_RSDP_GPA;
}

void guest_load_linux(const struct hv_module_copy *gm, struct vmx_guest_setup *g)
{
	const struct hv_module_copy *initrd = NULL;
	struct bootinfo_mmap_entry mmap[BOOTINFO_MAX_MMAP];
	const struct mem_range avoid[] = { { LINUX_ZERO_PAGE_GPA, LINUX_AREA_END } };
	const void *img = (const void *)(uintptr_t)gm->pa;
	struct linux_image li;
	struct linux_layout lo;
	const char *why;
	uint32_t nmap;
	size_t cmdlen = strlen(gm->args);

	for (uint32_t i = 0; i < hv.module_count; i++) {
		const char *role = hv.modules[i].role;

		if (role && !strcmp(role, "guest-initrd")) {
			if (initrd)
				linux_refuse("more than one guest-initrd module (the boot protocol has one initrd)");
			initrd = &hv.modules[i];
		}
		if (role && !strcmp(role, "guest-module"))
			linux_refuse("guest-module is for multiboot guests; pass the initrd as guest-initrd");
	}
	if (linux_parse(img, gm->size, &li, &why))
		linux_refuse(why);
	if (linux_place(&li, hv.guest_ram, hv.guest_ram_count, avoid, 1, initrd ? initrd->size : 0,
			&lo, &why))
		linux_refuse(why);
	if (cmdlen > li.cmdline_size || cmdlen >= LINUX_AREA_END - LINUX_CMDLINE_GPA)
		linux_refuse("command line longer than the kernel accepts (cmdline_size)");
	{
		struct mem_range area = { 0, LINUX_AREA_END };

		if (!memrange_set_covers(hv.guest_ram, hv.guest_ram_count, &area))
			linux_refuse("no guest RAM at 0-128 KiB for the zero page and command line");
	}
	if (guest_mmap_build(hv.boot.mmap, hv.boot.mmap_count, hv.hv_mem, 2, mmap,
			     BOOTINFO_MAX_MMAP, &nmap) || nmap > LINUX_BP_E820_MAX)
		linux_refuse("memory map too large for the zero page");

	memcpy((void *)(uintptr_t)lo.kernel, (const uint8_t *)img + li.pm_offset, li.pm_size);
	if (initrd)
		memcpy((void *)(uintptr_t)lo.initrd, (const void *)(uintptr_t)initrd->pa, initrd->size);
	memset((void *)(uintptr_t)LINUX_ZERO_PAGE_GPA, 0, LINUX_AREA_END - LINUX_ZERO_PAGE_GPA);
	memcpy((void *)(uintptr_t)LINUX_CMDLINE_GPA, gm->args, cmdlen + 1);
	struct linux_zero_page_input in = {
		.kernel = lo.kernel, .initrd = lo.initrd, .initrd_size = initrd ? initrd->size : 0,
		.cmdline = LINUX_CMDLINE_GPA, .rsdp = linux_copy_rsdp(),
		.mmap = mmap, .mmap_count = nmap,
	};

	if (linux_build_zero_page((uint8_t *)(uintptr_t)LINUX_ZERO_PAGE_GPA, img, &li, &in))
		linux_refuse("memory map too large for the zero page");
	linux_write_gdt(g);
	/* boot.rst: %esi holds the zero page, %ebp, %edi and %ebx are zero,
	 * interrupts disabled, paging off (vmx_vmcs.c's initial state). */
	g->entry = (uint32_t)lo.kernel;
	g->esi = LINUX_ZERO_PAGE_GPA;
	g->eax = 0;
	g->ebx = 0;
	pr_info("guest: Linux boot protocol %u.%02u bzImage kernel=0x%lx-0x%lx (preferred 0x%lx) "
		"initrd=0x%lx-0x%lx zero-page=0x%x e820=%u args=\"%s\"",
		li.version >> 8, li.version & 0xff, lo.kernel, lo.kernel + li.init_size - 1,
		li.pref_address, lo.initrd, initrd ? lo.initrd + initrd->size - 1 : 0,
		LINUX_ZERO_PAGE_GPA, nmap, gm->args);
}
