/* State shared by the core's boot stages (one CPU, one guest). */
#ifndef HV_HV_H
#define HV_HV_H

#include "ept/ept.h"
#include "hv/bootinfo.h"
#include "hv/config.h"
#include "hv/memrange.h"
#include "hv/palloc.h"

#define HV_MAX_RANGES 64
/* Ranges reserved from the guest (not in the EPT, reserved in its memory
 * map): the image, the pool and the AP trampoline page (hv/smp.h).
 * Configuration `memory` lines may cover the trampoline page; checks on what
 * the configuration may name use the first HV_MEM_CONFIG of them. */
#define HV_MEM_COUNT  3
#define HV_MEM_CONFIG 2

struct hv_module_copy {
	uint64_t pa, size;      /* staged copy in the pool */
	const char *role, *args; /* from bootinfo_module_role(), args copied */
	const char *string;      /* the whole module string, copied */
};

struct hv_state {
	struct bootinfo boot;
	struct palloc pool;
	struct page_ops page_ops;
	struct mem_range hv_mem[HV_MEM_COUNT]; /* image, pool, AP trampoline page */
	struct mem_range guest_ram[HV_MAX_RANGES];
	size_t guest_ram_count;
	struct hv_module_copy modules[BOOTINFO_MAX_MODULES];
	uint32_t module_count;
	struct config config;
	const char *config_source;
	struct ept ept;
	uint64_t boot_tsc;
};

extern struct hv_state hv;

/* Checks the CPU, builds the tables and launches the guest; never returns. */
__attribute__((noreturn)) void hv_setup_and_launch(void);

struct vmx_guest_setup;

/* hv/guest_load.c: copies the guest image, its modules and boot information
 * into guest memory; fills the entry state (multiboot hand-off, or the Linux
 * boot protocol's for a bzImage, hv/guest_linux.c).  Refuses (powers off
 * with HV_STATUS_BAD_GUEST) with a clear line on any problem. */
void guest_load(struct vmx_guest_setup *g);

/* hv/hv_config.c: the configuration from the `config` module or the
 * compiled-in default, validated; refuses with HV_STATUS_BAD_CONFIG. */
void hv_load_config(void);

/* hv/hv_config.c: the configuration checked again once the hypervisor's
 * memory is final (the pool's size is known only after setup); refuses
 * like hv_load_config(). */
void hv_recheck_config(void);

#endif
