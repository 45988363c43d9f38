/* Validation of parsed ranges against the machine: sorted once (heap sort, in
 * place, O(n log n) with no scratch memory), then overlaps between neighbours
 * and containment are checked in one linear pass.  Errors carry the offending
 * line; the token is the range in canonical hex since columns are gone. */
#include "hv/config.h"
#include "hv/config_internal.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/memrange.h"

typedef bool (*chk_less_fn)(const void *a, const void *b);

static void chk_swap(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void chk_sift(unsigned char *base, size_t size, size_t root, size_t n,
		     chk_less_fn less)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && less(base + child * size, base + (child + 1) * size))
			child++;
		if (!less(base + root * size, base + child * size))
			return;
		chk_swap(base + root * size, base + child * size, size);
		root = child;
	}
}

static void chk_heapsort(void *v, size_t n, size_t size, chk_less_fn less)
{
	unsigned char *base = v;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		chk_sift(base, size, i, n, less);
	for (i = n - 1; i > 0; i--) {
		chk_swap(base, base + i * size, size);
		chk_sift(base, size, 0, i, less);
	}
}

/* Ties broken by line so the order, and hence the error reported, is fixed. */
static bool chk_less_memory(const void *a, const void *b)
{
	const struct config_memory *x = a, *y = b;

	return x->start < y->start || (x->start == y->start && x->line < y->line);
}

static bool chk_less_protect(const void *a, const void *b)
{
	const struct config_protect *x = a, *y = b;

	return x->start < y->start || (x->start == y->start && x->line < y->line);
}

static int chk_fail(struct config_error *err, uint32_t line, uint64_t start,
		    uint64_t end, const char *reason, uint32_t other_line)
{
	char tok[40], msg[100];
	size_t n, k;

	if (!err)
		return -EINVAL;
	n = config_fmt_hex(tok, start);
	tok[n++] = '-';
	n += config_fmt_hex(&tok[n], end);
	k = strlen(reason);
	memcpy(msg, reason, k);
	if (other_line) {
		memcpy(&msg[k], " on line ", 9);
		k += 9;
		k += config_fmt_dec(&msg[k], other_line);
	}
	msg[k] = '\0';
	config_error_set(err, line, 0, tok, n, msg);
	return -EINVAL;
}

/* Inclusive [start, end] as a half-open range; false when it reaches 2^64,
 * which no RAM range can contain. */
static bool chk_half_open(uint64_t start, uint64_t end, struct mem_range *r)
{
	if (end == UINT64_MAX)
		return false;
	r->start = start;
	r->end = end + 1;
	return true;
}

static int chk_memory(struct config *c, const struct mem_range *ram, size_t nram,
		      const struct mem_range *hv, size_t nhv, struct config_error *err)
{
	uint32_t i;

	chk_heapsort(c->memory, c->memory_count, sizeof(c->memory[0]), chk_less_memory);
	for (i = 0; i < c->memory_count; i++) {
		const struct config_memory *m = &c->memory[i];
		struct mem_range r;

		if (i > 0 && c->memory[i - 1].end >= m->start) {
			const struct config_memory *p = &c->memory[i - 1];
			const struct config_memory *late = p->line > m->line ? p : m;

			return chk_fail(err, late->line, late->start, late->end,
					"memory range overlaps memory range",
					p->line > m->line ? m->line : p->line);
		}
		if (!chk_half_open(m->start, m->end, &r) ||
		    !memrange_set_covers(ram, nram, &r))
			return chk_fail(err, m->line, m->start, m->end,
					"memory range outside the RAM the firmware reports", 0);
		if (memrange_set_overlaps(hv, nhv, &r, NULL))
			return chk_fail(err, m->line, m->start, m->end,
					"memory range overlaps hypervisor memory", 0);
	}
	return 0;
}

/* Memory ranges are sorted and disjoint, queries come in increasing start
 * order: *idx only moves forward, so all queries together are linear. */
static bool chk_memory_covers(const struct config *c, uint32_t *idx, uint64_t s,
			      uint64_t e)
{
	uint32_t j;

	while (*idx < c->memory_count && c->memory[*idx].end < s)
		(*idx)++;
	for (j = *idx; j < c->memory_count && c->memory[j].start <= s; j++) {
		if (c->memory[j].end >= e)
			return true;
		s = c->memory[j].end + 1;
	}
	return false;
}

int config_validate(struct config *c, const struct mem_range *guest_ram, size_t nram,
		    const struct mem_range *hv_mem, size_t nhv, struct config_error *err)
{
	uint32_t i, idx = 0;
	int r;

	if (err)
		memset(err, 0, sizeof(*err));
	if ((r = chk_memory(c, guest_ram, nram, hv_mem, nhv, err)) < 0)
		return r;
	chk_heapsort(c->protect, c->protect_count, sizeof(c->protect[0]), chk_less_protect);
	for (i = 0; i < c->protect_count; i++) {
		const struct config_protect *p = &c->protect[i];
		struct mem_range hr;
		bool half_open = chk_half_open(p->start, p->end, &hr);

		if (i > 0 && c->protect[i - 1].end >= p->start) {
			const struct config_protect *q = &c->protect[i - 1];
			const struct config_protect *late = q->line > p->line ? q : p;

			return chk_fail(err, late->line, late->start, late->end,
					"protect range overlaps protect range",
					q->line > p->line ? p->line : q->line);
		}
		if (p->end >= CONFIG_PROTECT_LIMIT)
			return chk_fail(err, p->line, p->start, p->end,
					"protect range above 4 GiB (spphv protects the first 4 GiB only)",
					0);
		if (half_open && memrange_set_overlaps(hv_mem, nhv, &hr, NULL))
			return chk_fail(err, p->line, p->start, p->end,
					"protect range overlaps hypervisor memory", 0);
		if (c->memory_count ? !chk_memory_covers(c, &idx, p->start, p->end)
				    : !half_open || !memrange_set_covers(guest_ram, nram, &hr))
			return chk_fail(err, p->line, p->start, p->end,
					"protect range outside guest RAM", 0);
	}
	return 0;
}
