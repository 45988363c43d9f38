/* Numbers, sizes and ranges of the configuration format, shared with the boot
 * command line and hvconf's options.  Every step is overflow-checked: a value
 * that does not fit in 64 bits is an error, never a wrapped address. */
#include "hv/config.h"
#include "hv/config_internal.h"
#include "hv/errno.h"
#include "hv/lib/string.h"

static int lex_digit(char ch, unsigned base)
{
	int d;

	if (ch >= '0' && ch <= '9')
		d = ch - '0';
	else if (ch >= 'a' && ch <= 'f')
		d = ch - 'a' + 10;
	else if (ch >= 'A' && ch <= 'F')
		d = ch - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

static unsigned lex_suffix_shift(char ch)
{
	switch (ch) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	default: return 0;
	}
}

int config_number_scan(const char *s, size_t len, uint64_t *val, bool suffix)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	size_t i = 0;
	bool range_err = false;

	if (suffix && len > 0 && (shift = lex_suffix_shift(s[len - 1])) != 0)
		len--;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		int d = lex_digit(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			range_err = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (range_err || (shift && v > (UINT64_MAX >> shift)))
		return -ERANGE;
	*val = v << shift;
	return 0;
}

int config_parse_number(const char *s, size_t len, uint64_t *val)
{
	return config_number_scan(s, len, val, true);
}

static int lex_part(const char *s, size_t off, size_t len, uint64_t *v,
		    struct config_range_fault *f)
{
	int r = config_number_scan(s + off, len, v, true);

	if (r < 0) {
		f->off = off;
		f->len = len;
		f->reason = r == -ERANGE ? "number too large" : "bad number";
	}
	return r;
}

int config_range_scan(const char *s, size_t len, uint64_t *start, uint64_t *end,
		      struct config_range_fault *f)
{
	uint64_t a, b;
	size_t sep;
	int r;

	f->off = 0;
	f->len = 0;
	for (sep = 0; sep < len && s[sep] != '-' && s[sep] != '+'; sep++)
		;
	if (sep == len) {
		f->reason = "expected range START-END or START+SIZE";
		return -EINVAL;
	}
	if ((r = lex_part(s, 0, sep, &a, f)) < 0 ||
	    (r = lex_part(s, sep + 1, len - sep - 1, &b, f)) < 0)
		return r;
	if (s[sep] == '-') {
		if (b < a) {
			f->reason = "empty range (END before START)";
			return -EINVAL;
		}
	} else {
		if (b == 0) {
			f->reason = "empty range (SIZE 0)";
			return -EINVAL;
		}
		if (b - 1 > UINT64_MAX - a) {
			f->reason = "range wraps past the end of the address space";
			return -ERANGE;
		}
		b = a + (b - 1);
	}
	*start = a;
	*end = b;
	return 0;
}

int config_parse_range(const char *s, size_t len, uint64_t *start, uint64_t *end)
{
	struct config_range_fault f;

	return config_range_scan(s, len, start, end, &f);
}

int config_parse_spp_mode(const char *s, size_t len, enum config_spp_mode *mode)
{
	static const char *const names[] = { "auto", "hw", "sw", "off" };
	static const enum config_spp_mode modes[] = {
		CONFIG_SPP_AUTO, CONFIG_SPP_HW, CONFIG_SPP_SW, CONFIG_SPP_OFF,
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
			*mode = modes[i];
			return 0;
		}
	}
	return -EINVAL;
}
