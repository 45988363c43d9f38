#include "hv/acpi_guest.h"
#include "hv/acpi.h"
#include "hv/acpi_cpus.h"
#include "hv/lib/string.h"
#include "hv/log.h"

#define PAGE          ((uint64_t)0x1000)
#define GUEST_TABLES  6  /* MADTs (RSDT, XSDT) and one MP table */
#define MP_FP_LEN     16

struct guest_table {
	uint64_t pa;
	uint32_t len;
	bool mp;        /* MP configuration table, else a MADT */
	uint64_t copy;  /* where the bytes at pa live in the pool */
};

/* Low fixed addresses through a register: GCC would otherwise take them
 * for pointers to zero-sized objects (-Warray-bounds). */
static const uint8_t *acpi_guest_ptr(uint64_t pa)
{
	uintptr_t p = (uintptr_t)pa;

	__asm__("" : "+r"(p));
	return (const uint8_t *)p;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t mp_scan(uint64_t start, uint64_t end)
{
	for (uint64_t pa = start; pa + MP_FP_LEN <= end; pa += 16) {
		const uint8_t *p = acpi_guest_ptr(pa);

		if (!memcmp(p, "_MP_", 4) && p[8] == 1 && !acpi_sum(p, MP_FP_LEN))
			return pa;
	}
	return 0;
}

/* The MP floating pointer where an OS looks (MP spec 1.4 section 4): the
 * first KiB of the EBDA, the last KiB of base memory, the BIOS ROM. */
static uint64_t mp_find_floating(void)
{
	const uint8_t *bda = acpi_guest_ptr(0x400);
	uint64_t ebda = (uint64_t)(bda[0x0e] | bda[0x0f] << 8) << 4;
	uint64_t base_kb = bda[0x13] | bda[0x14] << 8, fp = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		fp = mp_scan(ebda, ebda + 1024);
	if (!fp && base_kb >= 512 && base_kb <= 640)
		fp = mp_scan(base_kb * 1024 - 1024, base_kb * 1024);
	if (!fp)
		fp = mp_scan(0xf0000, 0x100000);
	return fp;
}

static int acpi_guest_collect(struct guest_table *t, uint64_t rsdp_hint)
{
	uint64_t madt[GUEST_TABLES - 1];
	int n = acpi_find_tables(acpi_find_rsdp(rsdp_hint), "APIC", madt, GUEST_TABLES - 1);
	uint64_t fp = mp_find_floating();

	for (int i = 0; i < n; i++)
		t[i] = (struct guest_table){ madt[i], rd32(acpi_guest_ptr(madt[i]) + 4), false, 0 };
	if (fp) {
		uint64_t cfg = rd32(acpi_guest_ptr(fp) + 4);
		const uint8_t *c = cfg ? acpi_guest_ptr(cfg) : 0;
		uint32_t len = c ? (uint32_t)(c[4] | c[5] << 8) : 0;

		if (c && !memcmp(c, "PCMP", 4) && len >= MP_CONFIG_HEADER && !acpi_sum(c, len))
			t[n++] = (struct guest_table){ cfg, len, true, 0 };
		else
			pr_warn("acpi: MP floating pointer at 0x%lx names no valid configuration table",
				fp);
	}
	return n;
}

/* Copies the pages [start, end) into the pool once and points the guest's
 * EPT at the copy; returns the copy of start, 0 on failure. */
static uint64_t acpi_guest_copy(struct ept *ept, struct palloc *pool, uint64_t start,
				uint64_t end)
{
	uint64_t n = (end - start) / PAGE, copy = palloc_pages(pool, n);

	if (!copy) {
		pr_warn("acpi: no pool memory for the guest's copy of 0x%lx-0x%lx", start, end - 1);
		return 0;
	}
	memcpy((void *)(uintptr_t)copy, acpi_guest_ptr(start), n * PAGE);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *pte;
		int err = ept_get_pte_4k(ept, start + i * PAGE, &pte);

		if (err) {
			pr_warn("acpi: page 0x%lx is not in the guest's EPT (error %d)",
				start + i * PAGE, err);
			return 0;
		}
		/* The copy is RAM in the pool: write-back, whatever the MTRRs
		 * say about the firmware's page (SDM Vol. 3C 29.3.7). */
		*pte = (*pte & ~(EPT_ADDR_MASK | EPT_MT_MASK)) | (copy + i * PAGE) |
		       ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT);
	}
	return copy;
}

static uint8_t guest_rsdp[36];
static uint32_t guest_rsdp_len;

const uint8_t *acpi_guest_rsdp(uint32_t *len)
{
	*len = guest_rsdp_len;
	return guest_rsdp_len ? guest_rsdp : NULL;
}

/* Keeps the RSDP's bytes if its checksums hold (ACPI 6.5 5.2.5.3: the first
 * 20 bytes, and for revision 2+ all Length bytes). */
static void acpi_guest_save_rsdp(uint64_t pa)
{
	const uint8_t *p = pa ? acpi_guest_ptr(pa) : 0;
	uint32_t len;

	if (!p || memcmp(p, "RSD PTR ", 8) || acpi_sum(p, 20))
		return;
	len = p[15] >= 2 ? 36 : 20;
	if (len == 36 && (rd32(p + 20) < 36 || acpi_sum(p, 36)))
		return;
	memcpy(guest_rsdp, p, len);
	guest_rsdp_len = len;
}

void acpi_guest_tables(struct ept *ept, struct palloc *pool, uint64_t rsdp_hint,
		       uint32_t bsp_apic_id)
{
	struct guest_table t[GUEST_TABLES];
	int n = acpi_guest_collect(t, rsdp_hint);

	acpi_guest_save_rsdp(acpi_find_rsdp(rsdp_hint));
	/* Tables may share pages (or an MP table the RSDP's page): each run of
	 * overlapping page spans gets one contiguous copy. */
	for (int i = 0; i < n; i++) {
		uint64_t start = t[i].pa & ~(PAGE - 1);
		uint64_t end = (t[i].pa + t[i].len + PAGE - 1) & ~(PAGE - 1), copy;
		bool grew = true;

		if (t[i].copy)
			continue;
		while (grew) {
			grew = false;
			for (int j = 0; j < n; j++) {
				uint64_t s = t[j].pa & ~(PAGE - 1);
				uint64_t e = (t[j].pa + t[j].len + PAGE - 1) & ~(PAGE - 1);

				if (s < end && e > start && (s < start || e > end)) {
					start = s < start ? s : start;
					end = e > end ? e : end;
					grew = true;
				}
			}
		}
		copy = acpi_guest_copy(ept, pool, start, end);
		if (!copy)
			return;
		for (int j = 0; j < n; j++)
			if (t[j].pa >= start && t[j].pa < end)
				t[j].copy = copy + (t[j].pa - start);
	}
	for (int i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)(uintptr_t)t[i].copy;
		struct acpi_cpu_count c;
		int hidden = t[i].mp ? mp_config_hide_aps(p, t[i].len, bsp_apic_id)
				     : acpi_madt_hide_aps(p, t[i].len, bsp_apic_id);
		int err = t[i].mp ? mp_config_count(p, t[i].len, bsp_apic_id, &c)
				  : acpi_madt_count(p, t[i].len, bsp_apic_id, &c);

		if (hidden < 0 || err) {
			pr_warn("acpi: malformed %s at 0x%lx left as it is", t[i].mp ? "MP table" : "MADT",
				t[i].pa);
			continue;
		}
		pr_info("acpi: the guest's %s at 0x%lx lists %u enabled processor(s); %d marked disabled",
			t[i].mp ? "MP table" : "MADT", t[i].pa, c.enabled, hidden);
	}
	if (!n)
		pr_info("acpi: no MADT or MP table to rewrite for the guest");
}
