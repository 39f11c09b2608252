/*
 * extract: see extract.h. Runs on a worker thread. The only allocations are Jansson's, when a step
 * that reads JSON parses a body, and PCRE2's first use of a VU's match data; compiling happened
 * when the plan was built (testdef/pattern.c).
 */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "engine/extract.h"
#include "testdef/pattern.h"

/* PCRE2's backtracking budget per match: a pathological pattern on a large body gives up (no
   match) instead of stalling the worker. */
#define MATCH_LIMIT 1000000

struct extract_match {
	pcre2_match_data *data;
	pcre2_match_context *ctx;
	int max_groups;
};

/* ---- JSON Pointer */

json_t *
extract_pointer_get(const struct pattern_pointer *p, json_t *v)
{
	for (int i = 0; i < p->ntokens && v != NULL; i++) {
		if (json_is_object(v))
			v = json_object_get(v, p->tokens[i]);
		else if (json_is_array(v) && p->index[i] >= 0)
			v = json_array_get(v, (size_t)p->index[i]);
		else
			v = NULL;
	}
	return v;
}

/* ---- regex */

struct extract_match *
extract_match_new(int max_groups)
{
	struct extract_match *m = xcalloc(1, sizeof *m);

	assert(max_groups >= 0);
	m->max_groups = max_groups;
	m->data = pcre2_match_data_create((uint32_t)max_groups + 1, NULL);
	m->ctx = pcre2_match_context_create(NULL);
	if (m->data == NULL || m->ctx == NULL)
		abort();               /* out of memory: fatal, as in xmalloc */
	pcre2_set_match_limit(m->ctx, MATCH_LIMIT);
	return m;
}

void
extract_match_free(struct extract_match *m)
{
	if (m == NULL)
		return;
	pcre2_match_data_free(m->data);
	pcre2_match_context_free(m->ctx);
	free(m);
}

int
extract_regex_find(const struct pattern_regex *re, struct extract_match *m, const char *s, size_t n,
    int group, size_t *off, size_t *len)
{
	PCRE2_SIZE *ov;
	int rc;

	assert(re->groups <= m->max_groups && group >= 0 && group <= re->groups);
	rc = pcre2_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), n, 0, 0, m->data, m->ctx);
	if (rc <= 0 || group >= rc)
		return 0;
	ov = pcre2_get_ovector_pointer(m->data);
	if (ov[2 * group] == PCRE2_UNSET)
		return 0;
	*off = ov[2 * group];
	*len = ov[2 * group + 1] - ov[2 * group];
	return 1;
}

/* ---- responses */

json_t *
extract_response_json(struct extract_response *r)
{
	if (r->json_state == 0) {
		r->json = json_loadb(r->body != NULL ? r->body : "", r->body_len,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		r->json_state = r->json != NULL ? 1 : -1;
	}
	return r->json;
}

void
extract_response_fini(struct extract_response *r)
{
	json_decref(r->json);
	r->json = NULL;
	r->json_state = 0;
}

/* Copies n bytes of s into buf (up to size); returns n. */
static size_t
put(char *buf, size_t size, const char *s, size_t n)
{
	memcpy(buf, s, n < size ? n : size);
	return n;
}

size_t
extract_json_text(json_t *v, char *buf, size_t size)
{
	char tmp[40];
	int n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return put(buf, size, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return put(buf, size, tmp, (size_t)n);
	case JSON_REAL:
		n = snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
		return put(buf, size, tmp, (size_t)n);
	case JSON_TRUE:
		return put(buf, size, "true", 4);
	case JSON_FALSE:
		return put(buf, size, "false", 5);
	case JSON_NULL:
		return put(buf, size, "null", 4);
	default:
		/* json_dumpb returns the size it needs and writes nothing when it does not fit. */
		return json_dumpb(v, buf, size, JSON_COMPACT | JSON_ENCODE_ANY);
	}
}

int64_t
extract_source(enum plan_source from, const struct pattern_pointer *p, const char *header,
    struct extract_response *r, char *buf, size_t size)
{
	const char *s;
	size_t n;
	json_t *root, *v;

	switch (from) {
	case PLAN_FROM_JSON:
		if ((root = extract_response_json(r)) == NULL || (v = extract_pointer_get(p, root)) == NULL)
			return -1;
		r->typed = json_is_number(v) || json_is_boolean(v);
		n = extract_json_text(v, buf, size);
		if (n > size && (json_is_object(v) || json_is_array(v))) {
			/* a container that does not fit: json_dumpb wrote nothing; keep its start */
			char *all = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (all != NULL)
				memcpy(buf, all, size);
			free(all);
		}
		return (int64_t)n;
	case PLAN_FROM_HEADER:
		if (r->header == NULL || (s = r->header(r->header_arg, header, &n)) == NULL)
			return -1;
		return (int64_t)put(buf, size, s, n);
	case PLAN_FROM_COOKIE:
		if (r->cookie == NULL || (s = r->cookie(r->header_arg, header, &n)) == NULL)
			return -1;
		return (int64_t)put(buf, size, s, n);
	case PLAN_FROM_REGEX:
		break;
	}
	assert(!"a regex is not a plain source");
	return -1;
}

/* A number below n (n >= 1) from an xorshift64* generator. */
static uint64_t
below(uint64_t *s, uint64_t n)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (x * 0x2545f4914f6cdd1dULL) % n;
}

/* "pick": "random" over a regex: reservoir sampling over every match, left to right. */
static int64_t
regex_pick(const struct plan_extract *x, struct extract_response *r, char *buf, size_t size)
{
	const char *s = r->body != NULL ? r->body : "";
	size_t pos = 0, off, n, best_off = 0, best_n = 0;
	uint64_t seen = 0;

	while (pos <= r->body_len) {
		PCRE2_SIZE *ov;
		int rc = pcre2_match(x->regex->code, (PCRE2_SPTR)s, r->body_len, pos, 0, r->match->data,
		    r->match->ctx);
		if (rc <= 0)
			break;
		ov = pcre2_get_ovector_pointer(r->match->data);
		if (x->group < rc && ov[2 * x->group] != PCRE2_UNSET) {
			off = ov[2 * x->group];
			n = ov[2 * x->group + 1] - off;
			if (below(r->rng, ++seen) == 0) {
				best_off = off;
				best_n = n;
			}
		}
		pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;   /* an empty match moves on by one */
	}
	if (seen == 0)
		return -1;
	return (int64_t)put(buf, size, s + best_off, best_n);
}

int64_t
extract_run(const struct plan_extract *x, struct extract_response *r, char *buf, size_t size)
{
	size_t off, n;

	if (x->pick_random && r->rng != NULL) {
		json_t *root, *v;
		if (x->from == PLAN_FROM_REGEX) {
			assert(r->match != NULL);
			return regex_pick(x, r, buf, size);
		}
		if ((root = extract_response_json(r)) == NULL || (v = extract_pointer_get(x->pointer, root)) == NULL)
			return -1;
		if (!json_is_array(v) || json_array_size(v) == 0)
			return -1;
		v = json_array_get(v, (size_t)below(r->rng, json_array_size(v)));
		n = extract_json_text(v, buf, size);
		if (n > size && (json_is_object(v) || json_is_array(v))) {
			char *all = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);   /* keep its start */
			if (all != NULL)
				memcpy(buf, all, size);
			free(all);
		}
		return (int64_t)n;
	}
	if (x->from != PLAN_FROM_REGEX)
		return extract_source(x->from, x->pointer, x->header, r, buf, size);
	assert(r->match != NULL);
	if (!extract_regex_find(x->regex, r->match, r->body, r->body_len, x->group, &off, &n))
		return -1;
	return (int64_t)put(buf, size, r->body + off, n);
}
