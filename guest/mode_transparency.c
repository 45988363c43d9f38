/* mode=transparency: one line per check of what an OS sees of the processor,
 * `guest: tp CHECK key=value...`, deterministic, so that the same guest
 * booted natively (tools/hvrun --native) and under spphv can be compared
 * line by line (tests/integration/test_transparency.py; the deliberate
 * differences are listed there and in docs/architecture.md).  Values that
 * vary between runs (TSC, timer counts) are printed only as relations.
 *
 * This file: CPUID, XCR0 / XSETBV, CR4 features (OSXSAVE, OSPKE, PCID,
 * SMEP, SMAP, UMIP), exceptions and their frames.
 * guest/mode_transparency_db.c: debug exceptions, DR6, breakpoints.
 * guest/mode_transparency_sys.c: SYSCALL / SYSENTER, MSRs, the TSC, the
 * local APIC timer and the PIT, the memory map.
 * guest/mode_transparency_user.c: instructions and exceptions at CPL 3. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"
#include "guest/mode_transparency.h"

uint32_t guest_mode_transparency(const struct guest_boot *b);

#define TP_VECTORS 256
/* Unmapped: the guest's page tables map the first 4 GiB only (boot.S). */
#define TP_UNMAPPED 0x100000000ull
/* A 2 MiB page of guest RAM the checks may make user-accessible. */
#define TP_USER_PAGE 0x400000ull
#define CR0_WP GUEST_BIT(16)

struct tp_gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

struct tp_idtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct tp_gate tp_idt[TP_VECTORS] __attribute__((aligned(16)));
static struct tp_idtr tp_old_idtr;

void tp_set_gate(unsigned v, void (*fn)(void))
{
	uint64_t off = (uint64_t)(uintptr_t)fn;

	tp_idt[v] = (struct tp_gate){ (uint16_t)off, GUEST_SEL_CODE64, 0, 0x8e,
				      (uint16_t)(off >> 16), (uint32_t)(off >> 32), 0 };
}

/* The guest's exception gates (guest/idt.c), landing gates for the vectors
 * the probes raise, #DB's own gate, room for interrupts. */
static void tp_idt_init(void)
{
	struct tp_idtr next = { sizeof(tp_idt) - 1, (uint64_t)(uintptr_t)tp_idt };
	const struct tp_gate *old;

	__asm__ volatile("sidt %0" : "=m"(tp_old_idtr));
	old = (const struct tp_gate *)(uintptr_t)tp_old_idtr.base;
	for (unsigned v = 0; v < GUEST_EXC_VECTORS && v * sizeof(*old) < tp_old_idtr.limit; v++)
		tp_idt[v] = old[v];
	tp_set_gate(EXC_DE, tp_land_0);
	tp_set_gate(1, tp_db_stub);
	tp_set_gate(EXC_BP, tp_land_3);
	tp_set_gate(EXC_UD, tp_land_6);
	tp_set_gate(EXC_GP, tp_land_13);
	tp_set_gate(EXC_PF, tp_land_14);
	tp_set_gate(11, tp_land_11);
	tp_set_gate(17, tp_land_17);
	__asm__ volatile("lidt %0" : : "m"(next) : "memory");
}

/* MOV to CR4 through tp_try: the vector it raised, or -1. */
int32_t tp_mov_cr4(uint64_t v)
{
	return tp_try(tp_do_mov_cr4, v);
}

void tp_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static uint64_t tp_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void tp_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static bool tp_bit(uint32_t v, unsigned n)
{
	return (v >> n) & 1;
}

/* ---- CPUID ---- */

static void tp_cpuid_line(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = cpu_cpuid(leaf, sub);

	con_printf("guest: tp cpuid leaf=0x%x sub=%u eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n",
		   leaf, sub, r.eax, r.ebx, r.ecx, r.edx);
}

/* How many subleaves to print: those the SDM (Vol. 2A, CPUID) indexes by
 * ECX, bounded. */
static uint32_t tp_cpuid_subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 4:
		for (uint32_t s = 0; s < 8; s++)
			if ((cpu_cpuid(4, s).eax & 0x1f) == 0)
				return s + 1;
		return 8;
	case 7:
		return (cpu_cpuid(7, 0).eax & 7) + 1;
	case 0xb:
	case 0x1f:
		for (uint32_t s = 0; s < 6; s++)
			if (((cpu_cpuid(leaf, s).ecx >> 8) & 0xff) == 0)
				return s + 1;
		return 6;
	case 0xd:
		return 20;
	case 0xf: case 0x10: case 0x12: case 0x14: case 0x17: case 0x18:
		return 2;
	default:
		return 1;
	}
}

static void tp_check_cpuid(void)
{
	uint32_t max = cpu_cpuid(0, 0).eax, emax = cpu_cpuid(0x80000000, 0).eax;

	if (max > 0x20)
		max = 0x20;
	for (uint32_t l = 0; l <= max; l++)
		for (uint32_t s = 0, n = tp_cpuid_subleaves(l); s < n; s++)
			tp_cpuid_line(l, s);
	tp_cpuid_line(CPUID_HV_BASE, 0);
	if (emax > 0x80000020)
		emax = 0x80000020;
	for (uint32_t l = 0x80000000; l <= emax; l++)
		tp_cpuid_line(l, 0);
}

/* ---- XCR0, OSXSAVE, OSPKE ---- */

int32_t tp_xsetbv(uint32_t xcr, uint64_t v)
{
	tp_xsetbv_in = v;
	return tp_try(tp_do_xsetbv, xcr);
}

int32_t tp_xgetbv(uint32_t xcr, uint64_t *v)
{
	tp_xgetbv_value = 0;
	int32_t vec = tp_try(tp_do_xgetbv, xcr);

	*v = tp_xgetbv_value;
	return vec;
}

static void tp_check_xsave(void)
{
	struct cpuid_regs c1 = cpu_cpuid(1, 0);
	uint64_t cr4 = cpu_read_cr4(), x0 = 0, x1 = 0, x2 = 0;

	if (!tp_bit(c1.ecx, 26)) {
		con_printf("guest: tp xsave absent\n");
		return;
	}
	int32_t before = tp_xgetbv(0, &x0);

	tp_write_cr4(cr4 | CR4_OSXSAVE);
	bool osxsave = tp_bit(cpu_cpuid(1, 0).ecx, 27);
	struct cpuid_regs d0 = cpu_cpuid(0xd, 0);
	uint64_t supported = ((uint64_t)d0.edx << 32) | d0.eax;
	int32_t g0 = tp_xgetbv(0, &x0);
	int32_t g1 = tp_xgetbv(1, &x1);
	int32_t g2 = tp_xgetbv(2, &x2);
	int32_t s_x87sse = tp_xsetbv(0, 3);
	int32_t s_nox87 = tp_xsetbv(0, 2);
	int32_t s_avx_nosse = tp_xsetbv(0, 0x5);
	int32_t s_unsup = tp_xsetbv(0, 3 | (1ull << 63));
	int32_t s_xcr1 = tp_xsetbv(1, 0);
	int32_t s_all = tp_xsetbv(0, supported & 0x2e7); /* x87 SSE AVX opmask ZMM PKRU */
	uint64_t after_all = 0;

	tp_xgetbv(0, &after_all);
	con_printf("guest: tp xsave xgetbv-before-osxsave=%d osxsave-cpuid=%u xcr0=0x%lx "
		   "xgetbv1=%d xgetbv2=%d\n", before, osxsave, x0, g1, g2);
	con_printf("guest: tp xsetbv x87sse=%d nox87=%d avx-nosse=%d bit63=%d xcr1=%d "
		   "all=%d xcr0=0x%lx get0=%d\n", s_x87sse, s_nox87, s_avx_nosse, s_unsup, s_xcr1,
		   s_all, after_all, g0);
	/* CPUID leaf 0DH EBX: the XSAVE area size for the XCR0 in force. */
	con_printf("guest: tp xsave size-xcr0-all=0x%x\n", cpu_cpuid(0xd, 0).ebx);
	tp_xsetbv(0, 3);
	con_printf("guest: tp xsave size-xcr0-x87sse=0x%x\n", cpu_cpuid(0xd, 0).ebx);
	tp_xsetbv(0, x0);
	tp_write_cr4(cr4);
	con_printf("guest: tp xsave osxsave-cleared-cpuid=%u\n", tp_bit(cpu_cpuid(1, 0).ecx, 27));
	(void)x2;
}

static void tp_check_pke(void)
{
	uint64_t cr4 = cpu_read_cr4();

	if (!tp_bit(cpu_cpuid(7, 0).ecx, 3)) {
		con_printf("guest: tp pke absent\n");
		return;
	}
	int32_t set = tp_mov_cr4(cr4 | CR4_PKE);
	bool ospke = tp_bit(cpu_cpuid(7, 0).ecx, 4);
	uint32_t pkru = 0;

	if (set < 0)
		__asm__ volatile("xor %%ecx, %%ecx; rdpkru" : "=a"(pkru) : : "ecx", "edx");
	tp_mov_cr4(cr4);
	con_printf("guest: tp pke set=%d ospke=%u pkru=0x%x ospke-cleared=%u\n", set, ospke, pkru,
		   tp_bit(cpu_cpuid(7, 0).ecx, 4));
}

/* ---- CR4 features: PCID, SMEP, SMAP, UMIP ---- */

static void tp_check_pcid(void)
{
	uint64_t cr4 = cpu_read_cr4(), cr3 = tp_read_cr3();

	if (!tp_bit(cpu_cpuid(1, 0).ecx, 17)) {
		con_printf("guest: tp pcid absent\n");
		return;
	}
	/* SDM Vol. 3A 4.10.1 / Vol. 2B MOV CR: setting CR4.PCIDE with
	 * CR3[11:0] != 0 is #GP. */
	tp_write_cr3(cr3 | 0x8);
	int32_t bad = tp_mov_cr4(cr4 | CR4_PCIDE);

	tp_write_cr3(cr3);
	int32_t set = tp_mov_cr4(cr4 | CR4_PCIDE);
	bool on = cpu_read_cr4() & CR4_PCIDE;
	uint64_t cr3_pcid = 0;
	int32_t inv_single = -2, inv_all = -2, inv_bad = -2;

	if (on) {
		tp_write_cr3(cr3 | 1);
		cr3_pcid = tp_read_cr3() & 0xfff;
		if (tp_bit(cpu_cpuid(7, 0).ebx, 10)) {
			inv_single = tp_try(tp_do_invpcid, 1);
			inv_all = tp_try(tp_do_invpcid, 2);
			inv_bad = tp_try(tp_do_invpcid, 4);
		}
		tp_write_cr3(cr3);
	}
	/* Clearing PCIDE is allowed with CR3[11:0] = 0 only. */
	int32_t clear = tp_mov_cr4(cr4);

	con_printf("guest: tp pcid set-with-cr3-flags=%d set=%d on=%u cr3-pcid=0x%lx "
		   "invpcid-single=%d all=%d bad-type=%d clear=%d\n",
		   bad, set, on, cr3_pcid, inv_single, inv_all, inv_bad, clear);
}

/* The boot page tables' entries for the 2 MiB page at va (PML4[0],
 * PDPT[0..3], PD). */
static uint64_t *tp_pde(uint64_t va)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(tp_read_cr3() & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & ~0xfffull);

	return &pd[(va >> 21) & 511];
}

/* Make the path to va user-accessible (U/S at every level), or not. */
void tp_user(uint64_t va, bool on)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(tp_read_cr3() & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	uint64_t *pde = tp_pde(va);

	if (on) {
		pml4[0] |= PTE_US;
		pdpt[(va >> 30) & 511] |= PTE_US;
		*pde |= PTE_US;
	} else {
		*pde &= ~(uint64_t)PTE_US;
	}
	tp_write_cr3(tp_read_cr3());
}

static void tp_check_smep_smap(void)
{
	struct cpuid_regs c7 = cpu_cpuid(7, 0);
	uint64_t cr4 = cpu_read_cr4();
	volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)TP_USER_PAGE;

	page[0] = 0xc3; /* ret */
	tp_user(TP_USER_PAGE, true);
	if (tp_bit(c7.ebx, 7)) {
		int32_t off = tp_try(tp_do_call, TP_USER_PAGE);
		int32_t set = tp_mov_cr4(cr4 | CR4_SMEP);
		int32_t on = tp_try(tp_do_call, TP_USER_PAGE);
		uint64_t err = tp_exc_error, cr2 = tp_exc_cr2, rip = tp_exc_rip;

		tp_mov_cr4(cr4);
		con_printf("guest: tp smep off=%d set=%d fetch=%d err=0x%lx cr2=0x%lx rip=0x%lx\n",
			   off, set, on, err, cr2, rip);
	} else {
		con_printf("guest: tp smep absent\n");
	}
	if (tp_bit(c7.ebx, 20)) {
		int32_t set = tp_mov_cr4(cr4 | CR4_SMAP);
		int32_t rd = tp_try(tp_do_read, TP_USER_PAGE);
		uint64_t err = tp_exc_error, cr2 = tp_exc_cr2;
		bool rip_ok = tp_exc_rip == (uint64_t)(uintptr_t)tp_read_insn;

		__asm__ volatile("stac" ::: "memory");
		int32_t rd_ac = tp_try(tp_do_read, TP_USER_PAGE);

		__asm__ volatile("clac" ::: "memory");
		tp_mov_cr4(cr4);
		con_printf("guest: tp smap set=%d read=%d err=0x%lx cr2=0x%lx rip=%s read-ac=%d\n",
			   set, rd, err, cr2, rip_ok ? "insn" : "other", rd_ac);
	} else {
		con_printf("guest: tp smap absent\n");
	}
	tp_user(TP_USER_PAGE, false);
	if (tp_bit(c7.ecx, 2)) {
		int32_t set = tp_mov_cr4(cr4 | CR4_UMIP);
		bool on = cpu_read_cr4() & CR4_UMIP;
		uint8_t gdtr[10];

		/* At CPL 0 SGDT stays allowed (SDM Vol. 3A 2.5, UMIP). */
		__asm__ volatile("sgdt %0" : "=m"(gdtr));
		tp_mov_cr4(cr4);
		con_printf("guest: tp umip set=%d on=%u sgdt-cpl0=ok\n", set, on);
	} else {
		con_printf("guest: tp umip absent\n");
	}
}

/* ---- Exceptions ---- */

static void tp_exc_line(const char *name, void (*fn)(uint64_t), uint64_t arg, const void *rip)
{
	int32_t vec = tp_try(fn, arg);

	if (vec < 0) {
		con_printf("guest: tp exc %s none\n", name);
		return;
	}
	con_printf("guest: tp exc %s vector=%d err=0x%lx rip=%s cs=0x%lx rf=%u%s",
		   name, vec, tp_exc_error,
		   tp_exc_rip == (uint64_t)(uintptr_t)rip ? "expected" : "other",
		   tp_exc_cs, (unsigned)!!(tp_exc_rflags & RFLAGS_RF), vec == EXC_PF ? "" : "\n");
	if (vec == EXC_PF)
		con_printf(" cr2=0x%lx\n", tp_exc_cr2);
}

static void tp_check_exceptions(void)
{
	tp_exc_line("gp-selector", tp_do_gp_sel, 0, tp_gp_sel_insn);
	tp_exc_line("gp-noncanonical", tp_do_gp_noncanon, 0, tp_gp_noncanon_insn);
	tp_exc_line("pf-read", tp_do_pf_read, TP_UNMAPPED + 0x123, tp_pf_read_insn);
	tp_exc_line("pf-write", tp_do_pf_write, TP_UNMAPPED + 0x5678, tp_pf_write_insn);
	tp_exc_line("ud", tp_do_ud, 0, tp_ud_insn);
	tp_exc_line("de", tp_do_de, 0, tp_de_insn);
	tp_exc_line("bp", tp_do_bp, 0, tp_bp_next);
	/* Faults spphv raises for the guest from an exit (an MSR the policy
	 * denies, XSETBV of an XCR other than 0, CR4.VMXE which the guest was
	 * told it lacks): the same frame as the processor's. */
	tp_exc_line("gp-rdmsr-unknown", tp_do_rdmsr, 0x12345678, tp_rdmsr_insn);
	uint64_t cr4 = cpu_read_cr4();

	tp_write_cr4(cr4 | CR4_OSXSAVE);
	tp_xsetbv_in = 0;
	tp_exc_line("gp-xsetbv-xcr1", tp_do_xsetbv, 1, tp_xsetbv_insn);
	tp_write_cr4(cr4);
	tp_exc_line("gp-cr4-reserved", tp_do_mov_cr4, cpu_read_cr4() | (1ull << 63), tp_mov_cr4_insn);
}

/* INS / OUTS on COM1's ports, which spphv completes for the guest, with
 * operands the guest's paging does not allow: the #PF of SDM Vol. 3A 4.7
 * (W for the INS store, P for a protection fault, CR2 the byte), nothing
 * written (a read-only page, CR0.WP; a user page under SMAP unless
 * RFLAGS.AC). */
static void tp_check_string_io(void)
{
	uint64_t *pde = tp_pde(TP_USER_PAGE), saved = *pde, cr0 = cpu_read_cr0();
	uint64_t cr4 = cpu_read_cr4(), at = TP_USER_PAGE + 0x100;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)at;

	tp_exc_line("pf-ins-unmapped", tp_do_ins, TP_UNMAPPED + 0x40, tp_ins_insn);
	tp_exc_line("pf-outs-unmapped", tp_do_outs, TP_UNMAPPED + 0x80, tp_outs_insn);
	*p = 0xa5;
	*pde &= ~(uint64_t)PTE_W;
	tp_write_cr3(tp_read_cr3());
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_WP) : "memory");
	tp_exc_line("pf-ins-readonly-wp", tp_do_ins, at, tp_ins_insn);
	con_printf("guest: tp string-io readonly-byte=0x%x\n", *p);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~(uint64_t)CR0_WP) : "memory");
	tp_exc_line("ins-readonly-no-wp", tp_do_ins, at, tp_ins_insn);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	*pde = saved;
	tp_write_cr3(tp_read_cr3());
	if ((cpu_cpuid(7, 0).ebx >> 20) & 1) {
		tp_user(TP_USER_PAGE, true);
		tp_mov_cr4(cr4 | CR4_SMAP);
		tp_exc_line("pf-ins-smap", tp_do_ins, at, tp_ins_insn);
		__asm__ volatile("stac" ::: "memory");
		tp_exc_line("ins-smap-ac", tp_do_ins, at, tp_ins_insn);
		__asm__ volatile("clac" ::: "memory");
		tp_mov_cr4(cr4);
		tp_user(TP_USER_PAGE, false);
	}
}

uint32_t guest_mode_transparency(const struct guest_boot *b)
{
	tp_idt_init();
	tp_check_cpuid();
	tp_check_xsave();
	tp_check_pke();
	tp_check_pcid();
	tp_check_smep_smap();
	tp_check_exceptions();
	tp_check_string_io();
	tp_check_debug();
	tp_check_sys();
	tp_check_user();
	tp_check_msrs();
	tp_check_tsc();
	tp_check_timers();
	tp_check_misc();
	tp_check_mmap(b);
	__asm__ volatile("lidt %0" : : "m"(tp_old_idtr) : "memory");
	con_printf("guest: tp done\n");
	return GUEST_EXIT_OK;
}
