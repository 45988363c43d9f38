/* From a parsed boot to a launched guest: CPU checks, the memory pool, the
 * configuration, the EPT and SPPT, the guest image. */
#include "ept/ept.h"
#include "hv/acpi_guest.h"
#include "hv/cmdline.h"
#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/errno.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/platform.h"
#include "hv/power.h"
#include "hv/relocate.h"
#include "hv/smp.h"
#include "hv/vuart_irq.h"
#include "hv/status.h"
#include "spp/spp.h"
#include "spp/spp_setup.h"
#include "vmx/vmx.h"
#include "vmx/vmx_msr.h"

/* Only to choose where the pool goes: a free range with at least this much
 * room besides the staged modules and the APs' memory. */
#define HV_POOL_MIN_SIZE  (2ull << 20)
/* Pool kept free for ranges the guest locks at run time (hypercall-lock on):
 * 64 pages, room for the EPT and SPPT pages of locks in 16 distinct 2 MiB
 * regions or more; a lock that finds no page fails with -ENOMEM. */
#define HV_LOCK_HEADROOM  (256ull << 10)
#define HV_LOW_LIMIT      (1ull << 20)
#define FOUR_GIB          (1ull << 32)

extern char _image_start[], _image_end[];

static void *hv_identity(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

__attribute__((noreturn)) static void hv_refuse_missing(const char *what, const char *why)
{
	pr_err("refused: this CPU has no %s; %s", what, why);
	hv_power_off(HV_STATUS_NO_VMX);
}

static void hv_check_cpu(void)
{
	if (!(cpuid(1, 0).ecx & (1u << 5)))
		hv_refuse_missing("VMX (CPUID.1:ECX.VMX[bit 5] = 0)",
				  "spphv needs Intel VT-x with EPT and unrestricted guest "
				  "(in Bochs use cpu model tigerlake; on hardware enable VT-x in the firmware)");
	vmx_probe(&vmx);
	vmx_report_caps(&vmx);
	if (!vmx.caps.ept)
		hv_refuse_missing("EPT (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 1)",
				  "spphv needs extended page tables for memory protection");
	if (!vmx.caps.unrestricted_guest)
		hv_refuse_missing("unrestricted guest (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 7)",
				  "spphv starts multiboot guests in 32-bit protected mode with paging off");
	if (!vmx.caps.ept_4level || !vmx.caps.ept_wb || !vmx.caps.invept_single)
		hv_refuse_missing("4-level write-back EPT with single-context INVEPT",
				  "spphv needs them to build and update the EPT");
}

/* The guest's RAM: usable RAM minus the hypervisor's memory. */
static void hv_update_guest_ram(void)
{
	struct mem_range usable[BOOTINFO_MAX_MMAP];
	size_t nu = bootinfo_usable_ram(&hv.boot, usable);

	/* guest_ram keeps the trampoline page, so `memory` lines may cover it;
	 * it is left out of the EPT and reported reserved like the rest. */
	memrange_subtract(usable, nu, hv.hv_mem, HV_MEM_CONFIG, hv.guest_ram, HV_MAX_RANGES,
			  &hv.guest_ram_count);
}

/* The pool's top is the free RAM right below the image (moved to the top of
 * RAM, hv/relocate.h): usable RAM above 1 MiB, below 4 GiB, that holds
 * neither the image, the modules nor the loader's information.  Its bottom
 * is fixed by hv_pool_reserve() once setup has taken what it needs. */
static void hv_pool_init(void)
{
	struct mem_range free_ranges[BOOTINFO_MAX_FREE];
	struct mem_range image = { (uint64_t)_image_start, (uint64_t)_image_end };
	uint64_t size;
	size_t nfree = bootinfo_free_ram(&hv.boot, image, free_ranges, &size);

	size += HV_POOL_MIN_SIZE + smp_pool_bytes();
	hv_move_report();
	if (palloc_init(&hv.pool, free_ranges, nfree, size, FOUR_GIB, hv_identity)) {
		pr_err("refused: no %lu KiB of free RAM below 4 GiB for the hypervisor's pool",
		       size >> 10);
		hv_power_off(HV_STATUS_NO_MEMORY);
	}
	hv.page_ops = (struct page_ops){ &hv.pool, palloc_page_op, palloc_phys_to_virt_op };
	hv.hv_mem[0] = image;
	hv.hv_mem[1] = (struct mem_range){ 0, 0 }; /* until hv_pool_reserve() */
	hv.hv_mem[2] = (struct mem_range){ SMP_TRAMPOLINE_PA, SMP_TRAMPOLINE_PA + PAGE_SIZE };
	hv_update_guest_ram();
}

/* Once every setup allocation is made: the pool keeps what is in use plus a
 * headroom for what the guest may lock at run time (each lock splits EPT
 * leaves and adds SPPT pages), or hvmem= if that is larger; the rest of the
 * RAM below it is the guest's.  The EPT, built over all of it, loses the
 * pool's pages, and the configuration is checked again against the final
 * hypervisor memory. */
static void hv_pool_reserve(void)
{
	/* Splitting the EPT's leaves at the pool's bottom: a 1 GiB and a 2 MiB
	 * leaf, one table each. */
	uint64_t headroom = 2 * PAGE_SIZE, min_size = 0, image = hv.hv_mem[0].end - hv.hv_mem[0].start;
	char val[32];
	int err;

	if (hv.config.hypercall_lock)
		headroom += HV_LOCK_HEADROOM;
	if (cmdline_get(hv.boot.cmdline, "hvmem", val, sizeof(val)) &&
	    cmdline_parse_u64(val, &min_size)) {
		pr_err("refused: bad hvmem=%s on the command line (expected a size: 64M, 0x4000000)",
		       val);
		hv_power_off(HV_STATUS_BAD_CONFIG);
	}
	if (palloc_reserve(&hv.pool, headroom, min_size)) {
		pr_err("refused: no room below the hypervisor for %lu KiB of pool (%lu KiB in use)",
		       (palloc_used(&hv.pool) + (headroom > min_size ? headroom : min_size)) >> 10,
		       palloc_used(&hv.pool) >> 10);
		hv_power_off(HV_STATUS_NO_MEMORY);
	}
	hv.hv_mem[1] = (struct mem_range){ hv.pool.start, hv.pool.end };
	err = ept_unmap(&hv.ept, hv.pool.start, hv.pool.end - hv.pool.start);
	if (err) {
		pr_err("removing the pool from the EPT failed (error %d)", err);
		hv_power_off(err == -ENOMEM ? HV_STATUS_NO_MEMORY : HV_STATUS_PANIC);
	}
	hv_update_guest_ram();
	hv_recheck_config();
	pr_info("memory: hypervisor image 0x%lx-0x%lx, pool 0x%lx-0x%lx (%lu KiB), reserved from the guest",
		hv.hv_mem[0].start, hv.hv_mem[0].end - 1, hv.pool.start, hv.pool.end - 1,
		(hv.pool.end - hv.pool.start) >> 10);
	pr_info("memory: %lu KiB reserved from the guest: image %lu KiB, pool %lu KiB "
		"(%lu KiB in use, %lu KiB free for run time)",
		(image + hv.pool.end - hv.pool.start) >> 10, image >> 10,
		(hv.pool.end - hv.pool.start) >> 10, palloc_used(&hv.pool) >> 10,
		(hv.pool.next - hv.pool.start) >> 10);
	for (size_t i = 0; i < hv.guest_ram_count; i++)
		if (hv.guest_ram[i].end > HV_LOW_LIMIT)
			pr_info("memory: guest RAM 0x%lx-0x%lx", hv.guest_ram[i].start,
				hv.guest_ram[i].end - 1);
}

static char *hv_strdup(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *d = (char *)(uintptr_t)palloc_pages(&hv.pool, (n + PAGE_SIZE) / PAGE_SIZE);

	if (!d)
		panic("pool exhausted copying boot strings");
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Copies the modules and every string still needed out of the loader's
 * memory, which becomes guest RAM. */
static void hv_stage_boot_data(void)
{
	hv.boot.cmdline = hv_strdup(hv.boot.cmdline);
	hv.boot.loader_name = hv_strdup(hv.boot.loader_name);
	for (uint32_t i = 0; i < hv.boot.module_count; i++) {
		const struct bootinfo_module *m = &hv.boot.modules[i];
		struct hv_module_copy *c = &hv.modules[hv.module_count++];
		const char *args = "";
		uint64_t size = m->end - m->start;

		c->role = bootinfo_module_role(m->string ? m->string : "", &args);
		c->args = hv_strdup(args);
		c->string = hv_strdup(m->string);
		c->size = size;
		c->pa = palloc_pages(&hv.pool, (size + PAGE_SIZE - 1) / PAGE_SIZE + 1);
		if (!c->pa)
			panic("pool exhausted staging module %u", i);
		memcpy((void *)(uintptr_t)c->pa, (const void *)(uintptr_t)m->start, size);
	}
}

/* Everything below max(4 GiB, end of RAM) except the hypervisor's memory and
 * the RAM the configuration leaves out: MMIO and firmware ranges stay
 * mapped, with the MTRRs' memory types. */
static void hv_build_ept(const struct mtrr_state *mtrr)
{
	struct mem_range all = { 0, FOUR_GIB }, excluded[HV_MAX_RANGES + HV_MEM_COUNT];
	struct mem_range map[HV_MAX_RANGES * 2];
	size_t nex = 0, nmap;
	int err;

	for (uint32_t i = 0; i < hv.boot.mmap_count; i++) {
		uint64_t end = hv.boot.mmap[i].base + hv.boot.mmap[i].len;

		if (hv.boot.mmap[i].type == 1 && end > all.end)
			all.end = (end + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	}
	for (int i = 0; i < HV_MEM_COUNT; i++)
		excluded[nex++] = hv.hv_mem[i];
	if (hv.config.memory_count) {
		/* RAM outside the configured `memory` ranges is not the guest's. */
		struct mem_range cfg[CONFIG_MEMORY_CAP], left[HV_MAX_RANGES];
		size_t nleft;

		for (uint32_t i = 0; i < hv.config.memory_count; i++)
			cfg[i] = (struct mem_range){ hv.config.memory[i].start,
						     hv.config.memory[i].end + 1 };
		memrange_subtract(hv.guest_ram, hv.guest_ram_count, cfg, hv.config.memory_count,
				  left, HV_MAX_RANGES, &nleft);
		for (size_t i = 0; i < nleft && nex < HV_MAX_RANGES + HV_MEM_COUNT; i++)
			excluded[nex++] = left[i];
	}
	if (memrange_subtract(&all, 1, excluded, nex, map, HV_MAX_RANGES * 2, &nmap))
		panic("EPT map has too many pieces");
	err = ept_init(&hv.ept, &hv.page_ops, vmx.caps.ept_2m, vmx.caps.ept_1g);
	for (size_t i = 0; !err && i < nmap; i++) {
		if (!memrange_page_inward(&map[i]))
			continue;
		err = ept_map_identity(&hv.ept, map[i].start, map[i].end - map[i].start,
				       EPT_RWX, mtrr);
	}
	if (err) {
		pr_err("building the EPT failed (error %d)", err);
		hv_power_off(err == -ENOMEM ? HV_STATUS_NO_MEMORY : HV_STATUS_PANIC);
	}
}

static void hv_read_mtrrs(struct mtrr_state *m)
{
	struct cpuid_regs r = cpuid(0x80000000, 0);

	memset(m, 0, sizeof(*m));
	m->phys_addr_bits = r.eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
	if (!(cpuid(1, 0).edx & (1u << 12)))
		return; /* no MTRRs: def_type 0 = disabled, everything UC?  Treat as WB below. */
	m->cap = rdmsr(MTRR_MSR_CAP);
	m->def_type = rdmsr(MTRR_MSR_DEF_TYPE);
	m->nvar = m->cap & MTRR_CAP_VCNT_MASK;
	if (m->nvar > MTRR_MAX_VAR)
		m->nvar = MTRR_MAX_VAR;
	for (unsigned i = 0; i < m->nvar; i++) {
		m->var[i].base = rdmsr(MTRR_MSR_PHYSBASE0 + 2 * i);
		m->var[i].mask = rdmsr(MTRR_MSR_PHYSBASE0 + 2 * i + 1);
	}
	if (m->cap & MTRR_CAP_FIX) {
		m->fixed[0] = rdmsr(MTRR_MSR_FIX64K_00000);
		m->fixed[1] = rdmsr(MTRR_MSR_FIX16K_80000);
		m->fixed[2] = rdmsr(MTRR_MSR_FIX16K_A0000);
		for (unsigned i = 0; i < 8; i++)
			m->fixed[3 + i] = rdmsr(MTRR_MSR_FIX4K_C0000 + i);
	}
}

__attribute__((noreturn)) void hv_setup_and_launch(void)
{
	struct vmx_guest_setup g = { 0 };
	struct mtrr_state mtrr;
	bool have_mtrr = cpuid(1, 0).edx & (1u << 12);

	/* The configuration is read and reported before the CPU checks, so a
	 * boot on a machine without VMX still shows what it received. */
	smp_plan(hv.boot.rsdp_phys, hv.boot.cmdline);
	hv_pool_init();
	hv_stage_boot_data();
	hv_load_config();
	hv_check_cpu();
	hv_platform_lockdown();
	hv_read_mtrrs(&mtrr);
	hv_build_ept(have_mtrr && (mtrr.def_type & MTRR_DEF_E) ? &mtrr : NULL);
	acpi_guest_tables(&hv.ept, &hv.pool, hv.boot.rsdp_phys, smp_bsp_apic_id());
	vmx_msr_init(have_mtrr ? &mtrr : NULL);
	spp_setup(&g);
	spp_register();

	/* EPT accessed/dirty flags (SDM Vol. 3C 29.3.5): with them the guest's
	 * page walks count as writes for EPT permissions (29.3.3.2), so the
	 * CPU's own A/D updates to a protected paging-structure entry exit like
	 * any other write.  Without them those updates are not seen
	 * (docs/security.md). */
	g.eptp = ept_eptp(&hv.ept, vmx.caps.ept_ad);
	pr_info("ept: accessed/dirty flags %s", vmx.caps.ept_ad ? "on (guest page walks are "
		"checked against protection)" : "not supported: the CPU's own A/D updates to "
		"protected paging structures are NOT checked");
	g.test_entry_fail = cmdline_get(hv.boot.cmdline, "test-entry-fail", NULL, 0);
	g.test_unhandled_exit = cmdline_get(hv.boot.cmdline, "test-unhandled-exit", NULL, 0);
	g.test_vmcs_poison = cmdline_get(hv.boot.cmdline, "test-vmcs-poison", NULL, 0);
	g.test_nmi_on_violation = cmdline_get(hv.boot.cmdline, "test-nmi-on-violation", NULL, 0);
	vmx.console_port = console_has_uart() ? console_port() : 0;
	if (vmx.console_port)
		vuart_irq_init(hv.boot.rsdp_phys, vmx.console_port);
	smp_park_aps(&vmx, &hv.pool);
	vmx_enable(&vmx, &hv.pool);
	hv_pool_reserve();
	guest_load(&g);
	pr_info("boot: %lu ticks from hypervisor entry to guest launch", rdtsc() - hv.boot_tsc);
	vmx_launch_guest(&vmx, &hv.pool, &g);
}
