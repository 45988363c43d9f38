#include "hv/acpi_cpus.h"
#include "hv/errno.h"
#include "hv/lib/string.h"

#include <stddef.h>

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* One processor entry, whichever table it comes from. */
struct cpu_entry {
	uint32_t apic_id;
	uint32_t flags_off;  /* offset of the flags byte/word in the table */
	bool enabled;
};

/* Walks the MADT's entries; at each processor entry calls back.  Returns
 * -EINVAL on a malformed table before any callback has side effects the
 * caller keeps (callers validate with a first pass). */
typedef void (*cpu_entry_fn)(const struct cpu_entry *e, void *ctx);

static int madt_walk(const uint8_t *t, uint32_t len, cpu_entry_fn fn, void *ctx)
{
	if (len < ACPI_MADT_ENTRIES || memcmp(t, "APIC", 4) || rd32(t + 4) != len)
		return -EINVAL;
	for (uint32_t off = ACPI_MADT_ENTRIES; off < len;) {
		uint32_t elen = off + 2 <= len ? t[off + 1] : 0;
		struct cpu_entry e;

		if (elen < 2 || elen > len - off)
			return -EINVAL;
		if (t[off] == ACPI_MADT_LAPIC) {
			if (elen < 8)
				return -EINVAL;
			e = (struct cpu_entry){ t[off + 3], off + 4, rd32(t + off + 4) & ACPI_MADT_ENABLED };
			if (fn)
				fn(&e, ctx);
		} else if (t[off] == ACPI_MADT_X2APIC) {
			if (elen < 16)
				return -EINVAL;
			e = (struct cpu_entry){ rd32(t + off + 4), off + 8,
						rd32(t + off + 8) & ACPI_MADT_ENABLED };
			if (fn)
				fn(&e, ctx);
		}
		off += elen;
	}
	return 0;
}

static int mp_walk(const uint8_t *t, uint32_t len, cpu_entry_fn fn, void *ctx)
{
	uint32_t count, off = MP_CONFIG_HEADER;

	if (len < MP_CONFIG_HEADER || memcmp(t, "PCMP", 4) || rd16(t + 4) != len)
		return -EINVAL;
	count = rd16(t + 34);
	for (uint32_t i = 0; i < count; i++) {
		/* MP spec 1.4 table 4-3: processor entries are 20 bytes, the
		 * other base entry types 8. */
		uint32_t elen = off < len && t[off] == MP_ENTRY_PROCESSOR ? 20 : 8;

		if (off >= len || t[off] > 4 || elen > len - off)
			return -EINVAL;
		if (t[off] == MP_ENTRY_PROCESSOR && fn) {
			struct cpu_entry e = { t[off + 1], off + 3, t[off + 3] & MP_CPU_EN };

			fn(&e, ctx);
		}
		off += elen;
	}
	return 0;
}

/* Counting needs "distinct IDs": kept in a small list; IDs beyond it are
 * counted without the duplicate check (a table with thousands of entries
 * listing the same CPU twice is not worth more code). */
#define SEEN_MAX 1024
struct count_ctx {
	struct acpi_cpu_count *out;
	uint32_t bsp, nseen;
	uint32_t seen[SEEN_MAX];
};

static void count_one(const struct cpu_entry *e, void *p)
{
	struct count_ctx *c = p;

	if (!e->enabled) {
		c->out->disabled++;
		return;
	}
	for (uint32_t i = 0; i < c->nseen; i++)
		if (c->seen[i] == e->apic_id)
			return;
	if (c->nseen < SEEN_MAX)
		c->seen[c->nseen++] = e->apic_id;
	c->out->enabled++;
	if (e->apic_id == c->bsp)
		c->out->bsp_listed = true;
}

static int count_with(int (*walk)(const uint8_t *, uint32_t, cpu_entry_fn, void *),
		      const uint8_t *t, uint32_t len, uint32_t bsp, struct acpi_cpu_count *out)
{
	static struct count_ctx c; /* 4 KiB: off the hypervisor's small stacks */

	*out = (struct acpi_cpu_count){ 0 };
	c.out = out;
	c.bsp = bsp;
	c.nseen = 0;
	return walk(t, len, count_one, &c);
}

int acpi_madt_count(const uint8_t *madt, uint32_t len, uint32_t bsp_apic_id,
		    struct acpi_cpu_count *out)
{
	return count_with(madt_walk, madt, len, bsp_apic_id, out);
}

int mp_config_count(const uint8_t *cfg, uint32_t len, uint32_t bsp_apic_id,
		    struct acpi_cpu_count *out)
{
	return count_with(mp_walk, cfg, len, bsp_apic_id, out);
}

struct hide_ctx {
	uint8_t *t;
	uint32_t bsp, mask;
	int changed;
};

static void hide_one(const struct cpu_entry *e, void *p)
{
	struct hide_ctx *h = p;

	if (e->apic_id == h->bsp || !(h->t[e->flags_off] & h->mask))
		return;
	h->t[e->flags_off] &= (uint8_t)~h->mask;
	h->changed++;
}

int acpi_madt_hide_aps(uint8_t *madt, uint32_t len, uint32_t bsp_apic_id)
{
	/* Online Capable too: with it an OS may bring the CPU up later
	 * (ACPI 6.5 table 5.23). */
	struct hide_ctx h = { madt, bsp_apic_id, ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAP, 0 };

	if (madt_walk(madt, len, NULL, NULL))
		return -EINVAL;
	madt_walk(madt, len, hide_one, &h);
	madt[9] = 0;
	madt[9] = (uint8_t)-acpi_sum(madt, len);
	return h.changed;
}

int mp_config_hide_aps(uint8_t *cfg, uint32_t len, uint32_t bsp_apic_id)
{
	struct hide_ctx h = { cfg, bsp_apic_id, MP_CPU_EN, 0 };

	if (mp_walk(cfg, len, NULL, NULL))
		return -EINVAL;
	mp_walk(cfg, len, hide_one, &h);
	cfg[7] = 0;
	cfg[7] = (uint8_t)-acpi_sum(cfg, len);
	return h.changed;
}

int acpi_madt_isa_irq(const uint8_t *t, uint32_t len, uint8_t irq, uint64_t *ioapic_pa,
		      uint32_t *pin)
{
	uint32_t gsi = irq, base = 0;
	bool found = false;
	int rc = madt_walk(t, len, NULL, NULL);

	if (rc)
		return rc;
	/* Entries are walked twice: the override first, whatever the order. */
	for (uint32_t off = ACPI_MADT_ENTRIES; off < len; off += t[off + 1])
		if (t[off] == ACPI_MADT_ISO && t[off + 1] >= 10 && t[off + 2] == 0 &&
		    t[off + 3] == irq)
			gsi = rd32(t + off + 4);
	for (uint32_t off = ACPI_MADT_ENTRIES; off < len; off += t[off + 1]) {
		uint32_t b;

		if (t[off] != ACPI_MADT_IOAPIC || t[off + 1] < 12)
			continue;
		b = rd32(t + off + 8);
		if (b <= gsi && (!found || b > base)) {
			found = true;
			base = b;
			*ioapic_pa = rd32(t + off + 4);
		}
	}
	if (!found)
		return -ENOENT;
	*pin = gsi - base;
	return 0;
}
