/* SPP probe modes (see guest/spp_probe.h).  A sub-page is 128 bytes; sub-page
 * i of page P is P + 128*i .. P + 128*i + 127 (/work/shared/SPP.md).
 *
 * Bochs 2.7 caches a writable TLB entry for a whole SPP page after an allowed
 * write to it (fixed in Bochs 2.8), so later stores to forbidden sub-pages of
 * that page would bypass hardware SPP: every probe INVLPGs the pages it
 * stores to first.  The test area is mapped by the guest's 2 MiB pages;
 * INVLPG drops the whole translation. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/console.h"
#include "guest/cpu.h"
#include "guest/guest.h"
#include "guest/hypercall.h"
#include "guest/idt.h"
#include "guest/spp_probe.h"

#define SPP_PAGE       4096ull
#define SPP_SUB        128u
#define SPP_SUBPAGES   32u
#define SPP_UNPROT     0xffffffffu
#define SPP_MAX_RANGES 16
#define SPP_WHY_MAX    120
#define SPP_ARG_MAX    192
/* The guest's identity map (guest/boot.S) ends here. */
#define SPP_MAPPED_LIMIT 0x100000000ull

enum spp_policy { SPP_DENY, SPP_LOG, SPP_HALT };
enum spp_kind { SPP_MOV, SPP_XCHG, SPP_REP };
static const char *const spp_kind_names[] = { "mov", "xchg", "rep" };

struct spp_range {
	uint64_t start, end; /* end inclusive, as in the configuration */
	enum spp_policy policy;
	const char *name;
};

/* hv/default.conf: what mode=spp checks against. */
static const struct spp_range spp_default_ranges[] = {
	{ 0x800000, 0x80007f, SPP_DENY, "guard-first" },
	{ 0x800f80, 0x800fff, SPP_DENY, "guard-last" },
	{ 0x801100, 0x8011ff, SPP_LOG, "audit" },
	{ 0x802000, 0x802fff, SPP_DENY, "ro-page" },
	{ 0x803400, 0x80347f, SPP_HALT, "tripwire" },
};

struct spp_model {
	struct spp_range r[SPP_MAX_RANGES];
	unsigned n;
	bool sw;
	uint32_t seq, passed, failed;
};

struct spp_store {
	const char *name;
	uint64_t gpa;
	uint8_t size;
	uint8_t kind;
	uint8_t count; /* SPP_REP iterations */
	bool sw_only;  /* starts in a writable sub-page, runs into a protected one */
};

/* The stores themselves, out of line so each has a known instruction
 * address for the host tests to match against the violation's rip.  The
 * SysV ABI guarantees DF = 0 for rep stosb. */
void spp_probe_st1(uint64_t gpa, uint64_t v);
void spp_probe_st2(uint64_t gpa, uint64_t v);
void spp_probe_st4(uint64_t gpa, uint64_t v);
void spp_probe_st8(uint64_t gpa, uint64_t v);
uint32_t spp_probe_xchg4(uint64_t gpa, uint32_t v);
void spp_probe_rep_stosb(uint64_t gpa, uint32_t v, uint64_t count);
extern const char spp_probe_rep_insn[];

__asm__(".pushsection .text\n"
	".globl spp_probe_st1\nspp_probe_st1:\n\tmovb %sil, (%rdi)\n\tret\n"
	".globl spp_probe_st2\nspp_probe_st2:\n\tmovw %si, (%rdi)\n\tret\n"
	".globl spp_probe_st4\nspp_probe_st4:\n\tmovl %esi, (%rdi)\n\tret\n"
	".globl spp_probe_st8\nspp_probe_st8:\n\tmovq %rsi, (%rdi)\n\tret\n"
	".globl spp_probe_xchg4\nspp_probe_xchg4:\n\txchgl %esi, (%rdi)\n"
	"\tmovl %esi, %eax\n\tret\n"
	".globl spp_probe_rep_stosb\nspp_probe_rep_stosb:\n\tmovl %esi, %eax\n"
	"\tmovq %rdx, %rcx\n"
	".globl spp_probe_rep_insn\nspp_probe_rep_insn:\n\trep stosb\n\tret\n"
	".popsection\n");

static uint8_t spp_before[2 * SPP_PAGE], spp_want[2 * SPP_PAGE];

static uint8_t spp_peek(uint64_t a)
{
	return *(const volatile uint8_t *)(uintptr_t)a;
}

static void spp_invlpg(uint64_t a)
{
	cpu_invlpg((const volatile void *)(uintptr_t)a);
}

static void (*spp_store_fn(unsigned size))(uint64_t, uint64_t)
{
	return size == 1 ? spp_probe_st1 : size == 2 ? spp_probe_st2 :
	       size == 4 ? spp_probe_st4 : spp_probe_st8;
}

static void spp_store_raw(uint64_t gpa, unsigned size, uint64_t v)
{
	spp_invlpg(gpa);
	spp_invlpg(gpa + size - 1);
	spp_store_fn(size)(gpa, v);
}

static bool spp_needs_hv(const struct guest_boot *b)
{
	if (b->hv)
		return true;
	con_printf("guest: spp modes need the hypervisor (hv=no): nothing probed\n");
	return false;
}

static const struct spp_range *spp_range_of(const struct spp_model *m, uint64_t a)
{
	for (unsigned i = 0; i < m->n; i++)
		if (a >= m->r[i].start && a <= m->r[i].end)
			return &m->r[i];
	return NULL;
}

static bool spp_takes_effect(const struct spp_model *m, uint64_t a)
{
	const struct spp_range *r = spp_range_of(m, a);

	return !r || r->policy == SPP_LOG;
}

static uint32_t spp_model_mask(const struct spp_model *m, uint64_t page)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < SPP_SUBPAGES; i++)
		if (!spp_range_of(m, page + i * SPP_SUB))
			mask |= 1u << i;
	return mask;
}

static void spp_check(struct spp_model *m, const char *name, bool ok, const char *why)
{
	if (ok) {
		con_printf("guest: check %s ok\n", name);
		m->passed++;
	} else {
		con_printf("guest: check %s FAIL (%s)\n", name, why);
		m->failed++;
	}
}

/* Never zero, so every store changes every byte it writes (software SPP
 * sees only changes) and values differ from store to store. */
static uint8_t spp_xor(uint32_t seq, uint32_t k)
{
	return (uint8_t)((seq * 37u + k * 11u) % 255u + 1u);
}

/* One store, announced, then the page(s) it touched compared byte by byte
 * with the model: protected `deny` bytes old, everything else new. */
static void spp_run_store(struct spp_model *m, const struct spp_store *st)
{
	uint32_t len = st->kind == SPP_REP ? st->count : st->size;
	uint64_t base = st->gpa & ~(SPP_PAGE - 1);
	uint64_t span = ((st->gpa + len - 1) & ~(SPP_PAGE - 1)) + SPP_PAGE - base;
	uint64_t off = st->gpa - base, value = 0, rip;
	uint32_t seq = ++m->seq, got_old = 0, want_old = 0;
	uint8_t rep_val = (uint8_t)(seq * 37u);
	char why[SPP_WHY_MAX] = "";
	char check[48];

	if (st->sw_only && !m->sw) {
		con_printf("guest: spp store %s not run (expect=hw: Bochs checks only the first byte's sub-page)\n",
			   st->name);
		return;
	}
	for (uint64_t i = 0; i < span; i++)
		spp_want[i] = spp_before[i] = spp_peek(base + i);
	/* rep stosb stores one value: pick one that no target byte holds. */
	for (uint32_t k = 0; k < len && st->kind == SPP_REP; k++) {
		if (spp_before[off + k] == rep_val) {
			rep_val++;
			k = (uint32_t)-1;
		}
	}
	for (uint32_t k = 0; k < len; k++) {
		uint8_t nb = st->kind == SPP_REP ? rep_val : spp_before[off + k] ^ spp_xor(seq, k);

		if (k < 8)
			value |= (uint64_t)nb << (8 * k);
		if (k < 4)
			want_old |= (uint32_t)spp_before[off + k] << (8 * k);
		if (spp_takes_effect(m, st->gpa + k))
			spp_want[off + k] = nb;
	}
	rip = st->kind == SPP_MOV ? (uint64_t)(uintptr_t)spp_store_fn(st->size) :
	      st->kind == SPP_XCHG ? (uint64_t)(uintptr_t)spp_probe_xchg4 :
				     (uint64_t)(uintptr_t)spp_probe_rep_insn;
	con_printf("guest: spp store seq=%u gpa=0x%lx size=%u count=%u kind=%s rip=0x%lx name=%s\n",
		   seq, st->gpa, st->kind == SPP_REP ? 1u : st->size,
		   st->kind == SPP_REP ? st->count : 1u, spp_kind_names[st->kind], rip, st->name);
	spp_invlpg(base);
	spp_invlpg(base + span - 1);
	if (st->kind == SPP_MOV)
		spp_store_raw(st->gpa, st->size, value);
	else if (st->kind == SPP_XCHG)
		got_old = spp_probe_xchg4(st->gpa, (uint32_t)value);
	else
		spp_probe_rep_stosb(st->gpa, rep_val, st->count);
	for (uint64_t i = 0; i < span && !why[0]; i++) {
		uint8_t got = spp_peek(base + i);

		if (got != spp_want[i])
			con_snprintf(why, sizeof(why), "at 0x%lx read 0x%x want 0x%x (before 0x%x)",
				     base + i, got, spp_want[i], spp_before[i]);
	}
	if (!why[0] && st->kind == SPP_XCHG && got_old != want_old)
		con_snprintf(why, sizeof(why), "xchg read 0x%x want 0x%x", got_old, want_old);
	con_snprintf(check, sizeof(check), "store-%s", st->name);
	spp_check(m, check, !why[0], why);
}

static void spp_check_mask(struct spp_model *m, const char *name, uint64_t gpa, uint32_t want)
{
	uint32_t got = hc_query(gpa);
	char why[SPP_WHY_MAX];

	con_printf("guest: spp mask page=0x%lx mask=0x%08x\n", gpa, got);
	con_snprintf(why, sizeof(why), "gpa=0x%lx mask=0x%08x want 0x%08x", gpa, got, want);
	spp_check(m, name, got == want, why);
}

static void spp_check_lock(struct spp_model *m, const char *name, uint64_t gpa, uint32_t len,
			   int32_t want)
{
	int32_t got = hc_lock(gpa, len);
	char why[SPP_WHY_MAX];

	con_printf("guest: spp lock gpa=0x%lx len=0x%x ret=%d\n", gpa, len, got);
	con_snprintf(why, sizeof(why), "gpa=0x%lx len=0x%x ret=%d want %d", gpa, len, got, want);
	spp_check(m, name, got == want, why);
	if (got == 0 && m->n < SPP_MAX_RANGES)
		m->r[m->n++] = (struct spp_range){ gpa, gpa + len - 1, SPP_DENY, "lock" };
}

static const struct spp_store spp_default_stores[] = {
	{ "deny-byte", 0x800000, 1, SPP_MOV, 0, false },
	{ "deny-dword", 0x800010, 4, SPP_MOV, 0, false },
	{ "deny-qword", 0x800078, 8, SPP_MOV, 0, false },
	{ "writable-byte", 0x800080, 1, SPP_MOV, 0, false },
	{ "writable-qword", 0x800100, 8, SPP_MOV, 0, false },
	{ "straddle-deny-to-writable", 0x80007c, 8, SPP_MOV, 0, false },
	{ "deny-word-last", 0x800ffe, 2, SPP_MOV, 0, false },
	{ "deny-dword-last", 0x800f80, 4, SPP_MOV, 0, false },
	{ "straddle-writable-to-deny", 0x800f7c, 8, SPP_MOV, 0, true },
	{ "repeat-1", 0x800000, 1, SPP_MOV, 0, false },
	{ "repeat-2", 0x800000, 1, SPP_MOV, 0, false },
	{ "repeat-3", 0x800000, 1, SPP_MOV, 0, false },
	{ "xchg-deny", 0x800020, 4, SPP_XCHG, 0, false },
	{ "rep-stosb-deny-to-writable", 0x800070, 1, SPP_REP, 32, false },
	{ "log-byte", 0x801100, 1, SPP_MOV, 0, false },
	{ "log-straddle-to-writable", 0x8011fc, 8, SPP_MOV, 0, false },
	{ "log-straddle-from-writable", 0x8010fc, 8, SPP_MOV, 0, true },
	{ "log-two-subpages", 0x80117e, 4, SPP_MOV, 0, false },
	{ "ro-byte", 0x802000, 1, SPP_MOV, 0, false },
	{ "ro-dword", 0x802800, 4, SPP_MOV, 0, false },
	{ "ro-qword-end", 0x802ff8, 8, SPP_MOV, 0, false },
	{ "cross-page-into-ro", 0x801ffc, 8, SPP_MOV, 0, false },
	{ "cross-page-out-of-ro", 0x802ffc, 8, SPP_MOV, 0, false },
	{ "beside-tripwire-below", 0x8033f8, 8, SPP_MOV, 0, false },
	{ "beside-tripwire-above", 0x803480, 8, SPP_MOV, 0, false },
	{ "free-byte", 0x805000, 1, SPP_MOV, 0, false },
	{ "free-dword", 0x805004, 4, SPP_MOV, 0, false },
	{ "free-cross-page", 0x805ffc, 8, SPP_MOV, 0, false },
};

static void spp_default_masks(struct spp_model *m)
{
	static const uint64_t pages[] = { 0x800000, 0x801000, 0x802000, 0x803000, 0x804000,
					  0x80f000 };
	char name[32];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		con_snprintf(name, sizeof(name), "mask-0x%lx", pages[i]);
		spp_check_mask(m, name, pages[i], spp_model_mask(m, pages[i]));
	}
	/* Any address inside a page answers for the page; nothing beyond guest
	 * RAM or above 4 GiB is protected. */
	spp_check_mask(m, "mask-unaligned-gpa", 0x8010c0, spp_model_mask(m, 0x801000));
	spp_check_mask(m, "mask-beyond-ram", 0x40000000, SPP_UNPROT);
	spp_check_mask(m, "mask-above-4g", 0x100800000ull, SPP_UNPROT);
}

static void spp_default_locks(struct spp_model *m)
{
	static const struct spp_store after_lock[] = {
		{ "lock-byte", 0x804080, 1, SPP_MOV, 0, false },
		{ "lock-straddle-to-writable", 0x8040fc, 8, SPP_MOV, 0, false },
		{ "lock-beside", 0x804000, 8, SPP_MOV, 0, false },
		{ "lock-split-dword", 0xa01040, 4, SPP_MOV, 0, false },
		{ "lock-split-writable", 0xa01100, 1, SPP_MOV, 0, false },
		{ "lock-split-neighbour-page", 0xa00000, 8, SPP_MOV, 0, false },
		{ "lock-cross-page", 0x806ffc, 8, SPP_MOV, 0, false },
		{ "lock-over-config", 0x800000, 1, SPP_MOV, 0, false },
	};
	const uint64_t marker = 0x4d41524b45523031ull;
	char why[SPP_WHY_MAX] = "";
	int32_t ret;

	/* 0xa00000 is a 2 MiB region with no protected page yet: its EPT
	 * mapping has to be split while the guest runs, keeping the data. */
	spp_store_raw(0xa00000, 8, marker);
	spp_check_lock(m, "lock", 0x804080, 0x80, 0);
	spp_check_mask(m, "lock-query", 0x804000, spp_model_mask(m, 0x804000));
	spp_check_lock(m, "lock-split", 0xa01000, 0x100, 0);
	spp_check_mask(m, "lock-split-query", 0xa01000, spp_model_mask(m, 0xa01000));
	if (*(volatile uint64_t *)0xa00000 != marker)
		con_snprintf(why, sizeof(why), "read 0x%lx", *(volatile uint64_t *)0xa00000);
	spp_check(m, "lock-split-keeps-data", !why[0], why);
	spp_check_lock(m, "lock-two-pages", 0x806f80, 0x100, 0);
	spp_check_mask(m, "lock-two-pages-query-1", 0x806000, spp_model_mask(m, 0x806000));
	spp_check_mask(m, "lock-two-pages-query-2", 0x807000, spp_model_mask(m, 0x807000));
	spp_check_lock(m, "lock-unaligned-start", 0x804010, 0x80, -HC_EINVAL);
	spp_check_lock(m, "lock-unaligned-length", 0x804100, 0x40, -HC_EINVAL);
	spp_check_lock(m, "lock-zero-length", 0x804100, 0, -HC_EINVAL);
	spp_check_lock(m, "lock-outside-ram", 0x40000000, 0x80, -HC_EINVAL);
	spp_check_lock(m, "lock-above-4g", 0x100000000ull, 0x80, -HC_EINVAL);
	spp_check_lock(m, "lock-hv-memory", boot_ram_end, 0x80, -HC_EINVAL);
	spp_check_lock(m, "lock-wraps", 0xffffffffffffff80ull, 0x100, -HC_EINVAL);
	spp_check_mask(m, "lock-failed-no-change", 0x804000, spp_model_mask(m, 0x804000));
	spp_check_mask(m, "lock-failed-free-page", 0x805000, SPP_UNPROT);
	/* Over a configured deny range: the ABI does not say whether that is
	 * an error; protection must not weaken either way. */
	ret = hc_lock(0x800000, 0x80);
	con_printf("guest: spp lock gpa=0x800000 len=0x80 ret=%d (over guard-first)\n", ret);
	spp_check_mask(m, "lock-over-config-query", 0x800000, spp_model_mask(m, 0x800000));
	for (size_t i = 0; i < sizeof(after_lock) / sizeof(after_lock[0]); i++)
		spp_run_store(m, &after_lock[i]);
}

uint32_t guest_mode_spp(const struct guest_boot *b)
{
	struct spp_model m = { .n = 0 };
	char expect[8] = "hw", name[24];
	uint32_t exc = idt_exception_total();
	uint64_t cr3;

	if (!spp_needs_hv(b))
		return GUEST_EXIT_USAGE;
	if (boot_arg_str(b, "expect", expect, sizeof(expect)) == BOOT_ARG_BAD ||
	    (!(expect[0] == 'h' && expect[1] == 'w' && !expect[2]) &&
	     !(expect[0] == 's' && expect[1] == 'w' && !expect[2]))) {
		con_printf("guest: FAIL bad argument expect (hw or sw)\n");
		return GUEST_EXIT_USAGE;
	}
	m.sw = expect[0] == 's';
	for (size_t i = 0; i < sizeof(spp_default_ranges) / sizeof(spp_default_ranges[0]); i++)
		m.r[m.n++] = spp_default_ranges[i];
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	con_printf("guest: spp expect=%s cr3=0x%lx\n", expect, cr3);
	spp_default_masks(&m);
	for (size_t i = 0; i < sizeof(spp_default_stores) / sizeof(spp_default_stores[0]); i++)
		spp_run_store(&m, &spp_default_stores[i]);
	/* ro-page: one byte in every sub-page, at a different offset in each. */
	for (uint32_t i = 0; i < SPP_SUBPAGES; i++) {
		struct spp_store st = { name, 0x802000 + i * SPP_SUB + (i * 5) % SPP_SUB, 1,
					SPP_MOV, 0, false };

		con_snprintf(name, sizeof(name), "ro-subpage-%u", i);
		spp_run_store(&m, &st);
	}
	spp_default_locks(&m);
	spp_check(&m, "no-exceptions", idt_exception_total() == exc, "guest took exceptions");
	con_printf("guest: done passed=%u failed=%u\n", m.passed, m.failed);
	return m.failed < GUEST_EXIT_MAX_FAILS ? m.failed : GUEST_EXIT_MAX_FAILS;
}

static bool spp_arg_u64(const struct guest_boot *b, const char *key, uint64_t *v)
{
	if (boot_arg_u64(b, key, v) == BOOT_ARG_BAD) {
		con_printf("guest: FAIL bad argument %s\n", key);
		return false;
	}
	return true;
}

uint32_t guest_mode_spp_halt(const struct guest_boot *b)
{
	struct spp_model m = { .n = 0 };
	uint64_t addr = 0x803400, size = 1;

	if (!spp_needs_hv(b))
		return GUEST_EXIT_USAGE;
	if (!spp_arg_u64(b, "addr", &addr) || !spp_arg_u64(b, "size", &size))
		return GUEST_EXIT_USAGE;
	if ((size != 1 && size != 2 && size != 4 && size != 8) || addr >= GUEST_SPP_AREA + GUEST_SPP_AREA_SIZE ||
	    addr < GUEST_SPP_AREA) {
		con_printf("guest: FAIL bad argument addr/size\n");
		return GUEST_EXIT_USAGE;
	}
	m.sw = true;
	spp_run_store(&m, &(struct spp_store){ "halt", addr, (uint8_t)size, SPP_MOV, 0, false });
	con_printf("guest: FAIL store to the halt range returned\n");
	return GUEST_EXIT_FAIL;
}

uint32_t guest_mode_spp_storm(const struct guest_boot *b)
{
	uint64_t n = 1000, addr = GUEST_SPP_AREA;
	uint8_t first[SPP_SUB];
	uint32_t changed = 0;

	if (!spp_needs_hv(b))
		return GUEST_EXIT_USAGE;
	if (!spp_arg_u64(b, "n", &n) || !spp_arg_u64(b, "addr", &addr))
		return GUEST_EXIT_USAGE;
	if (n > 10000000 || addr % SPP_SUB || addr < GUEST_SPP_AREA ||
	    addr >= GUEST_SPP_AREA + GUEST_SPP_AREA_SIZE) {
		con_printf("guest: FAIL bad argument n/addr\n");
		return GUEST_EXIT_USAGE;
	}
	for (uint32_t i = 0; i < SPP_SUB; i++)
		first[i] = spp_peek(addr + i);
	con_printf("guest: spp storm stores=%lu gpa=0x%lx size=1 rip=0x%lx\n", n, addr,
		   (uint64_t)(uintptr_t)spp_probe_st1);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = addr + i % SPP_SUB;

		spp_store_raw(a, 1, spp_peek(a) ^ spp_xor((uint32_t)i, 0));
	}
	for (uint32_t i = 0; i < SPP_SUB; i++)
		changed += spp_peek(addr + i) != first[i];
	con_printf("guest: spp storm done changed-bytes=%u\n", changed);
	return changed ? GUEST_EXIT_FAIL : GUEST_EXIT_OK;
}

/* One byte in the middle of each sub-page: bit i of the result set when the
 * store to sub-page i took effect. */
static uint32_t spp_probe_page(uint64_t page)
{
	uint32_t written = 0;

	for (uint32_t i = 0; i < SPP_SUBPAGES; i++) {
		uint64_t a = page + i * SPP_SUB + SPP_SUB / 2;
		uint8_t old = spp_peek(a), nb = (uint8_t)(old ^ spp_xor(i, 0));

		con_printf("guest: spp store seq=%u gpa=0x%lx size=1 count=1 kind=mov rip=0x%lx name=probe\n",
			   i + 1, a, (uint64_t)(uintptr_t)spp_probe_st1);
		spp_store_raw(a, 1, nb);
		if (spp_peek(a) == nb)
			written |= 1u << i;
	}
	return written;
}

uint32_t guest_mode_spp_config(const struct guest_boot *b)
{
	char list[SPP_ARG_MAX] = "";
	uint64_t lock = 0, locklen = SPP_SUB;
	enum boot_arg_result has_lock = boot_arg_u64(b, "lock", &lock);
	const char *p = list;

	if (!spp_needs_hv(b))
		return GUEST_EXIT_USAGE;
	if (has_lock == BOOT_ARG_BAD || !spp_arg_u64(b, "locklen", &locklen) ||
	    locklen > UINT32_MAX || boot_arg_str(b, "probe", list, sizeof(list)) == BOOT_ARG_BAD) {
		con_printf("guest: FAIL bad argument lock/locklen/probe\n");
		return GUEST_EXIT_USAGE;
	}
	if (has_lock == BOOT_ARG_OK)
		con_printf("guest: spp lock gpa=0x%lx len=0x%lx ret=%d\n", lock, locklen,
			   hc_lock(lock, (uint32_t)locklen));
	while (*p) {
		uint64_t page = 0;
		unsigned base = 10;

		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			base = 16;
			p += 2;
		}
		for (; *p && *p != ','; p++) {
			unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
				     *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) :
				     *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10) : 99;

			if (d >= base) {
				con_printf("guest: FAIL bad argument probe\n");
				return GUEST_EXIT_USAGE;
			}
			page = page * base + d;
		}
		p += *p == ',';
		if (page % SPP_PAGE || page >= SPP_MAPPED_LIMIT) {
			con_printf("guest: FAIL probe page 0x%lx not a mapped page\n", page);
			return GUEST_EXIT_USAGE;
		}
		uint32_t mask = hc_query(page);

		con_printf("guest: spp probe page=0x%lx mask=0x%08x written=0x%08x\n", page, mask,
			   spp_probe_page(page));
	}
	return GUEST_EXIT_OK;
}
