/* libFuzzer target: config_parse, config_validate and config_format_error on
 * arbitrary bytes.  Beyond the sanitizers it checks the parser's promises: an
 * accepted range is aligned and non-empty, names are in the charset, validated
 * ranges are sorted, disjoint and inside RAM and outside the hypervisor, and
 * error records are terminated, printable and carry a line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/config.h"
#include "hv/errno.h"
#include "hv/memrange.h"
#include "spp/spp_defs.h"

#define FZ_MEM_CAP 8
#define FZ_PROT_CAP 64

static const struct mem_range fz_ram[] = {
	{ 0, 0x9f000 }, { 0x100000, 0x10000000 },
};
static const struct mem_range fz_hv[] = { { 0x2000000, 0x3000000 } };

static void fz_check_string(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
	if (i == cap)
		abort();
}

static void fz_check_error(const struct config_error *e)
{
	char big[512], small[17];
	int n, m;

	fz_check_string(e->token, sizeof(e->token));
	fz_check_string(e->reason, sizeof(e->reason));
	if (e->line == 0 || e->reason[0] == '\0')
		abort();
	n = config_format_error(e, big, sizeof(big));
	m = config_format_error(e, small, sizeof(small));
	if (n != m || n < 0 || (size_t)n >= sizeof(big) || strlen(big) != (size_t)n ||
	    strncmp(big, small, sizeof(small) - 1) != 0 || strncmp(big, "config:", 7) != 0)
		abort();
}

static bool fz_in(const struct mem_range *set, size_t n, uint64_t a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a >= set[i].start && a < set[i].end)
			return true;
	return false;
}

static void fz_check_parsed(const struct config *c)
{
	uint32_t i;
	size_t k;

	for (i = 0; i < c->protect_count; i++) {
		const struct config_protect *p = &c->protect[i];
		size_t len = strnlen(p->name, CONFIG_NAME_MAX);

		if (p->end < p->start || p->start % 128 || (p->end + 1) % 128 ||
		    p->policy > SPP_POLICY_HALT || len == 0 || len == CONFIG_NAME_MAX)
			abort();
		for (k = 0; k < len; k++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_.-", p->name[k]))
				abort();
	}
	for (i = 0; i < c->memory_count; i++)
		if (c->memory[i].end < c->memory[i].start || c->memory[i].start % 4096 ||
		    (c->memory[i].end + 1) % 4096)
			abort();
	if (c->log_rate > CONFIG_LOG_RATE_MAX || c->spp_mode > CONFIG_SPP_OFF)
		abort();
}

/* Sampled at both ends and at sub-page steps for small ranges. */
static void fz_check_valid(const struct config *c)
{
	uint32_t i;

	for (i = 0; i < c->protect_count; i++) {
		const struct config_protect *p = &c->protect[i];
		uint64_t a;

		if (i > 0 && c->protect[i - 1].end >= p->start)
			abort();
		for (a = p->start; a <= p->end && a - p->start < 0x10000; a += 128) {
			if (!fz_in(fz_ram, 2, a) || fz_in(fz_hv, 1, a))
				abort();
		}
		if (!fz_in(fz_ram, 2, p->end) || fz_in(fz_hv, 1, p->end))
			abort();
	}
	for (i = 1; i < c->memory_count; i++)
		if (c->memory[i - 1].end >= c->memory[i].start)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_memory mem[FZ_MEM_CAP];
	struct config_protect prot[FZ_PROT_CAP];
	struct config_error err;
	struct config c;
	uint64_t a, b;
	int r;

	config_init(&c, mem, FZ_MEM_CAP, prot, FZ_PROT_CAP);
	r = config_parse(&c, (const char *)data, size, &err);
	if (r != 0 && r != -EINVAL && r != -ENOSPC)
		abort();
	if (r < 0) {
		fz_check_error(&err);
	} else {
		fz_check_parsed(&c);
		r = config_validate(&c, fz_ram, 2, fz_hv, 1, &err);
		if (r == 0)
			fz_check_valid(&c);
		else if (r == -EINVAL)
			fz_check_error(&err);
		else
			abort();
	}
	/* The building blocks on the raw bytes too. */
	if (config_parse_range((const char *)data, size, &a, &b) == 0 && b < a)
		abort();
	(void)config_parse_number((const char *)data, size, &a);
	return 0;
}
