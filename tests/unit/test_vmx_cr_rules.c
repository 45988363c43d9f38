/* MOV to CR0 / CR4 rules (vmx/vmx_cr_rules.c).  Expected outcomes come from
 * the SDM (Vol. 2B "MOV—Move to/from Control Registers", Vol. 3A 2.5, 4.4.1,
 * 4.10.1, 10.8.5), not from the implementation: each fault case breaks one
 * rule of an otherwise valid write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/vmx_cr_rules.h"

#define GP 13
#define PE (1ull << 0)
#define ET (1ull << 4)
#define NE (1ull << 5)
#define WP (1ull << 16)
#define NW (1ull << 29)
#define CD (1ull << 30)
#define PG (1ull << 31)
#define PSE (1ull << 4)
#define PAE (1ull << 5)
#define PGE (1ull << 7)
#define LA57 (1ull << 12)
#define VMXE (1ull << 13)
#define SMXE (1ull << 14)
#define PCIDE (1ull << 17)
#define CET (1ull << 23)
#define LME (1ull << 8)
#define LMA (1ull << 10)
/* What a guest without VMX/SMX may set on a CPU with LA57, PCID and CET. */
#define ALLOWED ((0x3fffffull & ~(VMXE | SMXE)) | CET)

/* 32-bit protected mode, paging off. */
static struct vmx_cr_state flat32(void)
{
	return (struct vmx_cr_state){ .cr0 = PE | ET | NE, .cr4 = 0, .efer = 0, .cs_l = false,
				      .cr4_allowed = ALLOWED };
}

/* 64-bit mode. */
static struct vmx_cr_state long64(void)
{
	return (struct vmx_cr_state){ .cr0 = PE | ET | NE | PG | WP, .cr3 = 0x1000, .cr4 = PAE,
				      .efer = LME | LMA, .cs_l = true, .cr4_allowed = ALLOWED };
}

static void test_cr0_enters_and_leaves_ia32e_mode(void **state)
{
	struct vmx_cr_state s = flat32();
	struct vmx_cr_result r;

	(void)state;
	s.cr4 = PAE;
	s.efer = LME;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | PG, &r), 0);
	assert_true(r.efer & LMA);
	assert_true(r.ia32e);
	assert_false(r.load_pdptes); /* 4-level paging has no PDPTE registers */
	/* Paging off from compatibility mode leaves IA-32e mode. */
	s = long64();
	s.cs_l = false;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 & ~PG, &r), 0);
	assert_false(r.efer & LMA);
	assert_true(r.efer & LME);
	assert_false(r.ia32e);
	/* A write that keeps PG changes neither. */
	s = long64();
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | CD, &r), 0);
	assert_true(r.ia32e);
	assert_int_equal(r.efer, LME | LMA);
}

static void test_cr0_faults(void **state)
{
	struct vmx_cr_state s = flat32();
	struct vmx_cr_result r;

	(void)state;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | NW, &r), GP);
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | NW | CD, &r), 0);
	assert_int_equal(vmx_cr0_write(&s, (s.cr0 & ~PE) | PG, &r), GP);
	/* LME without PAE, then with a 64-bit CS. */
	s.efer = LME;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | PG, &r), GP);
	s.cr4 = PAE;
	s.cs_l = true;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | PG, &r), GP);
	/* In 64-bit mode: PG cannot be cleared, CR0[63:32] is reserved. */
	s = long64();
	assert_int_equal(vmx_cr0_write(&s, s.cr0 & ~PG, &r), GP);
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | (1ull << 32), &r), GP);
	/* Not with PCIDs on, even from compatibility mode (Vol. 3A 4.10.1). */
	s.cs_l = false;
	s.cr4 |= PCIDE;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 & ~PG, &r), GP);
	/* WP cannot be cleared while CR4.CET = 1. */
	s = long64();
	s.cr4 |= CET;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 & ~WP, &r), GP);
}

static void test_cr0_operand_and_reserved_bits(void **state)
{
	struct vmx_cr_state s = flat32();
	struct vmx_cr_result r;

	(void)state;
	/* Outside 64-bit mode the operand is 32 bits: a stale upper half of
	 * the register is not a reserved-bit write. */
	assert_int_equal(vmx_cr0_write(&s, (0xdeadull << 32) | s.cr0, &r), 0);
	assert_int_equal(r.cr0, s.cr0);
	/* Reserved bits in 31:0 are dropped, ET reads 1. */
	assert_int_equal(vmx_cr0_write(&s, PE | (1ull << 7) | (1ull << 20), &r), 0);
	assert_int_equal(r.cr0, PE | ET);
}

static void test_pae_paging_loads_pdptes(void **state)
{
	struct vmx_cr_state s = flat32();
	struct vmx_cr_result r;

	(void)state;
	s.cr4 = PAE;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | PG, &r), 0);
	assert_true(r.load_pdptes);
	assert_false(r.ia32e);
	/* Under PAE paging: CD/NW changes reload, others do not. */
	s.cr0 |= PG;
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | CD, &r), 0);
	assert_true(r.load_pdptes);
	assert_int_equal(vmx_cr0_write(&s, s.cr0 | WP, &r), 0);
	assert_false(r.load_pdptes);
	/* MOV to CR4 changing PGE, PSE or PAE-to-PAE: PGE reloads. */
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | PGE, &r), 0);
	assert_true(r.load_pdptes);
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | (1ull << 9), &r), 0);
	assert_false(r.load_pdptes);
	/* Paging to 32-bit paging: nothing to load. */
	assert_int_equal(vmx_cr4_write(&s, s.cr4 & ~PAE, &r), 0);
	assert_false(r.load_pdptes);
}

static void test_cr4_faults(void **state)
{
	struct vmx_cr_state s = long64();
	struct vmx_cr_result r;

	(void)state;
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | VMXE, &r), GP);
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | SMXE, &r), GP);
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | (1ull << 40), &r), GP);
	assert_int_equal(vmx_cr4_write(&s, s.cr4 & ~PAE, &r), GP);
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | LA57, &r), GP);
	/* PCIDE: only with CR3[11:0] = 0 and only in IA-32e mode. */
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | PCIDE, &r), 0);
	s.cr3 = 0x1005;
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | PCIDE, &r), GP);
	s = flat32();
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | PCIDE, &r), GP);
	/* CET needs CR0.WP. */
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | CET, &r), GP);
	s.cr0 |= WP;
	assert_int_equal(vmx_cr4_write(&s, s.cr4 | CET, &r), 0);
	/* Outside IA-32e mode PAE may be cleared. */
	s.cr4 = PAE;
	assert_int_equal(vmx_cr4_write(&s, 0, &r), 0);
	assert_int_equal(r.cr4, 0);
}

static void test_pdpte_reserved_bits(void **state)
{
	uint64_t p[4] = { 0x1001, 0x2001, 0, 0x3000 | (1ull << 2) /* not present */ };

	(void)state;
	assert_int_equal(vmx_pdptes_check(p, 39), 0);
	for (unsigned bit = 1; bit < 64; bit++) {
		bool rsvd = bit == 1 || bit == 2 || (bit >= 5 && bit <= 8) || bit >= 39;

		p[1] = 0x2001 | (1ull << bit);
		assert_int_equal(vmx_pdptes_check(p, 39), rsvd ? GP : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_enters_and_leaves_ia32e_mode),
		cmocka_unit_test(test_cr0_faults),
		cmocka_unit_test(test_cr0_operand_and_reserved_bits),
		cmocka_unit_test(test_pae_paging_loads_pdptes),
		cmocka_unit_test(test_cr4_faults),
		cmocka_unit_test(test_pdpte_reserved_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
