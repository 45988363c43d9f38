/* mode=cr case=C: MOV to CR0 / CR4 the way an OS uses them, for the tests of
 * the hypervisor's emulation of the writes that exit (vmx/vmx_cr.c).  Every
 * case but cr4 prints the same line natively and under spphv:
 *   case=long  leave IA-32e mode, then re-enter it with one MOV to CR0 that
 *              sets PG (guest/cr_switch.S): EFER.LMA must be 1 right after
 *              it (SDM Vol. 3A 10.8.5), CR0 as before afterwards.
 *   case=pae   enter PAE paging with one MOV to CR0 (CR3 -> a PDPT whose
 *              fourth entry aliases the first GiB at 0xC0000000) and read a
 *              marker through the alias: the PDPTEs were loaded (Vol. 3A
 *              4.4.1).
 *   case=gp    in 64-bit mode, writes the SDM says fault, each with CR0.NE
 *              flipped so it exits under spphv: NW without CD, PG without
 *              PE, PG cleared in 64-bit mode, a bit in CR0[63:32]; each must
 *              raise #GP (13) and leave CR0 as it was.
 *   case=cd    one exiting write that changes CR0.CD (and clears NW with
 *              it when CD was set), then one that restores CR0: CR0 must
 *              read back what was written each time.
 *   case=task  (hypervisor only) a far JMP to a 16-bit TSS from legacy
 *              protected mode: a hardware task switch (Vol. 3A 7.3, 7.7)
 *              that spphv does not emulate (32-bit ones it does, see
 *              mode=task); it must stop the guest with `guest-task-switch
 *              ... reason=16-bit-tss`, status 116.  Returning is a failure.
 *   case=cr4   (hypervisor only: natively Bochs has VMX) the guest is told it
 *              has no VMX/SMX, so CR4.VMXE and CR4.SMXE read 0 and setting
 *              either raises #GP (Vol. 2B MOV CR, Vol. 3A 2.5). */
#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/idt.h"

#define CR0_NE      GUEST_BIT(5)
#define CR0_NW      GUEST_BIT(29)
#define CR0_CD      GUEST_BIT(30)
#define CR4_SMXE    GUEST_BIT(14)
#define CPUID1_ECX_SMX GUEST_BIT(6)
#define CR_MARKER   0x5a5ec0deu
#define CR_ALIAS    0xc0000000u
#define PAE_PDE_2M  (PTE_P | PTE_W | PTE_PS)

uint32_t guest_mode_cr(const struct guest_boot *b);
uint32_t cr_excursion(uint32_t kind, uint32_t pae_pdpt, uint32_t probe); /* cr_switch.S */

/* PAE tables: the PDPT (32-byte aligned, here a page), one page directory
 * identity-mapping the first GiB, and one mapping it again at 3 GiB. */
static uint64_t cr_pdpt[512] __attribute__((aligned(4096)));
static uint64_t cr_pd_low[512] __attribute__((aligned(4096)));
static uint64_t cr_pd_alias[512] __attribute__((aligned(4096)));
static volatile uint32_t cr_marker = CR_MARKER;

static uint32_t cr_case_long(void)
{
	uint64_t cr0 = cpu_read_cr0();
	uint32_t efer = cr_excursion(0, 0, 0);

	con_printf("guest: cr case=long lma=%u cr0=%s\n", (efer & EFER_LMA) ? 1 : 0,
		   cpu_read_cr0() == cr0 ? "same" : "changed");
	return (efer & EFER_LMA) && cpu_read_cr0() == cr0 ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}

static uint32_t cr_case_pae(void)
{
	uint64_t cr0 = cpu_read_cr0();

	for (unsigned i = 0; i < 512; i++) {
		cr_pd_low[i] = ((uint64_t)i << 21) | PAE_PDE_2M;
		cr_pd_alias[i] = ((uint64_t)i << 21) | PAE_PDE_2M;
	}
	/* PDPTEs have no R/W bit (bits 2:1 are reserved, Vol. 3A table 4-8). */
	cr_pdpt[0] = (uint64_t)(uintptr_t)cr_pd_low | PTE_P;
	cr_pdpt[3] = (uint64_t)(uintptr_t)cr_pd_alias | PTE_P;
	uint32_t v = cr_excursion(1, (uint32_t)(uintptr_t)cr_pdpt,
				  CR_ALIAS + (uint32_t)(uintptr_t)&cr_marker);

	con_printf("guest: cr case=pae value=0x%x cr0=%s\n", v, cpu_read_cr0() == cr0 ? "same" : "changed");
	return v == CR_MARKER && cpu_read_cr0() == cr0 ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}

static uint32_t cr_case_gp(void)
{
	uint64_t cr0 = cpu_read_cr0(), x = cr0 ^ CR0_NE;
	int32_t nw = probe_mov_cr0((x & ~CR0_CD) | CR0_NW);
	int32_t nope = probe_mov_cr0(x & ~CR0_PE);
	int32_t pg64 = probe_mov_cr0(x & ~CR0_PG);
	int32_t hi = probe_mov_cr0(x | (1ull << 32));
	bool same = cpu_read_cr0() == cr0;

	con_printf("guest: cr case=gp nw=%d nope=%d pg64=%d hi=%d cr0=%s\n", nw, nope, pg64, hi,
		   same ? "same" : "changed");
	return nw == EXC_GP && nope == EXC_GP && pg64 == EXC_GP && hi == EXC_GP && same
		       ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}

static uint32_t cr_case_cd(void)
{
	uint64_t cr0 = cpu_read_cr0(), want = cr0 ^ CR0_NE, got, back;
	int32_t v1, v2;

	want = (cr0 & CR0_CD) ? want & ~(CR0_CD | CR0_NW) : want | CR0_CD;
	v1 = probe_mov_cr0(want);
	got = cpu_read_cr0();
	v2 = probe_mov_cr0(cr0);
	back = cpu_read_cr0();
	con_printf("guest: cr case=cd write=%d read=%s restore=%d cr0=%s\n", v1,
		   got == want ? "as-written" : "other", v2, back == cr0 ? "same" : "changed");
	return v1 < 0 && v2 < 0 && got == want && back == cr0 ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}

extern uint64_t cr_gdt[5]; /* cr_switch.S; entry 4 = selector 0x20 */
static uint8_t cr_tss[104] __attribute__((aligned(128)));

static uint32_t cr_case_task(void)
{
	uint64_t base = (uint64_t)(uintptr_t)cr_tss;

	/* An available 16-bit TSS (type 1, present, DPL 0), limit 0x2b
	 * (Vol. 3A 7.7): 32-bit TSSs are emulated (guest/mode_task.c), the
	 * 16-bit format is not. */
	cr_gdt[4] = 0x2b | ((base & 0xffffff) << 16) | (0x81ull << 40) |
		    ((base >> 24) << 56);
	con_printf("guest: far JMP to 16-bit TSS selector 0x20 now\n");
	cr_excursion(2, 0, 0);
	con_printf("guest: FAIL task switch returned\n");
	return GUEST_EXIT_FAIL;
}

static uint32_t cr_case_cr4(void)
{
	struct cpuid_regs c = cpu_cpuid(1, 0);
	uint64_t cr4 = cpu_read_cr4();
	int32_t vmxe = probe_mov_cr4(cr4 | CR4_VMXE);
	int32_t smxe = probe_mov_cr4(cr4 | CR4_SMXE);
	bool same = cpu_read_cr4() == cr4;

	con_printf("guest: cr case=cr4 vmx=%u smx=%u read-vmxe=%u read-smxe=%u vmxe=%d smxe=%d cr4=%s\n",
		   (c.ecx & CPUID1_ECX_VMX) ? 1 : 0, (c.ecx & CPUID1_ECX_SMX) ? 1 : 0,
		   (cr4 & CR4_VMXE) ? 1 : 0, (cr4 & CR4_SMXE) ? 1 : 0, vmxe, smxe,
		   same ? "same" : "changed");
	return !(cr4 & (CR4_VMXE | CR4_SMXE)) && vmxe == EXC_GP && smxe == EXC_GP && same
		       ? GUEST_EXIT_OK : GUEST_EXIT_FAIL;
}

static bool cr_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

uint32_t guest_mode_cr(const struct guest_boot *b)
{
	char c[8];

	if (boot_arg_str(b, "case", c, sizeof(c)) != BOOT_ARG_OK)
		c[0] = 0;
	if (cr_streq(c, "long"))
		return cr_case_long();
	if (cr_streq(c, "pae"))
		return cr_case_pae();
	if (cr_streq(c, "gp"))
		return cr_case_gp();
	if (cr_streq(c, "cr4"))
		return cr_case_cr4();
	if (cr_streq(c, "cd"))
		return cr_case_cd();
	if (cr_streq(c, "task"))
		return cr_case_task();
	con_printf("guest: FAIL mode=cr needs case=long|pae|gp|cd|cr4|task\n");
	return GUEST_EXIT_USAGE;
}
