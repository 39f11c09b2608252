/*
 * promparse: see promparse.h. One pass over the text, line by line; each line is parsed into a
 * scratch sample that is kept only when the whole line was valid. TYPE declarations live in a small
 * table searched linearly (bounded by max_samples too).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "metrics/promparse.h"

#define DEF_MAX_BYTES (4u * 1024 * 1024)
#define DEF_MAX_LINE (64u * 1024)
#define DEF_MAX_SAMPLES 10000
#define DEF_MAX_LABELS 64

static const char *const type_names[] = { "untyped", "counter", "gauge", "histogram", "summary" };

const char *
prom_type_name(enum prom_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "untyped";
}

struct family {
	char *name;
	enum prom_type type;
};

struct parser {
	struct prom_limits lim;
	struct prom_doc *doc;
	struct family *fams;
	int nfams, capfams;
	int cap;                   /* of doc->samples */
	const char *why;           /* the current line's fault */
};

static int
is_name_start(unsigned char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int
is_name_char(unsigned char c, bool colon)
{
	return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Skips blanks (space, tab). */
static const char *
blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* A name at p: its end, or NULL. */
static const char *
name_end(const char *p, const char *end, bool colon)
{
	if (p >= end || !is_name_start((unsigned char)*p, colon))
		return NULL;
	while (p < end && is_name_char((unsigned char)*p, colon))
		p++;
	return p;
}

/* Whether s (n bytes) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; ) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;
		if (c < 0x80) { i++; continue; }
		if (c >= 0xc2 && c <= 0xdf) { k = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { k = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { k = 3; cp = c & 0x07; }
		else return false;
		if (i + k >= n)
			return false;      /* cut short */
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* A float in Go's ParseFloat syntax as Prometheus writes it: NaN, +Inf, -Inf, Inf, decimal. */
static bool
parse_float(const char *p, const char *end, double *out)
{
	char buf[64];
	size_t n = (size_t)(end - p);
	char *e;

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (strcmp(buf, "NaN") == 0) { *out = NAN; return true; }
	if (strcmp(buf, "+Inf") == 0 || strcmp(buf, "Inf") == 0) { *out = INFINITY; return true; }
	if (strcmp(buf, "-Inf") == 0) { *out = -INFINITY; return true; }
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", buf[i]))
			return false;      /* no hex floats, no "inf"/"nan" spellings strtod takes */
	errno = 0;
	*out = strtod(buf, &e);
	if (*e != '\0' || e == buf)
		return false;
	if (errno == ERANGE && isinf(*out))
		return false;          /* 1e999: out of range */
	return true;
}

/* An integer timestamp (ms). */
static bool
parse_ts(const char *p, const char *end, int64_t *out)
{
	char buf[32];
	size_t n = (size_t)(end - p);
	char *e;

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (!(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
		return false;
	errno = 0;
	long long v = strtoll(buf, &e, 10);
	if (*e != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

static void
sample_fini(struct prom_sample *s)
{
	for (int i = 0; i < s->nlabels; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->name);
	memset(s, 0, sizeof *s);
}

/* The family type of a sample name. */
static enum prom_type
type_of(const struct parser *ps, const char *name)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count", "_created" };
	size_t n = strlen(name);

	for (int i = 0; i < ps->nfams; i++)
		if (strcmp(ps->fams[i].name, name) == 0)
			return ps->fams[i].type;
	for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
		size_t sl = strlen(suffixes[k]);
		if (n <= sl || strcmp(name + n - sl, suffixes[k]) != 0)
			continue;
		for (int i = 0; i < ps->nfams; i++)
			if ((ps->fams[i].type == PROM_HISTOGRAM || ps->fams[i].type == PROM_SUMMARY) &&
			    strlen(ps->fams[i].name) == n - sl && strncmp(ps->fams[i].name, name, n - sl) == 0)
				return ps->fams[i].type;
	}
	return PROM_UNTYPED;
}

/* "# TYPE name type" (other comments are ignored). false and ps->why when malformed. */
static bool
comment(struct parser *ps, const char *p, const char *end)
{
	const char *kw, *kwe, *n, *ne, *t;

	p = blanks(p + 1, end);
	kw = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	kwe = p;
	if (!((kwe - kw == 4 && memcmp(kw, "TYPE", 4) == 0)))
		return true;           /* HELP and plain comments: nothing kept */
	n = blanks(kwe, end);
	if ((ne = name_end(n, end, true)) == NULL || (ne < end && *ne != ' ' && *ne != '\t')) {
		ps->why = "# TYPE: expected a metric name";
		return false;
	}
	t = blanks(ne, end);
	const char *te = t;
	while (te < end && *te != ' ' && *te != '\t')
		te++;
	if (blanks(te, end) != end) {
		ps->why = "# TYPE: unexpected text after the type";
		return false;
	}
	int type = -1;
	for (int i = 0; i < 5; i++)
		if ((size_t)(te - t) == strlen(type_names[i]) && memcmp(t, type_names[i], (size_t)(te - t)) == 0)
			type = i;
	if (type < 0) {
		ps->why = "# TYPE: expected counter, gauge, histogram, summary or untyped";
		return false;
	}
	char *name = xstrndup(n, (size_t)(ne - n));
	for (int i = 0; i < ps->nfams; i++) {
		if (strcmp(ps->fams[i].name, name) == 0) {
			free(name);
			ps->why = "# TYPE: a second TYPE line for the same metric";
			return false;
		}
	}
	if (ps->nfams >= ps->lim.max_samples) {
		free(name);
		ps->why = "# TYPE: too many metric families";
		return false;
	}
	if (ps->nfams == ps->capfams) {
		ps->capfams = ps->capfams ? ps->capfams * 2 : 16;
		ps->fams = xrealloc(ps->fams, (size_t)ps->capfams * sizeof *ps->fams);
	}
	ps->fams[ps->nfams++] = (struct family){ name, (enum prom_type)type };
	return true;
}

/* A label value in quotes at *pp (just past the '"'); its unescaped copy, or NULL and ps->why. */
static char *
label_value(struct parser *ps, const char **pp, const char *end)
{
	const char *p = *pp;
	char *v = xmalloc((size_t)(end - p) + 1), *w = v;

	for (; p < end && *p != '"'; p++) {
		if (*p == '\\') {
			if (++p >= end)
				break;
			if (*p == 'n') *w++ = '\n';
			else if (*p == '\\' || *p == '"') *w++ = *p;
			else {
				ps->why = "a label value with an unknown escape (only \\\\, \\\" and \\n)";
				free(v);
				return NULL;
			}
		} else if (*p == '\n' || *p == '\0') {
			break;
		} else {
			*w++ = *p;
		}
	}
	if (p >= end || *p != '"') {
		ps->why = "a label value without its closing quote";
		free(v);
		return NULL;
	}
	*w = '\0';
	if (!utf8_ok((const unsigned char *)v, (size_t)(w - v))) {
		ps->why = "a label value that is not UTF-8";
		free(v);
		return NULL;
	}
	*pp = p + 1;
	return v;
}

/* A sample line into *s. false and ps->why when malformed. */
static bool
sample(struct parser *ps, const char *p, const char *end, struct prom_sample *s)
{
	const char *ne = name_end(p, end, true), *v, *ve;

	if (ne == NULL) {
		ps->why = "expected a metric name";
		return false;
	}
	s->name = xstrndup(p, (size_t)(ne - p));
	p = blanks(ne, end);
	if (p >= end || *p != '{')
		p = ne;
	else {
		int cap = 0;
		p = blanks(p + 1, end);
		while (p < end && *p != '}') {
			const char *le = name_end(p, end, false);
			if (le == NULL) {
				ps->why = "expected a label name";
				return false;
			}
			if (s->nlabels >= ps->lim.max_labels) {
				ps->why = "too many labels";
				return false;
			}
			char *lname = xstrndup(p, (size_t)(le - p));
			for (int i = 0; i < s->nlabels; i++) {
				if (strcmp(s->labels[i].name, lname) == 0) {
					free(lname);
					ps->why = "a label given twice";
					return false;
				}
			}
			if (s->nlabels == cap) {
				cap = cap ? cap * 2 : 4;
				s->labels = xrealloc(s->labels, (size_t)cap * sizeof *s->labels);
			}
			s->labels[s->nlabels].name = lname;
			s->labels[s->nlabels].value = NULL;
			s->nlabels++;
			p = blanks(le, end);
			if (p >= end || *p != '=') {
				ps->why = "expected = after a label name";
				return false;
			}
			p = blanks(p + 1, end);
			if (p >= end || *p != '"') {
				ps->why = "expected a quoted label value";
				return false;
			}
			p++;
			if ((s->labels[s->nlabels - 1].value = label_value(ps, &p, end)) == NULL)
				return false;
			p = blanks(p, end);
			if (p < end && *p == ',')
				p = blanks(p + 1, end);
			else if (p < end && *p != '}') {
				ps->why = "expected , or } after a label";
				return false;
			}
		}
		if (p >= end) {
			ps->why = "labels without their closing }";
			return false;
		}
		p++;
	}
	if (p == end || (*p != ' ' && *p != '\t')) {
		ps->why = "expected a value after the name";
		return false;
	}
	v = blanks(p, end);
	for (ve = v; ve < end && *ve != ' ' && *ve != '\t'; ve++)
		;
	if (!parse_float(v, ve, &s->value)) {
		ps->why = "expected a number (or NaN, +Inf, -Inf) as the value";
		return false;
	}
	p = blanks(ve, end);
	if (p < end) {
		const char *te = p;
		while (te < end && *te != ' ' && *te != '\t')
			te++;
		if (!parse_ts(p, te, &s->ts_ms) || blanks(te, end) != end) {
			ps->why = "expected an integer timestamp (ms) or nothing after the value";
			return false;
		}
		s->has_ts = true;
	}
	s->type = type_of(ps, s->name);
	return true;
}

/* Records a malformed line. */
static void
bad(struct parser *ps, int line)
{
	struct prom_doc *d = ps->doc;

	d->bad_lines++;
	if (d->first_bad_line == 0) {
		d->first_bad_line = line;
		snprintf(d->first_bad, sizeof d->first_bad, "%s", ps->why != NULL ? ps->why : "malformed");
	}
}

void
promparse(const char *text, size_t len, const struct prom_limits *lim, struct prom_doc *doc)
{
	struct parser ps = { .doc = doc };
	const char *p, *end;
	int line = 0;

	memset(doc, 0, sizeof *doc);
	if (lim != NULL)
		ps.lim = *lim;
	if (ps.lim.max_bytes == 0) ps.lim.max_bytes = DEF_MAX_BYTES;
	if (ps.lim.max_line == 0) ps.lim.max_line = DEF_MAX_LINE;
	if (ps.lim.max_samples <= 0) ps.lim.max_samples = DEF_MAX_SAMPLES;
	if (ps.lim.max_labels <= 0) ps.lim.max_labels = DEF_MAX_LABELS;
	if (text == NULL)
		len = 0;
	if (len > ps.lim.max_bytes) {
		len = ps.lim.max_bytes;
		doc->truncated = true;
	}
	p = text;
	end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *next = nl != NULL ? nl + 1 : end;
		line++;
		if (nl == NULL && doc->truncated)
			break;             /* the cut last line: not judged */
		if (le > p && le[-1] == '\r')
			le--;
		ps.why = NULL;
		if ((size_t)(le - p) > ps.lim.max_line) {
			ps.why = "a line longer than the limit";
			bad(&ps, line);
		} else if (memchr(p, '\0', (size_t)(le - p)) != NULL) {
			ps.why = "a NUL byte";
			bad(&ps, line);
		} else {
			const char *q = blanks(p, le);
			if (q == le) {
				/* blank */
			} else if (*q == '#') {
				if (!comment(&ps, q, le))
					bad(&ps, line);
			} else if (doc->nsamples >= ps.lim.max_samples) {
				doc->truncated = true;
				break;
			} else {
				struct prom_sample s = { 0 };
				if (sample(&ps, q, le, &s)) {
					if (doc->nsamples == ps.cap) {
						ps.cap = ps.cap ? ps.cap * 2 : 64;
						doc->samples = xrealloc(doc->samples, (size_t)ps.cap * sizeof *doc->samples);
					}
					doc->samples[doc->nsamples++] = s;
				} else {
					sample_fini(&s);
					bad(&ps, line);
				}
			}
		}
		p = next;
	}
	for (int i = 0; i < ps.nfams; i++)
		free(ps.fams[i].name);
	free(ps.fams);
}

void
prom_doc_fini(struct prom_doc *doc)
{
	for (int i = 0; i < doc->nsamples; i++)
		sample_fini(&doc->samples[i]);
	free(doc->samples);
	doc->samples = NULL;
	doc->nsamples = 0;
}

const char *
prom_label_get(const struct prom_sample *s, const char *name)
{
	for (int i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}
