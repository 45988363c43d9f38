/* The hypervisor's boot command line: space-separated `key=value` words and
 * bare flags, e.g. `console=com1,115200 loglevel=4 spp=sw`. */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value of the last `key=value` word into val (NUL-terminated,
 * truncated to n - 1 bytes) and returns true; false when key is absent.  A
 * bare word `key` yields the empty value. */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t n);

/* Parses a decimal or 0x-hex number with an optional K/M/G suffix.  Returns
 * -EINVAL on junk, -ERANGE on overflow. */
int cmdline_parse_u64(const char *s, uint64_t *out);

#endif
