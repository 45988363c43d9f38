#include "hv/acpi.h"
#include "hv/errno.h"
#include "hv/lib/string.h"

#include <stdbool.h>

/* Identity-mapped below 4 GiB; tables above that are ignored. */
static const uint8_t *acpi_ptr(uint64_t pa)
{
	uintptr_t p = (uintptr_t)pa;

	/* Hide the constant from GCC, which would otherwise treat low fixed
	 * addresses as pointers to zero-sized objects (-Warray-bounds). */
	__asm__("" : "+r"(p));
	return pa && pa < (1ull << 32) ? (const uint8_t *)p : 0;
}

static uint32_t acpi_u32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t acpi_u64(const uint8_t *p)
{
	return acpi_u32(p) | (uint64_t)acpi_u32(p + 4) << 32;
}

static bool acpi_checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static uint64_t acpi_scan_rsdp(uint64_t start, uint64_t end)
{
	for (uint64_t pa = start; pa + 20 <= end; pa += 16) {
		const uint8_t *p = acpi_ptr(pa);

		if (p && !memcmp(p, "RSD PTR ", 8) && acpi_checksum_ok(p, 20))
			return pa;
	}
	return 0;
}

static const uint8_t *acpi_table(uint64_t pa, const char *sig)
{
	const uint8_t *t = acpi_ptr(pa);

	if (!t || memcmp(t, sig, 4))
		return 0;
	uint32_t len = acpi_u32(t + 4);

	if (len < 36 || len > (1u << 24) || !acpi_checksum_ok(t, len))
		return 0;
	return t;
}

static const uint8_t *acpi_find_fadt(const uint8_t *rsdp)
{
	bool xsdt = rsdp[15] >= 2;
	const uint8_t *sdt = xsdt ? acpi_table(acpi_u64(rsdp + 24), "XSDT")
				  : acpi_table(acpi_u32(rsdp + 16), "RSDT");
	uint32_t entry = xsdt ? 8 : 4;

	if (!sdt)
		return 0;
	uint32_t len = acpi_u32(sdt + 4);

	for (uint32_t off = 36; off + entry <= len; off += entry) {
		uint64_t pa = xsdt ? acpi_u64(sdt + off) : acpi_u32(sdt + off);
		const uint8_t *t = acpi_table(pa, "FACP");

		if (t)
			return t;
	}
	return 0;
}

/* Reads an AML integer (ByteConst/WordConst prefix, Zero, One, or a small
 * constant) - the forms firmware uses for \_S5 sleep types. */
static const uint8_t *acpi_aml_int(const uint8_t *p, const uint8_t *end,
				   uint16_t *v)
{
	if (p >= end)
		return 0;
	if (*p == 0x0a && p + 1 < end) {
		*v = p[1];
		return p + 2;
	}
	if (*p == 0x0b && p + 2 < end) {
		*v = (uint16_t)(p[1] | p[2] << 8);
		return p + 3;
	}
	if (*p == 0x00 || *p == 0x01) {
		*v = *p;
		return p + 1;
	}
	return 0;
}

static int acpi_parse_s5(const uint8_t *dsdt, struct acpi_s5 *out)
{
	uint32_t len = acpi_u32(dsdt + 4);
	const uint8_t *end = dsdt + len;

	for (const uint8_t *p = dsdt + 36; p + 8 < end; p++) {
		/* NameOp "_S5_" PackageOp PkgLength NumElements */
		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		const uint8_t *q = p + 5;

		q += 1 + (*q >> 6); /* PkgLength: extra bytes in bits 7:6 */
		q++;                /* NumElements */
		q = acpi_aml_int(q, end, &out->slp_typa);
		if (!q || !acpi_aml_int(q, end, &out->slp_typb))
			out->slp_typb = out->slp_typa;
		return q ? 0 : -ENOENT;
	}
	return -ENOENT;
}

uint64_t acpi_find_rsdp(uint64_t rsdp_pa)
{
	if (!rsdp_pa) {
		const uint8_t *bda = acpi_ptr(0x40e);
		uint64_t ebda = bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;

		if (ebda >= 0x80000 && ebda < 0xa0000)
			rsdp_pa = acpi_scan_rsdp(ebda, ebda + 1024);
		if (!rsdp_pa)
			rsdp_pa = acpi_scan_rsdp(0xe0000, 0x100000);
	}
	return rsdp_pa;
}

int acpi_find_tables(uint64_t rsdp_pa, const char *sig, uint64_t *pa, int max)
{
	const uint8_t *rsdp = acpi_ptr(rsdp_pa);
	int n = 0;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8))
		return 0;
	for (int x = 0; x < 2; x++) {
		/* RSDT (32-bit entries), then the XSDT of an ACPI 2.0+ RSDP. */
		const uint8_t *sdt = x ? (rsdp[15] >= 2 ? acpi_table(acpi_u64(rsdp + 24), "XSDT") : 0)
				       : acpi_table(acpi_u32(rsdp + 16), "RSDT");
		uint32_t entry = x ? 8 : 4, len = sdt ? acpi_u32(sdt + 4) : 0;

		for (uint32_t off = 36; sdt && off + entry <= len; off += entry) {
			uint64_t t = x ? acpi_u64(sdt + off) : acpi_u32(sdt + off);
			bool seen = false;

			for (int i = 0; i < n; i++)
				seen |= pa[i] == t;
			if (!seen && n < max && acpi_table(t, sig))
				pa[n++] = t;
		}
	}
	return n;
}

const uint8_t *acpi_table_at(uint64_t pa, const char *sig)
{
	return acpi_table(pa, sig);
}

int acpi_find_s5(uint64_t rsdp_pa, struct acpi_s5 *out)
{
	rsdp_pa = acpi_find_rsdp(rsdp_pa);
	const uint8_t *rsdp = acpi_ptr(rsdp_pa);

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8))
		return -ENOENT;
	const uint8_t *fadt = acpi_find_fadt(rsdp);

	if (!fadt || acpi_u32(fadt + 4) < 76)
		return -ENOENT;
	const uint8_t *dsdt = acpi_table(acpi_u32(fadt + 40), "DSDT");

	if (!dsdt)
		return -ENOENT;
	out->pm1a_cnt = (uint16_t)acpi_u32(fadt + 64);
	out->pm1b_cnt = (uint16_t)acpi_u32(fadt + 68);
	if (!out->pm1a_cnt)
		return -ENOENT;
	return acpi_parse_s5(dsdt, out);
}

/* FADT RESET_REG (a Generic Address Structure at offset 116) and
 * RESET_VALUE (offset 128), valid when flag RESET_REG_SUP (bit 10 of the
 * flags at offset 112) is set (ACPI 6.x 5.2.9 and 4.8.3.6). */
int acpi_find_reset(uint64_t rsdp_pa, struct acpi_reset *out)
{
	const uint8_t *rsdp = acpi_ptr(acpi_find_rsdp(rsdp_pa));
	const uint8_t *fadt = rsdp && !memcmp(rsdp, "RSD PTR ", 8) ? acpi_find_fadt(rsdp) : 0;

	if (!fadt || acpi_u32(fadt + 4) < 129 || !(acpi_u32(fadt + 112) & (1u << 10)))
		return -ENOENT;
	out->space = fadt[116];
	out->addr = acpi_u64(fadt + 120);
	out->value = fadt[128];
	return out->addr ? 0 : -ENOENT;
}
