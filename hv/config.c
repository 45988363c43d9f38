/* Configuration parser: one directive per line, tokens separated by blanks.
 * Lines are tokenised in place (no line buffer), so any line length works and
 * the cost is one pass over the text.  The first error ends the parse. */
#include "hv/config.h"
#include "hv/config_internal.h"
#include "hv/errno.h"
#include "hv/lib/string.h"
#include "hv/page_ops.h"
#include "spp/spp_defs.h"

struct cfg_tok {
	const char *s;
	size_t len;
	uint32_t col;
};

struct cfg_line {
	const char *s;
	size_t len, pos;
	uint32_t lineno;
	struct config_error *err;
};

/* Line of the first spp / log-rate / hypercall-lock, for the duplicate message. */
struct cfg_state {
	uint32_t spp_line, rate_line, lock_line;
};

static uint32_t cfg_col(size_t off)
{
	return off >= UINT32_MAX ? UINT32_MAX : (uint32_t)off + 1;
}

static int cfg_fail(struct cfg_line *l, uint32_t col, const char *tok, size_t toklen,
		    const char *reason)
{
	if (l->err)
		config_error_set(l->err, l->lineno, col, tok, toklen, reason);
	return -EINVAL;
}

static int cfg_fail_tok(struct cfg_line *l, const struct cfg_tok *t, const char *reason)
{
	return cfg_fail(l, t->col, t->s, t->len, reason);
}

static bool cfg_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* 1 with *t set, 0 at the end of the line (or at a comment), <0 on a bad byte.
 * Bytes outside printable ASCII are refused outside comments so that a
 * stray control character cannot hide in a token. */
static int cfg_next(struct cfg_line *l, struct cfg_tok *t)
{
	size_t i = l->pos, start;

	while (i < l->len && cfg_blank(l->s[i]))
		i++;
	if (i == l->len || l->s[i] == '#') {
		l->pos = i;
		return 0;
	}
	start = i;
	while (i < l->len && !cfg_blank(l->s[i]) && l->s[i] != '#') {
		unsigned char ch = (unsigned char)l->s[i];

		if (ch < 0x21 || ch > 0x7e)
			return cfg_fail(l, cfg_col(i), &l->s[i], 1, "invalid character");
		i++;
	}
	t->s = &l->s[start];
	t->len = i - start;
	t->col = cfg_col(start);
	l->pos = i;
	return 1;
}

static int cfg_need(struct cfg_line *l, struct cfg_tok *t, const char *what)
{
	int r = cfg_next(l, t);

	if (r == 0)
		return cfg_fail(l, cfg_col(l->pos), "", 0, what);
	return r < 0 ? r : 0;
}

static int cfg_end(struct cfg_line *l)
{
	struct cfg_tok t;
	int r = cfg_next(l, &t);

	if (r > 0)
		return cfg_fail_tok(l, &t, "unexpected token after directive");
	return r;
}

static bool cfg_is(const struct cfg_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->len == n && memcmp(t->s, word, n) == 0;
}

/* Range token with errors pointing at the part that is wrong. */
static int cfg_range_tok(struct cfg_line *l, const struct cfg_tok *t,
			 uint64_t *start, uint64_t *end)
{
	struct config_range_fault f;
	int r = config_range_scan(t->s, t->len, start, end, &f);

	if (r == 0)
		return 0;
	if (f.len == 0)
		return cfg_fail_tok(l, t, f.reason);
	return cfg_fail(l, t->col + (uint32_t)f.off, t->s + f.off, f.len, f.reason);
}

static int cfg_memory(struct config *c, struct cfg_line *l)
{
	struct cfg_tok t;
	uint64_t start, end;
	int r;

	if ((r = cfg_need(l, &t, "expected range START-END or START+SIZE")) < 0 ||
	    (r = cfg_range_tok(l, &t, &start, &end)) < 0)
		return r;
	/* EPT maps whole 4 KiB pages (SDM Vol. 3C, 28.3.2). */
	if (start % PAGE_SIZE != 0 || (end + 1) % PAGE_SIZE != 0)
		return cfg_fail_tok(l, &t, "memory range not 4 KiB aligned "
				    "(START and END+1 must be multiples of 4096)");
	if ((r = cfg_end(l)) < 0)
		return r;
	if (c->memory_count >= c->memory_cap) {
		cfg_fail_tok(l, &t, "more ranges than memory allows");
		return -ENOSPC;
	}
	c->memory[c->memory_count++] = (struct config_memory){
		.start = start, .end = end, .line = l->lineno,
	};
	return 0;
}

static bool cfg_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= CONFIG_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

static int cfg_policy(const struct cfg_tok *t)
{
	if (cfg_is(t, "deny"))
		return SPP_POLICY_DENY;
	if (cfg_is(t, "log"))
		return SPP_POLICY_LOG;
	if (cfg_is(t, "halt"))
		return SPP_POLICY_HALT;
	return -1;
}

static int cfg_protect(struct config *c, struct cfg_line *l)
{
	struct cfg_tok t, rt, name = { .s = NULL, .len = 0, .col = 0 };
	uint64_t start, end;
	int policy = -1, r;
	struct config_protect *p;

	if ((r = cfg_need(l, &rt, "expected range START-END or START+SIZE")) < 0 ||
	    (r = cfg_range_tok(l, &rt, &start, &end)) < 0)
		return r;
	/* SPP permissions are per 128-byte sub-page (SDM Vol. 3C, 28.3.4): a range
	 * that does not cover whole sub-pages cannot be honoured exactly. */
	if (start % SPP_SUBPAGE_SIZE != 0 || (end + 1) % SPP_SUBPAGE_SIZE != 0)
		return cfg_fail_tok(l, &rt, "protect range not aligned to 128-byte "
				    "sub-pages (START and END+1 must be multiples of 128)");
	while ((r = cfg_next(l, &t)) > 0) {
		int pol = cfg_policy(&t);

		if (pol >= 0) {
			if (policy >= 0)
				return cfg_fail_tok(l, &t, "policy given twice");
			policy = pol;
		} else if (t.len >= 5 && memcmp(t.s, "name=", 5) == 0) {
			if (name.s)
				return cfg_fail_tok(l, &t, "name given twice");
			name = (struct cfg_tok){ .s = t.s + 5, .len = t.len - 5, .col = t.col + 5 };
			if (!cfg_name_ok(name.s, name.len))
				return cfg_fail_tok(l, &t, "bad name (1 to 31 of A-Z a-z 0-9 _ . -)");
		} else {
			return cfg_fail_tok(l, &t, "unknown protect option "
					    "(expected deny, log, halt or name=NAME)");
		}
	}
	if (r < 0)
		return r;
	if (c->protect_count >= c->protect_cap) {
		cfg_fail_tok(l, &rt, "more ranges than memory allows");
		return -ENOSPC;
	}
	p = &c->protect[c->protect_count++];
	memset(p, 0, sizeof(*p));
	p->start = start;
	p->end = end;
	p->line = l->lineno;
	p->policy = (uint8_t)(policy >= 0 ? policy : SPP_POLICY_DENY);
	if (name.s) {
		memcpy(p->name, name.s, name.len);
	} else {
		p->name[0] = 'r';
		config_fmt_hex(&p->name[1], start);
	}
	return 0;
}

static int cfg_once(struct cfg_line *l, const struct cfg_tok *t, bool *has,
		    uint32_t *first, const char *reason)
{
	if (*has) {
		char msg[80];
		size_t n = strlen(reason);

		memcpy(msg, reason, n);
		if (*first) {
			memcpy(&msg[n], " (first on line ", 16);
			n += 16;
			n += config_fmt_dec(&msg[n], *first);
			msg[n++] = ')';
		}
		msg[n] = '\0';
		return cfg_fail_tok(l, t, msg);
	}
	*has = true;
	*first = l->lineno;
	return 0;
}

static int cfg_spp(struct config *c, struct cfg_line *l, struct cfg_state *st,
		   const struct cfg_tok *d)
{
	struct cfg_tok t;
	int r;

	if ((r = cfg_once(l, d, &c->has_spp, &st->spp_line, "duplicate spp")) < 0 ||
	    (r = cfg_need(l, &t, "expected auto, hw, sw or off")) < 0)
		return r;
	if (config_parse_spp_mode(t.s, t.len, &c->spp_mode) < 0)
		return cfg_fail_tok(l, &t, "unknown spp mode (expected auto, hw, sw or off)");
	return cfg_end(l);
}

static int cfg_log_rate(struct config *c, struct cfg_line *l, struct cfg_state *st,
			const struct cfg_tok *d)
{
	struct cfg_tok t;
	uint64_t v;
	int r;

	if ((r = cfg_once(l, d, &c->has_log_rate, &st->rate_line, "duplicate log-rate")) < 0 ||
	    (r = cfg_need(l, &t, "expected N/s")) < 0)
		return r;
	if (t.len < 3 || memcmp(&t.s[t.len - 2], "/s", 2) != 0)
		return cfg_fail_tok(l, &t, "expected N/s");
	r = config_number_scan(t.s, t.len - 2, &v, false);
	if (r == -ERANGE || (r == 0 && v > CONFIG_LOG_RATE_MAX))
		return cfg_fail_tok(l, &t, "log rate out of range (0 to 1000000)");
	if (r < 0)
		return cfg_fail_tok(l, &t, "bad number");
	c->log_rate = (uint32_t)v;
	return cfg_end(l);
}

static int cfg_lock(struct config *c, struct cfg_line *l, struct cfg_state *st,
		    const struct cfg_tok *d)
{
	struct cfg_tok t;
	int r;

	if ((r = cfg_once(l, d, &c->has_hypercall_lock, &st->lock_line,
			  "duplicate hypercall-lock")) < 0 ||
	    (r = cfg_need(l, &t, "expected on or off")) < 0)
		return r;
	if (cfg_is(&t, "on"))
		c->hypercall_lock = true;
	else if (cfg_is(&t, "off"))
		c->hypercall_lock = false;
	else
		return cfg_fail_tok(l, &t, "expected on or off");
	return cfg_end(l);
}

static int cfg_line_parse(struct config *c, struct cfg_line *l, struct cfg_state *st)
{
	struct cfg_tok d;
	int r = cfg_next(l, &d);

	if (r <= 0)
		return r;
	if (cfg_is(&d, "memory"))
		return cfg_memory(c, l);
	if (cfg_is(&d, "protect"))
		return cfg_protect(c, l);
	if (cfg_is(&d, "spp"))
		return cfg_spp(c, l, st, &d);
	if (cfg_is(&d, "log-rate"))
		return cfg_log_rate(c, l, st, &d);
	if (cfg_is(&d, "hypercall-lock"))
		return cfg_lock(c, l, st, &d);
	return cfg_fail_tok(l, &d, "unknown directive");
}

void config_init(struct config *c, struct config_memory *mem, uint32_t mem_cap,
		 struct config_protect *prot, uint32_t prot_cap)
{
	memset(c, 0, sizeof(*c));
	c->memory = mem;
	c->memory_cap = mem ? mem_cap : 0;
	c->protect = prot;
	c->protect_cap = prot ? prot_cap : 0;
	c->spp_mode = CONFIG_SPP_AUTO;
	c->log_rate = CONFIG_DEFAULT_LOG_RATE;
	c->hypercall_lock = true;
}

int config_parse(struct config *c, const char *text, size_t len,
		 struct config_error *err)
{
	struct cfg_state st = { 0, 0, 0 };
	struct cfg_line l = { .err = err, .lineno = 0 };
	size_t pos = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	while (pos < len) {
		size_t end = pos;
		int r;

		if (l.lineno < UINT32_MAX)
			l.lineno++;
		while (end < len && text[end] != '\n') {
			if (text[end] == '\0') {
				l.s = &text[pos];
				return cfg_fail(&l, cfg_col(end - pos), "\\0", 2,
						"NUL byte in configuration");
			}
			end++;
		}
		l.s = &text[pos];
		l.len = end - pos;
		l.pos = 0;
		if (l.len > 0 && l.s[l.len - 1] == '\r')
			l.len--;
		r = cfg_line_parse(c, &l, &st);
		if (r < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}
