/* SMRAM lock-down decisions (drivers/smram.c).  Register values from the
 * Intel 440FX datasheet (SMRAM 72h) and the Q35 MCH datasheet (SMRAM 9Dh,
 * ESMRAMC 9Eh, TSEGMB B8h); 0x0a is what Bochs's BIOS leaves (closed,
 * enabled, base A0000h, not locked: /work/shared/PLATFORM.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/smram.h"

static void test_chipsets(void **state)
{
	(void)state;
	assert_int_equal(smram_chipset_of(0x12378086), SMRAM_CHIPSET_I440FX);
	assert_int_equal(smram_chipset_of(0x29c08086), SMRAM_CHIPSET_Q35);
	assert_int_equal(smram_chipset_of(0xffffffff), SMRAM_CHIPSET_UNKNOWN);
	assert_int_equal(smram_reg(SMRAM_CHIPSET_I440FX), 0x72);
	assert_int_equal(smram_reg(SMRAM_CHIPSET_Q35), 0x9d);
	assert_int_equal(smram_reg(SMRAM_CHIPSET_UNKNOWN), 0);
}

static void test_plan(void **state)
{
	struct smram_plan p;

	(void)state;
	/* Bochs: closed, not locked -> write D_LCK. */
	smram_plan(SMRAM_CHIPSET_I440FX, 0x0a, &p);
	assert_int_equal(p.action, SMRAM_WRITE_LOCK);
	assert_int_equal(p.value, 0x1a);
	assert_true(smram_is_locked(0x1a));
	/* Left open: close while locking (D_OPEN cleared). */
	smram_plan(SMRAM_CHIPSET_Q35, 0x4a, &p);
	assert_int_equal(p.action, SMRAM_WRITE_LOCK);
	assert_int_equal(p.value, 0x1a);
	/* D_CLS is kept. */
	smram_plan(SMRAM_CHIPSET_I440FX, 0x2a, &p);
	assert_int_equal(p.value, 0x3a);
	/* Firmware locked it. */
	smram_plan(SMRAM_CHIPSET_Q35, 0x1a, &p);
	assert_int_equal(p.action, SMRAM_ALREADY_LOCKED);
	/* SMRAM disabled, or an unknown bridge: cannot be made safe. */
	smram_plan(SMRAM_CHIPSET_I440FX, 0x02, &p);
	assert_int_equal(p.action, SMRAM_CANNOT_LOCK);
	assert_true(p.why[0]);
	smram_plan(SMRAM_CHIPSET_I440FX, 0x12, &p);
	assert_int_equal(p.action, SMRAM_CANNOT_LOCK);
	smram_plan(SMRAM_CHIPSET_UNKNOWN, 0x0a, &p);
	assert_int_equal(p.action, SMRAM_CANNOT_LOCK);
	/* Not locked: no D_LCK, or D_OPEN still set, or SMRAM disabled. */
	assert_false(smram_is_locked(0x0a));
	assert_false(smram_is_locked(0x5a));
	assert_false(smram_is_locked(0x12));
}

static void test_cfg_write_filter(void **state)
{
	(void)state;
	/* i440FX 72h: byte, word at 70h/72h, dword at 70h. */
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x72, 1));
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x72, 2));
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x70, 4));
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x71, 2));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x70, 2));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x73, 1));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 0, 0x04, 2));
	/* Another device's register 72h is its own. */
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 1, 0, 0x72, 1));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 1, 0, 0, 0x72, 1));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_I440FX, 0, 0, 1, 0x72, 1));
	/* Q35: SMRAM, ESMRAMC, TSEGMB. */
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_Q35, 0, 0, 0, 0x9c, 4));
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_Q35, 0, 0, 0, 0x9e, 1));
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_Q35, 0, 0, 0, 0xb8, 4));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_Q35, 0, 0, 0, 0x9c, 1));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_Q35, 0, 0, 0, 0x72, 1));
	/* Unknown bridge: its whole device-specific space. */
	assert_true(smram_cfg_write_blocked(SMRAM_CHIPSET_UNKNOWN, 0, 0, 0, 0x40, 1));
	assert_false(smram_cfg_write_blocked(SMRAM_CHIPSET_UNKNOWN, 0, 0, 0, 0x04, 2));
}

static void test_launch_decision(void **state)
{
	(void)state;
	assert_true(smram_launch_allowed(true, true, false));
	assert_true(smram_launch_allowed(false, false, false));
	assert_false(smram_launch_allowed(false, true, false));
	assert_true(smram_launch_allowed(false, true, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chipsets),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_cfg_write_filter),
		cmocka_unit_test(test_launch_decision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
