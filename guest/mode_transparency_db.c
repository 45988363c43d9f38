/* mode=transparency, debug exceptions (see guest/mode_transparency.c):
 * single step, instruction and data breakpoints and DR6, also over the
 * instructions spphv completes for the guest (CPUID, I/O to the trapped
 * console UART, INS / OUTS, RDMSR, XSETBV), and I/O breakpoints. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"
#include "guest/mode_transparency.h"

static void tp_db_line(const char *name, const void *rip)
{
	con_printf("guest: tp db %s count=%u dr6=0x%lx rip=%s tf=%u rf=%u\n", name, tp_db_count,
		   tp_db_dr6, tp_db_rip == (uint64_t)(uintptr_t)rip ? "expected" : "other",
		   (unsigned)!!(tp_db_rflags & 0x100), (unsigned)!!(tp_db_rflags & RFLAGS_RF));
}

static void tp_set_dr(uint64_t dr0, uint64_t dr1, uint64_t dr7)
{
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr7"
			 : : "r"(dr0), "r"(dr1), "r"(dr7) : "memory");
}

static void tp_check_debug_basic(void)
{
	uint64_t dr6 = 0, dr7 = 0;

	/* Reset state: DR6 = FFFF0FF0H, DR7 = 00000400H (SDM Vol. 3B 18.2). */
	__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
	__asm__ volatile("mov %%dr6, %0; mov %%dr7, %1" : "=r"(dr6), "=r"(dr7));
	con_printf("guest: tp db initial dr6=0x%lx dr7=0x%lx\n", dr6, dr7);

	tp_db_count = 0;
	tp_do_single_step();
	tp_db_line("single-step", tp_ss_next);

	tp_db_count = 0;
	tp_set_dr((uint64_t)(uintptr_t)tp_ibp_insn, 0, 0x401); /* L0, execute, 1 byte */
	tp_do_ibp();
	tp_db_line("insn-breakpoint", tp_ibp_insn);

	tp_db_count = 0;
	/* L1, R/W1 = 01 (writes), LEN1 = 11 (4 bytes). */
	tp_set_dr(0, (uint64_t)(uintptr_t)&tp_watch, 0x401 | (1ull << 2) | (1ull << 20) | (3ull << 22));
	tp_do_watch();
	tp_db_line("data-watchpoint", tp_watch_next);

	tp_db_count = 0;
	/* DR0 still matches but L0 is clear: no #DB. */
	tp_set_dr((uint64_t)(uintptr_t)tp_ibp_insn, 0, 0x400);
	tp_do_ibp();
	con_printf("guest: tp db disabled-breakpoint count=%u\n", tp_db_count);
	tp_set_dr(0, 0, 0x400);
}

/* Instructions that exit under spphv (CPUID, IN from the trapped COM1,
 * RDMSR of IA32_APIC_BASE, XSETBV) and are completed by the hypervisor:
 * with TF set the single-step trap must follow each (SDM Vol. 3B 18.3.1.4,
 * DR6.BS); with instruction breakpoints on it and on the next instruction,
 * both must fire: the first's #DB returns with RF = 1, which suppresses the
 * breakpoint on the instruction once, and the processor clears RF when the
 * instruction completes (Vol. 3B 18.3.1.1), so the second fires. */
static const char *tp_rip_name(uint64_t rip, const char *insn, const char *next)
{
	return rip == (uint64_t)(uintptr_t)insn ? "insn" : rip == (uint64_t)(uintptr_t)next ? "next"
											  : "other";
}

static void tp_db_exiting(const char *name, void (*fn)(uint64_t), const char *insn,
			  const char *next)
{
	tp_db_count = 0;
	tp_db_keep = 0;
	fn(1);
	con_printf("guest: tp db step-over-%s count=%u dr6=0x%lx rip=%s\n", name, tp_db_count,
		   tp_db_dr6s[0], tp_rip_name(tp_db_rips[0], insn, next));
	tp_db_count = 0;
	tp_db_dr6s[0] = tp_db_dr6s[1] = tp_db_rips[0] = tp_db_rips[1] = 0;
	tp_db_keep = 1;
	/* L0, L1: execute breakpoints, 1 byte (R/W and LEN 00). */
	tp_set_dr((uint64_t)(uintptr_t)insn, (uint64_t)(uintptr_t)next, 0x405);
	fn(0);
	tp_set_dr(0, 0, 0x400);
	tp_db_keep = 0;
	con_printf("guest: tp db breakpoints-%s count=%u dr6=0x%lx,0x%lx rip=%s,%s\n", name,
		   tp_db_count, tp_db_dr6s[0], tp_db_dr6s[1],
		   tp_rip_name(tp_db_rips[0], insn, next), tp_rip_name(tp_db_rips[1], insn, next));
}

/* I/O breakpoints (CR4.DE, R/W = 10) on a port spphv traps and on one it
 * does not, data breakpoints on the memory INS writes and OUTS reads: traps
 * after the instruction (SDM Vol. 3B 18.2.4, 18.3.1.2). */
static uint8_t tp_io_buf[16];

static void tp_db_io_line(const char *name, uint64_t dr0, uint64_t dr7, void (*fn)(uint64_t),
			  uint64_t arg, const char *next)
{
	uint64_t cr4 = cpu_read_cr4();

	tp_write_cr4(cr4 | CR4_DE);
	tp_db_count = 0;
	tp_db_dr6s[0] = tp_db_rips[0] = 0;
	tp_db_keep = 0;
	tp_set_dr(dr0, 0, dr7);
	fn(arg);
	tp_set_dr(0, 0, 0x400);
	tp_write_cr4(cr4);
	con_printf("guest: tp db %s count=%u dr6=0x%lx rip=%s\n", name, tp_db_count, tp_db_dr6s[0],
		   tp_db_rips[0] == (uint64_t)(uintptr_t)next ? "expected" : "other");
}

static void tp_check_debug_io(void)
{
	/* L0 with R/W0 = 10 (I/O), LEN0 = 00; L0 with R/W0 = 01 (writes) or
	 * 11 (reads and writes). */
	const uint64_t io = 0x401 | (2ull << 16), wr = 0x401 | (1ull << 16), rw = 0x401 | (3ull << 16);
	uint64_t buf = (uint64_t)(uintptr_t)&tp_io_buf[4];

	tp_db_io_line("io-breakpoint-trapped-port", 0x3fd, io, tp_x_in, 0, tp_x_in_next);
	tp_db_io_line("io-breakpoint-port-0x80", 0x80, io, tp_x_in80, 0, tp_x_in80_next);
	tp_db_io_line("io-breakpoint-other-port", 0x3fc, io, tp_x_in, 0, tp_x_in_next);
	tp_db_io_line("watch-ins-destination", buf, wr, tp_do_ins, buf, tp_ins_next);
	tp_db_io_line("watch-outs-source", buf, rw, tp_do_outs, buf, tp_outs_next);
	tp_db_io_line("watch-outs-source-writes-only", buf, wr, tp_do_outs, buf, tp_outs_next);

	/* REP INSB over a watched byte: the trap comes after the iteration
	 * that wrote it, RIP still on the REP instruction (Vol. 3B 18.3.1.2
	 * and Vol. 2B REP); the rest runs after the handler returns. */
	tp_db_count = 0;
	tp_db_rips[0] = 0;
	tp_set_dr(buf + 1, 0, wr);
	uint64_t rcx = tp_do_rep_ins(buf);

	tp_set_dr(0, 0, 0x400);
	con_printf("guest: tp db watch-rep-ins count=%u dr6=0x%lx rip=%s rcx-after=%lu\n",
		   tp_db_count, tp_db_dr6s[0],
		   tp_rip_name(tp_db_rips[0], tp_rep_ins_insn, tp_rep_ins_next), rcx);
}

static void tp_check_debug_exits(void)
{
	uint64_t cr4 = cpu_read_cr4(), xcr0 = 0;

	tp_db_exiting("cpuid", tp_x_cpuid, tp_x_cpuid_insn, tp_x_cpuid_next);
	tp_db_exiting("in", tp_x_in, tp_x_in_insn, tp_x_in_next);
	tp_db_exiting("rdmsr", tp_x_rdmsr, tp_x_rdmsr_insn, tp_x_rdmsr_next);
	if ((cpu_cpuid(1, 0).ecx >> 26) & 1) {
		tp_write_cr4(cr4 | CR4_OSXSAVE);
		tp_xgetbv(0, &xcr0);
		tp_db_exiting("xsetbv", tp_x_xsetbv, tp_x_xsetbv_insn, tp_x_xsetbv_next);
		tp_xsetbv(0, xcr0);
		tp_write_cr4(cr4);
	}
}

void tp_check_debug(void)
{
	tp_check_debug_basic();
	tp_check_debug_exits();
	tp_check_debug_io();
}
