/*
 * template: see template.h. A template is an array of segments over one text buffer: literal runs
 * (already escaped, adjacent ones merged) and runtime references, each with its escape mode, so that
 * pieces parsed with different modes (a form body: URL-encoded fields joined by literal "&") make one
 * template. Built on the thread that validates a definition; rendered by workers, so rendering
 * touches only the template (read-only), the caller's context and the caller's buffer.
 */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "testdef/template.h"

enum seg_kind {
	SEG_LITERAL,
	SEG_VU,
	SEG_ITERATION,
	SEG_UUID,
	SEG_RANDOM_INT,
	SEG_TIMESTAMP_MS,
	SEG_VAR,
};

struct seg {
	enum seg_kind kind;
	enum tmpl_escape esc;      /* SEG_VAR: how the value is written (built-ins need no escaping) */
	size_t off, len;           /* SEG_LITERAL: text[off .. off+len) */
	int64_t a, b;              /* SEG_RANDOM_INT: inclusive bounds */
	int slot;                  /* SEG_VAR */
};

struct tmpl {
	struct seg *segs;
	int nsegs, capsegs;
	char *text;                /* literal text of every segment, NUL-terminated */
	size_t textlen, textcap;
	int nrefs;
};

/* Longest reference quoted in an error message. */
#define QUOTE_MAX 80

struct tmpl *
tmpl_new(void)
{
	struct tmpl *t = xcalloc(1, sizeof *t);

	t->textcap = 16;
	t->text = xmalloc(t->textcap);
	t->text[0] = '\0';
	return t;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->segs);
	free(t->text);
	free(t);
}

/* Make room for n more bytes of text (plus the NUL). */
static void
text_reserve(struct tmpl *t, size_t n)
{
	if (t->textlen + n + 1 <= t->textcap)
		return;
	while (t->textlen + n + 1 > t->textcap)
		t->textcap *= 2;
	t->text = xrealloc(t->text, t->textcap);
}

/* Append a segment and return it, zeroed. */
static struct seg *
seg_add(struct tmpl *t, enum seg_kind kind)
{
	struct seg *s;

	if (t->nsegs == t->capsegs) {
		t->capsegs = t->capsegs ? t->capsegs * 2 : 4;
		t->segs = xreallocarray(t->segs, (size_t)t->capsegs, sizeof *t->segs);
	}
	s = &t->segs[t->nsegs++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	if (kind != SEG_LITERAL)
		t->nrefs++;
	return s;
}

/* The literal segment that text appended now belongs to (the last one, or a new one). */
static struct seg *
literal_tail(struct tmpl *t)
{
	struct seg *s;

	if (t->nsegs > 0 && t->segs[t->nsegs - 1].kind == SEG_LITERAL)
		return &t->segs[t->nsegs - 1];
	s = seg_add(t, SEG_LITERAL);
	s->off = t->textlen;
	return s;
}

void
tmpl_append_literal(struct tmpl *t, const char *s, size_t len)
{
	struct seg *seg;

	if (len == 0)
		return;
	seg = literal_tail(t);
	text_reserve(t, len);
	memcpy(t->text + t->textlen, s, len);
	t->textlen += len;
	t->text[t->textlen] = '\0';
	seg->len += len;
}

void
tmpl_append_tmpl(struct tmpl *t, const struct tmpl *src)
{
	assert(t != src);
	for (int i = 0; i < src->nsegs; i++) {
		const struct seg *s = &src->segs[i];
		struct seg *d;

		if (s->kind == SEG_LITERAL) {
			tmpl_append_literal(t, src->text + s->off, s->len);
			continue;
		}
		d = seg_add(t, s->kind);
		*d = *s;
	}
}

/* ---- escaping: one writer used both at parse time (into t->text) and at render time */

/* A bounded output: writes stop at the first piece that does not fit whole. */
struct out {
	char *p;
	size_t room;               /* bytes left, the NUL excluded */
	int trunc;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	if (o->trunc)
		return;
	if (n > o->room) {
		memcpy(o->p, s, o->room);
		o->p += o->room;
		o->room = 0;
		o->trunc = 1;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
	o->room -= n;
}

/* Writes all of s or, if it does not fit, nothing: escape sequences are never cut in half. */
static void
out_atom(struct out *o, const char *s, size_t n)
{
	if (o->trunc)
		return;
	if (n > o->room) {
		o->trunc = 1;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
	o->room -= n;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return need;
}

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Write s (n bytes) escaped with esc. */
static void
out_escaped(struct out *o, const char *s, size_t n, enum tmpl_escape esc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	if (esc == TMPL_RAW) {
		out_put(o, s, n);
		return;
	}
	while (i < n && !o->trunc) {
		unsigned char c = u[i];
		char e[8];

		switch (esc) {
		case TMPL_JSON:
		case TMPL_JSON_VALUE:
			if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
				for (run = i; run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' &&
				    u[run] != '\\'; run++)
					;
				out_put(o, s + i, run - i);
				i = run;
				continue;
			}
			if (c >= 0x80) {
				size_t l = utf8_len(u + i, n - i);
				if (l == 0) {
					out_atom(o, "\\ufffd", 6);
					i++;
				} else {
					out_atom(o, s + i, l);
					i += l;
				}
				continue;
			}
			e[0] = '\\';
			switch (c) {
			case '"': e[1] = '"'; out_atom(o, e, 2); break;
			case '\\': e[1] = '\\'; out_atom(o, e, 2); break;
			case '\n': e[1] = 'n'; out_atom(o, e, 2); break;
			case '\r': e[1] = 'r'; out_atom(o, e, 2); break;
			case '\t': e[1] = 't'; out_atom(o, e, 2); break;
			case '\b': e[1] = 'b'; out_atom(o, e, 2); break;
			case '\f': e[1] = 'f'; out_atom(o, e, 2); break;
			default:
				memcpy(e, "\\u00", 4);
				e[4] = hex_lower[c >> 4];
				e[5] = hex_lower[c & 15];
				out_atom(o, e, 6);
			}
			i++;
			break;
		case TMPL_URL:
			for (run = i; run < n && ((u[run] >= 'A' && u[run] <= 'Z') ||
			    (u[run] >= 'a' && u[run] <= 'z') || (u[run] >= '0' && u[run] <= '9') ||
			    u[run] == '-' || u[run] == '.' || u[run] == '_' || u[run] == '~'); run++)
				;
			if (run > i) {
				out_put(o, s + i, run - i);
				i = run;
				continue;
			}
			e[0] = '%';
			e[1] = hex_upper[c >> 4];
			e[2] = hex_upper[c & 15];
			out_atom(o, e, 3);
			i++;
			break;
		case TMPL_HEADER:
			for (run = i; run < n && u[run] != '\r' && u[run] != '\n' && u[run] != '\0'; run++)
				;
			if (run > i) {
				out_put(o, s + i, run - i);
				i = run;
				continue;
			}
			out_put(o, " ", 1);
			i++;
			break;
		case TMPL_RAW:
			break;
		}
	}
}

/* Append s escaped with esc to the literal text of t. */
static void
append_escaped(struct tmpl *t, const char *s, size_t n, enum tmpl_escape esc)
{
	struct out o;
	struct seg *seg;
	size_t before;

	if (n == 0)
		return;
	seg = literal_tail(t);
	text_reserve(t, n * 6);    /* the worst expansion: a byte as \u00XX */
	before = t->textlen;
	o = (struct out){ t->text + t->textlen, t->textcap - t->textlen - 1, 0 };
	out_escaped(&o, s, n, esc);
	t->textlen = (size_t)(o.p - t->text);
	t->text[t->textlen] = '\0';
	seg->len += t->textlen - before;
}

/* ---- parsing */

/* Quote a reference for an error message, shortened if long. */
static char *
quote(const char *s, size_t n)
{
	if (n > QUOTE_MAX)
		return xasprintf("\"%.*s...\"", QUOTE_MAX - 3, s);
	return xasprintf("\"%.*s\"", (int)n, s);
}

static int
is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parse one signed decimal int64 at *p (within end); advances *p. -1 if none or out of range. */
static int
parse_int64(const char **p, const char *end, int64_t *v)
{
	const char *s = *p;
	int neg = 0;
	uint64_t u = 0, lim;

	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (s == end || *s < '0' || *s > '9')
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (u > (lim - (uint64_t)(*s - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*s - '0');
	}
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	*p = s;
	return 0;
}

/* Parse the inside of one {{...}} (trimmed: name..end) and add it to t. ref is the reference as
 * written, for messages. */
static int
add_reference(struct tmpl *t, const char *name, const char *end, const char *ref, size_t reflen,
    enum tmpl_escape esc, const struct tmpl_scope *scope, char **cause)
{
	size_t n = (size_t)(end - name);
	char *q = NULL;

	if (n == 0) {
		q = quote(ref, reflen);
		*cause = xasprintf("empty reference %s", q);
		goto fail;
	}
	if (n == 2 && memcmp(name, "vu", 2) == 0) {
		seg_add(t, SEG_VU);
		return 0;
	}
	if (n == 9 && memcmp(name, "iteration", 9) == 0) {
		seg_add(t, SEG_ITERATION);
		return 0;
	}
	if (n == 4 && memcmp(name, "uuid", 4) == 0) {
		seg_add(t, SEG_UUID);
		return 0;
	}
	if (n == 11 && memcmp(name, "timestampMs", 11) == 0) {
		seg_add(t, SEG_TIMESTAMP_MS);
		return 0;
	}
	if (n >= 9 && memcmp(name, "randomInt", 9) == 0 && (n == 9 || is_space(name[9]))) {
		const char *p = name + 9;
		int64_t a, b;
		struct seg *s;

		while (p < end && is_space(*p))
			p++;
		if (parse_int64(&p, end, &a) != 0 || p == end || !is_space(*p))
			goto bad_random;
		while (p < end && is_space(*p))
			p++;
		if (parse_int64(&p, end, &b) != 0 || p != end)
			goto bad_random;
		if (a > b) {
			q = quote(ref, reflen);
			*cause = xasprintf("randomInt needs A <= B, got %s", q);
			goto fail;
		}
		s = seg_add(t, SEG_RANDOM_INT);
		s->a = a;
		s->b = b;
		return 0;
bad_random:
		q = quote(ref, reflen);
		*cause = xasprintf("expected {{randomInt A B}} with two integers, got %s", q);
		goto fail;
	}
	if (n >= 4 && memcmp(name, "env.", 4) == 0) {
		char var[256];
		const char *value;
		size_t vn = n - 4;

		if (vn == 0)
			goto bad_name;
		for (size_t i = 0; i < vn; i++) {
			if (!is_ident(name[4 + i]) || (i == 0 && !is_ident_start(name[4])))
				goto bad_name;
		}
		if (vn >= sizeof var)
			goto bad_name;
		memcpy(var, name + 4, vn);
		var[vn] = '\0';
		value = scope != NULL && scope->env != NULL ? scope->env(scope->arg, var) : getenv(var);
		if (value == NULL) {
			q = quote(ref, reflen);
			*cause = xasprintf("environment variable \"%s\" is not set (in %s)", var, q);
			goto fail;
		}
		append_escaped(t, value, strlen(value), esc);
		return 0;
	}
	if (is_ident_start(name[0])) {
		int slot;

		for (size_t i = 1; i < n; i++) {
			if (!is_ident(name[i]) && name[i] != '.' && name[i] != '-')
				goto bad_name;
		}
		slot = scope != NULL && scope->var_slot != NULL ? scope->var_slot(scope->arg, name, n) : -1;
		if (slot < 0) {
			q = quote(ref, reflen);
			*cause = xasprintf("unknown variable \"%.*s\" in %s", (int)(n > QUOTE_MAX ? QUOTE_MAX : n),
			    name, q);
			goto fail;
		}
		struct seg *s = seg_add(t, SEG_VAR);
		s->slot = slot;
		s->esc = esc;
		return 0;
	}
bad_name:
	q = quote(ref, reflen);
	*cause = xasprintf("invalid reference %s (expected vu, iteration, uuid, randomInt A B, "
	    "timestampMs, env.NAME or a variable name)", q);
fail:
	free(q);
	return -1;
}

int
tmpl_append(struct tmpl *t, const char *src, size_t len, enum tmpl_escape esc, int escape_literals,
    const struct tmpl_scope *scope, char **cause)
{
	const char *p = src, *end = src + len, *lit = src;

	*cause = NULL;
	while (p + 1 < end) {
		const char *close, *name, *nend;

		if (p[0] != '{' || p[1] != '{') {
			p++;
			continue;
		}
		if (escape_literals)
			append_escaped(t, lit, (size_t)(p - lit), esc);
		else
			tmpl_append_literal(t, lit, (size_t)(p - lit));
		for (close = p + 2; close + 1 < end && !(close[0] == '}' && close[1] == '}'); close++)
			;
		if (close + 1 >= end) {
			char *q = quote(p, (size_t)(end - p));
			*cause = xasprintf("unterminated \"{{\" in %s", q);
			free(q);
			return -1;
		}
		for (name = p + 2; name < close && is_space(*name); name++)
			;
		for (nend = close; nend > name && is_space(nend[-1]); nend--)
			;
		if (add_reference(t, name, nend, p, (size_t)(close + 2 - p), esc, scope, cause) != 0)
			return -1;
		p = lit = close + 2;
	}
	if (escape_literals)
		append_escaped(t, lit, (size_t)(end - lit), esc);
	else
		tmpl_append_literal(t, lit, (size_t)(end - lit));
	return 0;
}

struct tmpl *
tmpl_parse(const char *src, enum tmpl_escape esc, const struct tmpl_scope *scope, char **cause)
{
	struct tmpl *t = tmpl_new();

	if (tmpl_append(t, src, strlen(src), esc, 0, scope, cause) != 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

/* ---- rendering */

/* splitmix64: a small, good generator for per-VU state. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The generator of a render: the VU's, or this thread's (seeded once from the clock). */
static uint64_t *
rng_of(const struct tmpl_ctx *ctx)
{
	static __thread uint64_t thread_state;
	static __thread int seeded;

	if (ctx->rng != NULL)
		return ctx->rng;
	if (!seeded) {
		thread_state = (uint64_t)clock_now_ns() ^ (uint64_t)(uintptr_t)&thread_state;
		seeded = 1;
	}
	return &thread_state;
}

/* Format v in decimal into buf (>= 21 bytes); returns the length. */
static size_t
fmt_int64(int64_t v, char *buf)
{
	char tmp[21], *w = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n;

	do {
		*--w = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--w = '-';
	n = (size_t)(tmp + sizeof tmp - w);
	memcpy(buf, w, n);
	return n;
}

/* Format a random version-4 UUID into buf (36 bytes). */
static void
fmt_uuid(uint64_t *rng, char *buf)
{
	unsigned char b[16];
	uint64_t hi = next_random(rng), lo = next_random(rng);
	char *w = buf;

	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(hi >> (8 * i));
		b[8 + i] = (unsigned char)(lo >> (8 * i));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*w++ = '-';
		*w++ = hex_lower[b[i] >> 4];
		*w++ = hex_lower[b[i] & 15];
	}
}

/* A uniform integer in [a, b]. */
static int64_t
random_between(uint64_t *rng, int64_t a, int64_t b)
{
	uint64_t span = (uint64_t)b - (uint64_t)a, r = next_random(rng);

	if (span == UINT64_MAX)
		return (int64_t)r;
	return (int64_t)((uint64_t)a + (uint64_t)(((unsigned __int128)r * (span + 1)) >> 64));
}

int
tmpl_render(const struct tmpl *t, const struct tmpl_ctx *ctx, char *buf, size_t size, size_t *len)
{
	static const struct tmpl_ctx none;
	struct out o = { buf, size > 0 ? size - 1 : 0, size == 0 };
	char tmp[TMPL_BUILTIN_MAX + 4];

	if (ctx == NULL)
		ctx = &none;
	if (t->nrefs == 0) {
		out_put(&o, t->text, t->textlen);
	} else {
		for (int i = 0; i < t->nsegs && !o.trunc; i++) {
			const struct seg *s = &t->segs[i];

			switch (s->kind) {
			case SEG_LITERAL:
				out_put(&o, t->text + s->off, s->len);
				break;
			case SEG_VU:
				out_put(&o, tmp, fmt_int64(ctx->vu, tmp));
				break;
			case SEG_ITERATION:
				out_put(&o, tmp, fmt_int64(ctx->iteration, tmp));
				break;
			case SEG_UUID:
				fmt_uuid(rng_of(ctx), tmp);
				out_put(&o, tmp, 36);
				break;
			case SEG_RANDOM_INT:
				out_put(&o, tmp, fmt_int64(random_between(rng_of(ctx), s->a, s->b), tmp));
				break;
			case SEG_TIMESTAMP_MS:
				out_put(&o, tmp, fmt_int64(ctx->wall_ms != 0 ? ctx->wall_ms : clock_wall_ms(), tmp));
				break;
			case SEG_VAR: {
				const struct tmpl_var *v = s->slot < ctx->nvars && ctx->vars[s->slot].s != NULL ?
				    &ctx->vars[s->slot] : NULL;
				if (s->esc == TMPL_JSON_VALUE && v != NULL && v->json) {
					out_put(&o, v->s, v->len);
				} else if (s->esc == TMPL_JSON_VALUE) {
					out_put(&o, "\"", 1);
					if (v != NULL)
						out_escaped(&o, v->s, v->len, TMPL_JSON);
					out_put(&o, "\"", 1);
				} else if (v != NULL) {
					out_escaped(&o, v->s, v->len, s->esc);
				}
				break;
			}
			}
		}
	}
	if (size > 0)
		*o.p = '\0';
	if (len != NULL)
		*len = (size_t)(o.p - buf);
	return o.trunc ? TMPL_ETRUNC : 0;
}

int
tmpl_is_one_var(const struct tmpl *t)
{
	int vars = 0;

	for (int i = 0; i < t->nsegs; i++) {
		if (t->segs[i].kind == SEG_VAR)
			vars++;
		else if (t->segs[i].kind != SEG_LITERAL || t->segs[i].len > 0)
			return 0;
	}
	return vars == 1;
}

const char *
tmpl_literal(const struct tmpl *t, size_t *len)
{
	if (t->nrefs != 0)
		return NULL;
	*len = t->textlen;
	return t->text;
}

const char *
tmpl_prefix(const struct tmpl *t, size_t *len)
{
	if (t->nsegs > 0 && t->segs[0].kind == SEG_LITERAL) {
		*len = t->segs[0].len;
		return t->text + t->segs[0].off;
	}
	*len = 0;
	return t->text;
}

int
tmpl_nrefs(const struct tmpl *t)
{
	return t->nrefs;
}

size_t
tmpl_literal_len(const struct tmpl *t)
{
	return t->textlen;
}
