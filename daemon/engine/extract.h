/*
 * extract: reading values out of a response, for `extract` (per-VU variables), checks and groupBy.
 * Three sources: a JSON Pointer (RFC 6901) into the body, parsed with Jansson at most once per
 * response and only for steps that need it; a response header; a PCRE2 regex over the body (Perl
 * syntax, so \d, \w and \s work as written; JIT-compiled when the platform allows).
 *
 * Pointers and patterns are compiled when a definition is parsed (testdef/pattern.h) and are part
 * of the immutable plan; this module only matches. Matching needs a struct extract_match, which
 * belongs to one VU: with it, a match allocates nothing once warm (PCRE2 keeps its frames in it).
 * Worker threads.
 */
#ifndef RAMPAGE_EXTRACT_H
#define RAMPAGE_EXTRACT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "testdef/pattern.h"
#include "testdef/plan.h"

struct extract_match;

/* The value p points at in root (borrowed), or NULL when there is none. */
json_t *extract_pointer_get(const struct pattern_pointer *p, json_t *root);

/* Match state for patterns of up to max_groups groups; one per VU. */
struct extract_match *extract_match_new(int max_groups);
/* Frees match state. NULL is a no-op. */
void extract_match_free(struct extract_match *m);
/*
 * Searches s (n bytes) for re. Returns 1 and group `group`'s span (*off, *len) when it matched and
 * the group took part, else 0 (a pattern that hits PCRE2's match limit does not match).
 */
int extract_regex_find(const struct pattern_regex *re, struct extract_match *m, const char *s,
    size_t n, int group, size_t *off, size_t *len);

/* A response as extraction, checks and groupBy see it. Fill the first fields; json starts NULL. */
struct extract_response {
	int status;                /* 0: no response */
	int64_t service_us;        /* http_req_duration */
	const char *body;          /* the kept part of the body */
	size_t body_len;
	/* The first response header called name (value trimmed, not NUL-terminated), or NULL. */
	const char *(*header)(void *arg, const char *name, size_t *len);
	void *header_arg;
	/* The final URL (after redirects) and the protocol ("HTTP/1.1"), asked of header_arg; NULL
	   hooks or answers: unknown. */
	/* The value of the cookie called name that the response sets (its last Set-Cookie of that
	   name), asked of header_arg; NULL: none. */
	const char *(*cookie)(void *arg, const char *name, size_t *len);
	const char *(*url)(void *arg);
	const char *(*protocol)(void *arg);
	const int64_t *phase_us;   /* [TICK_NPHASE] of the request (metrics/tick.h), or NULL */
	struct extract_match *match;   /* the VU's regex state (NULL when the step uses no regex) */
	uint64_t *rng;             /* the VU's generator, for "pick": "random" (NULL: the first) */
	json_t *json;              /* the parsed body, once asked for */
	int typed;                 /* the last JSON source read was a number, true or false */
	int json_state;            /* 0 not parsed yet, 1 parsed, -1 not JSON */
};
/* The body as JSON (parsed on the first call; Jansson allocates), or NULL when it is not JSON. */
json_t *extract_response_json(struct extract_response *r);
/* Drops the parsed body. */
void extract_response_fini(struct extract_response *r);

/*
 * Writes the text of a JSON value into buf (size bytes, not NUL-terminated): a string's contents,
 * a number or literal as JSON writes it, a container as compact JSON. Returns the full length; a
 * result above size means only size bytes were written.
 */
size_t extract_json_text(json_t *v, char *buf, size_t size);
/*
 * Runs one extraction into buf (size bytes). With "pick": "random" (and r->rng set) the value is one
 * of all the regex's matches, or one element of the array the JSON Pointer reaches, each as likely. Returns the value's full length (> size: cut to size
 * bytes), or -1 when the response does not have it (no such header, pointer, match; not JSON).
 */
int64_t extract_run(const struct plan_extract *x, struct extract_response *r, char *buf, size_t size);
/* The same for a JSON Pointer (from PLAN_FROM_JSON) or a header (PLAN_FROM_HEADER): groupBy. */
int64_t extract_source(enum plan_source from, const struct pattern_pointer *p, const char *header,
    struct extract_response *r, char *buf, size_t size);

#endif
