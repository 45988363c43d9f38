/* The configuration in force: the `config` module when the loader gave one,
 * else the default compiled into hv.elf.  Invalid means refused: the guest is
 * never launched with a protection silently dropped. */
#include "hv/cmdline.h"
#include "hv/hv.h"
#include "hv/lib/string.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/power.h"
#include "hv/status.h"
#include "spp/spp_defs.h"

__attribute__((noreturn)) static void hv_config_refuse(const struct config_error *e)
{
	char msg[200];

	config_format_error(e, msg, sizeof(msg));
	pr_err("%s", msg);
	pr_err("refused: invalid configuration (%s); the guest is not launched", hv.config_source);
	hv_power_off(HV_STATUS_BAD_CONFIG);
}

void hv_recheck_config(void)
{
	struct config_error err;

	if (config_validate(&hv.config, hv.guest_ram, hv.guest_ram_count, hv.hv_mem, HV_MEM_CONFIG,
			    &err))
		hv_config_refuse(&err);
}

/* `count` zeroed entries of `size` bytes from the pool. */
static void *hv_config_array(uint32_t count, size_t size)
{
	void *a = (void *)(uintptr_t)palloc_pages(&hv.pool, (count * size + PAGE_SIZE - 1) / PAGE_SIZE);

	if (!a)
		panic("pool exhausted allocating the configuration");
	return a;
}

/* Each range is a line of its own: the line count bounds the ranges. */
static uint32_t hv_config_lines(const char *text, size_t len, uint32_t cap)
{
	uint32_t n = 1;

	for (size_t i = 0; i < len && n < cap; i++)
		n += text[i] == '\n';
	return n;
}

void hv_load_config(void)
{
	const char *text = config_default_start;
	size_t len = (size_t)(config_default_end - config_default_start);
	uint32_t mem_cap, prot_cap;
	struct config_error err;
	char val[16];
	uint64_t pages = 0, subpages = 0;

	hv.config_source = "default";
	for (uint32_t i = 0; i < hv.module_count; i++) {
		if (hv.modules[i].role && !strcmp(hv.modules[i].role, "config")) {
			text = (const char *)(uintptr_t)hv.modules[i].pa;
			len = hv.modules[i].size;
			hv.config_source = "module";
		}
	}
	/* Arrays as large as the text can fill, so the pool holds what this
	 * configuration needs (hv/palloc.h); the protect table grows to its
	 * full size below when the guest may lock ranges into it. */
	mem_cap = hv_config_lines(text, len, CONFIG_MEMORY_CAP);
	prot_cap = hv_config_lines(text, len, CONFIG_PROTECT_CAP);
	config_init(&hv.config, hv_config_array(mem_cap, sizeof(struct config_memory)), mem_cap,
		    hv_config_array(prot_cap, sizeof(struct config_protect)), prot_cap);
	if (config_parse(&hv.config, text, len, &err) ||
	    config_validate(&hv.config, hv.guest_ram, hv.guest_ram_count, hv.hv_mem, HV_MEM_CONFIG, &err))
		hv_config_refuse(&err);
	if (cmdline_get(hv.boot.cmdline, "spp", val, sizeof(val))) {
		enum config_spp_mode mode;

		if (config_parse_spp_mode(val, strlen(val), &mode)) {
			pr_err("refused: bad spp=%s on the command line (expected auto, hw, sw or off)", val);
			hv_power_off(HV_STATUS_BAD_CONFIG);
		}
		hv.config.spp_mode = mode;
	}
	if (hv.config.hypercall_lock && prot_cap < CONFIG_PROTECT_CAP) {
		/* The lock hypercall appends to the table (docs/hypercalls.md:
		 * CONFIG_PROTECT_CAP entries, the configured ones included). */
		struct config_protect *all = hv_config_array(CONFIG_PROTECT_CAP,
							     sizeof(struct config_protect));

		memcpy(all, hv.config.protect, hv.config.protect_count * sizeof(*all));
		hv.config.protect = all;
		hv.config.protect_cap = CONFIG_PROTECT_CAP;
	}
	for (uint32_t i = 0; i < hv.config.protect_count; i++) {
		const struct config_protect *p = &hv.config.protect[i];

		subpages += (p->end - p->start + 1) / SPP_SUBPAGE_SIZE;
		pages += (p->end / PAGE_SIZE) - (p->start / PAGE_SIZE) + 1;
	}
	pr_info("config: source=%s memory-ranges=%u protect-ranges=%u spp=%s log-rate=%u/s hypercall-lock=%s",
		hv.config_source, hv.config.memory_count, hv.config.protect_count,
		config_spp_mode_name(hv.config.spp_mode), hv.config.log_rate,
		hv.config.hypercall_lock ? "on" : "off");
	for (uint32_t i = 0; i < hv.config.memory_count; i++)
		pr_info("config: memory 0x%lx-0x%lx", hv.config.memory[i].start, hv.config.memory[i].end);
	for (uint32_t i = 0; i < hv.config.protect_count && i < 64; i++) {
		const struct config_protect *p = &hv.config.protect[i];

		pr_info("config: protect 0x%lx-0x%lx policy=%s name=%s", p->start, p->end,
			config_policy_name(p->policy), p->name);
	}
	if (hv.config.protect_count > 64)
		pr_info("config: ... %u more protect ranges", hv.config.protect_count - 64);
	pr_info("config: %lu sub-pages protected (upper bound on pages: %lu)", subpages, pages);
}
