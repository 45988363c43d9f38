/* The deny-by-default MSR policy (vmx/vmx_msr_policy.c): the table, the
 * bitmap it builds, and the emulation arithmetic.  Expected values come from
 * the SDM (Vol. 3C 25.6.9 for the bitmap layout, Vol. 3A 11.12.5 for APIC
 * mode transitions, 12.11 for MTRR encodings, Vol. 3B 18.17.3 for
 * IA32_TSC_ADJUST) and from KVM's reset values, not from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/errno.h"
#include "vmx/vmx_msr_policy.h"

static uint8_t bitmap[VMX_MSR_BITMAP_SIZE];

/* Raw bit per SDM Vol. 3C 25.6.9, written out independently of the code. */
static bool raw_bit(uint32_t msr, bool write)
{
	size_t base = write ? 2048 : 0, bit;

	if (msr <= 0x1fff)
		bit = msr;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		bit = 8192 + (msr - 0xc0000000u);
	else
		return true;
	return bitmap[base + bit / 8] >> (bit % 8) & 1;
}

static int setup(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	vmx_msr_bitmap_build(bitmap);
	return 0;
}

static void test_table_sorted_and_disjoint(void **state)
{
	size_t n;
	const struct vmx_msr_rule *t = vmx_msr_table(&n);

	(void)state;
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].first <= t[i].last);
		assert_non_null(t[i].name);
		if (i)
			assert_true(t[i - 1].last < t[i].first);
		/* An emulated row names what emulates it; others name nothing. */
		if (t[i].read == VMX_MSR_EMU || t[i].write == VMX_MSR_EMU)
			assert_int_not_equal(t[i].emu, VMX_MSR_EMU_NONE);
		else
			assert_int_equal(t[i].emu, VMX_MSR_EMU_NONE);
		/* A passed-through MSR must be reachable through the bitmap. */
		if (t[i].read == VMX_MSR_PASS || t[i].write == VMX_MSR_PASS)
			assert_true(t[i].last <= 0x1fff ||
				    (t[i].first >= 0xc0000000u && t[i].last <= 0xc0001fffu));
		assert_ptr_equal(vmx_msr_rule(t[i].first), &t[i]);
		assert_ptr_equal(vmx_msr_rule(t[i].last), &t[i]);
	}
}

static void test_unknown_is_gp(void **state)
{
	static const uint32_t unknown[] = { 0x1fff, 0x12345678, 0xc0001fff, 0x4b564d00,
					    0x40000000, 0x1, 0xc0010015 };

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const struct vmx_msr_rule *r = vmx_msr_rule(unknown[i]);

		assert_int_equal(r->read, VMX_MSR_GP);
		assert_int_equal(r->write, VMX_MSR_GP);
		assert_true(raw_bit(unknown[i], false));
		assert_true(raw_bit(unknown[i], true));
	}
}

/* Every bit of the bitmap is set except those of PASS rows. */
static void test_bitmap_deny_by_default(void **state)
{
	size_t cleared = 0, n;
	const struct vmx_msr_rule *t = vmx_msr_table(&n);
	size_t want = 0;

	(void)state;
	for (size_t i = 0; i < VMX_MSR_BITMAP_SIZE; i++)
		for (unsigned b = 0; b < 8; b++)
			cleared += !(bitmap[i] >> b & 1);
	for (size_t i = 0; i < n; i++)
		want += (t[i].last - t[i].first + 1) *
			((t[i].read == VMX_MSR_PASS) + (t[i].write == VMX_MSR_PASS));
	assert_int_equal(cleared, want);
	for (uint32_t m = 0; m <= 0x1fff; m++) {
		assert_int_equal(raw_bit(m, false), vmx_msr_bitmap_exits(bitmap, m, false));
		assert_int_equal(raw_bit(m, true), vmx_msr_bitmap_exits(bitmap, m, true));
	}
}

/* Issue 11 item 5: the MSRs that name addresses or move hypervisor state
 * must always exit (and those that name addresses must #GP). */
static void test_dangerous_msrs_exit(void **state)
{
	static const uint32_t gp[] = { MSR_RTIT_OUTPUT_BASE, 0x561, MSR_RTIT_CTL, 0x571, 0x572,
				       0x580, MSR_RTIT_ADDR3_B, MSR_DS_AREA, MSR_PEBS_ENABLE,
				       MSR_SMBASE, MSR_SMRR_PHYSBASE, MSR_SMRR_PHYSMASK,
				       MSR_MC0_CTL, MSR_MCG_CTL, 0x480, 0x48c, 0x491 };
	static const uint32_t exits_w[] = { MSR_TSC, MSR_TSC_ADJUST, MSR_APIC_BASE,
					    MSR_MTRR_DEF_TYPE, 0x200, 0x21f, MSR_MTRR_FIX64K,
					    MSR_MTRR_FIX4K_F8, MSR_MISC_ENABLE, MSR_DEBUGCTL,
					    MSR_TSC_DEADLINE, MSR_XSS, MSR_FEATURE_CONTROL };

	(void)state;
	for (size_t i = 0; i < sizeof(gp) / sizeof(gp[0]); i++) {
		assert_int_equal(vmx_msr_rule(gp[i])->read, VMX_MSR_GP);
		assert_int_equal(vmx_msr_rule(gp[i])->write, VMX_MSR_GP);
		assert_true(raw_bit(gp[i], false) && raw_bit(gp[i], true));
	}
	for (size_t i = 0; i < sizeof(exits_w) / sizeof(exits_w[0]); i++) {
		assert_int_not_equal(vmx_msr_rule(exits_w[i])->write, VMX_MSR_PASS);
		assert_true(raw_bit(exits_w[i], true));
	}
	/* The TSC is read through the emulation too: the offset is ours. */
	assert_true(raw_bit(MSR_TSC, false));
}

static void test_passthrough_set(void **state)
{
	static const uint32_t rw[] = { MSR_EFER, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
				       0xc0000101, MSR_KERNEL_GS_BASE, MSR_TSC_AUX, MSR_PAT,
				       0x174, 0x176, MSR_SPEC_CTRL, MSR_X2APIC_FIRST, 0x830,
				       MSR_X2APIC_LAST };

	(void)state;
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		assert_false(raw_bit(rw[i], false));
		assert_false(raw_bit(rw[i], true));
	}
	/* Write-only command MSRs and read-only enumeration MSRs. */
	assert_false(raw_bit(MSR_PRED_CMD, true));
	assert_true(raw_bit(MSR_PRED_CMD, false));
	assert_false(raw_bit(MSR_ARCH_CAPABILITIES, false));
	assert_true(raw_bit(MSR_ARCH_CAPABILITIES, true));
	/* APIC base: reads pass, writes are checked. */
	assert_false(raw_bit(MSR_APIC_BASE, false));
	assert_int_equal(vmx_msr_rule(MSR_APIC_BASE)->write, VMX_MSR_EMU);
}

static void test_misc_enable_like_kvm(void **state)
{
	struct vmx_msr_guest g;

	(void)state;
	vmx_msr_guest_init(&g, NULL);
	assert_int_equal(g.misc_enable, 0x1801); /* bits 0, 11, 12 */
	vmx_msr_misc_enable_write(&g, 0);
	assert_int_equal(g.misc_enable, 0x1800); /* fast strings off */
	vmx_msr_misc_enable_write(&g, ~0ull);
	assert_int_equal(g.misc_enable, 0x1801); /* nothing else changes */
	assert_false(g.has_mtrr);
}

static void test_tsc_offset(void **state)
{
	struct vmx_msr_guest g;

	(void)state;
	vmx_msr_guest_init(&g, NULL);
	assert_int_equal(vmx_msr_guest_tsc(&g, 5000), 5000);
	/* Rewind the guest's TSC to 100 at host time 5000. */
	vmx_msr_tsc_write(&g, 5000, 100);
	assert_int_equal(vmx_msr_guest_tsc(&g, 5000), 100);
	assert_int_equal(vmx_msr_guest_tsc(&g, 6000), 1100);
	assert_int_equal((int64_t)g.tsc_adjust, -4900);
	/* IA32_TSC_ADJUST moves the TSC by its own delta (SDM Vol. 3B 18.17.3). */
	vmx_msr_tsc_adjust_write(&g, 0);
	assert_int_equal(g.tsc_adjust, 0);
	assert_int_equal(vmx_msr_guest_tsc(&g, 6000), 6000);
	vmx_msr_tsc_adjust_write(&g, 1000);
	assert_int_equal(vmx_msr_guest_tsc(&g, 6000), 7000);
	/* Deadlines: 0 disarms, a past one fires at once, a future one maps. */
	assert_int_equal(vmx_msr_deadline_to_host(&g, 6000, 0), 0);
	assert_int_equal(vmx_msr_deadline_to_host(&g, 6000, 6999), 1);
	assert_int_equal(vmx_msr_deadline_to_host(&g, 6000, 9000), 8000);
	assert_int_equal(vmx_msr_deadline_to_guest(&g, 8000), 9000);
	assert_int_equal(vmx_msr_deadline_to_guest(&g, 0), 0);
}

static void test_apic_base(void **state)
{
	const uint64_t xapic = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_BSP;
	const uint64_t x2apic = xapic | APIC_BASE_EXTD;
	uint64_t out = 0;

	(void)state;
	/* Issue 11 item 2: moving the window is refused. */
	assert_int_equal(vmx_msr_apic_base_write(xapic, 0x2000000 | APIC_BASE_EN, true, 39, &out),
			 -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(xapic, 0xfed00000 | APIC_BASE_EN, true, 39, &out),
			 -EINVAL);
	/* Same base: allowed; the BSP flag stays the hardware's. */
	assert_int_equal(vmx_msr_apic_base_write(xapic, 0xfee00000 | APIC_BASE_EN, true, 39, &out), 0);
	assert_int_equal(out, xapic);
	/* Reserved bits: 0-7, 9, and from MAXPHYADDR up. */
	assert_int_equal(vmx_msr_apic_base_write(xapic, xapic | 1, true, 39, &out), -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(xapic, xapic | (1ull << 9), true, 39, &out), -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(xapic, xapic | (1ull << 39), true, 39, &out), -EINVAL);
	/* x2APIC needs CPUID support. */
	assert_int_equal(vmx_msr_apic_base_write(xapic, x2apic, false, 39, &out), -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(xapic, x2apic, true, 39, &out), 0);
	/* SDM Vol. 3A figure 11-27 transitions. */
	assert_int_equal(vmx_msr_apic_base_write(x2apic, xapic, true, 39, &out), -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(x2apic, 0xfee00000, true, 39, &out), 0);
	assert_int_equal(vmx_msr_apic_base_write(0xfee00000, x2apic, true, 39, &out), -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(xapic, 0xfee00000 | APIC_BASE_EXTD, true, 39, &out),
			 -EINVAL);
	assert_int_equal(vmx_msr_apic_base_write(0xfee00000, xapic, true, 39, &out), 0);
}

static void test_mtrr_view(void **state)
{
	struct mtrr_state host = { 0 };
	struct vmx_msr_guest g;
	uint64_t v = 0;

	(void)state;
	host.cap = 0xd08 | MTRR_CAP_SMRR; /* 8 variable, fixed, WC, SMRR */
	host.nvar = 8;
	host.phys_addr_bits = 36;
	host.def_type = MTRR_DEF_E | MTRR_DEF_FE | MTRR_TYPE_WB;
	host.var[0].base = 0x0 | MTRR_TYPE_WB;
	host.var[0].mask = 0xf80000000ull | MTRR_VAR_VALID;
	vmx_msr_guest_init(&g, &host);
	assert_int_equal(vmx_msr_mtrr_read(&g, MSR_MTRRCAP, &v), 0);
	assert_int_equal(v, 0x508); /* SMRR hidden */
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRRCAP, 0), -EINVAL);
	/* Writes land in the view only and read back. */
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_DEF_TYPE, MTRR_DEF_E | MTRR_TYPE_UC), 0);
	assert_int_equal(vmx_msr_mtrr_read(&g, MSR_MTRR_DEF_TYPE, &v), 0);
	assert_int_equal(v, MTRR_DEF_E);
	assert_int_equal(host.def_type, MTRR_DEF_E | MTRR_DEF_FE | MTRR_TYPE_WB);
	/* Reserved type encodings and reserved bits: #GP. */
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_DEF_TYPE, 2), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_DEF_TYPE, 1ull << 12), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, 0x200, 0x100000000ull | 7), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, 0x200, 0x1000000000ull | MTRR_TYPE_WB), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, 0x201, 0x1), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, 0x201, 0xff0000000ull | MTRR_VAR_VALID), 0);
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_FIX64K, 0x0606060606060606ull), 0);
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_FIX64K, 0x0606060606060603ull), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_FIX4K_F8, 0x0101010101010101ull), 0);
	/* Variable MTRRs beyond VCNT do not exist. */
	assert_int_equal(vmx_msr_mtrr_write(&g, 0x210, MTRR_TYPE_WB), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_read(&g, 0x211, &v), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_read(&g, 0x20f, &v), 0);
	/* No MTRRs at all: everything #GP. */
	vmx_msr_guest_init(&g, NULL);
	assert_int_equal(vmx_msr_mtrr_read(&g, MSR_MTRRCAP, &v), -EINVAL);
	assert_int_equal(vmx_msr_mtrr_write(&g, MSR_MTRR_DEF_TYPE, 0), -EINVAL);
}

static void test_cpuid_hide(void **state)
{
	uint32_t a = 0xffffffff, b = 0xffffffff, c = 0xffffffff, d = 0xffffffff;

	(void)state;
	vmx_msr_cpuid_hide(1, 0, &a, &b, &c, &d);
	assert_int_equal(d, ~((1u << 21) | (1u << 22) | (1u << 29)));
	assert_int_equal(c, ~((1u << 2) | (1u << 8)));
	assert_int_equal(a, 0xffffffff);
	/* Thermal and power management: turbo, ARAT, MPERF/APERF only. */
	a = b = c = d = 0xffffffff;
	vmx_msr_cpuid_hide(6, 0, &a, &b, &c, &d);
	assert_int_equal(a, 0x6);
	assert_int_equal(b | d, 0);
	assert_int_equal(c, 1);
	/* The thermal MSRs behind the hidden bits are #GP both ways, the
	 * package C-state limit readable only. */
	assert_int_equal(vmx_msr_rule(0x19b)->read, VMX_MSR_GP);
	assert_int_equal(vmx_msr_rule(0xe2)->read, VMX_MSR_PASS);
	assert_int_equal(vmx_msr_rule(0xe2)->write, VMX_MSR_GP);
	a = b = c = d = 0xffffffff;
	b = 0xffffffff;
	vmx_msr_cpuid_hide(7, 0, &a, &b, &c, &d);
	assert_int_equal(b, ~(1u << 25));
	b = 0xffffffff;
	vmx_msr_cpuid_hide(7, 1, &a, &b, &c, &d);
	assert_int_equal(b, 0xffffffff);
	vmx_msr_cpuid_hide(0x14, 0, &a, &b, &c, &d);
	assert_int_equal(a | b | c | d, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_and_disjoint),
		cmocka_unit_test(test_unknown_is_gp),
		cmocka_unit_test(test_bitmap_deny_by_default),
		cmocka_unit_test(test_dangerous_msrs_exit),
		cmocka_unit_test(test_passthrough_set),
		cmocka_unit_test(test_misc_enable_like_kvm),
		cmocka_unit_test(test_tsc_offset),
		cmocka_unit_test(test_apic_base),
		cmocka_unit_test(test_mtrr_view),
		cmocka_unit_test(test_cpuid_hide),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
