/* Identity-mapping EPT builder, Intel SDM Vol. 3C 29.3; see ept/ept.h. */
#include <stddef.h>

#include "ept/ept.h"
#include "hv/errno.h"

/* MTRR types go straight into EPT leaves (Vol. 3A table 12-8, Vol. 3C 29.3.7). */
_Static_assert(MTRR_TYPE_UC == EPT_MT_UC && MTRR_TYPE_WC == EPT_MT_WC &&
	       MTRR_TYPE_WT == EPT_MT_WT && MTRR_TYPE_WP == EPT_MT_WP &&
	       MTRR_TYPE_WB == EPT_MT_WB, "MTRR and EPT memory types differ");

/* Bits a split copies from a large leaf into its 512 children. */
#define EPT_INHERIT (EPT_RWX | EPT_MT_MASK | EPT_IGNORE_PAT | EPT_ACCESSED | \
		     EPT_DIRTY | EPT_USER_EXEC | EPT_SUPPRESS_VE)

static uint64_t ept_level_size(int level)
{
	return EPT_SIZE_4K << (9 * (level - 1));
}

static unsigned ept_index(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static uint64_t *ept_table(const struct ept *e, uint64_t pa)
{
	return e->ops->phys_to_virt(e->ops->ctx, pa & EPT_ADDR_MASK);
}

static bool ept_is_leaf(uint64_t entry, int level)
{
	/* Bit 7 is reserved in a PML4E, Vol. 3C 29.3.2. */
	return level == 1 || (level <= 3 && (entry & EPT_LARGE));
}

/* Release order: a table's contents are visible before the entry that links
 * it, for a guest running on another CPU during a split. */
static void ept_set(uint64_t *slot, uint64_t val)
{
	__atomic_store_n(slot, val, __ATOMIC_RELEASE);
}

static int ept_alloc(struct ept *e, uint64_t *pa)
{
	uint64_t p = e->ops->alloc_page(e->ops->ctx);

	if (!p)
		return -ENOMEM;
	if (p & ~EPT_ADDR_MASK)
		return -EFAULT;
	e->pages_used++;
	*pa = p;
	return 0;
}

int ept_init(struct ept *e, const struct page_ops *ops, bool allow_2m, bool allow_1g)
{
	if (!e || !ops || !ops->alloc_page || !ops->phys_to_virt)
		return -EINVAL;
	e->ops = ops;
	e->root_pa = 0;
	e->pages_used = 0;
	e->allow_2m = allow_2m;
	e->allow_1g = allow_1g;
	return ept_alloc(e, &e->root_pa);
}

/* -EEXIST if any entry in use maps part of [start, end). */
static int ept_check_free(const struct ept *e, uint64_t table_pa, int level,
			  uint64_t start, uint64_t end)
{
	const uint64_t *t = ept_table(e, table_pa);
	uint64_t size = ept_level_size(level);

	for (uint64_t a = start & ~(size - 1); a < end; a += size) {
		uint64_t entry = t[ept_index(a, level)];
		uint64_t lo = a > start ? a : start;
		uint64_t hi = a + size < end ? a + size : end;
		int ret;

		if (!entry)
			continue;
		if (ept_is_leaf(entry, level))
			return -EEXIST;
		ret = ept_check_free(e, entry, level - 1, lo, hi);
		if (ret)
			return ret;
	}
	return 0;
}

struct ept_map_args {
	uint64_t perms;
	const struct mtrr_state *mtrr;
};

/* The MTRR type of [a, a + size): >= 0 when uniform, -1 when mixed. */
static int ept_block_type(const struct ept_map_args *m, uint64_t a, uint64_t size,
			  int *type)
{
	uint8_t t;
	int ret;

	if (!m->mtrr) {
		*type = EPT_MT_WB;
		return 0;
	}
	ret = mtrr_range_type(m->mtrr, a, size, &t);
	if (ret == -ERANGE) {
		*type = -1;
		return 0;
	}
	if (ret)
		return ret;
	*type = t;
	return 0;
}

static bool ept_large_ok(const struct ept *e, int level)
{
	return (level == 3 && e->allow_1g) || (level == 2 && e->allow_2m);
}

/* Maps [start, end) below the table at table_pa; known is the MTRR type of
 * the whole table's span when already established, else -1. */
static int ept_map_level(struct ept *e, uint64_t table_pa, int level, uint64_t start,
			 uint64_t end, const struct ept_map_args *m, int known)
{
	uint64_t size = ept_level_size(level);
	uint64_t *t = ept_table(e, table_pa);

	for (uint64_t a = start & ~(size - 1); a < end; a += size) {
		uint64_t *slot = &t[ept_index(a, level)];
		uint64_t lo = a > start ? a : start;
		uint64_t hi = a + size < end ? a + size : end;
		bool whole = lo == a && hi == a + size;
		uint64_t sub;
		int type = known, ret;

		if (*slot && ept_is_leaf(*slot, level))
			return -EEXIST;
		if (whole && type < 0) {
			ret = ept_block_type(m, a, size, &type);
			if (ret)
				return ret;
		}
		if (level == 1 || (!*slot && whole && type >= 0 && ept_large_ok(e, level))) {
			ept_set(slot, a | m->perms | ((uint64_t)type << EPT_MT_SHIFT) |
				      (level > 1 ? EPT_LARGE : 0));
			continue;
		}
		if (*slot) {
			sub = *slot & EPT_ADDR_MASK;
		} else {
			ret = ept_alloc(e, &sub);
			if (ret)
				return ret;
			ept_set(slot, sub | EPT_RWX);
		}
		ret = ept_map_level(e, sub, level - 1, lo, hi, m, type);
		if (ret)
			return ret;
	}
	return 0;
}

static bool ept_perms_ok(uint64_t perms)
{
	if (perms & ~EPT_RWX || !perms)
		return false;
	/* Write without read is an EPT misconfiguration, Vol. 3C 29.3.3.1. */
	return !((perms & EPT_WRITE) && !(perms & EPT_READ));
}

int ept_map_identity(struct ept *e, uint64_t start, uint64_t len, uint64_t perms,
		     const struct mtrr_state *mtrr)
{
	struct ept_map_args m = { .perms = perms, .mtrr = mtrr };
	uint64_t end = start + len;
	uint8_t t;
	int ret;

	if (!e || !e->ops || !len || (start | len) & (EPT_SIZE_4K - 1) ||
	    end < start || end > EPT_GPA_LIMIT || !ept_perms_ok(perms))
		return -EINVAL;
	/* Validates the MTRR state and that the range lies below MAXPHYADDR
	 * before anything is written. */
	if (mtrr) {
		ret = mtrr_type_of(mtrr, end - 1, &t);
		if (ret)
			return ret;
	}
	ret = ept_check_free(e, e->root_pa, EPT_LEVELS, start, end);
	if (ret)
		return ret;
	return ept_map_level(e, e->root_pa, EPT_LEVELS, start, end, &m, -1);
}

/* Replaces the large leaf in *slot (at `level`) by a table of 512 entries
 * that translate the same way. */
static int ept_split(struct ept *e, uint64_t *slot, int level)
{
	uint64_t entry = *slot, child_size = ept_level_size(level - 1), sub, *child;
	int ret = ept_alloc(e, &sub);

	if (ret)
		return ret;
	child = ept_table(e, sub);
	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		child[i] = (entry & EPT_ADDR_MASK) + i * child_size +
			   ((entry & EPT_INHERIT) | (level > 2 ? EPT_LARGE : 0));
	ept_set(slot, sub | EPT_RWX);
	return 0;
}

static int ept_unmap_level(struct ept *e, uint64_t table_pa, int level, uint64_t start,
			   uint64_t end)
{
	uint64_t size = ept_level_size(level), *t = ept_table(e, table_pa);

	for (uint64_t a = start & ~(size - 1); a < end; a += size) {
		uint64_t *slot = &t[ept_index(a, level)];
		uint64_t lo = a > start ? a : start;
		uint64_t hi = a + size < end ? a + size : end;
		int ret;

		if (!*slot)
			continue;
		if (lo == a && hi == a + size) {
			ept_set(slot, 0);
			continue;
		}
		if (ept_is_leaf(*slot, level)) {
			ret = ept_split(e, slot, level);
			if (ret)
				return ret;
		}
		ret = ept_unmap_level(e, *slot, level - 1, lo, hi);
		if (ret)
			return ret;
	}
	return 0;
}

int ept_unmap(struct ept *e, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (!e || !e->ops || !len || (start | len) & (EPT_SIZE_4K - 1) || end < start ||
	    end > EPT_GPA_LIMIT)
		return -EINVAL;
	return ept_unmap_level(e, e->root_pa, EPT_LEVELS, start, end);
}

int ept_get_pte_4k(struct ept *e, uint64_t gpa, uint64_t **pte)
{
	uint64_t table_pa, *slot = NULL;
	int level;

	if (!e || !pte)
		return -EINVAL;
	if (gpa >= EPT_GPA_LIMIT)
		return -EINVAL;

	table_pa = e->root_pa;
	for (level = EPT_LEVELS; level >= 1; level--) {
		uint64_t entry;
		int ret;

		slot = &ept_table(e, table_pa)[ept_index(gpa, level)];
		entry = *slot;
		if (!entry)
			return -ENOENT;
		if (level == 1)
			break;
		if (!(entry & EPT_LARGE)) {
			table_pa = entry;
			continue;
		}
		ret = ept_split(e, slot, level);
		if (ret)
			return ret;
		table_pa = *slot;
	}
	*pte = slot;
	return 0;
}

int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *entry, int *level)
{
	uint64_t table_pa;

	if (!e || !entry || !level || gpa >= EPT_GPA_LIMIT)
		return -EINVAL;
	table_pa = e->root_pa;
	for (int l = EPT_LEVELS; l >= 1; l--) {
		uint64_t ent = ept_table(e, table_pa)[ept_index(gpa, l)];

		if (!ent)
			return -ENOENT;
		if (ept_is_leaf(ent, l)) {
			*entry = ent;
			*level = l;
			return 0;
		}
		table_pa = ent;
	}
	return -ENOENT;
}

uint64_t ept_eptp(const struct ept *e, bool enable_ad)
{
	return (e->root_pa & EPT_ADDR_MASK) | EPTP_MT_WB | EPTP_WALK_LEN_4 |
	       (enable_ad ? EPTP_AD_ENABLE : 0);
}

static void ept_count_table(const struct ept *e, uint64_t table_pa, int level,
			    struct ept_stats *s)
{
	const uint64_t *t = ept_table(e, table_pa);

	s->tables++;
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t entry = t[i];

		if (!entry)
			continue;
		if (!ept_is_leaf(entry, level))
			ept_count_table(e, entry, level - 1, s);
		else if (level == 3)
			s->leaves_1g++;
		else if (level == 2)
			s->leaves_2m++;
		else
			s->leaves_4k++;
	}
}

void ept_count(const struct ept *e, struct ept_stats *s)
{
	s->leaves_1g = s->leaves_2m = s->leaves_4k = s->tables = 0;
	ept_count_table(e, e->root_pa, EPT_LEVELS, s);
}
