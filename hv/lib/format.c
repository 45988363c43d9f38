#include "hv/lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_out {
	char *buf;
	size_t cap;
	size_t len;
};

static void fmt_put(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_pad(struct fmt_out *o, char c, int count)
{
	while (count-- > 0)
		fmt_put(o, c);
}

static void fmt_str(struct fmt_out *o, const char *s, int width, bool left)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	if (!left)
		fmt_pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		fmt_put(o, s[i]);
	if (left)
		fmt_pad(o, ' ', width - len);
}

static void fmt_num(struct fmt_out *o, uint64_t v, bool negative,
		    unsigned base, bool upper, int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (negative ? 1 : 0);

	if (!left && !zero)
		fmt_pad(o, ' ', width - len);
	if (negative)
		fmt_put(o, '-');
	if (!left && zero)
		fmt_pad(o, '0', width - len);
	while (n)
		fmt_put(o, tmp[--n]);
	if (left)
		fmt_pad(o, ' ', width - len);
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, n, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			fmt_put(&o, *fmt);
			continue;
		}
		bool zero = false, left = false;
		int width = 0, lng = 0;

		for (fmt++; *fmt == '0' || *fmt == '-'; fmt++) {
			if (*fmt == '0')
				zero = true;
			else
				left = true;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

			fmt_num(&o, mag, v < 0, 10, false, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);

			fmt_num(&o, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				width, zero, left);
			break;
		}
		case 'p':
			fmt_put(&o, '0');
			fmt_put(&o, 'x');
			fmt_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false,
				16, false, width, zero, left);
			break;
		case 's':
			fmt_str(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			fmt_put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			fmt_put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			fmt_put(&o, '%');
			fmt_put(&o, *fmt);
			break;
		}
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
