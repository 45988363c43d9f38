/* MADT and MP-table processor counting and hiding (hv/acpi_cpus.c), on
 * tables laid out the way Bochs's BIOS (rombios32.c) and QEMU build them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/acpi_cpus.h"
#include "hv/errno.h"

struct tbl {
	uint8_t b[4096];
	uint32_t len;
};

static void put(struct tbl *t, const void *p, uint32_t n)
{
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ACPI header "APIC" rev 1, OEM "BOCHS ", then local APIC address 0xfee00000
 * and flags PCAT_COMPAT. */
static void madt_begin(struct tbl *t)
{
	static const uint8_t hdr[44] = {
		'A', 'P', 'I', 'C', 0, 0, 0, 0, 1, 0, 'B', 'O', 'C', 'H', 'S', ' ',
		'B', 'X', 'P', 'C', 'A', 'P', 'I', 'C', 1, 0, 0, 0, 'B', 'X', 'P', 'C',
		1, 0, 0, 0, 0x00, 0x00, 0xe0, 0xfe, 1, 0, 0, 0,
	};

	t->len = 0;
	put(t, hdr, sizeof(hdr));
}

static void madt_lapic(struct tbl *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { ACPI_MADT_LAPIC, 8, uid, id };

	put32(e + 4, flags);
	put(t, e, sizeof(e));
}

static void madt_x2apic(struct tbl *t, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = { ACPI_MADT_X2APIC, 16 };

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	put(t, e, sizeof(e));
}

/* I/O APIC, two interrupt source overrides and a local APIC NMI entry. */
static void madt_platform(struct tbl *t)
{
	static const uint8_t ioapic[12] = { 1, 12, 4, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
	static const uint8_t iso0[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
	static const uint8_t iso9[10] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0 };
	static const uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 };

	put(t, ioapic, sizeof(ioapic));
	put(t, iso0, sizeof(iso0));
	put(t, iso9, sizeof(iso9));
	put(t, nmi, sizeof(nmi));
}

static void madt_end(struct tbl *t)
{
	put32(t->b + 4, t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-acpi_sum(t->b, t->len);
}

static void bochs_madt(struct tbl *t, int cpus)
{
	madt_begin(t);
	for (int i = 0; i < cpus; i++)
		madt_lapic(t, (uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED);
	madt_platform(t);
	madt_end(t);
}

/* The processor entries' flags, in table order. */
static int madt_flags(const struct tbl *t, uint32_t *flags, int max)
{
	int n = 0;

	for (uint32_t off = ACPI_MADT_ENTRIES; off < t->len && n < max; off += t->b[off + 1]) {
		if (t->b[off] == ACPI_MADT_LAPIC)
			flags[n++] = get32(t->b + off + 4);
		else if (t->b[off] == ACPI_MADT_X2APIC)
			flags[n++] = get32(t->b + off + 8);
	}
	return n;
}

static void test_madt_count_bochs(void **state)
{
	struct tbl t;
	struct acpi_cpu_count c;

	(void)state;
	for (int cpus = 1; cpus <= 4; cpus++) {
		bochs_madt(&t, cpus);
		assert_int_equal(acpi_sum(t.b, t.len), 0);
		assert_int_equal(acpi_madt_count(t.b, t.len, 0, &c), 0);
		assert_int_equal(c.enabled, cpus);
		assert_int_equal(c.disabled, 0);
		assert_true(c.bsp_listed);
	}
	assert_int_equal(acpi_madt_count(t.b, t.len, 7, &c), 0);
	assert_false(c.bsp_listed);
}

static void test_madt_hide_keeps_only_bsp(void **state)
{
	struct tbl t, orig;
	struct acpi_cpu_count c;
	uint32_t flags[8];

	(void)state;
	bochs_madt(&t, 4);
	orig = t;
	/* The BSP need not be the first entry nor have ID 0. */
	assert_int_equal(acpi_madt_hide_aps(t.b, t.len, 2), 3);
	assert_int_equal(acpi_sum(t.b, t.len), 0);
	assert_int_equal(madt_flags(&t, flags, 8), 4);
	assert_int_equal(flags[0], 0);
	assert_int_equal(flags[1], 0);
	assert_int_equal(flags[2], ACPI_MADT_ENABLED);
	assert_int_equal(flags[3], 0);
	assert_int_equal(acpi_madt_count(t.b, t.len, 2, &c), 0);
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.disabled, 3);
	assert_true(c.bsp_listed);
	/* Only flags and the checksum changed; the non-processor entries
	 * and the length are the firmware's. */
	for (uint32_t i = 0; i < t.len; i++)
		if (t.b[i] != orig.b[i])
			assert_true(i == 9 || (i >= ACPI_MADT_ENTRIES && i < ACPI_MADT_ENTRIES + 4 * 8 &&
					       (i - ACPI_MADT_ENTRIES) % 8 == 4));
	/* Hiding again changes nothing. */
	assert_int_equal(acpi_madt_hide_aps(t.b, t.len, 2), 0);
	assert_int_equal(acpi_sum(t.b, t.len), 0);
}

static void test_madt_x2apic_and_online_capable(void **state)
{
	struct tbl t;
	struct acpi_cpu_count c;
	uint32_t flags[8];

	(void)state;
	/* IDs below 255 in local APIC entries, the rest in x2APIC entries
	 * (ACPI 6.5 5.2.12.12); one processor disabled but online capable;
	 * the BSP listed in both forms (counted once). */
	madt_begin(&t);
	madt_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&t, 1, 1, ACPI_MADT_ONLINE_CAP);
	madt_platform(&t);
	madt_x2apic(&t, 0x100, ACPI_MADT_ENABLED, 2);
	madt_x2apic(&t, 0x101, ACPI_MADT_ENABLED, 3);
	madt_x2apic(&t, 0, ACPI_MADT_ENABLED, 0);
	madt_end(&t);
	assert_int_equal(acpi_madt_count(t.b, t.len, 0x101, &c), 0);
	assert_int_equal(c.enabled, 3);
	assert_int_equal(c.disabled, 1);
	assert_true(c.bsp_listed);

	assert_int_equal(acpi_madt_hide_aps(t.b, t.len, 0x101), 4);
	assert_int_equal(acpi_sum(t.b, t.len), 0);
	assert_int_equal(madt_flags(&t, flags, 8), 5);
	assert_int_equal(flags[0], 0);
	assert_int_equal(flags[1], 0); /* online capable cleared too */
	assert_int_equal(flags[2], 0);
	assert_int_equal(flags[3], ACPI_MADT_ENABLED);
	assert_int_equal(flags[4], 0);
	assert_int_equal(acpi_madt_count(t.b, t.len, 0x101, &c), 0);
	assert_int_equal(c.enabled, 1);
}

static void test_madt_malformed(void **state)
{
	struct tbl t, bad;
	struct acpi_cpu_count c;

	(void)state;
	bochs_madt(&t, 2);
	/* length field disagrees with the bytes held */
	assert_int_equal(acpi_madt_count(t.b, t.len - 1, 0, &c), -EINVAL);
	assert_int_equal(acpi_madt_count(t.b, 40, 0, &c), -EINVAL);
	/* wrong signature */
	bad = t;
	bad.b[0] = 'X';
	assert_int_equal(acpi_madt_count(bad.b, bad.len, 0, &c), -EINVAL);
	/* an entry of length 0 (would loop forever) */
	bad = t;
	bad.b[ACPI_MADT_ENTRIES + 1] = 0;
	assert_int_equal(acpi_madt_count(bad.b, bad.len, 0, &c), -EINVAL);
	/* a processor entry too short for its type */
	bad = t;
	bad.b[ACPI_MADT_ENTRIES + 1] = 4;
	assert_int_equal(acpi_madt_count(bad.b, bad.len, 0, &c), -EINVAL);
	/* the last entry running past the end: nothing written */
	bad = t;
	bad.b[bad.len - 6 + 1] = 7;
	struct tbl before = bad;
	assert_int_equal(acpi_madt_hide_aps(bad.b, bad.len, 0), -EINVAL);
	assert_memory_equal(bad.b, before.b, bad.len);
	/* a header only: no processors, valid */
	madt_begin(&t);
	madt_end(&t);
	assert_int_equal(acpi_madt_count(t.b, t.len, 0, &c), 0);
	assert_int_equal(c.enabled, 0);
}

/* MP configuration table as rombios32.c's mptable_init builds it: header,
 * one processor entry per CPU (the first with BP), ISA bus, I/O APIC, 16
 * I/O interrupt entries. */
static void bochs_mptable(struct tbl *t, int cpus)
{
	uint8_t hdr[MP_CONFIG_HEADER] = { 'P', 'C', 'M', 'P', 0, 0, 4, 0,
					  'B', 'O', 'C', 'H', 'S', 'C', 'P', 'U',
					  '0', '.', '1', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ' };
	uint16_t count = 0;

	t->len = 0;
	put(t, hdr, sizeof(hdr));
	put32(t->b + 36, 0xfee00000);
	for (int i = 0; i < cpus; i++) {
		uint8_t e[20] = { 0, (uint8_t)i, 0x14, (uint8_t)(1 | (i == 0 ? 2 : 0)) };

		put32(e + 4, 0x000906a0);
		put32(e + 8, 0x0781abfd);
		put(t, e, sizeof(e));
		count++;
	}
	uint8_t bus[8] = { 1, 0, 'I', 'S', 'A', ' ', ' ', ' ' };
	uint8_t ioapic[8] = { 2, (uint8_t)cpus, 0x11, 1, 0x00, 0x00, 0xc0, 0xfe };

	put(t, bus, sizeof(bus));
	put(t, ioapic, sizeof(ioapic));
	count += 2;
	for (int irq = 0; irq < 16; irq++) {
		uint8_t e[8] = { 3, 0, 0, 0, 0, (uint8_t)irq, (uint8_t)cpus, (uint8_t)irq };

		put(t, e, sizeof(e));
		count++;
	}
	t->b[4] = (uint8_t)t->len;
	t->b[5] = (uint8_t)(t->len >> 8);
	t->b[34] = (uint8_t)count;
	t->b[35] = (uint8_t)(count >> 8);
	t->b[7] = 0;
	t->b[7] = (uint8_t)-acpi_sum(t->b, t->len);
}

static void test_mptable(void **state)
{
	struct tbl t, bad;
	struct acpi_cpu_count c;

	(void)state;
	bochs_mptable(&t, 4);
	assert_int_equal(acpi_sum(t.b, t.len), 0);
	assert_int_equal(mp_config_count(t.b, t.len, 0, &c), 0);
	assert_int_equal(c.enabled, 4);
	assert_true(c.bsp_listed);
	assert_int_equal(mp_config_hide_aps(t.b, t.len, 0), 3);
	assert_int_equal(acpi_sum(t.b, t.len), 0);
	assert_int_equal(mp_config_count(t.b, t.len, 0, &c), 0);
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.disabled, 3);
	/* The BSP keeps EN and BP; an AP keeps BP clear and loses EN. */
	assert_int_equal(t.b[MP_CONFIG_HEADER + 3], 3);
	assert_int_equal(t.b[MP_CONFIG_HEADER + 20 + 3], 0);

	bochs_mptable(&t, 2);
	bad = t;
	bad.b[MP_CONFIG_HEADER + 40] = 9; /* unknown entry type */
	assert_int_equal(mp_config_count(bad.b, bad.len, 0, &c), -EINVAL);
	bad = t;
	bad.b[34] = 60; /* more entries than the length holds */
	assert_int_equal(mp_config_hide_aps(bad.b, bad.len, 0), -EINVAL);
	assert_int_equal(mp_config_count(t.b, t.len - 8, 0, &c), -EINVAL);
}

/* ISA IRQs to I/O APIC inputs: overrides applied, the right I/O APIC. */
static void test_madt_isa_irq(void **state)
{
	static const uint8_t ioapic2[12] = { 1, 12, 5, 0, 0x00, 0x10, 0xc0, 0xfe, 24, 0, 0, 0 };
	static const uint8_t iso4[10] = { 2, 10, 0, 4, 30, 0, 0, 0, 0, 0 };
	static const uint8_t iso4_bus1[10] = { 2, 10, 1, 3, 31, 0, 0, 0, 0, 0 };
	struct tbl t;
	uint64_t pa = 0;
	uint32_t pin = 99;

	(void)state;
	bochs_madt(&t, 1);
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 4, &pa, &pin), 0);
	assert_int_equal(pa, 0xfec00000);
	assert_int_equal(pin, 4);
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 0, &pa, &pin), 0);
	assert_int_equal(pin, 2); /* the timer's override */
	/* A second I/O APIC from GSI 24 and IRQ 4 overridden to GSI 30; an
	 * override for another bus is not the ISA one. */
	madt_begin(&t);
	madt_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	put(&t, iso4, sizeof(iso4));
	put(&t, iso4_bus1, sizeof(iso4_bus1));
	madt_platform(&t);
	put(&t, ioapic2, sizeof(ioapic2));
	madt_end(&t);
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 4, &pa, &pin), 0);
	assert_int_equal(pa, 0xfec01000);
	assert_int_equal(pin, 6);
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 3, &pa, &pin), 0);
	assert_int_equal(pa, 0xfec00000);
	assert_int_equal(pin, 3);
	/* No I/O APIC at all. */
	madt_begin(&t);
	madt_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	madt_end(&t);
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 4, &pa, &pin), -ENOENT);
	t.b[4] = 0; /* length field wrong */
	assert_int_equal(acpi_madt_isa_irq(t.b, t.len, 4, &pa, &pin), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt_count_bochs),
		cmocka_unit_test(test_madt_hide_keeps_only_bsp),
		cmocka_unit_test(test_madt_x2apic_and_online_capable),
		cmocka_unit_test(test_madt_malformed),
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_madt_isa_irq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
