#include "hv/log.h"

#include <stdbool.h>

#include "hv/console.h"
#include "hv/cpu.h"
#include "hv/lib/format.h"

#define LOG_LINE_MAX 320

static int log_level = LOG_INFO;
static const char *const log_level_names[] = {
	[LOG_ERR] = "error", [LOG_WARN] = "warn",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_set_level(int level)
{
	log_level = level < LOG_ERR ? LOG_ERR : level > LOG_DEBUG ? LOG_DEBUG : level;
}

int log_get_level(void)
{
	return log_level;
}

void log_vprint(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n;

	if ((int)level > log_level)
		return;
	n = fmt_snprintf(line, sizeof(line), "hv[%lu] %s: ", rdtsc(),
			 log_level_names[level]);
	if (n < (int)sizeof(line))
		n += fmt_vsnprintf(line + n, sizeof(line) - (unsigned)n, fmt, ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	console_write_line(line, (uint32_t)n);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

static void log_vevent(bool lossy, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);

	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (lossy)
		console_write_line_lossy(line, (uint32_t)n);
	else
		console_write_line(line, (uint32_t)n);
}

void log_event(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(false, fmt, ap);
	va_end(ap);
}

void log_event_lossy(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(true, fmt, ap);
	va_end(ap);
}
