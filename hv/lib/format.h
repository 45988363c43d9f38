/* A small vsnprintf: %s %c %d %i %u %x %X %p %%, flags '0' '-', a width, and
 * the length modifiers l, ll, z.  Pure: also built into the host unit tests. */
#ifndef HV_LIB_FORMAT_H
#define HV_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: always NUL-terminates when n > 0 and returns the length the
 * full output would have had. */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
