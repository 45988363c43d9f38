/* Configuration parser: the format of docs/config.md, byte by byte.  Expected
 * values are worked out from the format (hex arithmetic in the comments), not
 * copied from the parser's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/config.h"
#include "hv/errno.h"
#include "spp/spp_defs.h"

#define T_CAP 8

struct t_ctx {
	struct config c;
	struct config_memory mem[T_CAP];
	struct config_protect prot[T_CAP];
	struct config_error err;
};

static int t_parse_n(struct t_ctx *t, const char *text, size_t len)
{
	config_init(&t->c, t->mem, T_CAP, t->prot, T_CAP);
	return config_parse(&t->c, text, len, &t->err);
}

static int t_parse(struct t_ctx *t, const char *text)
{
	return t_parse_n(t, text, strlen(text));
}

/* Parse must fail with -EINVAL at line:col, the given token and a reason
 * containing the given words. */
static void t_fails(const char *text, uint32_t line, uint32_t col, const char *tok,
		    const char *reason_part)
{
	struct t_ctx t;

	assert_int_equal(t_parse(&t, text), -EINVAL);
	assert_int_equal(t.err.line, line);
	assert_int_equal(t.err.column, col);
	assert_string_equal(t.err.token, tok);
	assert_non_null(strstr(t.err.reason, reason_part));
}

static void test_defaults(void **state)
{
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse(&t, ""), 0);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_AUTO);
	assert_int_equal(t.c.log_rate, 100);
	assert_true(t.c.hypercall_lock);
	assert_false(t.c.has_spp || t.c.has_log_rate || t.c.has_hypercall_lock);
	assert_int_equal(t.c.memory_count + t.c.protect_count, 0);
	assert_int_equal(t_parse(&t, "\n\n   \t\n# comment only\n  # indented\n"), 0);
	assert_int_equal(t.c.protect_count, 0);
}

static void test_demo_lines(void **state)
{
	static const char text[] =
		"protect 0x800000-0x80007f deny name=guard-first\n"
		"protect 0x800f80-0x800fff deny name=guard-last # last sub-page\n"
		"protect 0x801100+0x100 log name=audit\n"
		"\tprotect\t0x802000+4K   deny name=ro-page\n"
		"protect 0x803400+0x80 halt name=tripwire\n"
		"protect 8388608+128\n"
		"memory 0x100000-0xfffffff\n"
		"spp sw\nlog-rate 0x10/s\nhypercall-lock off";
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse(&t, text), 0);
	assert_int_equal(t.c.protect_count, 6);
	assert_int_equal(t.prot[0].start, 0x800000);
	assert_int_equal(t.prot[0].end, 0x80007f);
	assert_int_equal(t.prot[0].policy, SPP_POLICY_DENY);
	assert_string_equal(t.prot[0].name, "guard-first");
	assert_int_equal(t.prot[0].line, 1);
	assert_int_equal(t.prot[1].end, 0x800fff);
	/* 0x801100 + 0x100 - 1 */
	assert_int_equal(t.prot[2].end, 0x8011ff);
	assert_int_equal(t.prot[2].policy, SPP_POLICY_LOG);
	/* 4K = 0x1000 */
	assert_int_equal(t.prot[3].start, 0x802000);
	assert_int_equal(t.prot[3].end, 0x802fff);
	assert_string_equal(t.prot[3].name, "ro-page");
	assert_int_equal(t.prot[4].end, 0x80347f);
	assert_int_equal(t.prot[4].policy, SPP_POLICY_HALT);
	/* 8388608 = 0x800000; default policy deny, default name from the start. */
	assert_int_equal(t.prot[5].start, 0x800000);
	assert_int_equal(t.prot[5].end, 0x80007f);
	assert_int_equal(t.prot[5].policy, SPP_POLICY_DENY);
	assert_string_equal(t.prot[5].name, "r0x800000");
	assert_int_equal(t.c.memory_count, 1);
	assert_int_equal(t.mem[0].start, 0x100000);
	assert_int_equal(t.mem[0].end, 0xfffffff);
	assert_int_equal(t.mem[0].line, 7);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_SW);
	assert_int_equal(t.c.log_rate, 16);
	assert_false(t.c.hypercall_lock);
	assert_true(t.c.has_spp && t.c.has_log_rate && t.c.has_hypercall_lock);
}

static void test_options_any_order(void **state)
{
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse(&t, "protect 0+128 name=x.Y_9-z halt"), 0);
	assert_int_equal(t.prot[0].policy, SPP_POLICY_HALT);
	assert_string_equal(t.prot[0].name, "x.Y_9-z");
	assert_int_equal(t_parse(&t, "protect 0+128"), 0);
	assert_string_equal(t.prot[0].name, "r0x0");
	assert_int_equal(t_parse(&t, "protect 0xFFFFFFFFFFFFFF80-0xffffffffffffffff"), 0);
	assert_string_equal(t.prot[0].name, "r0xffffffffffffff80");
	/* 31 characters is the longest name. */
	assert_int_equal(t_parse(&t, "protect 0+128 name=abcdefghijklmnopqrstuvwxyz01234"), 0);
	assert_int_equal(strlen(t.prot[0].name), 31);
}

static void test_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(config_parse_number("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse_number("0010", 4, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(config_parse_number("0X1f", 4, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(config_parse_number("4k", 2, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(config_parse_number("0x10K", 5, &v), 0);
	assert_int_equal(v, 0x4000);
	assert_int_equal(config_parse_number("256M", 4, &v), 0);
	assert_int_equal(v, 0x10000000);
	assert_int_equal(config_parse_number("3G", 2, &v), 0);
	assert_int_equal(v, 0xc0000000ull);
	assert_int_equal(config_parse_number("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(config_parse_number("0xffffffffffffffff", 18, &v), 0);
	assert_true(v == UINT64_MAX);
	/* 2^34 G = 2^64: one too many. 2^34 - 1 G still fits. */
	assert_int_equal(config_parse_number("17179869183G", 12, &v), 0);
	assert_true(v == (UINT64_MAX >> 30) << 30);
	assert_int_equal(config_parse_number("17179869184G", 12, &v), -ERANGE);
	assert_int_equal(config_parse_number("18446744073709551616", 20, &v), -ERANGE);
	assert_int_equal(config_parse_number("0x10000000000000000", 19, &v), -ERANGE);
	assert_int_equal(config_parse_number("99999999999999999999999z", 24, &v), -EINVAL);
	assert_int_equal(config_parse_number("", 0, &v), -EINVAL);
	assert_int_equal(config_parse_number("0x", 2, &v), -EINVAL);
	assert_int_equal(config_parse_number("K", 1, &v), -EINVAL);
	assert_int_equal(config_parse_number("1KK", 3, &v), -EINVAL);
	assert_int_equal(config_parse_number("12a", 3, &v), -EINVAL);
	assert_int_equal(config_parse_number("0b11", 4, &v), -EINVAL);
	assert_int_equal(config_parse_number("-1", 2, &v), -EINVAL);
	assert_int_equal(config_parse_number(" 1", 2, &v), -EINVAL);
	assert_int_equal(config_parse_number("1T", 2, &v), -EINVAL);
	/* len is honoured: the rest of the buffer is not read. */
	assert_int_equal(config_parse_number("12xyz", 2, &v), 0);
	assert_int_equal(v, 12);
}

static void test_ranges(void **state)
{
	uint64_t s, e;

	(void)state;
	assert_int_equal(config_parse_range("4K-8K", 5, &s, &e), 0);
	assert_int_equal(s, 0x1000);
	assert_int_equal(e, 0x2000);
	assert_int_equal(config_parse_range("5-5", 3, &s, &e), 0);
	assert_int_equal(s, 5);
	assert_int_equal(e, 5);
	assert_int_equal(config_parse_range("0x1000+1", 8, &s, &e), 0);
	assert_int_equal(e, 0x1000);
	/* START+SIZE ending exactly at 2^64 - 1, and one byte further. */
	assert_int_equal(config_parse_range("0xffffffffffffff80+0x80", 23, &s, &e), 0);
	assert_true(e == UINT64_MAX);
	assert_int_equal(config_parse_range("0xffffffffffffff80+0x81", 23, &s, &e), -ERANGE);
	/* 1 + (2^64 - 1) - 1 = 2^64 - 1 still fits, 2 + (2^64 - 1) - 1 does not. */
	assert_int_equal(config_parse_range("1+18446744073709551615", 22, &s, &e), 0);
	assert_true(e == UINT64_MAX);
	assert_int_equal(config_parse_range("2+18446744073709551615", 22, &s, &e), -ERANGE);
	assert_int_equal(config_parse_range("0+18446744073709551615", 22, &s, &e), 0);
	assert_true(e == UINT64_MAX - 1);
	assert_int_equal(config_parse_range("5-4", 3, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("5+0", 3, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("5", 1, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("5-", 2, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("-5", 2, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("1-2-3", 5, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("1+2+3", 5, &s, &e), -EINVAL);
	assert_int_equal(config_parse_range("", 0, &s, &e), -EINVAL);
}

static void test_spp_modes(void **state)
{
	enum config_spp_mode m = CONFIG_SPP_OFF;
	struct t_ctx t;

	(void)state;
	assert_int_equal(config_parse_spp_mode("auto", 4, &m), 0);
	assert_int_equal(m, CONFIG_SPP_AUTO);
	assert_int_equal(config_parse_spp_mode("hw", 2, &m), 0);
	assert_int_equal(m, CONFIG_SPP_HW);
	assert_int_equal(config_parse_spp_mode("off", 3, &m), 0);
	assert_int_equal(m, CONFIG_SPP_OFF);
	assert_int_equal(config_parse_spp_mode("HW", 2, &m), -EINVAL);
	assert_int_equal(config_parse_spp_mode("h", 1, &m), -EINVAL);
	assert_int_equal(config_parse_spp_mode("offf", 4, &m), -EINVAL);
	assert_int_equal(t_parse(&t, "spp hw"), 0);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_HW);
	assert_string_equal(config_spp_mode_name(CONFIG_SPP_SW), "sw");
	assert_string_equal(config_spp_mode_name((enum config_spp_mode)9), "?");
	assert_string_equal(config_policy_name(SPP_POLICY_LOG), "log");
	assert_string_equal(config_policy_name(7), "?");
}

static void test_line_endings(void **state)
{
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse(&t, "spp hw\r\nlog-rate 5/s\r\n"), 0);
	assert_int_equal(t.c.log_rate, 5);
	assert_int_equal(t_parse(&t, "protect 0+128 name=a\r"), 0);
	assert_string_equal(t.prot[0].name, "a");
	assert_int_equal(t_parse(&t, "spp off# no blank needed before a comment"), 0);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_OFF);
	/* Anything but NUL may appear in a comment, UTF-8 included. */
	assert_int_equal(t_parse(&t, "# \xc3\xa9t\xc3\xa9 \x01\x7f\r\rx\nspp sw"), 0);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_SW);
	/* A CR that does not end the line is not a blank. */
	t_fails("spp\rhw\n", 1, 4, "?", "invalid character");
	t_fails("spp hw\r\r\n", 1, 7, "?", "invalid character");
	t_fails("spp h\x80w", 1, 6, "?", "invalid character");
	t_fails("spp\vhw", 1, 4, "?", "invalid character");
}

static void test_nul(void **state)
{
	static const char text[] = "spp hw\n# x\0y\nspp sw";
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse_n(&t, text, sizeof(text) - 1), -EINVAL);
	assert_int_equal(t.err.line, 2);
	assert_int_equal(t.err.column, 4);
	assert_non_null(strstr(t.err.reason, "NUL"));
	assert_int_equal(t_parse_n(&t, "\0", 1), -EINVAL);
	assert_int_equal(t.err.line, 1);
	assert_int_equal(t.err.column, 1);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	t_fails("protct 0+128", 1, 1, "protct", "unknown directive");
	t_fails("\n\n  Spp hw", 3, 3, "Spp", "unknown directive");
	t_fails("protect", 1, 8, "", "expected range");
	t_fails("protect   # nothing", 1, 11, "", "expected range");
	t_fails("protect 0x800000", 1, 9, "0x800000", "expected range");
	t_fails("protect 0x80zz00-0x80007f", 1, 9, "0x80zz00", "bad number");
	t_fails("protect 0x800000-0x8000g7f", 1, 18, "0x8000g7f", "bad number");
	t_fails("protect 0x800000-", 1, 9, "0x800000-", "bad number");
	t_fails("memory 0x10000000000000000-0x1", 1, 8, "0x10000000000000000", "too large");
	t_fails("protect 0x800080-0x80007f", 1, 9, "0x800080-0x80007f", "empty range");
	t_fails("protect 0x800000+0", 1, 9, "0x800000+0", "empty range");
	t_fails("protect 0xffffffffffffff80+0x100", 1, 9, "0xffffffffffffff80+0x100", "wraps");
	t_fails("spp auto extra", 1, 10, "extra", "unexpected token");
	t_fails("protect 0+128 deny name=a junk", 1, 27, "junk", "unknown protect option");
	t_fails("protect 0+128 rw", 1, 15, "rw", "unknown protect option");
	t_fails("protect 0+128 DENY", 1, 15, "DENY", "unknown protect option");
	t_fails("protect 0+128 deny log", 1, 20, "log", "policy given twice");
	t_fails("protect 0+128 name=a name=b", 1, 22, "name=b", "name given twice");
	t_fails("protect 0+128 name=", 1, 15, "name=", "bad name");
	t_fails("protect 0+128 name=a/b", 1, 15, "name=a/b", "bad name");
	t_fails("protect 0+128 name=abcdefghijklmnopqrstuvwxyz012345", 1, 15,
		"name=abcdefghijklmnopqrstuvwxyz012345", "bad name");
	t_fails("spp", 1, 4, "", "expected auto");
	t_fails("spp on", 1, 5, "on", "unknown spp mode");
	t_fails("spp hw\n\nspp sw", 3, 1, "spp", "duplicate spp (first on line 1)");
	t_fails("log-rate 5/s\nlog-rate 5/s", 2, 1, "log-rate", "duplicate log-rate (first on line 1)");
	t_fails("hypercall-lock on\nhypercall-lock on", 2, 1, "hypercall-lock",
		"duplicate hypercall-lock (first on line 1)");
	t_fails("hypercall-lock yes", 1, 16, "yes", "expected on or off");
	t_fails("hypercall-lock", 1, 15, "", "expected on or off");
	t_fails("log-rate 100", 1, 10, "100", "expected N/s");
	t_fails("log-rate /s", 1, 10, "/s", "expected N/s");
	t_fails("log-rate x/s", 1, 10, "x/s", "bad number");
	t_fails("log-rate 5K/s", 1, 10, "5K/s", "bad number");
	t_fails("log-rate 1000001/s", 1, 10, "1000001/s", "out of range");
	t_fails("log-rate 99999999999999999999999/s", 1, 10,
		"99999999999999999999999/s", "out of range");
	t_fails("log-rate 5 /s", 1, 10, "5", "expected N/s");
}

static void test_log_rate_bounds(void **state)
{
	struct t_ctx t;

	(void)state;
	assert_int_equal(t_parse(&t, "log-rate 0/s"), 0);
	assert_int_equal(t.c.log_rate, 0);
	assert_int_equal(t_parse(&t, "log-rate 1000000/s"), 0);
	assert_int_equal(t.c.log_rate, 1000000);
}

static void test_alignment(void **state)
{
	struct t_ctx t;

	(void)state;
	/* Neither widened nor narrowed: each misaligned edge is an error. */
	t_fails("protect 0x800001-0x80007f", 1, 9, "0x800001-0x80007f", "not aligned");
	t_fails("protect 0x800000-0x80007e", 1, 9, "0x800000-0x80007e", "not aligned");
	t_fails("protect 0x800000+100", 1, 9, "0x800000+100", "not aligned");
	t_fails("protect 0x800040+0x80", 1, 9, "0x800040+0x80", "not aligned");
	t_fails("memory 0x1000-0x1ffe", 1, 8, "0x1000-0x1ffe", "not 4 KiB aligned");
	t_fails("memory 0x1080+4K", 1, 8, "0x1080+4K", "not 4 KiB aligned");
	assert_int_equal(t_parse(&t, "memory 0x1000-0x1fff\nmemory 1M+1M"), 0);
	assert_int_equal(t.mem[1].start, 0x100000);
	assert_int_equal(t.mem[1].end, 0x1fffff);
	assert_int_equal(t_parse(&t, "protect 0x800080+128"), 0);
	assert_int_equal(t.prot[0].end, 0x8000ff);
}

static void test_capacity(void **state)
{
	struct config c;
	struct config_protect prot[2];
	struct config_memory mem[1];
	struct config_error err;

	(void)state;
	config_init(&c, mem, 1, prot, 2);
	assert_int_equal(config_parse(&c, "protect 0+128\nprotect 128+128\n"
				      "protect 256+128\n", 46, &err), -ENOSPC);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 9);
	assert_string_equal(err.reason, "more ranges than memory allows");
	assert_int_equal(c.protect_count, 2);
	config_init(&c, NULL, 5, prot, 2);
	assert_int_equal(config_parse(&c, "memory 0+4K", 11, &err), -ENOSPC);
	assert_int_equal(err.line, 1);
	/* A syntax error on a line beyond capacity is still a syntax error. */
	config_init(&c, mem, 1, prot, 0);
	assert_int_equal(config_parse(&c, "protect 0+127", 13, &err), -EINVAL);
}

static void test_long_lines(void **state)
{
	size_t n = 200000, i;
	char *text = malloc(n + 64);
	struct t_ctx t;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		text[i] = (i % 2) ? ' ' : '\t';
	strcpy(&text[n], "spp off");
	assert_int_equal(t_parse(&t, text), 0);
	assert_int_equal(t.c.spp_mode, CONFIG_SPP_OFF);
	strcpy(&text[n], "spp of");
	assert_int_equal(t_parse(&t, text), -EINVAL);
	assert_int_equal(t.err.column, n + 5);
	/* A huge token is reported shortened, not overflowing the record. */
	for (i = 0; i < n; i++)
		text[i] = 'a';
	text[n] = '\0';
	assert_int_equal(t_parse(&t, text), -EINVAL);
	assert_int_equal(strlen(t.err.token), 39);
	assert_string_equal(&t.err.token[36], "...");
	assert_int_equal(t.err.token[35], 'a');
	free(text);
}

static void test_null_error_record(void **state)
{
	struct config c;
	struct config_protect prot[1];

	(void)state;
	config_init(&c, NULL, 0, prot, 1);
	assert_int_equal(config_parse(&c, "bogus", 5, NULL), -EINVAL);
	assert_int_equal(config_parse(&c, "protect 0+128\nprotect 128+128", 29, NULL), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_demo_lines),
		cmocka_unit_test(test_options_any_order),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_spp_modes),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_log_rate_bounds),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_null_error_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
