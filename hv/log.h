/* Logging: one path from pr_*() through log_vprint() to console_write_line(),
 * one complete line per record.  Prose records read
 *     hv[TSC] LEVEL: message
 * and machine-parseable events (spp-violation, guest-exit, ...) are printed by
 * log_event() as bare `name key=value ...` lines so tools can split them. */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

void log_set_level(int level);
int log_get_level(void);
void log_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vprint(enum log_level level, const char *fmt, va_list ap);
/* An event line, printed whatever the level. */
void log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An event line that may be lost when the log ring is full (counted and
 * reported by a log-dropped record): for events the guest can cause at a
 * high rate. */
void log_event_lossy(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_err(...)  log_print(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_print(LOG_INFO, __VA_ARGS__)
#define pr_dbg(...)  log_print(LOG_DEBUG, __VA_ARGS__)

#endif
