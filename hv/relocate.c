/* hv.elf moves itself to the top of RAM below 4 GiB; see hv/relocate.h. */
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/memrange.h"
#include "hv/page_ops.h"
#include "hv/reloc.h"
#include "hv/relocate.h"

#define MOVE_LIMIT     (1ull << 32)
/* Free RAM kept directly below the image's new place for the pool to grow
 * into before it could meet a module the loader put high: the staged
 * modules, and this much for the tables.  Only the placement uses it; what is
 * reserved is what the pool ends up holding (hv/palloc.h). */
#define MOVE_POOL_ROOM (8ull << 20)

extern char _image_start[], _load_end[], _image_end[], boot_stack_top[];
extern const uint32_t _relocs_start[], _relocs_end[];
__attribute__((noreturn)) void boot_restart(uint64_t entry, uint64_t stack_top, uint32_t magic,
					    uint32_t info_pa);
__attribute__((noreturn)) void hv_main(uint32_t magic, uint32_t info_pa);

struct hv_move hv_move;

/* Where the image goes: the top of the highest free window below 4 GiB
 * that holds it and the pool's room, away from everything the loader left
 * there (the modules, its information, the image as loaded). */
static uint64_t hv_move_target(const struct bootinfo *bi, uint64_t len)
{
	struct mem_range free_ranges[BOOTINFO_MAX_FREE], fit;
	struct mem_range image = { (uint64_t)_image_start, (uint64_t)_image_end };
	uint64_t staging;
	size_t nfree = bootinfo_free_ram(bi, image, free_ranges, &staging);

	if (memrange_highest_fit(free_ranges, nfree, len + MOVE_POOL_ROOM + staging, MOVE_LIMIT,
				 &fit)) {
		hv_move.why_not = "no free window below 4 GiB holds it and the pool";
		return 0;
	}
	if (fit.end - len <= (uint64_t)_image_start) {
		hv_move.why_not = "it was loaded above every free window";
		return 0;
	}
	return fit.end - len;
}

void hv_move_image(const struct bootinfo *bi, uint32_t magic, uint32_t info_pa,
		   uint64_t entry_tsc)
{
	uint64_t from = (uint64_t)_image_start, len = (uint64_t)(_image_end - _image_start);
	uint64_t load = (uint64_t)(_load_end - _image_start), to = hv_move_target(bi, len);
	int64_t delta = (int64_t)(to - from);
	uint8_t *dst = (uint8_t *)(uintptr_t)to;
	struct hv_move *moved;

	if (!to)
		return;
	memcpy(dst, _image_start, load);
	memset(dst + load, 0, len - load);
	if (reloc_apply(dst, len, _relocs_start, (size_t)(_relocs_end - _relocs_start), delta)) {
		hv_move.why_not = "its relocation table does not fit the new place";
		return;
	}
	/* The copy's own hv_move (its bss is zero): the copy starts knowing
	 * it moved, from where, and when the loader handed over. */
	moved = (struct hv_move *)((uintptr_t)&hv_move + (uint64_t)delta);
	*moved = (struct hv_move){ from, to, len, entry_tsc, NULL };
	boot_restart((uint64_t)(uintptr_t)hv_main + (uint64_t)delta,
		     (uint64_t)(uintptr_t)boot_stack_top + (uint64_t)delta, magic, info_pa);
}

void hv_move_release_old(void)
{
	if (hv_move.from)
		memset((void *)(uintptr_t)hv_move.from, 0, hv_move.len);
}

void hv_move_report(void)
{
	uint64_t start = (uint64_t)_image_start, end = (uint64_t)_image_end;

	if (hv_move.from)
		pr_info("memory: hypervisor image moved from 0x%lx to 0x%lx-0x%lx (%lu KiB), the "
			"top of RAM below 4 GiB; its load address is guest RAM again",
			hv_move.from, start, end - 1, (end - start) >> 10);
	else
		pr_warn("memory: hypervisor image stays at 0x%lx-0x%lx: %s; the guest's RAM "
			"has a hole there", start, end - 1,
			hv_move.why_not ? hv_move.why_not : "not moved");
}
