/* vmx_caps_line: the `vmx-caps:` records are split between whole items, so
 * no record is cut mid-word (it used to end in "... exit-s" at 319 bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx_caps.h"

/* Every capability present: the longest possible report. */
static size_t all_items(struct vmx_cap_item *items)
{
	struct vmx_caps c;

	for (size_t i = 0; i < sizeof(c); i++)
		((unsigned char *)&c)[i] = 1;
	return vmx_caps_report(&c, items, VMX_CAPS_REPORT_MAX);
}

/* Splits the whole report with a buffer of cap bytes and checks that the
 * records, joined, are exactly the items in order, each record fitting. */
static size_t split_and_check(size_t cap)
{
	struct vmx_cap_item items[VMX_CAPS_REPORT_MAX];
	size_t n = all_items(items), i = 0, records = 0, want = 0;
	char buf[512], joined[2048] = "", expect[2048] = "";

	for (size_t k = 0; k < n; k++) {
		want += (size_t)snprintf(expect + want, sizeof(expect) - want, "%s%s=yes",
					 k ? " " : "", items[k].name);
	}
	while (i < n) {
		size_t next = vmx_caps_line(items, n, i, buf, cap);

		assert_true(next > i);
		assert_true(strlen(buf) < cap);
		if (records)
			strcat(joined, " ");
		strcat(joined, buf);
		records++;
		i = next;
	}
	assert_string_equal(joined, expect);
	return records;
}

static void test_split_never_cuts(void **state)
{
	(void)state;
	/* All 26 items with "=yes" take more than one hypervisor record. */
	assert_int_equal(split_and_check(VMX_CAPS_LINE_MAX), 2);
	assert_int_equal(split_and_check(sizeof(char[512])), 1);
	assert_true(split_and_check(24) > 10);
}

static void test_record_fits_the_log_line(void **state)
{
	struct vmx_cap_item items[VMX_CAPS_REPORT_MAX];
	size_t n = all_items(items);
	char buf[VMX_CAPS_LINE_MAX];
	/* "hv[" + 20 TSC digits + "] error: " + "vmx-caps: " */
	const size_t prefix = 3 + 20 + 9 + 10;

	vmx_caps_line(items, n, 0, buf, sizeof(buf));
	(void)state;
	assert_true(prefix + strlen(buf) <= 319);
}

static void test_edges(void **state)
{
	struct vmx_cap_item items[2] = { { "EPT", true }, { "unrestricted-guest", false } };
	char buf[16];

	(void)state;
	/* Too small for the first item: nothing written, no progress. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(vmx_caps_line(items, 2, 0, buf, 7), 0);
	assert_string_equal(buf, "");
	/* Exactly fits "EPT=yes" plus NUL. */
	assert_int_equal(vmx_caps_line(items, 2, 0, buf, 8), 1);
	assert_string_equal(buf, "EPT=yes");
	/* The second item alone does not fit in 16 bytes either. */
	assert_int_equal(vmx_caps_line(items, 2, 1, buf, sizeof(buf)), 1);
	assert_int_equal(vmx_caps_line(items, 2, 2, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "");
	assert_int_equal(vmx_caps_line(items, 2, 0, NULL, 8), 0);
	assert_int_equal(vmx_caps_line(items, 2, 0, buf, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_never_cuts),
		cmocka_unit_test(test_record_fits_the_log_line),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
