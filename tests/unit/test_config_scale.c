/* Scale: 10,000 generated protect lines parse and validate with no memory
 * beyond the caller's arrays, and the time grows linearly (n log n for the
 * sort) rather than quadratically. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "hv/config.h"
#include "hv/errno.h"
#include "hv/memrange.h"

#define S_BASE 0x10000000ull

static const struct mem_range s_ram[] = { { 0, 0x100000000ull } };
static const struct mem_range s_hv[] = { { 0x2000000, 0x3000000 } };

/* n lines protecting sub-page (k % 32) of page k, in a shuffled order. */
static char *s_generate(uint32_t n, size_t *len)
{
	uint32_t *order = malloc(n * sizeof(*order));
	char *text = malloc((size_t)n * 64 + 1);
	uint32_t i, seed = 7;
	size_t pos = 0;

	assert_non_null(order);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		uint32_t j, t;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 8) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		uint64_t start = S_BASE + (uint64_t)order[i] * 4096 + (order[i] % 32) * 128;

		pos += (size_t)sprintf(&text[pos], "protect 0x%llx+128 %s name=n%u\n",
				       (unsigned long long)start,
				       (order[i] % 3 == 0) ? "log" : "deny", order[i]);
	}
	free(order);
	*len = pos;
	return text;
}

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse + validate n lines with arrays of exactly n entries; seconds taken. */
static double s_run(uint32_t n, bool check)
{
	struct config_protect *prot = malloc((size_t)n * sizeof(*prot));
	struct config_error err;
	struct config c;
	size_t len;
	char *text = s_generate(n, &len);
	double t0, t1;
	uint32_t i;

	assert_non_null(prot);
	t0 = s_now();
	config_init(&c, NULL, 0, prot, n);
	assert_int_equal(config_parse(&c, text, len, &err), 0);
	assert_int_equal(config_validate(&c, s_ram, 1, s_hv, 1, &err), 0);
	t1 = s_now();
	assert_int_equal(c.protect_count, n);
	if (check) {
		for (i = 0; i < n; i++) {
			char name[16];

			assert_int_equal(prot[i].start, S_BASE + (uint64_t)i * 4096 + (i % 32) * 128);
			assert_int_equal(prot[i].end, prot[i].start + 127);
			assert_int_equal(prot[i].policy, i % 3 == 0 ? 1 : 0);
			sprintf(name, "n%u", i);
			assert_string_equal(prot[i].name, name);
		}
	}
	free(text);
	free(prot);
	return t1 - t0;
}

static void test_ten_thousand(void **state)
{
	(void)state;
	s_run(10000, true);
}

/* One entry short: the last line read is the one refused. */
static void test_capacity_exact(void **state)
{
	struct config_protect *prot = malloc(9999 * sizeof(*prot));
	struct config_error err;
	struct config c;
	size_t len;
	char *text = s_generate(10000, &len);

	(void)state;
	config_init(&c, NULL, 0, prot, 9999);
	assert_int_equal(config_parse(&c, text, len, &err), -ENOSPC);
	assert_int_equal(err.line, 10000);
	free(text);
	free(prot);
}

static double s_best(uint32_t n)
{
	double best = 1e9;
	int i;

	for (i = 0; i < 3; i++) {
		double t = s_run(n, false);

		if (t < best)
			best = t;
	}
	return best;
}

static void test_linear_time(void **state)
{
	double small, big;

	(void)state;
	small = s_best(10000);
	big = s_best(80000);
	print_message("10k lines: %.4f s, 80k lines: %.4f s (ratio %.1f)\n", small, big,
		      big / small);
	/* Linear is 8, n log n about 10, quadratic 64. */
	assert_true(big < small * 20 + 0.05);
}

/* The worst case for overlap detection: every range overlaps the next. */
static void test_overlap_found_at_scale(void **state)
{
	uint32_t n = 10000, i;
	struct config_protect *prot = malloc(n * sizeof(*prot));
	struct config_error err;
	struct config c;

	(void)state;
	config_init(&c, NULL, 0, prot, n);
	for (i = 0; i < n; i++) {
		prot[i] = (struct config_protect){
			.start = S_BASE + (uint64_t)(n - 1 - i) * 4096,
			.end = S_BASE + (uint64_t)(n - 1 - i) * 4096 + 4096 * 2 - 1,
			.line = i + 1,
		};
	}
	c.protect_count = n;
	assert_int_equal(config_validate(&c, s_ram, 1, s_hv, 1, &err), -EINVAL);
	/* Lowest addresses first: lines n (start S_BASE) and n-1 (S_BASE+4K). */
	assert_int_equal(err.line, n);
	assert_string_equal(err.reason, "protect range overlaps protect range on line 9999");
	free(prot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_capacity_exact),
		cmocka_unit_test(test_linear_time),
		cmocka_unit_test(test_overlap_found_at_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
