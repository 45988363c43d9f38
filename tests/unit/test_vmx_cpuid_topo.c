/* The CPUID topology leaves of a one-CPU guest (vmx/vmx_cpuid_topo.c), from
 * register values of a 4-core, 8-thread Tiger Lake package. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vmx/vmx_cpuid_topo.h"

#define MAX_BASIC 0x1f /* a CPU with leaf 1FH */

static struct cpuid_regs one(uint32_t leaf, uint32_t sub, struct cpuid_regs c)
{
	vmx_cpuid_one_cpu(leaf, sub, MAX_BASIC, &c);
	return c;
}

static void test_leaf1(void **state)
{
	/* EBX: initial APIC ID 6, 16 addressable IDs, CLFLUSH 8, brand 0. */
	struct cpuid_regs c = one(1, 0, (struct cpuid_regs){ 0x806c1, 0x06100800, 0x7ffafbbf, 0xbfebfbff });

	(void)state;
	assert_int_equal(c.ebx, 0x06010800);
	assert_int_equal(c.eax, 0x806c1);
	assert_int_equal(c.ecx, 0x7ffafbbf);
	assert_int_equal(c.edx, 0xbfebfbff); /* HTT stays: the count is valid */
}

static void test_leaf4(void **state)
{
	/* L1d: 2 threads share, 4 cores: EAX = 0x1c004121. */
	struct cpuid_regs c = one(4, 0, (struct cpuid_regs){ 0x1c004121, 0x02c0003f, 0x3f, 0 });

	(void)state;
	assert_int_equal(c.eax, 0x00000121);
	assert_int_equal(c.ebx, 0x02c0003f);
	/* L3 shared by 16: EAX = 0x1c03c163. */
	c = one(4, 3, (struct cpuid_regs){ 0x1c03c163, 0x03c0003f, 0x3fff, 6 });
	assert_int_equal(c.eax, 0x00000163);
	assert_int_equal(c.edx, 6);
	/* No cache at this sub-leaf: untouched. */
	c = one(4, 4, (struct cpuid_regs){ 0, 0, 0, 0 });
	assert_int_equal(c.eax, 0);
}

static void test_leaf_b_and_1f(void **state)
{
	static const uint32_t leaves[] = { 0xb, 0x1f };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		uint32_t l = leaves[i];
		/* SMT: shift 1, 2 threads; core: shift 4, 8 threads; x2APIC 6. */
		struct cpuid_regs c = one(l, 0, (struct cpuid_regs){ 1, 2, 0x100, 6 });

		assert_int_equal(c.eax, 0);
		assert_int_equal(c.ebx, 1);
		assert_int_equal(c.ecx, 0x100);
		assert_int_equal(c.edx, 6);
		c = one(l, 1, (struct cpuid_regs){ 4, 8, 0x201, 6 });
		assert_int_equal(c.eax, 0);
		assert_int_equal(c.ebx, 1);
		assert_int_equal(c.ecx, 0x201);
		assert_int_equal(c.edx, 6);
		/* A die level the real CPU reports at sub-leaf 2 disappears. */
		c = one(l, 2, (struct cpuid_regs){ 5, 8, 0x502, 6 });
		assert_int_equal(c.eax, 0);
		assert_int_equal(c.ebx, 0);
		assert_int_equal(c.ecx, 2);
		assert_int_equal(c.edx, 6);
	}
}

static void test_leaf_above_max_untouched(void **state)
{
	struct cpuid_regs in = { 1, 2, 0x100, 6 }, c = in;

	(void)state;
	/* Above CPUID.0:EAX the CPU returns the highest basic leaf's data. */
	vmx_cpuid_one_cpu(0x1f, 0, 0x16, &c);
	assert_memory_equal(&c, &in, sizeof(c));
	c = (struct cpuid_regs){ 0x1c004121, 0, 0, 0 };
	vmx_cpuid_one_cpu(4, 0, 2, &c);
	assert_int_equal(c.eax, 0x1c004121);
	/* Leaves this does not concern pass through. */
	c = in;
	vmx_cpuid_one_cpu(7, 0, MAX_BASIC, &c);
	assert_memory_equal(&c, &in, sizeof(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_leaf4),
		cmocka_unit_test(test_leaf_b_and_1f),
		cmocka_unit_test(test_leaf_above_max_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
