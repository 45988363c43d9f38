/* config_validate (sorting, overlaps, RAM and hypervisor containment) and the
 * one-line error text shared by the hypervisor and hvconf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/config.h"
#include "hv/errno.h"
#include "hv/memrange.h"

#define V_CAP 64

struct v_ctx {
	struct config c;
	struct config_memory mem[V_CAP];
	struct config_protect prot[V_CAP];
	struct config_error err;
};

/* 256 MiB of RAM, the hypervisor at 32-48 MiB: hvconf's defaults. */
static const struct mem_range v_ram[] = { { 0, 0x10000000 } };
static const struct mem_range v_hv[] = { { 0x2000000, 0x3000000 } };

static int v_check(struct v_ctx *v, const char *text, const struct mem_range *ram,
		   size_t nram)
{
	config_init(&v->c, v->mem, V_CAP, v->prot, V_CAP);
	assert_int_equal(config_parse(&v->c, text, strlen(text), &v->err), 0);
	return config_validate(&v->c, ram, nram, v_hv, 1, &v->err);
}

static void v_fails(const char *text, uint32_t line, const char *tok, const char *reason)
{
	struct v_ctx v;

	assert_int_equal(v_check(&v, text, v_ram, 1), -EINVAL);
	assert_int_equal(v.err.line, line);
	assert_int_equal(v.err.column, 0);
	assert_string_equal(v.err.token, tok);
	assert_string_equal(v.err.reason, reason);
}

static void test_sorted_after_validate(void **state)
{
	struct v_ctx v;

	(void)state;
	assert_int_equal(v_check(&v, "protect 0x803000+4K\nprotect 0x800080+128\n"
				 "protect 0x800000+128\nprotect 0x801000+0x80", v_ram, 1), 0);
	assert_int_equal(v.prot[0].start, 0x800000);
	assert_int_equal(v.prot[0].line, 3);
	assert_int_equal(v.prot[1].start, 0x800080);
	assert_int_equal(v.prot[2].start, 0x801000);
	assert_int_equal(v.prot[3].start, 0x803000);
	assert_int_equal(v.prot[3].line, 1);
	assert_string_equal(v.prot[3].name, "r0x803000");
	/* An empty configuration is valid. */
	assert_int_equal(v_check(&v, "", NULL, 0), 0);
}

static void test_overlaps(void **state)
{
	(void)state;
	v_fails("protect 0x800000+256\nprotect 0x800080+128", 2, "0x800080-0x8000ff",
		"protect range overlaps protect range on line 1");
	/* The later line is blamed even when it sorts first. */
	v_fails("protect 0x800080+128\nprotect 0x800000+256", 2, "0x800000-0x8000ff",
		"protect range overlaps protect range on line 1");
	v_fails("# x\nprotect 0x800000+128\n\nprotect 0x800000+128", 4,
		"0x800000-0x80007f", "protect range overlaps protect range on line 2");
	/* Overlap found between neighbours after sorting, lines far apart. */
	v_fails("protect 0x900000+4K\nprotect 0x700000+3M\nprotect 0xa00000+4K", 2,
		"0x700000-0x9fffff", "protect range overlaps protect range on line 1");
	v_fails("memory 0+16M\nmemory 0xfff000+8K", 2, "0xfff000-0x1000fff",
		"memory range overlaps memory range on line 1");
}

static void test_adjacent_ok(void **state)
{
	struct v_ctx v;

	(void)state;
	assert_int_equal(v_check(&v, "protect 0x800080+128\nprotect 0x800000+128\n"
				 "protect 0x800100-0x800fff", v_ram, 1), 0);
	assert_int_equal(v_check(&v, "memory 0+16M\nmemory 16M+16M\n"
				 "protect 0xffff80+0x100", v_ram, 1), 0);
}

static void test_hypervisor_memory(void **state)
{
	(void)state;
	v_fails("protect 0x2000000+128", 1, "0x2000000-0x200007f",
		"protect range overlaps hypervisor memory");
	v_fails("protect 0x1ffff80+0x100", 1, "0x1ffff80-0x200007f",
		"protect range overlaps hypervisor memory");
	v_fails("protect 0x2ffff80+0x80", 1, "0x2ffff80-0x2ffffff",
		"protect range overlaps hypervisor memory");
	v_fails("memory 0x1000000-0x20fffff", 1, "0x1000000-0x20fffff",
		"memory range overlaps hypervisor memory");
}

static void test_guest_ram(void **state)
{
	static const struct mem_range split[] = {
		{ 0x100000, 0x200000 }, { 0, 0x9f000 }, { 0x200000, 0x400000 },
	};
	struct v_ctx v;

	(void)state;
	v_fails("protect 0x10000000+128", 1, "0x10000000-0x1000007f",
		"protect range outside guest RAM");
	v_fails("protect 0xfffff80+0x100", 1, "0xfffff80-0x1000007f",
		"protect range outside guest RAM");
	v_fails("protect 0xffffffffffffff80-0xffffffffffffffff", 1,
		"0xffffffffffffff80-0xffffffffffffffff",
		"protect range above 4 GiB (spphv protects the first 4 GiB only)");
	v_fails("memory 0xffffffffff000+4K", 1, "0xffffffffff000-0xfffffffffffff",
		"memory range outside the RAM the firmware reports");
	v_fails("memory 0xfffffffffffff000-0xffffffffffffffff", 1,
		"0xfffffffffffff000-0xffffffffffffffff",
		"memory range outside the RAM the firmware reports");
	/* Adjacent firmware ranges (unsorted) form one block; a hole does not. */
	assert_int_equal(v_check(&v, "protect 0x1fff80+0x100", split, 3), 0);
	assert_int_equal(v_check(&v, "protect 0x9ef80+0x80", split, 3), 0);
	assert_int_equal(v_check(&v, "protect 0x9ef80+0x100", split, 3), -EINVAL);
	assert_int_equal(v_check(&v, "protect 0x9f000+0x80", split, 3), -EINVAL);
	/* No RAM reported: nothing can be protected. */
	assert_int_equal(v_check(&v, "protect 0+128", NULL, 0), -EINVAL);
}

/* The 4 GiB rule lives here, not in the hypervisor only, so hvconf refuses
 * what the hypervisor refuses: even when RAM is there. */
static void test_protect_above_4gib(void **state)
{
	static const struct mem_range big[] = { { 0, 0x200000000ull } };
	struct v_ctx v;

	(void)state;
	assert_int_equal(v_check(&v, "protect 0xffffff80+128", big, 1), 0);
	assert_int_equal(v_check(&v, "protect 0x100000000+128", big, 1), -EINVAL);
	assert_int_equal(v.err.line, 1);
	assert_string_equal(v.err.token, "0x100000000-0x10000007f");
	assert_string_equal(v.err.reason,
			    "protect range above 4 GiB (spphv protects the first 4 GiB only)");
	assert_int_equal(v_check(&v, "memory 0x4000000-0x1ffffffff\nprotect 0xffffff80+0x100", big, 1),
			 -EINVAL);
	assert_int_equal(v.err.line, 2);
}

static void test_memory_lines_limit_protect(void **state)
{
	struct v_ctx v;

	(void)state;
	/* Firmware RAM covers 0x810000, the configured guest RAM does not. */
	v_fails("memory 0x800000-0x80ffff\nprotect 0x810000+128", 2,
		"0x810000-0x81007f", "protect range outside guest RAM");
	v_fails("memory 0x800000-0x80ffff\nmemory 0x820000+64K\nprotect 0x80ff80+0x100",
		3, "0x80ff80-0x81007f", "protect range outside guest RAM");
	v_fails("memory 0x800000-0x80ffff\nprotect 0x7fff80+128", 2,
		"0x7fff80-0x7fffff", "protect range outside guest RAM");
	assert_int_equal(v_check(&v, "memory 0x820000+64K\nmemory 0x800000+64K\n"
				 "memory 0x810000+64K\nprotect 0x80ff80+0x10100\n"
				 "protect 0x800000+128\nprotect 0x82ff80+128", v_ram, 1), 0);
	assert_int_equal(v.mem[0].start, 0x800000);
	assert_int_equal(v.mem[2].line, 1);
}

/* Differential check against a sub-page bitmap over a 1 MiB space: random
 * memory/protect/hypervisor layouts, validity must match the definition. */
#define D_SPACE   0x100000u
#define D_SUBS    (D_SPACE / 128)

static uint32_t d_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static bool d_expect(const struct config *c, const struct mem_range *ram,
		     const struct mem_range *hv)
{
	static unsigned char mem_owner[D_SUBS], prot_owner[D_SUBS];
	uint32_t i;
	uint64_t a;

	memset(mem_owner, 0, sizeof(mem_owner));
	memset(prot_owner, 0, sizeof(prot_owner));
	for (i = 0; i < c->memory_count; i++) {
		for (a = c->memory[i].start; a <= c->memory[i].end; a += 128) {
			if (mem_owner[a / 128] || a < ram->start || a >= ram->end ||
			    (a >= hv->start && a < hv->end))
				return false;
			mem_owner[a / 128] = 1;
		}
	}
	for (i = 0; i < c->protect_count; i++) {
		for (a = c->protect[i].start; a <= c->protect[i].end; a += 128) {
			bool in_ram = c->memory_count ? mem_owner[a / 128]
						      : a >= ram->start && a < ram->end;

			if (prot_owner[a / 128] || !in_ram || (a >= hv->start && a < hv->end))
				return false;
			prot_owner[a / 128] = 1;
		}
	}
	return true;
}

static void test_differential(void **state)
{
	uint32_t seed = 12345, round, valid = 0;
	struct v_ctx *v = malloc(sizeof(*v));

	(void)state;
	assert_non_null(v);
	for (round = 0; round < 4000; round++) {
		struct mem_range ram = { (d_rand(&seed) % 64) * 0x1000, D_SPACE - (d_rand(&seed) % 64) * 0x1000 };
		struct mem_range hv;
		uint32_t i, nm = d_rand(&seed) % 4, np = 1 + d_rand(&seed) % 8;
		bool expect;
		int r;

		hv.start = (d_rand(&seed) % 256) * 0x1000;
		hv.end = hv.start + (d_rand(&seed) % 16) * 0x1000;
		config_init(&v->c, v->mem, V_CAP, v->prot, V_CAP);
		for (i = 0; i < nm; i++) {
			v->mem[i].start = (d_rand(&seed) % 256) * 0x1000;
			v->mem[i].end = v->mem[i].start + (1 + d_rand(&seed) % 64) * 0x1000 - 1;
			if (v->mem[i].end >= D_SPACE)
				v->mem[i].end = D_SPACE - 1;
			v->mem[i].line = i + 1;
		}
		for (i = 0; i < np; i++) {
			v->prot[i].start = (d_rand(&seed) % D_SUBS) * 128;
			v->prot[i].end = v->prot[i].start + (1 + d_rand(&seed) % 48) * 128 - 1;
			if (v->prot[i].end >= D_SPACE)
				v->prot[i].end = D_SPACE - 1;
			v->prot[i].line = nm + i + 1;
		}
		v->c.memory_count = nm;
		v->c.protect_count = np;
		expect = d_expect(&v->c, &ram, &hv);
		r = config_validate(&v->c, &ram, 1, &hv, 1, &v->err);
		assert_int_equal(r, expect ? 0 : -EINVAL);
		if (r == 0) {
			valid++;
			for (i = 1; i < np; i++)
				assert_true(v->prot[i - 1].end < v->prot[i].start);
		} else {
			assert_true(v->err.line >= 1 && v->err.line <= nm + np);
		}
	}
	/* Both outcomes must be exercised for the check to mean anything. */
	assert_true(valid > 200 && valid < 3800);
	free(v);
}

static void test_format_error(void **state)
{
	struct config_error e = { .line = 3, .column = 9 };
	char buf[200];

	(void)state;
	strcpy(e.token, "0x800001-0x80007f");
	strcpy(e.reason, "protect range not aligned");
	assert_int_equal(config_format_error(&e, buf, sizeof(buf)), 64);
	assert_string_equal(buf, "config:3:9: protect range not aligned (near '0x800001-0x80007f')");
	/* Truncated but terminated; the return value is the full length. */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(config_format_error(&e, buf, 10), 64);
	assert_string_equal(buf, "config:3:");
	assert_int_equal(buf[10], 'Z');
	assert_int_equal(config_format_error(&e, buf, 1), 64);
	assert_string_equal(buf, "");
	buf[0] = 'Q';
	assert_int_equal(config_format_error(&e, buf, 0), 64);
	assert_int_equal(buf[0], 'Q');
	/* Column 0 and no token: a whole-line error names no position (it
	 * used to end in a wrong "(at end of line)"). */
	e.column = 0;
	e.line = 4294967295u;
	e.token[0] = '\0';
	assert_int_equal(config_format_error(&e, buf, sizeof(buf)), 44);
	assert_string_equal(buf, "config:4294967295: protect range not aligned");
	/* A column and no token: the parser ran out of line. */
	e.column = 7;
	assert_int_equal(config_format_error(&e, buf, sizeof(buf)), 63);
	assert_string_equal(buf, "config:4294967295:7: protect range not aligned (at end of line)");
	e.column = 0;
	/* Fields that are not terminated are read only within their bounds. */
	memset(e.token, 'T', sizeof(e.token));
	memset(e.reason, 'R', sizeof(e.reason));
	e.line = 0;
	/* "config:0" ": " 120 x R " (near '" 40 x T "')" */
	assert_int_equal(config_format_error(&e, buf, sizeof(buf)), 8 + 2 + 120 + 8 + 40 + 2);
	assert_int_equal(strlen(buf), 180);
}

static void test_parse_and_format_agree(void **state)
{
	struct config c;
	struct config_protect prot[1];
	struct config_error e;
	char buf[200];

	(void)state;
	config_init(&c, NULL, 0, prot, 1);
	assert_int_equal(config_parse(&c, "\nprotect", 8, &e), -EINVAL);
	config_format_error(&e, buf, sizeof(buf));
	assert_string_equal(buf, "config:2:8: expected range START-END or START+SIZE "
			    "(at end of line)");
	assert_int_equal(config_parse(&c, "spp\x01", 4, &e), -EINVAL);
	config_format_error(&e, buf, sizeof(buf));
	assert_string_equal(buf, "config:1:4: invalid character (near '?')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_after_validate),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_adjacent_ok),
		cmocka_unit_test(test_hypervisor_memory),
		cmocka_unit_test(test_guest_ram),
		cmocka_unit_test(test_protect_above_4gib),
		cmocka_unit_test(test_memory_lines_limit_protect),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_format_error),
		cmocka_unit_test(test_parse_and_format_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
