/* Loading the guest as a multiboot loader would (Multiboot 0.6.96 section 3,
 * Multiboot2 section 3): segments copied and zero-filled, `guest-module`
 * modules placed after the image, boot information built in low memory. */
#include "hv/errno.h"
#include "hv/acpi_guest.h"
#include "hv/guest_bootinfo.h"
#include "hv/guest_image.h"
#include "hv/guest_linux.h"
#include "hv/linux_boot.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/multiboot.h"
#include "hv/power.h"
#include "hv/status.h"

#define GUEST_INFO_GPA  0x10000u  /* 64 KiB at 64 KiB: free conventional memory */
#define GUEST_INFO_SIZE 0x10000u
#define PAGE_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

__attribute__((noreturn)) static void guest_refuse(const char *why, uint64_t a, uint64_t b)
{
	pr_err("refused: guest image: %s (0x%lx-0x%lx)", why, a, b);
	hv_power_off(HV_STATUS_BAD_GUEST);
}

static bool guest_in_ram(uint64_t start, uint64_t end)
{
	struct mem_range r = { start, end };

	return memrange_set_covers(hv.guest_ram, hv.guest_ram_count, &r);
}

void guest_load(struct vmx_guest_setup *g)
{
	const struct hv_module_copy *gm = NULL;
	struct bootinfo_module mods[BOOTINFO_MAX_MODULES];
	struct bootinfo_mmap_entry mmap[BOOTINFO_MAX_MMAP];
	struct guest_image img;
	uint32_t nmods = 0, nmap, info;
	size_t which;
	int err;

	for (uint32_t i = 0; i < hv.module_count; i++)
		if (hv.modules[i].role && !strcmp(hv.modules[i].role, "guest") && !gm)
			gm = &hv.modules[i];
	if (!gm) {
		pr_err("refused: no guest: pass the guest kernel as a module with the string \"guest\"");
		hv_power_off(HV_STATUS_BAD_GUEST);
	}
	if (linux_is_bzimage((const void *)(uintptr_t)gm->pa, gm->size)) {
		guest_load_linux(gm, g);
		return;
	}
	for (uint32_t i = 0; i < hv.module_count; i++)
		if (hv.modules[i].role && !strcmp(hv.modules[i].role, "guest-initrd"))
			guest_refuse("guest-initrd needs a Linux (bzImage) guest; multiboot guests take "
				     "guest-module", hv.modules[i].pa, hv.modules[i].pa + hv.modules[i].size);
	err = guest_image_parse((const void *)(uintptr_t)gm->pa, gm->size, &img);
	if (err)
		guest_refuse(err == -ENOEXEC ? "no multiboot header" :
			     err == -ENOTSUP ? "asks for a multiboot feature spphv does not provide" :
			     "malformed ELF or multiboot header", gm->pa, gm->pa + gm->size);
	if (guest_image_check_overlap(&img, hv.hv_mem, HV_MEM_COUNT, &which))
		guest_refuse("would load over hypervisor memory", hv.hv_mem[which].start,
			     hv.hv_mem[which].end - 1);
	for (uint32_t i = 0; i < img.nsegs; i++) {
		const struct guest_segment *s = &img.segs[i];

		if (!guest_in_ram(s->dest, s->dest + s->mem_size))
			guest_refuse("segment outside guest RAM", s->dest, s->dest + s->mem_size - 1);
		memcpy((void *)(uintptr_t)s->dest, (const uint8_t *)(uintptr_t)gm->pa + s->file_off,
		       s->file_size);
		memset((uint8_t *)(uintptr_t)(s->dest + s->file_size), 0, s->mem_size - s->file_size);
	}
	pr_info("guest: multiboot%d %s image 0x%lx-0x%lx entry=0x%lx args=\"%s\"", img.mb_version,
		img.is_elf ? "ELF" : "a.out-kludge", img.load_start, img.load_end - 1, img.entry,
		gm->args);

	/* guest-module modules go after the image, page aligned. */
	uint64_t next = PAGE_UP(img.load_end);

	for (uint32_t i = 0; i < hv.module_count; i++) {
		const struct hv_module_copy *m = &hv.modules[i];

		if (!m->role || strcmp(m->role, "guest-module"))
			continue;
		if (!guest_in_ram(next, next + m->size) || next + m->size > (1ull << 32))
			guest_refuse("no guest RAM after the image for a guest-module", next,
				     next + m->size);
		memcpy((void *)(uintptr_t)next, (const void *)(uintptr_t)m->pa, m->size);
		mods[nmods++] = (struct bootinfo_module){ next, next + m->size, m->args };
		next = PAGE_UP(next + m->size);
	}
	if (guest_mmap_build(hv.boot.mmap, hv.boot.mmap_count, hv.hv_mem, HV_MEM_COUNT, mmap,
			     BOOTINFO_MAX_MMAP, &nmap))
		guest_refuse("memory map too large", 0, 0);
	struct mem_range info_r = { GUEST_INFO_GPA, GUEST_INFO_GPA + GUEST_INFO_SIZE };

	if (!guest_in_ram(info_r.start, info_r.end) ||
	    (img.load_start < info_r.end && img.load_end > info_r.start))
		guest_refuse("overlaps the boot information area", info_r.start, info_r.end - 1);
	struct guest_bootinfo_input in = {
		.cmdline = gm->string, .loader_name = "spphv",
		.mmap = mmap, .mmap_count = nmap, .modules = mods, .module_count = nmods,
	};
	void *buf = (void *)(uintptr_t)GUEST_INFO_GPA;

	/* Multiboot 2 guests get the firmware's RSDP in an ACPI tag; the
	 * tables behind it show them one CPU (hv/acpi_guest.h). */
	in.rsdp = acpi_guest_rsdp(&in.rsdp_len);

	memset(buf, 0, GUEST_INFO_SIZE);
	if (img.mb_version == 2) {
		err = guest_bootinfo_build_mb2(buf, GUEST_INFO_SIZE, GUEST_INFO_GPA, &in, &info);
		g->eax = MB2_BOOTLOADER_MAGIC;
	} else {
		err = guest_bootinfo_build_mb1(buf, GUEST_INFO_SIZE, GUEST_INFO_GPA, &in, &info);
		g->eax = MB1_BOOTLOADER_MAGIC;
	}
	if (err)
		guest_refuse("boot information does not fit", GUEST_INFO_GPA,
			     GUEST_INFO_GPA + GUEST_INFO_SIZE - 1);
	g->ebx = info;
	g->entry = (uint32_t)img.entry;
	/* Multiboot: flat selectors of the loader's choosing, no GDT the
	 * guest may rely on (Multiboot 0.6.96 3.2). */
	g->cs_sel = 0x08;
	g->ds_sel = 0x10;
}
