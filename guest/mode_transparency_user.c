/* mode=transparency, CPL 3 (see guest/mode_transparency.c): instructions a
 * user program may not execute or may execute only with the OS's consent,
 * each run at CPL 3 after an IRET, and the exception it raises, delivered
 * through the TSS's RSP0: UMIP, privileged instructions, IOPL, CR4.TSD,
 * software interrupts through DPL-0 gates, #PF error codes with U/S = 1,
 * alignment checking. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"
#include "guest/mode_transparency.h"

#define TP_SEL_TSS 0x38
#define CR4_TSD    GUEST_BIT(2)
#define CR0_AM     GUEST_BIT(18)
#define TP_USER_RFLAGS 0x2ull /* IF = 0: nothing may interrupt CPL 3 */

int32_t tp_user_try(void (*fn)(void), uint64_t user_rsp, uint64_t rflags);
void tp_u_done(void), tp_u_nothing(void), tp_u_sgdt(void), tp_u_sidt(void), tp_u_smsw(void);
void tp_u_str(void), tp_u_hlt(void), tp_u_mov_cr0(void), tp_u_rdmsr(void), tp_u_cli(void);
void tp_u_in(void), tp_u_rdtsc(void), tp_u_int3(void), tp_u_int80(void), tp_u_pf_super(void);
void tp_u_pf_super_write(void), tp_u_pf_unmapped(void), tp_u_ac(void);
void tp_u_ins_super(void), tp_u_ins_user(void);

/* The boot GDT's three entries, then the selectors SYSRET / SYSEXIT and IRET
 * to CPL 3 use, then a 64-bit TSS (SDM Vol. 3A 3.4.5, 8.2.3). */
static uint64_t tp_gdt[10] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffull, /* 0x08 code, 64-bit, DPL 0 */
	0x00cf92000000ffffull, /* 0x10 data, DPL 0 */
	0,                     /* 0x18 (SYSRET's 32-bit CS, unused) */
	0x00cff2000000ffffull, /* 0x20 data, DPL 3 */
	0x00affa000000ffffull, /* 0x28 code, 64-bit, DPL 3 */
	0x00cff2000000ffffull, /* 0x30 data, DPL 3 */
};
/* RSP0 at offset 4; the I/O map base (offset 102) past the limit: no I/O
 * permission bitmap, so IN/OUT at CPL > IOPL are #GP (Vol. 1 19.5). */
static uint32_t tp_tss[26] __attribute__((aligned(16)));
static uint8_t tp_rsp0_stack[4096] __attribute__((aligned(16)));
static uint8_t tp_user_stack[4096] __attribute__((aligned(16)));

struct tp_gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void tp_gdt_init(void)
{
	uint64_t tss = (uint64_t)(uintptr_t)tp_tss;
	uint64_t rsp0 = (uint64_t)(uintptr_t)(tp_rsp0_stack + sizeof(tp_rsp0_stack));
	struct tp_gdtr g = { sizeof(tp_gdt) - 1, (uint64_t)(uintptr_t)tp_gdt };

	tp_tss[1] = (uint32_t)rsp0;
	tp_tss[2] = (uint32_t)(rsp0 >> 32);
	tp_tss[25] = 104u << 16;
	/* Available 64-bit TSS (type 9), present, limit 103. */
	tp_gdt[7] = 103 | ((tss & 0xffffff) << 16) | (0x89ull << 40) | (((tss >> 24) & 0xff) << 56);
	tp_gdt[8] = tss >> 32;
	__asm__ volatile("lgdt %0" : : "m"(g) : "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)TP_SEL_TSS));
}

static void tp_user_line(const char *name, void (*fn)(void), uint64_t rflags)
{
	int32_t vec = tp_user_try(fn, (uint64_t)(uintptr_t)(tp_user_stack + sizeof(tp_user_stack)),
				  rflags);

	if (vec == EXC_UD && tp_exc_rip == (uint64_t)(uintptr_t)tp_u_done) {
		con_printf("guest: tp user %s none\n", name);
		return;
	}
	con_printf("guest: tp user %s vector=%d err=0x%lx rip=%s cs=0x%lx%s", name, vec,
		   tp_exc_error, tp_exc_rip == (uint64_t)(uintptr_t)fn ? "first" : "other",
		   tp_exc_cs, vec == EXC_PF ? "" : "\n");
	if (vec == EXC_PF)
		con_printf(" cr2=0x%lx\n", tp_exc_cr2);
}

static void tp_write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

void tp_check_user(void)
{
	uint64_t cr4 = cpu_read_cr4(), cr0 = cpu_read_cr0();
	bool umip = (cpu_cpuid(7, 0).ecx >> 2) & 1;

	tp_gdt_init();
	tp_user(0, true);
	tp_user(0x200000, true);
	tp_user_line("nothing", tp_u_nothing, TP_USER_RFLAGS);
	tp_user_line("sgdt", tp_u_sgdt, TP_USER_RFLAGS);
	tp_user_line("smsw", tp_u_smsw, TP_USER_RFLAGS);
	if (umip) {
		/* SDM Vol. 3A 2.5: with CR4.UMIP, SGDT, SIDT, SLDT, SMSW and
		 * STR at CPL > 0 are #GP(0). */
		tp_mov_cr4(cr4 | CR4_UMIP);
		tp_user_line("umip-sgdt", tp_u_sgdt, TP_USER_RFLAGS);
		tp_user_line("umip-sidt", tp_u_sidt, TP_USER_RFLAGS);
		tp_user_line("umip-smsw", tp_u_smsw, TP_USER_RFLAGS);
		tp_user_line("umip-str", tp_u_str, TP_USER_RFLAGS);
		tp_mov_cr4(cr4);
	}
	tp_user_line("hlt", tp_u_hlt, TP_USER_RFLAGS);
	tp_user_line("mov-cr0", tp_u_mov_cr0, TP_USER_RFLAGS);
	tp_user_line("rdmsr", tp_u_rdmsr, TP_USER_RFLAGS);
	tp_user_line("cli", tp_u_cli, TP_USER_RFLAGS);
	tp_user_line("in", tp_u_in, TP_USER_RFLAGS);
	tp_user_line("in-iopl3", tp_u_in, TP_USER_RFLAGS | (3u << 12));
	tp_user_line("rdtsc", tp_u_rdtsc, TP_USER_RFLAGS);
	/* CR4.TSD: RDTSC at CPL > 0 is #GP(0) (Vol. 2B RDTSC). */
	int32_t tsd = tp_mov_cr4(cr4 | CR4_TSD);

	tp_user_line("rdtsc-tsd", tp_u_rdtsc, TP_USER_RFLAGS);
	tp_mov_cr4(cr4);
	con_printf("guest: tp user tsd-set=%d\n", tsd);
	/* Gates of DPL 0: INT n from CPL 3 is #GP(vector * 8 + 2) (Vol. 3A
	 * 6.12.1.1); INT3 too (Vol. 2A INT n). */
	tp_user_line("int3", tp_u_int3, TP_USER_RFLAGS);
	tp_user_line("int80", tp_u_int80, TP_USER_RFLAGS);
	tp_user_line("pf-supervisor-read", tp_u_pf_super, TP_USER_RFLAGS);
	tp_user_line("pf-supervisor-write", tp_u_pf_super_write, TP_USER_RFLAGS);
	tp_user_line("pf-unmapped", tp_u_pf_unmapped, TP_USER_RFLAGS);
	/* INS at CPL 3 (IOPL 3): its store is a user write (Vol. 3A 4.6). */
	tp_user_line("ins-supervisor-page", tp_u_ins_super, TP_USER_RFLAGS | (3u << 12));
	tp_user_line("ins-user-page", tp_u_ins_user, TP_USER_RFLAGS | (3u << 12));
	tp_user_line("misaligned", tp_u_ac, TP_USER_RFLAGS | RFLAGS_AC);
	/* #AC needs CR0.AM, RFLAGS.AC and CPL 3 (Vol. 3A 6.15, #AC). */
	tp_write_cr0(cr0 | CR0_AM);
	tp_user_line("ac", tp_u_ac, TP_USER_RFLAGS | RFLAGS_AC);
	tp_user_line("ac-flag-clear", tp_u_ac, TP_USER_RFLAGS);
	tp_write_cr0(cr0);
	tp_user(0x200000, false);
	tp_user(0, false);
}
