#include "hv/logring.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

#define LOGRING_NOTE_MAX 48

bool logring_init(struct logring *r, char *buf, uint32_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = r->tail = 0;
	r->dropped = r->dropped_total = 0;
	r->resume_free = 0;
	return size && !(size & (size - 1));
}

void logring_set_resume(struct logring *r, uint32_t bytes)
{
	r->resume_free = bytes < r->size ? bytes : r->size;
}

uint32_t logring_free(const struct logring *r)
{
	return r->size - logring_used(r);
}

static void logring_copy_in(struct logring *r, const char *p, uint32_t len)
{
	uint32_t off = (uint32_t)(r->head & (r->size - 1)), first = r->size - off;

	if (first > len)
		first = len;
	memcpy(r->buf + off, p, first);
	memcpy(r->buf, p + first, len - first);
	r->head += len;
}

static uint32_t logring_note(const struct logring *r, char *note)
{
	int n = fmt_snprintf(note, LOGRING_NOTE_MAX, "log-dropped count=%lu\n",
			     (unsigned long)r->dropped);

	return n < LOGRING_NOTE_MAX ? (uint32_t)n : LOGRING_NOTE_MAX - 1;
}

bool logring_note_drops(struct logring *r)
{
	char note[LOGRING_NOTE_MAX];
	uint32_t n;

	if (!r->dropped)
		return true;
	n = logring_note(r, note);
	if (n > logring_free(r) || logring_free(r) < r->resume_free)
		return false;
	logring_copy_in(r, note, n);
	r->dropped = 0;
	return true;
}

void logring_drop(struct logring *r)
{
	r->dropped++;
	r->dropped_total++;
}

bool logring_put_record(struct logring *r, const char *rec, uint32_t len)
{
	char note[LOGRING_NOTE_MAX];
	uint32_t n = r->dropped ? logring_note(r, note) : 0;

	if ((uint64_t)n + len > logring_free(r) || (n && logring_free(r) < r->resume_free)) {
		logring_drop(r);
		return false;
	}
	if (n) {
		logring_copy_in(r, note, n);
		r->dropped = 0;
	}
	logring_copy_in(r, rec, len);
	return true;
}

bool logring_put_record_keep(struct logring *r, const char *rec, uint32_t len)
{
	char note[LOGRING_NOTE_MAX];
	uint32_t n = r->dropped ? logring_note(r, note) : 0;

	if (len > logring_free(r))
		return false;
	if (n && (uint64_t)n + len <= logring_free(r)) {
		logring_copy_in(r, note, n);
		r->dropped = 0;
	}
	logring_copy_in(r, rec, len);
	return true;
}

bool logring_put_bytes(struct logring *r, const char *p, uint32_t len, uint32_t reserve)
{
	if ((uint64_t)len + reserve > logring_free(r))
		return false;
	logring_copy_in(r, p, len);
	return true;
}

uint32_t logring_peek(const struct logring *r, const char **p)
{
	uint32_t used = logring_used(r), off = (uint32_t)(r->tail & (r->size - 1));
	uint32_t run = r->size - off;

	*p = r->buf + off;
	return used < run ? used : run;
}

void logring_consume(struct logring *r, uint32_t n)
{
	uint32_t used = logring_used(r);

	r->tail += n < used ? n : used;
}
