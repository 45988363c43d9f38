/* Task-switch rules (vmx/vmx_task_rules.c).  Expected outcomes come from the
 * SDM (Vol. 3A 3.4.5 descriptors, 7.2.1 the 32-bit TSS, 7.3 and table 7-1
 * the checks, 7.4 busy bits and NT; Vol. 3C table 25-2 access rights), each
 * fault case breaking one rule of an otherwise valid input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx_task_rules.h"

#define TS 10
#define NP 11
#define SS 12
#define GP 13

/* A descriptor from its fields (Vol. 3A figure 3-8). */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned type, bool s, unsigned dpl, bool p,
		     bool db, bool g)
{
	return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)type << 40 | (uint64_t)s << 44 | (uint64_t)dpl << 45 | (uint64_t)p << 47 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)db << 54 | (uint64_t)g << 55 |
	       (uint64_t)(base >> 24) << 56;
}

#define TSS32(type) desc(0x12345678, 0x67, (type), false, 0, true, false, false)
#define CODE(dpl) desc(0, 0xfffff, 0xb, true, (dpl), true, true, true)
#define DATA(dpl) desc(0, 0xfffff, 0x3, true, (dpl), true, true, true)

static void test_desc_unpack_and_ar(void **state)
{
	struct vmx_desc d;

	(void)state;
	/* The flat 32-bit code segment: G scales the limit to 4 GiB - 1. */
	vmx_desc_unpack(0x00cf9b000000ffffull, &d);
	assert_int_equal(d.base, 0);
	assert_int_equal(d.limit, 0xffffffffu);
	assert_int_equal(d.type, 0xb);
	assert_true(d.s && d.p && d.db && d.g && !d.l);
	assert_int_equal(vmx_desc_ar(&d), 0xc09b);
	/* A TSS: base split over three fields, byte-granular limit. */
	vmx_desc_unpack(desc(0xfedcba98, 0x12345, 0x9, false, 3, true, false, false), &d);
	assert_int_equal(d.base, 0xfedcba98u);
	assert_int_equal(d.limit, 0x12345);
	assert_int_equal(d.dpl, 3);
	assert_int_equal(vmx_desc_ar(&d), 0x89 | 3 << 5);
}

static void test_tss32_layout(void **state)
{
	uint8_t b[VMX_TASK_TSS32_SIZE], before[VMX_TASK_TSS32_SIZE];
	struct vmx_tss32 t;

	(void)state;
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 1);
	memcpy(before, b, sizeof(b));
	vmx_tss32_unpack(b, &t);
	/* Figure 7-2 offsets. */
	assert_int_equal(t.link, b[0] | b[1] << 8);
	assert_int_equal(t.esp[0], b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24);
	assert_int_equal(t.ss[2], b[0x18] | b[0x19] << 8);
	assert_int_equal(t.cr3 & 0xff, b[0x1c]);
	assert_int_equal(t.eip & 0xff, b[0x20]);
	assert_int_equal(t.eflags & 0xff, b[0x24]);
	assert_int_equal(t.gpr[7] & 0xff, b[0x44]);
	assert_int_equal(t.seg[VMX_SEG_ES], b[0x48] | b[0x49] << 8);
	assert_int_equal(t.seg[VMX_SEG_GS], b[0x5c] | b[0x5d] << 8);
	assert_int_equal(t.ldt, b[0x60] | b[0x61] << 8);
	assert_int_equal(t.trap, b[0x64] & 1);
	assert_int_equal(t.iomap, b[0x66] | b[0x67] << 8);

	t.eip = 0x11223344;
	t.eflags = 0x4002;
	for (unsigned i = 0; i < 8; i++)
		t.gpr[i] = 0xa0000000u + i;
	for (unsigned i = 0; i < VMX_SEG_N; i++)
		t.seg[i] = (uint16_t)(0x10 + 8 * i);
	t.link = 0xdead;
	t.ldt = 0xbeef;
	vmx_tss32_pack_dynamic(&t, b);
	/* Only 0x20..0x5f, and not the reserved upper halves of selectors. */
	assert_memory_equal(b, before, VMX_TSS32_DYN_START);
	assert_memory_equal(b + VMX_TSS32_DYN_END, before + VMX_TSS32_DYN_END,
			    sizeof(b) - VMX_TSS32_DYN_END);
	for (unsigned i = 0; i < VMX_SEG_N; i++) {
		assert_int_equal(b[0x4a + 4 * i], before[0x4a + 4 * i]);
		assert_int_equal(b[0x4b + 4 * i], before[0x4b + 4 * i]);
	}
	struct vmx_tss32 u;

	vmx_tss32_unpack(b, &u);
	assert_int_equal(u.eip, 0x11223344);
	assert_int_equal(u.eflags, 0x4002);
	assert_int_equal(u.gpr[4], 0xa0000004u);
	assert_int_equal(u.seg[VMX_SEG_CS], 0x18);
}

static void expect(struct vmx_task_fault f, int vector, uint32_t error)
{
	assert_null(f.unsupported);
	assert_int_equal(f.vector, vector);
	if (vector)
		assert_int_equal(f.error, error);
}

static void test_check_tss(void **state)
{
	(void)state;
	/* Valid: an available TSS for JMP/CALL/gate, a busy one for IRET. */
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57, TSS32(0x9), false), 0, 0);
	expect(vmx_task_check_tss(VMX_TASK_CALL, 0x2b, 0x57, TSS32(0x9), false), 0, 0);
	expect(vmx_task_check_tss(VMX_TASK_GATE, 0x28, 0x2f, TSS32(0x9), true), 0, 0);
	expect(vmx_task_check_tss(VMX_TASK_IRET, 0x28, 0x57, TSS32(0xb), false), 0, 0);
	/* TI = 1: TSS descriptors live in the GDT only (7.2.2). */
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x2c, 0x57, TSS32(0x9), false), GP, 0x2c);
	expect(vmx_task_check_tss(VMX_TASK_IRET, 0x2c, 0x57, TSS32(0xb), false), TS, 0x2c);
	/* Beyond the GDT limit; the null selector. */
	expect(vmx_task_check_tss(VMX_TASK_CALL, 0x58, 0x57, TSS32(0x9), false), GP, 0x58);
	expect(vmx_task_check_tss(VMX_TASK_IRET, 0x0, 0x57, TSS32(0xb), false), TS, 0);
	/* EXT for a hardware event through a task gate (6.13). */
	expect(vmx_task_check_tss(VMX_TASK_GATE, 0x58, 0x57, TSS32(0x9), true), GP, 0x59);
	/* Busy for JMP/CALL (not re-entrant); available for IRET; not a TSS. */
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57, TSS32(0xb), false), GP, 0x28);
	expect(vmx_task_check_tss(VMX_TASK_IRET, 0x28, 0x57, TSS32(0x9), false), TS, 0x28);
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57, TSS32(0x2), false), GP, 0x28);
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57,
				  desc(0, 0x67, 0x9, true, 0, true, false, false), false), GP, 0x28);
	/* Not present: #NP; limit below 0x67: #TS (7.2.2). */
	expect(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57,
				  desc(0x1000, 0x67, 0x9, false, 0, false, false, false), false),
	       NP, 0x28);
	expect(vmx_task_check_tss(VMX_TASK_CALL, 0x28, 0x57,
				  desc(0x1000, 0x66, 0x9, false, 0, true, false, false), false),
	       TS, 0x28);
	/* A 16-bit TSS is a documented stop. */
	assert_non_null(vmx_task_check_tss(VMX_TASK_JMP, 0x28, 0x57,
					   desc(0x1000, 0x2b, 0x1, false, 0, true, false, false),
					   false).unsupported);
	assert_non_null(vmx_task_check_tss(VMX_TASK_IRET, 0x28, 0x57,
					   desc(0x1000, 0x2b, 0x3, false, 0, true, false, false),
					   false).unsupported);
}

static void test_busy_nt_rules(void **state)
{
	(void)state;
	/* Table 7-2. */
	assert_true(vmx_task_clears_old_busy(VMX_TASK_JMP));
	assert_true(vmx_task_clears_old_busy(VMX_TASK_IRET));
	assert_false(vmx_task_clears_old_busy(VMX_TASK_CALL));
	assert_false(vmx_task_clears_old_busy(VMX_TASK_GATE));
	assert_true(vmx_task_sets_new_busy(VMX_TASK_JMP));
	assert_true(vmx_task_sets_new_busy(VMX_TASK_CALL));
	assert_true(vmx_task_sets_new_busy(VMX_TASK_GATE));
	assert_false(vmx_task_sets_new_busy(VMX_TASK_IRET));
	assert_true(vmx_task_nests(VMX_TASK_CALL) && vmx_task_nests(VMX_TASK_GATE));
	assert_false(vmx_task_nests(VMX_TASK_JMP) || vmx_task_nests(VMX_TASK_IRET));
	/* IRET clears NT in the old task's image; the others keep it. */
	assert_int_equal(vmx_task_saved_eflags(VMX_TASK_IRET, 0x4202), 0x0202);
	assert_int_equal(vmx_task_saved_eflags(VMX_TASK_JMP, 0x4202), 0x4202);
	/* CALL/gate set NT in the new task; bit 1 is always 1; undefined
	 * bits are not loaded. */
	assert_int_equal(vmx_task_new_eflags(VMX_TASK_CALL, 0x0), 0x4002);
	assert_int_equal(vmx_task_new_eflags(VMX_TASK_GATE, 0x200), 0x4202);
	assert_int_equal(vmx_task_new_eflags(VMX_TASK_JMP, 0x4000), 0x4002);
	assert_int_equal(vmx_task_new_eflags(VMX_TASK_IRET, 0xffc00028u), 0x2);
}

static struct vmx_task_fault seg(unsigned i, uint16_t sel, bool in, uint64_t raw, unsigned cpl,
				 bool *null)
{
	return vmx_task_check_seg(i, sel, in, raw, cpl, false, null);
}

static void test_check_seg(void **state)
{
	bool null;

	(void)state;
	/* Valid flat ring-0 segments. */
	expect(seg(VMX_SEG_CS, 0x18, true, CODE(0), 0, &null), 0, 0);
	assert_false(null);
	expect(seg(VMX_SEG_SS, 0x10, true, DATA(0), 0, &null), 0, 0);
	expect(seg(VMX_SEG_DS, 0x10, true, DATA(0), 0, &null), 0, 0);
	expect(seg(VMX_SEG_CS, 0x1b, true, CODE(3), 3, &null), 0, 0);
	/* Null: fine for data segments and the LDTR, #TS for CS and SS. */
	expect(seg(VMX_SEG_FS, 0x3, true, 0, 0, &null), 0, 0);
	assert_true(null);
	expect(seg(VMX_SEG_N, 0x0, true, 0, 0, &null), 0, 0);
	assert_true(null);
	expect(seg(VMX_SEG_CS, 0x0, true, 0, 0, &null), TS, 0);
	expect(seg(VMX_SEG_SS, 0x0, true, 0, 0, &null), TS, 0);
	/* Beyond the table: #TS(selector). */
	expect(seg(VMX_SEG_DS, 0x58, false, 0, 0, &null), TS, 0x58);
	/* CS: a code segment; non-conforming DPL = RPL, conforming DPL <= RPL. */
	expect(seg(VMX_SEG_CS, 0x18, true, DATA(0), 0, &null), TS, 0x18);
	expect(seg(VMX_SEG_CS, 0x1b, true, CODE(0), 3, &null), TS, 0x18);
	expect(seg(VMX_SEG_CS, 0x1b, true, desc(0, 0xfffff, 0xf, true, 0, true, true, true), 3,
		   &null), 0, 0);
	expect(seg(VMX_SEG_CS, 0x18, true, desc(0, 0xfffff, 0xf, true, 3, true, true, true), 0,
		   &null), TS, 0x18);
	expect(seg(VMX_SEG_CS, 0x18, true, desc(0, 0xfffff, 0xb, true, 0, false, true, true), 0,
		   &null), NP, 0x18);
	/* SS: writable data, RPL = DPL = CPL; not present is #SS. */
	expect(seg(VMX_SEG_SS, 0x13, true, DATA(3), 0, &null), TS, 0x10);
	expect(seg(VMX_SEG_SS, 0x10, true, DATA(3), 0, &null), TS, 0x10);
	expect(seg(VMX_SEG_SS, 0x10, true, desc(0, 0xfffff, 0x1, true, 0, true, true, true), 0,
		   &null), TS, 0x10);
	expect(seg(VMX_SEG_SS, 0x10, true, CODE(0), 0, &null), TS, 0x10);
	expect(seg(VMX_SEG_SS, 0x10, true, desc(0, 0xfffff, 0x3, true, 0, false, true, true), 0,
		   &null), SS, 0x10);
	/* Data segments: data or readable code; DPL >= CPL and RPL unless
	 * conforming code; not present is #NP. */
	expect(seg(VMX_SEG_ES, 0x18, true, desc(0, 0xfffff, 0x9, true, 0, true, true, true), 0,
		   &null), TS, 0x18);
	expect(seg(VMX_SEG_ES, 0x18, true, CODE(0), 0, &null), 0, 0);
	expect(seg(VMX_SEG_GS, 0x10, true, DATA(0), 3, &null), TS, 0x10);
	expect(seg(VMX_SEG_GS, 0x13, true, DATA(0), 0, &null), TS, 0x10);
	expect(seg(VMX_SEG_GS, 0x1b, true, desc(0, 0xfffff, 0xf, true, 0, true, true, true), 3,
		   &null), 0, 0);
	expect(seg(VMX_SEG_DS, 0x10, true, desc(0, 0xfffff, 0x3, true, 0, false, true, true), 0,
		   &null), NP, 0x10);
	expect(seg(VMX_SEG_DS, 0x10, true, desc(0, 0x67, 0x9, false, 0, true, false, false), 0,
		   &null), TS, 0x10);
	/* LDTR: an LDT descriptor in the GDT, present; all else #TS. */
	expect(seg(VMX_SEG_N, 0x30, true, desc(0x2000, 0xff, 0x2, false, 0, true, false, false),
		   0, &null), 0, 0);
	expect(seg(VMX_SEG_N, 0x34, true, desc(0x2000, 0xff, 0x2, false, 0, true, false, false),
		   0, &null), TS, 0x34);
	expect(seg(VMX_SEG_N, 0x30, true, DATA(0), 0, &null), TS, 0x30);
	expect(seg(VMX_SEG_N, 0x30, true, desc(0x2000, 0xff, 0x2, false, 0, false, false, false),
		   0, &null), TS, 0x30);
	/* EXT is carried into the error code. */
	struct vmx_task_fault f = vmx_task_check_seg(VMX_SEG_DS, 0x58, false, 0, 0, true, &null);

	assert_int_equal(f.vector, TS);
	assert_int_equal(f.error, 0x59);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desc_unpack_and_ar),
		cmocka_unit_test(test_tss32_layout),
		cmocka_unit_test(test_check_tss),
		cmocka_unit_test(test_busy_nt_rules),
		cmocka_unit_test(test_check_seg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
