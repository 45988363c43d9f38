/* Effective MTRR memory type of a physical range, Intel SDM Vol. 3A 12.11.
 *
 * A range is cut into naturally aligned power-of-two blocks.  Each block is a
 * "cube": the addresses whose fixed bits equal a value while the low bits are
 * free.  A variable MTRR matches all, none or part of a cube, decided by its
 * mask bits alone; only partial matches need a split, on the highest free mask
 * bit, so a contiguous range costs a few cubes per MTRR boundary whatever the
 * size, and non-contiguous masks are still handled exactly. */
#include "ept/mtrr.h"
#include "hv/errno.h"

/* Cubes examined per query before giving up with -ERANGE.  Realistic layouts
 * (16 contiguous ranges) need well under a thousand. */
#define MTRR_CUBE_BUDGET 16384

/* A set of memory types, one bit per encoding. */
#define MTRR_TSET(t) (1u << (t))

struct mtrr_query {
	const struct mtrr_state *s;
	uint64_t addr_mask;   /* PhysMask/PhysBase bits MAXPHYADDR-1:12 */
	uint8_t def;
	int found;            /* the type seen so far, -1 before the first */
	int budget;
};

static uint8_t mtrr_sanitize(uint64_t t)
{
	switch (t) {
	case MTRR_TYPE_UC:
	case MTRR_TYPE_WC:
	case MTRR_TYPE_WT:
	case MTRR_TYPE_WP:
	case MTRR_TYPE_WB:
		return (uint8_t)t;
	default:
		return MTRR_TYPE_UC;
	}
}

/* The type of an address matched by exactly the variable ranges whose types
 * are in set, 12.11.4.1. */
static uint8_t mtrr_combine(unsigned set, uint8_t def)
{
	unsigned t;

	if (set == 0)
		return def;
	if ((set & (set - 1)) == 0) {
		for (t = 0; !(set & MTRR_TSET(t)); t++)
			;
		return (uint8_t)t;
	}
	if (set == (MTRR_TSET(MTRR_TYPE_WT) | MTRR_TSET(MTRR_TYPE_WB)))
		return MTRR_TYPE_WT;
	/* UC among them, or a combination the SDM leaves undefined. */
	return MTRR_TYPE_UC;
}

static int mtrr_note(struct mtrr_query *q, uint8_t type)
{
	if (q->found < 0)
		q->found = type;
	else if (q->found != type)
		return -ERANGE;
	return 0;
}

static uint64_t mtrr_top_bit(uint64_t v)
{
	uint64_t bit = 1;

	while (v >>= 1)
		bit <<= 1;
	return bit;
}

/* The cube {x : x & ~free == value}, value having no free bits set. */
static int mtrr_cube(struct mtrr_query *q, uint64_t value, uint64_t free)
{
	unsigned full = 0, part = 0, sub;
	uint64_t split = 0;
	uint8_t type;
	int ret;

	if (--q->budget < 0)
		return -ERANGE;

	for (unsigned i = 0; i < q->s->nvar; i++) {
		const struct mtrr_var *v = &q->s->var[i];
		uint64_t m = v->mask & q->addr_mask;
		uint64_t fixed = m & ~free;

		if (!(v->mask & MTRR_VAR_VALID))
			continue;
		if ((value & fixed) != (v->base & fixed))
			continue;
		if (m & free) {
			part |= MTRR_TSET(mtrr_sanitize(v->base & MTRR_VAR_TYPE_MASK));
			split |= m & free;
		} else {
			full |= MTRR_TSET(mtrr_sanitize(v->base & MTRR_VAR_TYPE_MASK));
		}
	}

	/* Only the set of types matters, so trying every subset of the partly
	 * matching types (at most 2^5) tells whether the split can change the
	 * answer; often it cannot (e.g. a WB range inside WB default memory). */
	type = mtrr_combine(full, q->def);
	for (sub = part; sub; sub = (sub - 1) & part)
		if (mtrr_combine(full | sub, q->def) != type)
			break;
	if (sub == 0)
		return mtrr_note(q, type);

	split = mtrr_top_bit(split);
	ret = mtrr_cube(q, value, free & ~split);
	if (ret)
		return ret;
	return mtrr_cube(q, value | split, free & ~split);
}

/* Fixed-range sub-range containing pa (< 1 MiB): register, byte and end. */
static void mtrr_fixed_slot(uint64_t pa, unsigned *reg, unsigned *byte, uint64_t *end)
{
	if (pa < 0x80000) {
		*reg = 0;
		*byte = (unsigned)(pa >> 16);
		*end = (pa | 0xffff) + 1;
	} else if (pa < 0xc0000) {
		*reg = 1 + (unsigned)((pa - 0x80000) >> 17);
		*byte = (unsigned)((pa >> 14) & 7);
		*end = (pa | 0x3fff) + 1;
	} else {
		*reg = 3 + (unsigned)((pa - 0xc0000) >> 15);
		*byte = (unsigned)((pa >> 12) & 7);
		*end = (pa | 0xfff) + 1;
	}
}

int mtrr_range_type(const struct mtrr_state *s, uint64_t start, uint64_t len,
		    uint8_t *type)
{
	struct mtrr_query q;
	uint64_t pa = start, end = start + len;
	int ret;

	if (!s || !type || s->nvar > MTRR_MAX_VAR || s->phys_addr_bits < 32 ||
	    s->phys_addr_bits > 52)
		return -EINVAL;
	if (len == 0 || end < start || end > (1ull << s->phys_addr_bits))
		return -EINVAL;

	if (!(s->def_type & MTRR_DEF_E)) {
		*type = MTRR_TYPE_UC;
		return 0;
	}

	q.s = s;
	q.addr_mask = ((1ull << s->phys_addr_bits) - 1) & ~0xfffull;
	q.def = mtrr_sanitize(s->def_type & MTRR_DEF_TYPE_MASK);
	q.found = -1;
	q.budget = MTRR_CUBE_BUDGET;

	if (s->def_type & MTRR_DEF_FE) {
		while (pa < end && pa < MTRR_FIXED_END) {
			unsigned reg, byte;
			uint64_t next;

			mtrr_fixed_slot(pa, &reg, &byte, &next);
			ret = mtrr_note(&q, mtrr_sanitize((s->fixed[reg] >> (byte * 8)) & 0xff));
			if (ret)
				return ret;
			pa = next;
		}
	}

	while (pa < end) {
		uint64_t size = pa ? pa & -pa : 1ull << 63;

		while (size > end - pa)
			size >>= 1;
		ret = mtrr_cube(&q, pa, size - 1);
		if (ret)
			return ret;
		pa += size;
	}

	*type = (uint8_t)q.found;
	return 0;
}

int mtrr_type_of(const struct mtrr_state *s, uint64_t pa, uint8_t *type)
{
	return mtrr_range_type(s, pa, 1, type);
}
