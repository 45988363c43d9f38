/* Helpers shared by the configuration sources (hv/config*.c); not an API. */
#ifndef HV_CONFIG_INTERNAL_H
#define HV_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/config.h"

/* Where a range token went wrong: len 0 means "the whole token". */
struct config_range_fault {
	size_t off, len;
	const char *reason;
};

int config_number_scan(const char *s, size_t len, uint64_t *val, bool suffix);
int config_range_scan(const char *s, size_t len, uint64_t *start, uint64_t *end,
		      struct config_range_fault *f);

/* Fill *e; the token is copied with unprintable bytes shown as '?' and
 * shortened with "..." when it does not fit. */
void config_error_set(struct config_error *e, uint32_t line, uint32_t col,
		      const char *tok, size_t toklen, const char *reason);

/* "0x" and lower-case hex digits, NUL-terminated; returns the length (<= 18). */
size_t config_fmt_hex(char *out, uint64_t v);
/* Decimal, NUL-terminated; returns the length (<= 20). */
size_t config_fmt_dec(char *out, uint64_t v);

#endif
