/* The log ring: every byte the console sends (hypervisor records and, on a
 * shared UART, the guest's bytes) waits here until the transmitter has room,
 * so nothing that logs ever waits on the UART.
 *
 * A record goes in whole or not at all: one that does not fit is counted,
 * and when there is room again a `log-dropped count=N` record says how many
 * were lost before the next record goes in.  Pure code: no I/O, no globals;
 * tests/unit/test_logring.c runs it on the host. */
#ifndef HV_LOGRING_H
#define HV_LOGRING_H

#include <stdbool.h>
#include <stdint.h>

struct logring {
	char *buf;
	uint32_t size;      /* a power of two */
	uint64_t head;      /* bytes ever written */
	uint64_t tail;      /* bytes ever consumed */
	uint64_t dropped;   /* records lost since the last log-dropped record */
	uint64_t dropped_total;
	uint32_t resume_free; /* after a drop, records wait for this much room */
};

/* size must be a power of two (returns false otherwise). */
bool logring_init(struct logring *r, char *buf, uint32_t size);
/* After a record is lost, take none until `bytes` are free again, so a burst
 * ends in one log-dropped record instead of alternating drops and notices
 * (0, the default: as soon as the next record fits). */
void logring_set_resume(struct logring *r, uint32_t bytes);
/* Inline: asked after every VM exit (hv/console.c). */
static inline uint32_t logring_used(const struct logring *r)
{
	return (uint32_t)(r->head - r->tail);
}
uint32_t logring_free(const struct logring *r);
/* Appends one record (its bytes, newline included) whole, or counts it as
 * dropped and returns false.  A pending drop count is reported first, in a
 * log-dropped record of its own, once it and the record both fit. */
bool logring_put_record(struct logring *r, const char *rec, uint32_t len);
/* For a record that must not be lost: appends it if it fits now (after the
 * pending log-dropped record when both fit), ignoring the resume threshold;
 * returns false, counting nothing, when it does not fit: the caller makes
 * room and tries again. */
bool logring_put_record_keep(struct logring *r, const char *rec, uint32_t len);
/* Counts one record as dropped without offering it. */
void logring_drop(struct logring *r);
/* Writes the pending log-dropped record if there is room for it now. */
bool logring_note_drops(struct logring *r);
/* Appends bytes that are not records (a guest's console output) only while
 * `reserve` bytes stay free for records afterwards; all or nothing. */
bool logring_put_bytes(struct logring *r, const char *p, uint32_t len, uint32_t reserve);
/* The oldest unsent bytes as one contiguous run (up to the end of the
 * buffer); 0 when empty. */
uint32_t logring_peek(const struct logring *r, const char **p);
void logring_consume(struct logring *r, uint32_t n);

#endif
