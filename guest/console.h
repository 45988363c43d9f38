/* Polled COM1 console.  Output leaves only as whole lines, so a line is never
 * interleaved with the hypervisor's own output mid-way. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stddef.h>

#define CON_LINE_MAX 160

void con_init(void);
/* printf subset: %s %c %d %u %x %lx %ld %lu %llx %%, with a '0'-padded
 * width for numbers.  Text is buffered up to each '\n'; a line longer than
 * CON_LINE_MAX is split. */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same format into buf, truncated to size - 1 characters, always
 * NUL-terminated when size > 0. */
void con_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
