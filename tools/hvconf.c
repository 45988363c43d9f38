/* hvconf: check a spphv configuration without booting.
 *
 *   hvconf check FILE [--ram SIZE|RANGE]... [--reserve RANGE|none]...
 *
 * Parses and validates FILE with the hypervisor's own code (hv/config*.c), so
 * an invalid file gets the very line the hypervisor would print, then prints
 * the resolved layout: ranges, per-page writable masks built by the SPPT
 * builder (spp/sppt.c), and the EPT/SPPT pages needed.  Exit status: 0 valid,
 * 1 invalid configuration, 2 usage error or unreadable file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/config.h"
#include "hv/memrange.h"
#include "spp/sppt.h"

#define HVCONF_MAX_RANGES 32
#define HVCONF_4G (1ull << 32)
#define HVCONF_DEFAULT_RESERVE (16ull << 20)

struct hvconf_opts {
	const char *file;
	struct mem_range ram[HVCONF_MAX_RANGES], hv[HVCONF_MAX_RANGES];
	size_t nram, nhv;
	bool ram_given, hv_given;
};

static void hvconf_usage(FILE *f)
{
	fprintf(f,
		"usage: hvconf check FILE [--ram SIZE|RANGE]... [--reserve RANGE|none]...\n"
		"  --ram SIZE|RANGE   guest RAM the firmware would report: SIZE means\n"
		"                     0..SIZE-1; repeatable (default 256M)\n"
		"  --reserve RANGE    hypervisor memory, START-END or START+SIZE;\n"
		"                     repeatable; 'none' for no reservation\n"
		"                     (default: the top 16 MiB of RAM below 4 GiB,\n"
		"                     where spphv moves its image and pool)\n"
		"Numbers: decimal or 0x-hex, K/M/G suffixes.  Exit status: 0 valid,\n"
		"1 invalid configuration, 2 usage error or unreadable file.\n");
}

/* SIZE (from 0) or an inclusive RANGE, as a half-open mem_range. */
static int hvconf_range_arg(const char *s, bool size_ok, struct mem_range *r)
{
	uint64_t a, b;

	if (strpbrk(s, "-+")) {
		if (config_parse_range(s, strlen(s), &a, &b) < 0 || b == UINT64_MAX)
			return -1;
		*r = (struct mem_range){ a, b + 1 };
		return 0;
	}
	if (!size_ok || config_parse_number(s, strlen(s), &b) < 0 || b == 0)
		return -1;
	*r = (struct mem_range){ 0, b };
	return 0;
}

static int hvconf_add(struct mem_range *set, size_t *n, bool *given, const char *opt,
		      const char *val, bool size_ok)
{
	if (!*given) {
		*given = true;
		*n = 0;
	}
	if (!size_ok && strcmp(val, "none") == 0)
		return 0;
	if (*n == HVCONF_MAX_RANGES || hvconf_range_arg(val, size_ok, &set[*n]) < 0) {
		fprintf(stderr, "hvconf: bad %s value '%s'\n", opt, val);
		return -1;
	}
	(*n)++;
	return 0;
}

static int hvconf_args(int argc, char **argv, struct hvconf_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->ram[0] = (struct mem_range){ 0, 256ull << 20 };
	o->nram = 1;
	o->nhv = 0;
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return -1;
	for (i = 2; i < argc; i++) {
		bool ram = strcmp(argv[i], "--ram") == 0;

		if (ram || strcmp(argv[i], "--reserve") == 0) {
			if (i + 1 == argc)
				return -1;
			if (ram ? hvconf_add(o->ram, &o->nram, &o->ram_given, argv[i], argv[i + 1], true)
				: hvconf_add(o->hv, &o->nhv, &o->hv_given, argv[i], argv[i + 1], false))
				return -1;
			i++;
		} else if (argv[i][0] == '-' || o->file) {
			return -1;
		} else {
			o->file = argv[i];
		}
	}
	if (!o->hv_given) {
		/* spphv's image and pool sit at the top of RAM below 4 GiB; what
		 * they take is reported at boot (`memory: N KiB reserved`) and is
		 * about 2 MiB for hv/default.conf; 16 MiB leaves room for staged
		 * modules (a Linux kernel and its initrd take more: pass
		 * --reserve). */
		uint64_t top = 0;

		for (size_t k = 0; k < o->nram; k++) {
			uint64_t end = o->ram[k].end < HVCONF_4G ? o->ram[k].end : HVCONF_4G;

			if (o->ram[k].start < end && end > top)
				top = end;
		}
		if (top >= HVCONF_DEFAULT_RESERVE)
			o->hv[o->nhv++] = (struct mem_range){ top - HVCONF_DEFAULT_RESERVE, top };
	}
	return o->file ? 0 : -1;
}

static char *hvconf_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	if (!f || !buf) {
		fprintf(stderr, "hvconf: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			fclose(f);
			fprintf(stderr, "hvconf: %s: out of memory\n", path);
			return NULL;
		}
		buf = nb;
	}
	if (ferror(f)) {
		fprintf(stderr, "hvconf: %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Page memory for the SPPT builder: malloc'ed pages, "physical" address =
 * host address, all freed at exit. */
struct hvconf_mem {
	void **pages;
	size_t n, cap;
};

static uint64_t hvconf_alloc(void *ctx)
{
	struct hvconf_mem *m = ctx;
	void *p;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		void **np = realloc(m->pages, cap * sizeof(*np));

		if (!np)
			return 0;
		m->pages = np;
		m->cap = cap;
	}
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		return 0;
	memset(p, 0, PAGE_SIZE);
	m->pages[m->n++] = p;
	return (uint64_t)(uintptr_t)p;
}

static void *hvconf_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

struct hvconf_pages {
	struct spp_page *p;
	size_t n, cap;
};

static int hvconf_collect(void *arg, const struct spp_page *p)
{
	struct hvconf_pages *v = arg;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct spp_page *np = realloc(v->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		v->p = np;
		v->cap = cap;
	}
	v->p[v->n++] = *p;
	return 0;
}

static int hvconf_cmp(const void *a, const void *b)
{
	const struct spp_page *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static void hvconf_print_page(const struct config *c, const struct spp_page *p)
{
	uint16_t last = SPP_NO_RANGE;
	int i;

	printf("  0x%" PRIx64 " writable 0x%08" PRIx32, p->gpa, p->writable_mask);
	for (i = 0; i < SPP_SUBPAGES_PER_PAGE; i++) {
		uint16_t id = p->range_of_subpage[i];

		if (id != SPP_NO_RANGE && id != last && id < c->protect_count)
			printf(" %s", c->protect[id].name);
		if (id != SPP_NO_RANGE)
			last = id;
	}
	printf("\n");
}

/* Prints ranges, per-page masks and the page counts; 0, or 1 when the SPPT
 * builder refuses a range the validator accepted (e.g. above 2^48). */
static int hvconf_layout(const struct config *c)
{
	struct hvconf_mem mem = { NULL, 0, 0 };
	struct page_ops ops = { .ctx = &mem, .alloc_page = hvconf_alloc,
				.phys_to_virt = hvconf_virt };
	struct hvconf_pages pages = { NULL, 0, 0 };
	uint64_t subpages = 0, regions = 0, last_region = UINT64_MAX;
	struct sppt t;
	size_t i;
	int r;

	printf("ranges: %" PRIu32 "\n", c->protect_count);
	for (i = 0; i < c->protect_count; i++) {
		const struct config_protect *p = &c->protect[i];
		uint64_t n = (p->end - p->start + 1) / SPP_SUBPAGE_SIZE;

		printf("  0x%" PRIx64 "-0x%" PRIx64 " %s %s (line %" PRIu32 ", %" PRIu64
		       " sub-page%s)\n", p->start, p->end, config_policy_name(p->policy),
		       p->name, p->line, n, n == 1 ? "" : "s");
	}
	r = sppt_init(&t, &ops);
	for (i = 0; r == 0 && i < c->protect_count; i++) {
		r = sppt_protect(&t, c->protect[i].start, c->protect[i].end, (uint16_t)i);
		if (r < 0)
			fprintf(stderr, "config:%" PRIu32 ": SPPT builder refused the range "
				"(error %d)\n", c->protect[i].line, r);
	}
	if (r == 0)
		r = sppt_for_each_page(&t, hvconf_collect, &pages);
	if (r == 0) {
		/* qsort(NULL, 0, ...) is undefined (C11 7.22.5p1): a
		 * configuration without ranges has no page array. */
		if (pages.n)
			qsort(pages.p, pages.n, sizeof(pages.p[0]), hvconf_cmp);
		for (i = 0; i < pages.n; i++) {
			subpages += SPP_SUBPAGES_PER_PAGE -
				    (uint64_t)__builtin_popcount(pages.p[i].writable_mask);
			if (pages.p[i].gpa >> 21 != last_region) {
				last_region = pages.p[i].gpa >> 21;
				regions++;
			}
		}
		printf("pages: %zu protected, %" PRIu64 " sub-pages protected\n",
		       pages.n, subpages);
		for (i = 0; i < pages.n; i++)
			hvconf_print_page(c, &pages.p[i]);
		/* Each 2 MiB region holding a protected page needs its large
		 * mapping split: one 4 KiB EPT page table (SDM Vol. 3C, 28.3.2). */
		printf("EPT: %" PRIu64 " page table(s) to split %" PRIu64
		       " 2 MiB region(s) into 4 KiB pages (estimate)\n", regions, regions);
		printf("SPPT: %" PRIu32 " table page(s), %" PRIu32 " record/index page(s)\n",
		       t.table_pages, t.meta_pages);
	} else if (r == -ENOMEM) {
		fprintf(stderr, "hvconf: out of memory\n");
	}
	for (i = 0; i < mem.n; i++)
		free(mem.pages[i]);
	free(mem.pages);
	free(pages.p);
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct config_memory mem[CONFIG_MEMORY_CAP];
	static struct config_protect prot[CONFIG_PROTECT_CAP];
	struct hvconf_opts o;
	struct config_error err;
	struct config c;
	char line[256];
	size_t len, i;
	char *text;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		hvconf_usage(stdout);
		return 0;
	}
	if (hvconf_args(argc, argv, &o) < 0) {
		hvconf_usage(stderr);
		return 2;
	}
	text = hvconf_read(o.file, &len);
	if (!text)
		return 2;
	config_init(&c, mem, CONFIG_MEMORY_CAP, prot, CONFIG_PROTECT_CAP);
	r = config_parse(&c, text, len, &err);
	free(text);
	if (r == 0)
		r = config_validate(&c, o.ram, o.nram, o.hv, o.nhv, &err);
	if (r < 0) {
		config_format_error(&err, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		return 1;
	}
	printf("%s: valid\n", o.file);
	printf("spp %s\nlog-rate %" PRIu32 "/s\nhypercall-lock %s\n",
	       config_spp_mode_name(c.spp_mode), c.log_rate, c.hypercall_lock ? "on" : "off");
	printf("firmware RAM:");
	for (i = 0; i < o.nram; i++)
		printf(" 0x%" PRIx64 "-0x%" PRIx64, o.ram[i].start, o.ram[i].end - 1);
	printf("\nhypervisor memory:");
	for (i = 0; i < o.nhv; i++)
		printf(" 0x%" PRIx64 "-0x%" PRIx64, o.hv[i].start, o.hv[i].end - 1);
	printf("%s\nguest RAM:", o.nhv ? "" : " none");
	if (c.memory_count == 0)
		printf(" all firmware RAM minus hypervisor memory");
	for (i = 0; i < c.memory_count; i++)
		printf(" 0x%" PRIx64 "-0x%" PRIx64 " (line %" PRIu32 ")", mem[i].start,
		       mem[i].end, mem[i].line);
	printf("\n");
	return hvconf_layout(&c);
}
