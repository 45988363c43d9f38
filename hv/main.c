/*
 * hv_main: from the loader's hand-off to the guest's first instruction.
 *
 *   the image moves to the top of RAM and starts again there ->
 *   console (COM1 default) -> descriptor tables -> boot information ->
 *   command line -> banner and capability report -> memory pool ->
 *   configuration -> VMX/EPT/SPP setup -> guest launch (never returns).
 */
#include "boot/desc.h"
#include "boot/paging.h"
#include "hv/bootinfo.h"
#include "hv/cmdline.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/hv.h"
#include "hv/log.h"
#include "hv/multiboot.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/relocate.h"
#include "hv/status.h"

#define HV_VERSION "0.1.0"

struct hv_state hv;

static const void *hv_map_boot(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	/* The boot page tables map 0..4 GiB one to one. */
	if (pa >= (1ull << 32) || len > (1ull << 32) - pa)
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static void hv_apply_cmdline(const char *cmdline)
{
	char val[64];
	uint64_t level;

	if (cmdline_get(cmdline, "console", val, sizeof(val)))
		console_init(val);
	if (cmdline_get(cmdline, "loglevel", val, sizeof(val)) &&
	    !cmdline_parse_u64(val, &level))
		log_set_level((int)level);
}

static void hv_print_cpu(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[13];
	uint32_t *v = (uint32_t *)vendor;

	v[0] = r.ebx;
	v[1] = r.edx;
	v[2] = r.ecx;
	vendor[12] = '\0';
	r = cpuid(1, 0);
	uint32_t family = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;

	if (family == 0xf)
		family += (r.eax >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((r.eax >> 16) & 0xf) << 4;
	pr_info("cpu: vendor=%s family=0x%x model=0x%x stepping=%u vmx=%s",
		vendor, family, model, r.eax & 0xf,
		(r.ecx & (1u << 5)) ? "yes" : "no");
}

static void hv_print_boot(const struct bootinfo *bi)
{
	uint64_t usable = 0;

	pr_info("boot: loader=\"%s\" protocol=multiboot%d cmdline=\"%s\"",
		bi->loader_name, bi->protocol, bi->cmdline ? bi->cmdline : "");
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct bootinfo_mmap_entry *e = &bi->mmap[i];

		pr_dbg("mmap: 0x%lx-0x%lx type=%u", e->base, e->base + e->len - 1, e->type);
		if (e->type == 1)
			usable += e->len;
	}
	pr_info("memory: %u map entries, %lu KiB usable%s", bi->mmap_count,
		usable >> 10, bi->truncated ? " (map truncated)" : "");
	for (uint32_t i = 0; i < bi->module_count; i++)
		pr_info("module: %u 0x%lx-0x%lx \"%s\"", i, bi->modules[i].start,
			bi->modules[i].end, bi->modules[i].string ? bi->modules[i].string : "");
	if (bi->rsdp_phys)
		pr_info("acpi: rsdp=0x%lx", bi->rsdp_phys);
}

__attribute__((noreturn)) void hv_main(uint32_t magic, uint32_t info_pa);

__attribute__((noreturn)) void hv_main(uint32_t magic, uint32_t info_pa)
{
	static const struct bootinfo_mem boot_mem = { NULL, hv_map_boot };
	int err;

	if (!hv_move.from) {
		/* As loaded: move up and start again there (silently: whatever
		 * goes wrong here is found and said again below). */
		hv.boot_tsc = rdtsc();
		if ((magic == MB1_BOOTLOADER_MAGIC || magic == MB2_BOOTLOADER_MAGIC) &&
		    !bootinfo_parse(magic, info_pa, &boot_mem, &hv.boot))
			hv_move_image(&hv.boot, magic, info_pa, hv.boot_tsc);
	} else {
		/* The moved copy: its own page tables first. */
		hv.boot_tsc = hv_move.entry_tsc;
		boot_paging_adopt();
	}
	console_init(NULL);
	desc_init();
	hv_move_release_old();
	pr_info("spphv " HV_VERSION ": sub-page write protection hypervisor");
	if (magic != MB1_BOOTLOADER_MAGIC && magic != MB2_BOOTLOADER_MAGIC) {
		pr_err("boot: unknown loader magic 0x%x (expected multiboot1 0x%x or multiboot2 0x%x); "
		       "boot spphv with GRUB (multiboot2), iPXE or QEMU -kernel (multiboot1)",
		       magic, MB1_BOOTLOADER_MAGIC, MB2_BOOTLOADER_MAGIC);
		hv_power_off(HV_STATUS_BAD_BOOT);
	}
	err = bootinfo_parse(magic, info_pa, &boot_mem, &hv.boot);
	if (err) {
		pr_err("boot: malformed boot information at 0x%x (error %d)", info_pa, err);
		hv_power_off(HV_STATUS_BAD_BOOT);
	}
	hv_apply_cmdline(hv.boot.cmdline);
	power_set_rsdp(hv.boot.rsdp_phys);
	hv_print_boot(&hv.boot);
	hv_print_cpu();
	hv_setup_and_launch();
}
