/* Error records and their one-line text.  The hypervisor and hvconf print the
 * same line because both format it here; pure code has no snprintf, so the few
 * conversions needed are written out. */
#include "hv/config.h"
#include "hv/config_internal.h"
#include "hv/lib/string.h"
#include "spp/spp_defs.h"

size_t config_fmt_hex(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;
	int shift = 60;

	out[n++] = '0';
	out[n++] = 'x';
	while (shift > 0 && ((v >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		out[n++] = digits[(v >> shift) & 0xf];
	out[n] = '\0';
	return n;
}

size_t config_fmt_dec(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

static void fmt_copy(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, keep = len;

	if (len >= cap)
		keep = cap - 4;
	for (i = 0; i < keep; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch >= 0x20 && ch <= 0x7e) ? (char)ch : '?';
	}
	if (keep < len) {
		memcpy(&dst[keep], "...", 3);
		keep += 3;
	}
	dst[keep] = '\0';
}

void config_error_set(struct config_error *e, uint32_t line, uint32_t col,
		      const char *tok, size_t toklen, const char *reason)
{
	e->line = line;
	e->column = col;
	fmt_copy(e->token, sizeof(e->token), tok, toklen);
	fmt_copy(e->reason, sizeof(e->reason), reason, strlen(reason));
}

/* Appends to buf while room lasts; *len counts what would have been written. */
static void fmt_put(char *buf, size_t n, size_t *len, const char *s)
{
	for (; *s; s++, (*len)++)
		if (n > 0 && *len < n - 1)
			buf[*len] = *s;
}

static size_t strnlen_bounded(const char *s, size_t max)
{
	size_t i = 0;

	while (i < max && s[i])
		i++;
	return i;
}

/* The record may come from anywhere: never read past its fields. */
static void fmt_put_field(char *buf, size_t n, size_t *len, const char *s, size_t max)
{
	char tmp[128];

	fmt_copy(tmp, sizeof(tmp), s, strnlen_bounded(s, max));
	fmt_put(buf, n, len, tmp);
}

int config_format_error(const struct config_error *e, char *buf, size_t n)
{
	char num[24];
	size_t len = 0;

	fmt_put(buf, n, &len, "config:");
	config_fmt_dec(num, e->line);
	fmt_put(buf, n, &len, num);
	if (e->column) {
		fmt_put(buf, n, &len, ":");
		config_fmt_dec(num, e->column);
		fmt_put(buf, n, &len, num);
	}
	fmt_put(buf, n, &len, ": ");
	fmt_put_field(buf, n, &len, e->reason, sizeof(e->reason));
	if (e->token[0]) {
		fmt_put(buf, n, &len, " (near '");
		fmt_put_field(buf, n, &len, e->token, sizeof(e->token));
		fmt_put(buf, n, &len, "')");
	} else if (e->column) {
		/* A parse error with nothing left on the line.  A whole-line
		 * (validation) error has no column and no position to name. */
		fmt_put(buf, n, &len, " (at end of line)");
	}
	if (n > 0)
		buf[len < n ? len : n - 1] = '\0';
	return len > INT32_MAX ? INT32_MAX : (int)len;
}

const char *config_spp_mode_name(enum config_spp_mode mode)
{
	switch (mode) {
	case CONFIG_SPP_AUTO: return "auto";
	case CONFIG_SPP_HW: return "hw";
	case CONFIG_SPP_SW: return "sw";
	case CONFIG_SPP_OFF: return "off";
	}
	return "?";
}

const char *config_policy_name(uint8_t policy)
{
	switch (policy) {
	case SPP_POLICY_DENY: return "deny";
	case SPP_POLICY_LOG: return "log";
	case SPP_POLICY_HALT: return "halt";
	}
	return "?";
}
