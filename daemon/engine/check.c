/*
 * check: see check.h. Runs on a worker thread, once per check per response.
 */
#include <config.h>

#include <assert.h>
#include <string.h>

#include "engine/check.h"
#include "engine/extract.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

/* A maxDuration check's phase (enum plan_phase) as the tick numbers it. */
static const int tick_phase_of[PLAN_NPHASES] = {
	[PLAN_PHASE_BLOCKED] = TICK_PHASE_BLOCKED, [PLAN_PHASE_CONNECTING] = TICK_PHASE_CONNECTING,
	[PLAN_PHASE_TLS] = TICK_PHASE_TLS, [PLAN_PHASE_SENDING] = TICK_PHASE_SENDING,
	[PLAN_PHASE_WAITING] = TICK_PHASE_WAITING, [PLAN_PHASE_RECEIVING] = TICK_PHASE_RECEIVING,
};

/* Whether the final URL is the check's text (path_only: from the path on). */
static int
url_is(const struct plan_check *c, struct extract_response *r)
{
	const char *u = r->url != NULL ? r->url(r->header_arg) : NULL;

	if (u == NULL)
		return 0;
	if (c->path_only) {
		const char *p = strstr(u, "://");
		p = p != NULL ? p + 3 + strcspn(p + 3, "/?#") : u;
		return strcmp(*p == '\0' ? "/" : p, c->text) == 0;
	}
	return strcmp(u, c->text) == 0;
}

int
check_json_equal(json_t *a, json_t *b)
{
	if (a == NULL || b == NULL)
		return 0;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	return json_equal(a, b);
}

int
check_eval(const struct plan_check *c, struct extract_response *r)
{
	const char *h;
	size_t n, off, len;
	json_t *root, *v;

	switch (c->kind) {
	case PLAN_CHECK_STATUS:
		for (int i = 0; i < c->nstatuses; i++)
			if (r->status == c->statuses[i])
				return 1;
		return 0;
	case PLAN_CHECK_BODY_CONTAINS:
		return r->body != NULL && memmem(r->body, r->body_len, c->text, c->text_len) != NULL;
	case PLAN_CHECK_JSON:
		root = extract_response_json(r);
		v = root != NULL ? extract_pointer_get(c->pointer, root) : NULL;
		switch (c->op) {
		case PLAN_OP_EXISTS:
			return v != NULL;
		case PLAN_OP_ABSENT:
			return v == NULL;
		case PLAN_OP_EQUALS:
			return check_json_equal(v, c->equals);
		default:
			break;
		}
		break;
	case PLAN_CHECK_HEADER:
		h = r->header != NULL ? r->header(r->header_arg, c->header, &n) : NULL;
		switch (c->op) {
		case PLAN_OP_EXISTS:
			return h != NULL;
		case PLAN_OP_ABSENT:
			return h == NULL;
		case PLAN_OP_EQUALS:
			return h != NULL && n == c->text_len && memcmp(h, c->text, n) == 0;
		case PLAN_OP_MATCHES:
			return h != NULL && r->match != NULL &&
			    extract_regex_find(c->regex, r->match, h, n, 0, &off, &len);
		default:
			break;
		}
		break;
	case PLAN_CHECK_MAX_DURATION:
		if (c->phase > 0)
			return r->status > 0 && r->phase_us != NULL &&
			    r->phase_us[tick_phase_of[c->phase - 1]] * 1000 < c->max_ns;
		return r->status > 0 && r->service_us * 1000 < c->max_ns;
	case PLAN_CHECK_URL:
		return r->status > 0 && url_is(c, r);
	case PLAN_CHECK_PROTOCOL: {
		const char *p = r->status > 0 && r->protocol != NULL ? r->protocol(r->header_arg) : NULL;
		return p != NULL && strcmp(p, c->text) == 0;
	}
	}
	assert(!"a check without a valid operation");
	return 0;
}
