#include "hv/cmdline.h"
#include "hv/errno.h"

static bool cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t n)
{
	bool found = false;
	const char *p = cmdline;

	if (!cmdline || !key || !*key)
		return false;
	while (*p) {
		while (cmdline_is_space(*p))
			p++;
		const char *word = p;

		while (*p && !cmdline_is_space(*p))
			p++;
		const char *k = key;
		const char *w = word;

		while (*k && w < p && *w == *k) {
			w++;
			k++;
		}
		if (*k || (w < p && *w != '='))
			continue;
		if (w < p)
			w++; /* skip '=' */
		found = true;
		if (val && n) {
			size_t len = 0;

			while (w < p && len + 1 < n)
				val[len++] = *w++;
			val[len] = '\0';
		}
	}
	return found;
}

int cmdline_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10, digits = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		uint64_t d;

		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint64_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (uint64_t)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (!digits)
		return -EINVAL;
	unsigned shift = 0;

	switch (*s) {
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	default: break;
	}
	if (*s)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}
