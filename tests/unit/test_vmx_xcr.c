/* XSETBV checks (vmx/vmx_xcr.c).  Expected outcomes come from the SDM's
 * XSETBV operation section (Vol. 2D) and the XCR0 rules of Vol. 1 13.3, not
 * from the implementation: every rule gets a value that breaks only it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/vmx_xcr.h"

#define UD 6
#define GP 13
/* x87, SSE, AVX, MPX, AVX-512, PKRU (bit 9), AMX: a CPU offering all. */
#define ALL (0x7ull | 0x18ull | 0xe0ull | 0x200ull | 0x60000ull)

static int check(uint64_t v)
{
	struct vmx_xsetbv_req q = { .ecx = 0, .value = v, .cpl = 0, .guest_osxsave = true,
				    .supported = ALL };

	return vmx_xsetbv_check(&q);
}

static void test_valid_values(void **state)
{
	(void)state;
	assert_int_equal(check(0x1), 0);
	assert_int_equal(check(0x3), 0);
	assert_int_equal(check(0x7), 0);
	assert_int_equal(check(0xe7), 0);
	assert_int_equal(check(0x1f), 0);
	assert_int_equal(check(0x207), 0);
	assert_int_equal(check(0x60003), 0);
	assert_int_equal(check(ALL), 0);
	/* What Linux 6.1 writes on a Bochs tigerlake: x87|SSE|AVX|AVX-512|PKRU. */
	assert_int_equal(check(0x2e7), 0);
}

static void test_architectural_rules(void **state)
{
	(void)state;
	assert_int_equal(check(0x0), GP);           /* x87 clear */
	assert_int_equal(check(0x6), GP);           /* x87 clear, rest fine */
	assert_int_equal(check(0x5), GP);           /* AVX without SSE */
	assert_int_equal(check(0x27), GP);          /* AVX-512 partial: opmask only */
	assert_int_equal(check(0x67), GP);          /* AVX-512 partial: no Hi16_ZMM */
	assert_int_equal(check(0xc7), GP);          /* AVX-512 partial: no opmask */
	assert_int_equal(check(0xe3), GP);          /* AVX-512 without AVX */
	assert_int_equal(check(0x9), GP);           /* BNDREGS without BNDCSR */
	assert_int_equal(check(0x11), GP);          /* BNDCSR without BNDREGS */
	assert_int_equal(check(0x20001), GP);       /* XTILECFG without XTILEDATA */
	assert_int_equal(check(0x40001), GP);       /* XTILEDATA without XTILECFG */
	assert_int_equal(check(1ull << 63 | 1), GP); /* reserved bit 63 */
	assert_int_equal(check(1ull << 8 | 1), GP);  /* PT: supervisor state */
	assert_int_equal(check(1ull << 11 | 1), GP); /* CET_U: supervisor state */
}

static void test_unsupported_components(void **state)
{
	struct vmx_xsetbv_req q = { .value = 0x7, .guest_osxsave = true, .supported = 0x3 };

	(void)state;
	assert_int_equal(vmx_xsetbv_check(&q), GP); /* AVX on a CPU without it */
	q.value = 0x3;
	assert_int_equal(vmx_xsetbv_check(&q), 0);
	q.supported = 0x7;
	q.value = 0xe7;
	assert_int_equal(vmx_xsetbv_check(&q), GP); /* AVX-512 not offered */
}

static void test_instruction_checks(void **state)
{
	struct vmx_xsetbv_req q = { .value = 0x3, .guest_osxsave = true, .supported = ALL };

	(void)state;
	q.ecx = 1; /* XCR1 is read-only through XGETBV; XSETBV to it faults */
	assert_int_equal(vmx_xsetbv_check(&q), GP);
	q.ecx = 0x80000000u;
	assert_int_equal(vmx_xsetbv_check(&q), GP);
	q.ecx = 0;
	q.cpl = 3;
	assert_int_equal(vmx_xsetbv_check(&q), GP);
	q.cpl = 0;
	q.guest_osxsave = false; /* #UD has priority over every #GP */
	q.ecx = 5;
	q.value = 0;
	assert_int_equal(vmx_xsetbv_check(&q), UD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_architectural_rules),
		cmocka_unit_test(test_unsupported_components),
		cmocka_unit_test(test_instruction_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
