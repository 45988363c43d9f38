/* The guest page walker (vmx/vmx_walk.c) over fake guest memory, checked
 * against the entry formats and rules of SDM Vol. 3A chapter 4 (tables 4-4
 * to 4-19, 4.6 access rights, 4.7 error codes), written here independently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/errno.h"
#include "vmx/vmx_walk.h"

#define P  0x1ull
#define W  0x2ull
#define U  0x4ull
#define PS 0x80ull
#define XD (1ull << 63)
#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define PF_P 1u
#define PF_W 2u
#define PF_U 4u
#define PF_RSVD 8u

/* Guest memory: 8 pages at 0x10000; anything else cannot be read. */
#define MEM_BASE 0x10000ull
static uint8_t mem[8 * 4096];

static int fake_read(void *ctx, uint64_t pa, unsigned size, uint64_t *v)
{
	(void)ctx;
	if (pa < MEM_BASE || pa + size > MEM_BASE + sizeof(mem))
		return -EFAULT;
	*v = 0;
	memcpy(v, mem + (pa - MEM_BASE), size);
	return 0;
}

static void put(uint64_t pa, unsigned size, uint64_t v)
{
	memcpy(mem + (pa - MEM_BASE), &v, size);
}

static struct vmx_paging paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	memset(mem, 0, sizeof(mem));
	return (struct vmx_paging){ .cr0 = cr0 | CR0_PG, .cr3 = MEM_BASE, .cr4 = cr4,
				    .efer = efer, .maxphyaddr = 46, .read = fake_read };
}

static const struct vmx_guest_access RD = { false, false, false };
static const struct vmx_guest_access WR = { true, false, false };
static const struct vmx_guest_access USER_RD = { false, true, false };
static const struct vmx_guest_access USER_WR = { true, true, false };

static void expect_gpa(const struct vmx_paging *p, uint64_t gla, const struct vmx_guest_access *a,
		       uint64_t want)
{
	uint64_t gpa = 0;
	uint32_t err = 0xdead;

	assert_int_equal(vmx_walk(p, gla, a, &gpa, &err), 0);
	assert_int_equal(gpa, want);
}

static void expect_pf(const struct vmx_paging *p, uint64_t gla, const struct vmx_guest_access *a,
		      uint32_t want)
{
	uint64_t gpa = 0;
	uint32_t err = 0xdead;

	assert_int_equal(vmx_walk(p, gla, a, &gpa, &err), -EACCES);
	assert_int_equal(err, want);
}

static void test_paging_off(void **state)
{
	struct vmx_paging p = paging(0, 0, 0);

	(void)state;
	p.cr0 = 0;
	expect_gpa(&p, 0x123456789ull, &WR, 0x23456789);
}

static void test_32bit_paging(void **state)
{
	struct vmx_paging p = paging(0, CR4_PSE, 0);

	(void)state;
	/* 0x00402abc: PDE 1 -> PT at 0x11000, PTE 2 -> 0x77000 (read-only, user). */
	put(MEM_BASE + 1 * 4, 4, 0x11000 | P | W | U);
	put(0x11000 + 2 * 4, 4, 0x77000 | P | U);
	expect_gpa(&p, 0x402abc, &RD, 0x77abc);
	expect_gpa(&p, 0x402abc, &USER_RD, 0x77abc);
	/* Read-only: user writes fault; supervisor writes only with WP. */
	expect_pf(&p, 0x402abc, &USER_WR, PF_P | PF_W | PF_U);
	expect_gpa(&p, 0x402abc, &WR, 0x77abc);
	p.cr0 |= CR0_WP;
	expect_pf(&p, 0x402abc, &WR, PF_P | PF_W);
	/* Not present: P = 0 in the error code. */
	expect_pf(&p, 0x403000, &USER_WR, PF_W | PF_U);
	/* A 4-MByte page with PSE-36 bits: 35:32 = 0x3 from PDE bits 16:13;
	 * bit 21 and, with MAXPHYADDR 36, bits 20:17 are reserved. */
	put(MEM_BASE + 2 * 4, 4, 0x00800000 | (0x3 << 13) | PS | P | W);
	expect_gpa(&p, 0x00812345, &WR, 0x300812345ull);
	expect_pf(&p, 0x00812345, &USER_RD, PF_P | PF_U);
	p.maxphyaddr = 36;
	put(MEM_BASE + 3 * 4, 4, 0x00c00000 | (1u << 17) | PS | P);
	expect_pf(&p, 0x00c00000, &RD, PF_P | PF_RSVD);
	put(MEM_BASE + 3 * 4, 4, 0x00c00000 | (1u << 21) | PS | P);
	expect_pf(&p, 0x00c00000, &WR, PF_P | PF_W | PF_RSVD);
	/* Without CR4.PSE the PS bit is ignored: the PDE names a page table. */
	p.cr4 = 0;
	put(MEM_BASE + 2 * 4, 4, 0x12000 | PS | P | W);
	put(0x12000 + 0x12 * 4, 4, 0x99000 | P | W);
	expect_gpa(&p, 0x00812345, &WR, 0x99345);
	/* Only the low 32 bits of the address count. */
	expect_gpa(&p, 0xf00812345ull, &WR, 0x99345);
}

static void test_pae_paging(void **state)
{
	struct vmx_paging p = paging(CR0_WP, CR4_PAE, 0);

	(void)state;
	/* PDPTE 1 (registers) -> PD at 0x11000; PDE 0 -> 2-MByte page at
	 * 0x40000000 (user, writable); PDE 1 -> PT at 0x12000. */
	p.pdpte[1] = 0x11000 | P;
	put(0x11000, 8, 0x40000000 | PS | P | W | U);
	put(0x11008, 8, 0x12000 | P | W);
	put(0x12000 + 5 * 8, 8, 0x123456000ull | P | W);
	expect_gpa(&p, 0x40012345, &USER_WR, 0x40012345);
	expect_gpa(&p, 0x40205678, &WR, 0x123456678ull);
	/* U/S = 0 in the PDE: user accesses fault. */
	expect_pf(&p, 0x40205678, &USER_RD, PF_P | PF_U);
	/* PDPTE 0 not present. */
	expect_pf(&p, 0x1000, &RD, 0);
	/* Bit 62 is reserved with PAE (62:M); so is XD without EFER.NXE. */
	put(0x12000 + 5 * 8, 8, 0x123456000ull | (1ull << 62) | P | W);
	expect_pf(&p, 0x40205678, &RD, PF_P | PF_RSVD);
	put(0x12000 + 5 * 8, 8, 0x123456000ull | XD | P | W);
	expect_pf(&p, 0x40205678, &WR, PF_P | PF_W | PF_RSVD);
	p.efer = EFER_NXE;
	expect_gpa(&p, 0x40205678, &WR, 0x123456678ull);
	/* A 2-MByte page with bit 13 set: reserved (20:13). */
	put(0x11000, 8, 0x40000000 | (1u << 13) | PS | P | W | U);
	expect_pf(&p, 0x40012345, &USER_RD, PF_P | PF_U | PF_RSVD);
}

static void test_4level_paging(void **state)
{
	struct vmx_paging p = paging(CR0_WP, CR4_PAE, EFER_LMA | EFER_NXE);
	uint64_t gla = 0xffff800040201234ull, gpa;
	uint32_t err;

	(void)state;
	/* PML4E 256 -> PDPT 0x11000; PDPTE 1 -> PD 0x12000; PDE 1 -> PT
	 * 0x13000; PTE 1 -> 0x5000; PDPTE 2 -> 1-GByte page at 3 GiB. */
	put(MEM_BASE + 256 * 8, 8, 0x11000 | P | W | U);
	put(0x11000 + 1 * 8, 8, 0x12000 | P | W | U);
	put(0x11000 + 2 * 8, 8, 0xc0000000ull | PS | P | W);
	put(0x12000 + 1 * 8, 8, 0x13000 | P | W | U);
	put(0x13000 + 1 * 8, 8, 0x5000 | P | W | U);
	expect_gpa(&p, gla, &USER_WR, 0x5234);
	expect_gpa(&p, 0xffff800080123456ull, &WR, 0xc0123456ull);
	expect_pf(&p, 0xffff800080123456ull, &USER_RD, PF_P | PF_U);
	/* SMAP: a supervisor data access to a user page faults unless it is
	 * explicit with RFLAGS.AC = 1; an implicit one always does. */
	p.cr4 |= CR4_SMAP;
	expect_pf(&p, gla, &RD, PF_P);
	expect_gpa(&p, gla, &(struct vmx_guest_access){ false, false, true }, 0x5234);
	/* 62:52 are ignored in 4-level paging (not PAE's 62:M); 51:M are not. */
	put(0x13000 + 1 * 8, 8, 0x5000 | (1ull << 62) | (1ull << 52) | P | W | U);
	expect_gpa(&p, gla, &USER_RD, 0x5234);
	put(0x13000 + 1 * 8, 8, 0x5000 | (1ull << 46) | P | W | U);
	expect_pf(&p, gla, &USER_RD, PF_P | PF_U | PF_RSVD);
	p.maxphyaddr = 52;
	expect_gpa(&p, gla, &USER_RD, 0x400000005234ull);
	/* PS in a PML4E is reserved; a 1-GByte page's bits 29:13 too. */
	put(MEM_BASE + 256 * 8, 8, 0x11000 | PS | P | W | U);
	expect_pf(&p, gla, &USER_RD, PF_P | PF_U | PF_RSVD);
	put(MEM_BASE + 256 * 8, 8, 0x11000 | P | W | U);
	put(0x11000 + 2 * 8, 8, 0xc0000000ull | (1u << 13) | PS | P | W);
	expect_pf(&p, 0xffff800080123456ull, &RD, PF_P | PF_RSVD);
	/* Not canonical, 5-level, or a table outside guest memory: not a
	 * #PF for this walker to raise. */
	assert_int_equal(vmx_walk(&p, 0x0000800000000000ull, &RD, &gpa, &err), -EFAULT);
	p.cr4 |= CR4_LA57;
	assert_int_equal(vmx_walk(&p, gla, &RD, &gpa, &err), -EFAULT);
	p.cr4 &= ~CR4_LA57;
	put(0x12000 + 1 * 8, 8, 0x7777000 | P | W | U);
	assert_int_equal(vmx_walk(&p, gla, &RD, &gpa, &err), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_32bit_paging),
		cmocka_unit_test(test_pae_paging),
		cmocka_unit_test(test_4level_paging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
