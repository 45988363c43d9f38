/* Static configuration: which guest RAM to map, which byte ranges to protect
 * with sub-page write permissions, and how violations are reported.  The text
 * format is documented in docs/config.md; the hypervisor (from the embedded or
 * boot-module file) and tools/hvconf parse it with this same code, so both print
 * identical messages.  Pure code: no allocation, the caller supplies the arrays. */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_range;

enum config_spp_mode { CONFIG_SPP_AUTO, CONFIG_SPP_HW, CONFIG_SPP_SW, CONFIG_SPP_OFF };

#define CONFIG_NAME_MAX 32
#define CONFIG_DEFAULT_LOG_RATE 100u
#define CONFIG_LOG_RATE_MAX 1000000u
/* Capacities both the hypervisor and hvconf use, so "more ranges than memory
 * allows" is reported at the same line by both.  16384 keeps range ids within
 * the SPPT builder's uint16_t. */
#define CONFIG_MEMORY_CAP 64u
#define CONFIG_PROTECT_CAP 16384u

struct config_memory {
	uint64_t start, end; /* inclusive */
	uint32_t line;
};

struct config_protect {
	uint64_t start, end; /* inclusive */
	uint8_t policy;      /* SPP_POLICY_* from spp/spp_defs.h */
	uint32_t line;
	char name[CONFIG_NAME_MAX];
};

struct config {
	struct config_memory *memory;
	uint32_t memory_count, memory_cap;
	struct config_protect *protect;
	uint32_t protect_count, protect_cap;
	enum config_spp_mode spp_mode;
	uint32_t log_rate;
	bool hypercall_lock;
	bool has_spp, has_log_rate, has_hypercall_lock;
};

/* line and column are 1-based; column 0 means "the whole line" (validation
 * errors, found after parsing).  token is printable ASCII, possibly shortened. */
struct config_error {
	uint32_t line, column;
	char token[40];
	char reason[120];
};

/* Defaults: spp auto, log-rate 100/s, hypercall-lock on, no ranges. */
void config_init(struct config *c, struct config_memory *mem, uint32_t mem_cap,
		 struct config_protect *prot, uint32_t prot_cap);

/* Parse len bytes of text (need not be NUL-terminated) into c, appending ranges.
 * 0, -EINVAL for any syntax error, -ENOSPC when the arrays are full ("more
 * ranges than memory allows").  On error *err (if err is non-NULL) says where. */
int config_parse(struct config *c, const char *text, size_t len,
		 struct config_error *err);

/* Protect ranges must end below this: the hypervisor reaches protected pages
 * through its identity map of the first 4 GiB (boot/entry.S). */
#define CONFIG_PROTECT_LIMIT (1ull << 32)

/* Check the parsed ranges against the machine: guest_ram is the RAM the
 * firmware reports, hv_mem the hypervisor's own memory (both end-exclusive,
 * any order, may be adjacent).  Sorts memory and protect ranges by start.
 * 0 or -EINVAL with *err naming the offending line.  The one validator: the
 * hypervisor (hv/hv_config.c) and tools/hvconf both call it, so they accept
 * and refuse the same files with the same words. */
int config_validate(struct config *c, const struct mem_range *guest_ram, size_t nram,
		    const struct mem_range *hv_mem, size_t nhv, struct config_error *err);

/* "config:LINE:COL: REASON (near 'TOKEN')" into buf, always NUL-terminated when
 * n > 0.  ":COL" is left out when column is 0 (a whole-line error); the
 * "(near ...)" part becomes "(at end of line)" when the token is empty and
 * there is a column, and is left out for a whole-line error without a token.
 * Returns the untruncated length. */
int config_format_error(const struct config_error *e, char *buf, size_t n);

const char *config_spp_mode_name(enum config_spp_mode mode);
const char *config_policy_name(uint8_t policy);

/* hv/default.conf as embedded by hv/config_default.S (hypervisor image only;
 * not NUL-terminated). */
extern const char config_default_start[], config_default_end[];

/* Building blocks the boot command line (spp=) and hvconf's options reuse. */
int config_parse_spp_mode(const char *s, size_t len, enum config_spp_mode *mode);
/* NUMBER with optional K/M/G suffix; overflow is -ERANGE, bad syntax -EINVAL. */
int config_parse_number(const char *s, size_t len, uint64_t *val);
/* START-END (inclusive) or START+SIZE; empty is -EINVAL, wrap-around -ERANGE. */
int config_parse_range(const char *s, size_t len, uint64_t *start, uint64_t *end);

#endif
