/* mode=transparency, system state (see guest/mode_transparency.c): SYSCALL /
 * SYSRET and SYSENTER / SYSEXIT round trips through CPL 3, MSR reads and
 * writes, the TSC and IA32_TSC_ADJUST, the local APIC timer and the PIT
 * through the 8259, the multiboot memory map. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"
#include "guest/mode_transparency.h"

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_FMASK        0xc0000084
#define MSR_TSC_ADJUST   0x3b
#define MSR_TSC          0x10
#define MSR_TSC_DEADLINE 0x6e0
#define EFER_SCE         GUEST_BIT(0)
#define TP_LAPIC         0xfee00000ull
#define LAPIC_SVR        0xf0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LAPIC_MASKED     GUEST_BIT(16)
#define TP_WAIT_LOOPS    20000000u

static uint8_t tp_sysenter_stack[256] __attribute__((aligned(16)));

uint64_t tp_rdmsr(uint32_t msr, int32_t *vec)
{
	tp_msr_value = 0;
	*vec = tp_try(tp_do_rdmsr, msr);
	return *vec < 0 ? tp_msr_value : 0;
}

int32_t tp_wrmsr(uint32_t msr, uint64_t v)
{
	tp_msr_value = v;
	return tp_try(tp_do_wrmsr, msr);
}

/* ---- SYSCALL / SYSENTER ---- */

static void tp_trip_line(const char *name, uint32_t phases)
{
	con_printf("guest: tp %s phases=%u cs=0x%x,0x%x,0x%x ss=0x%x,0x%x,0x%x\n", name, phases,
		   tp_trip_cs[0], tp_trip_cs[1], tp_trip_cs[2], tp_trip_ss[0], tp_trip_ss[1],
		   tp_trip_ss[2]);
}

void tp_check_sys(void)
{
	int32_t v;
	uint64_t efer = tp_rdmsr(MSR_IA32_EFER, &v);

	/* The guest's code, data and stack lie in the first 4 MiB: CPL 3 may
	 * use them during the trips (SDM Vol. 3A 4.6). */
	tp_user(0, true);
	tp_user(0x200000, true);

	/* SYSRET to 64-bit mode: CS = STAR[63:48] + 16, SS = STAR[63:48] + 8,
	 * both RPL 3; SYSCALL: CS = STAR[47:32], SS = that + 8 (SDM Vol. 2B
	 * SYSCALL, SYSRET). */
	int32_t w = tp_wrmsr(MSR_IA32_EFER, efer | EFER_SCE);

	tp_wrmsr(MSR_STAR, (0x18ull << 48) | (0x08ull << 32));
	tp_wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)tp_syscall_entry);
	tp_wrmsr(MSR_FMASK, 0x40700); /* TF, IF, DF, AC */
	uint32_t ph = tp_ring3_trip(0);

	tp_trip_line("syscall", ph);
	con_printf("guest: tp syscall efer-write=%d user-rflags=0x%lx\n", w, tp_trip_r11);
	tp_wrmsr(MSR_IA32_EFER, efer);

	/* SYSEXIT to 64-bit mode: CS = SYSENTER_CS + 32, SS = + 40; SYSENTER:
	 * CS = SYSENTER_CS, SS = + 8 (SDM Vol. 2B SYSENTER, SYSEXIT). */
	tp_wrmsr(MSR_SYSENTER_CS, GUEST_SEL_CODE64);
	tp_wrmsr(MSR_SYSENTER_ESP, (uint64_t)(uintptr_t)(tp_sysenter_stack + sizeof(tp_sysenter_stack)));
	tp_wrmsr(MSR_SYSENTER_EIP, (uint64_t)(uintptr_t)tp_sysenter_entry);
	ph = tp_ring3_trip(1);
	tp_trip_line("sysenter", ph);
	con_printf("guest: tp sysenter user-rsp=%s\n",
		   tp_trip_user_rsp == tp_trip_rsp ? "as-sysexit-rcx" : "other");
	tp_user(0x200000, false);
	tp_user(0, false);
}

/* ---- MSRs ---- */

/* MSRs whose values are fixed by the model or by what this guest did
 * (SDM Vol. 4 table 2-2); the test knows which the policy hides. */
static const uint32_t tp_msrs[] = {
	0x0, 0x1, 0x10a, 0x1b, 0x34, 0x3a, 0x48, 0x8b, 0xce, 0xfe, 0x174, 0x175, 0x176,
	0x179, 0x17a, 0x19c, 0x1a0, 0x1a2, 0x1d9, 0x200, 0x201, 0x250, 0x258, 0x277,
	0x2ff, 0x480, 0x560, 0x570, 0x600, 0x6e0, 0xda0, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
	0x12345678,
};

void tp_check_msrs(void)
{
	for (unsigned i = 0; i < sizeof(tp_msrs) / sizeof(tp_msrs[0]); i++) {
		int32_t v;
		uint64_t x = tp_rdmsr(tp_msrs[i], &v);

		con_printf("guest: tp msr 0x%x read=%d value=0x%lx\n", tp_msrs[i], v, x);
	}
	/* Writes: PAT as read (accepted), a reserved PAT type (#GP, SDM
	 * Vol. 3A 12.12.2), KERNEL_GS_BASE read back, a non-canonical one
	 * (#GP), an MSR that does not exist (#GP). */
	int32_t v;
	uint64_t pat = tp_rdmsr(0x277, &v);
	int32_t pat_same = tp_wrmsr(0x277, pat);
	int32_t pat_bad = tp_wrmsr(0x277, pat | 2);
	int32_t kgs = tp_wrmsr(0xc0000102, 0x123456789000ull);
	uint64_t kgs_back = tp_rdmsr(0xc0000102, &v);
	int32_t kgs_bad = tp_wrmsr(0xc0000102, 0x8000000000000000ull);
	int32_t bogus = tp_wrmsr(0x12345678, 0);

	tp_wrmsr(0xc0000102, 0);
	con_printf("guest: tp msr-write pat-same=%d pat-reserved=%d kernel-gs=%d back=0x%lx "
		   "kernel-gs-noncanonical=%d bogus=%d\n", pat_same, pat_bad, kgs, kgs_back, kgs_bad,
		   bogus);
}

/* ---- TSC ---- */

static inline uint64_t tp_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void tp_check_tsc(void)
{
	uint64_t prev = tp_rdtsc();
	bool mono = true;

	for (int i = 0; i < 1000; i++) {
		uint64_t t = tp_rdtsc();

		mono &= t >= prev;
		prev = t;
	}
	con_printf("guest: tp tsc monotonic=%u\n", mono);
	if (!((cpu_cpuid(7, 0).ebx >> 1) & 1)) {
		con_printf("guest: tp tsc-adjust absent\n");
		return;
	}
	/* SDM Vol. 3B 18.17.3: a write to IA32_TSC_ADJUST adds the same
	 * amount to the TSC. */
	const uint64_t step = 1ull << 40;
	int32_t r0, r1, w;
	uint64_t adj = tp_rdmsr(MSR_TSC_ADJUST, &r0);
	uint64_t t0 = tp_rdtsc();

	w = tp_wrmsr(MSR_TSC_ADJUST, adj + step);
	uint64_t t1 = tp_rdtsc();
	uint64_t adj1 = tp_rdmsr(MSR_TSC_ADJUST, &r1);

	tp_wrmsr(MSR_TSC_ADJUST, adj);
	uint64_t t2 = tp_rdtsc();

	con_printf("guest: tp tsc-adjust read=%d write=%d readback=%s jump=%s back=%s\n", r0, w,
		   adj1 == adj + step ? "written" : "other",
		   t1 - t0 >= step && t1 - t0 < step + (1ull << 36) ? "step" : "other",
		   t2 < t1 && t2 >= t0 ? "restored" : "other");
}

/* ---- Timers ---- */

static void tp_lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(TP_LAPIC + reg) = v;
}

static uint32_t tp_lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(uintptr_t)(TP_LAPIC + reg);
}

/* Interrupts on until *count reaches want or the loop bound passes. */
static uint32_t tp_wait(volatile uint32_t *count, uint32_t want)
{
	uint32_t i = 0;

	__asm__ volatile("sti" ::: "memory");
	while (*count < want && ++i < TP_WAIT_LOOPS)
		__asm__ volatile("pause");
	__asm__ volatile("cli" ::: "memory");
	return *count;
}

/* TSC-deadline mode (SDM Vol. 3A 11.5.4.1): the timer fires once the TSC
 * reaches IA32_TSC_DEADLINE, which then reads 0 (Bochs 2.7 keeps the value:
 * reads-zero=0 in both runs); the same after the guest moved its TSC
 * forward by 2^40 (a TSC offset under spphv, vmx/vmx_msr.c). */
static void tp_deadline_line(const char *name)
{
	int32_t w, r;

	tp_lapic_ticks = 0;
	w = tp_wrmsr(MSR_TSC_DEADLINE, tp_rdtsc() + 20000);
	uint32_t n = tp_wait(&tp_lapic_ticks, 1);
	uint64_t after = tp_rdmsr(MSR_TSC_DEADLINE, &r);

	con_printf("guest: tp tsc-deadline %s write=%d fired=%u read-after=%d reads-zero=%u\n", name,
		   w, n >= 1, r, after == 0);
}

static void tp_check_tsc_deadline(void)
{
	if (!((cpu_cpuid(1, 0).ecx >> 24) & 1)) {
		con_printf("guest: tp tsc-deadline absent\n");
		return;
	}
	tp_lapic_write(LAPIC_LVT_TIMER, TP_LAPIC_TIMER_VECTOR | (2u << 17));
	tp_deadline_line("plain");
	int32_t w = tp_wrmsr(MSR_TSC, tp_rdtsc() + (1ull << 40));

	con_printf("guest: tp tsc-deadline tsc-write=%d\n", w);
	tp_deadline_line("after-tsc-write");
	tp_lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
}

void tp_check_timers(void)
{
	/* Only the vectors under test may arrive: mask the 8259s (the BIOS
	 * leaves them on vectors 8-15). */
	cpu_outb(0x21, 0xff);
	cpu_outb(0xa1, 0xff);

	/* Local APIC timer, one shot, divide by 1 (SDM Vol. 3A 11.5.4). */
	tp_set_gate(TP_LAPIC_TIMER_VECTOR, tp_lapic_timer_stub);
	tp_lapic_write(LAPIC_SVR, 0x1ff);
	tp_lapic_write(LAPIC_TIMER_DIV, 0xb);
	tp_lapic_write(LAPIC_LVT_TIMER, TP_LAPIC_TIMER_VECTOR);
	tp_lapic_write(LAPIC_TIMER_INIT, 20000);
	uint32_t running = tp_lapic_read(LAPIC_TIMER_CUR);
	uint32_t n = tp_wait(&tp_lapic_ticks, 1);

	for (volatile int i = 0; i < 100000; i++)
		; /* a one-shot timer fires once */
	con_printf("guest: tp lapic-timer fired=%u once=%u counting=%u expired-count=%u lvt=0x%x\n",
		   n >= 1, tp_lapic_ticks == 1, running > 0 && running <= 20000,
		   tp_lapic_read(LAPIC_TIMER_CUR), tp_lapic_read(LAPIC_LVT_TIMER));
	tp_lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
	tp_check_tsc_deadline();

	/* PIT channel 0, mode 2, ~1 ms, through the master 8259 remapped to
	 * vector 0x20 (ICW1-4: edge, cascade, 8086 mode). */
	tp_set_gate(TP_PIT_VECTOR, tp_pit_stub);
	cpu_outb(0x20, 0x11);
	cpu_outb(0x21, TP_PIT_VECTOR);
	cpu_outb(0x21, 0x04);
	cpu_outb(0x21, 0x01);
	cpu_outb(0x21, 0xfe); /* IRQ0 only */
	cpu_outb(0x43, 0x34);
	cpu_outb(0x40, 1193 & 0xff);
	cpu_outb(0x40, 1193 >> 8);
	n = tp_wait(&tp_pit_ticks, 3);
	cpu_outb(0x21, 0xff);
	cpu_outb(0x43, 0x30); /* mode 0, no count: channel 0 waits */
	con_printf("guest: tp pit-irq0 ticks-at-least-3=%u vector=0x%x\n", n >= 3, TP_PIT_VECTOR);
}

/* ---- Instructions an OS uses that a hypervisor may intercept ---- */

/* CR8 is the local APIC's TPR[7:4] (SDM Vol. 3A 11.8.6.1); RDTSCP and
 * RDPID return IA32_TSC_AUX (Vol. 2B); CPUID leaf 0DH reports the XSAVE
 * area for the XCR0 in force (Vol. 2A); MONITOR / MWAIT wait until an
 * interrupt (the local APIC timer here) ends the wait (Vol. 2B MWAIT). */
void tp_check_misc(void)
{
	uint64_t cr8 = 0;
	uint32_t tpr;

	__asm__ volatile("mov %0, %%cr8" : : "r"(5ull));
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	tpr = tp_lapic_read(0x80);
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ull));
	con_printf("guest: tp cr8 read=0x%lx lapic-tpr=0x%x\n", cr8, tpr);

	struct cpuid_regs e1 = cpu_cpuid(0x80000001, 0), c7 = cpu_cpuid(7, 0);

	if ((e1.edx >> 27) & 1) {
		uint32_t lo, hi, aux;
		int32_t w = tp_wrmsr(0xc0000103, 0x1234);

		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		con_printf("guest: tp rdtscp aux-write=%d aux=0x%x\n", w, aux);
		if ((c7.ecx >> 22) & 1) {
			uint64_t pid = 0;

			__asm__ volatile("rdpid %0" : "=r"(pid));
			con_printf("guest: tp rdpid value=0x%lx\n", pid);
		}
		tp_wrmsr(0xc0000103, 0);
	} else {
		con_printf("guest: tp rdtscp absent\n");
	}

	if ((cpu_cpuid(1, 0).ecx >> 3) & 1) {
		static volatile uint64_t line[8] __attribute__((aligned(64)));

		tp_lapic_ticks = 0;
		tp_lapic_write(LAPIC_TIMER_DIV, 0xb);
		tp_lapic_write(LAPIC_LVT_TIMER, TP_LAPIC_TIMER_VECTOR);
		tp_lapic_write(LAPIC_TIMER_INIT, 20000);
		__asm__ volatile("monitor" : : "a"(line), "c"(0), "d"(0));
		__asm__ volatile("sti; mwait; cli" : : "a"(0), "c"(0) : "memory");
		uint32_t n = tp_wait(&tp_lapic_ticks, 1);

		tp_lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED);
		con_printf("guest: tp mwait woken=1 ticks=%u\n", n);
	} else {
		con_printf("guest: tp mwait absent\n");
	}
}

/* ---- Memory map ---- */

void tp_check_mmap(const struct guest_boot *b)
{
	const struct mb1_info *info = b->info;

	if (!info || !(info->flags & MB1_INFO_MMAP)) {
		con_printf("guest: tp mmap absent\n");
		return;
	}
	uint64_t pos = info->mmap_addr, end = pos + info->mmap_length, avail = 0;

	while (pos + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const struct mb1_mmap_entry *)(uintptr_t)pos;

		if (e->size < sizeof(*e) - sizeof(e->size))
			break;
		con_printf("guest: tp mmap base=0x%lx len=0x%lx type=%u\n", e->base, e->length,
			   e->type);
		if (e->type == MB1_MEM_AVAILABLE)
			avail += e->length;
		pos += (uint64_t)e->size + sizeof(e->size);
	}
	con_printf("guest: tp mmap-total available=0x%lx\n", avail);
}
