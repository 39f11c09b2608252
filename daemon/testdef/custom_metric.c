/*
 * custom_metric: a definition's custom metrics (see testdef_priv.h): the top-level `metrics`
 * object ({"time_to_done": {"type": "trend", "unit": "ms"}}: k6's Trend, Counter, Rate and Gauge)
 * and a step's `record` entries, which feed them after the response from a constant, a variable,
 * the body (a JSON Pointer), a header, a timing phase or one of the step's checks. The sources are
 * written the way `extract` and `checks` write theirs: one key naming the source.
 *
 * The series a record entry adds to (the metric, and the sub-metrics thresholds name by tag) are
 * chosen by threshold_plan.c once the thresholds are known, so the worker only walks a list.
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/metric.h"
#include "testdef/pattern.h"
#include "testdef/testdef_priv.h"

#define MAX_METRICS 100            /* custom metrics per definition */
#define MAX_RECORDS 32             /* record entries per step */
#define MAX_TAGS 16                /* tags per record entry */
#define NAME_MAX_BYTES 128         /* k6's limit on a metric name */

static const char *const metric_keys[] = { "type", "unit", NULL };
static const char *const record_keys[] = {
	"metric", "value", "var", "json", "header", "timing", "check", "tags", NULL,
};
static const char *const type_words[] = {
	[METRIC_COUNTER] = "counter", [METRIC_GAUGE] = "gauge", [METRIC_RATE] = "rate",
	[METRIC_TREND] = "trend", NULL,
};
/* k6's http_req_<phase> words; index = enum tick_phase (testdef/metric.h numbers them alike);
   "duration" is the request's http_req_duration. */
static const char *const timing_words[] = {
	"blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration", NULL,
};

/* k6's metric name rule: letters, digits and '_', not starting with a digit, 1..128 bytes. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_BYTES || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_'))
			return 0;
	}
	return 1;
}

int
custom_metric_find(const struct plan *p, const char *name, size_t n)
{
	for (int i = 0; i < p->nmetrics; i++)
		if (strlen(p->metrics[i].name) == n && memcmp(p->metrics[i].name, name, n) == 0)
			return i;
	return -1;
}

void
custom_metric_parse(struct walk *c, json_t *root)
{
	const char *const *lists[] = { metric_keys };
	json_t *m = json_object_get(root, "metrics"), *v;
	struct plan *p = c->plan;
	const char *name;
	size_t old;

	if (m == NULL)
		return;
	if (!json_is_object(m) || json_object_size(m) == 0 || json_object_size(m) > MAX_METRICS) {
		walk_expected(c, "metrics", "an object of up to 100 metric names to declarations like "
		    "{\"time_to_done\": {\"type\": \"trend\", \"unit\": \"ms\"}}", m);
		return;
	}
	p->metrics = xcalloc(json_object_size(m), sizeof *p->metrics);
	old = walk_key(c, "metrics");
	json_object_foreach(m, name, v) {
		struct plan_metric *pm = &p->metrics[p->nmetrics];
		const char *type = NULL, *unit = NULL;
		const char *const *types[] = { type_words };
		size_t old2;
		int t;

		if (!name_ok(name)) {
			walk_err_key(c, name, "expected a metric name of letters, digits and '_' (at most 128 "
			    "bytes, not starting with a digit)");
			continue;
		}
		if (metric_find(name, strlen(name)) >= 0) {
			walk_err_key(c, name, "\"%s\" is a built-in metric; choose another name", name);
			continue;
		}
		if (!json_is_object(v)) {
			walk_expected(c, name, "a declaration like {\"type\": \"trend\", \"unit\": \"ms\"}", v);
			continue;
		}
		old2 = walk_key(c, name);
		walk_check_keys(c, v, lists, 1, -1);
		if (walk_get_string(c, v, "type", 1, &type) == 0)
			walk_missing(c, "type", "\"trend\", \"counter\", \"rate\" or \"gauge\"", "a metric");
		for (t = 0; type != NULL && type_words[t] != NULL; t++)
			if (strcmp(type_words[t], type) == 0)
				break;
		if (type != NULL && type_words[t] == NULL) {
			const char *hint = walk_suggest(type, types, 1);
			if (hint != NULL)
				walk_err_key(c, "type", "expected \"trend\", \"counter\", \"rate\" or \"gauge\", "
				    "got \"%s\" (did you mean \"%s\"?)", type, hint);
			else
				walk_expected(c, "type", "\"trend\", \"counter\", \"rate\" or \"gauge\"",
				    json_object_get(v, "type"));
			type = NULL;
		}
		if (walk_get_string(c, v, "unit", 1, &unit) == 1 && strcmp(unit, "ms") != 0) {
			walk_expected(c, "unit", "\"ms\" (values are milliseconds)", json_object_get(v, "unit"));
			unit = NULL;
		}
		if (unit != NULL && type != NULL && t != METRIC_TREND && t != METRIC_GAUGE)
			walk_err_key(c, "unit", "only a trend or a gauge holds times");
		walk_pop(c, old2);
		if (type == NULL)
			continue;
		pm->name = xstrdup(name);
		pm->type = (enum metric_type)t;
		pm->is_time = unit != NULL;
		p->nmetrics++;
	}
	walk_pop(c, old);
	p->metric_slots = xcalloc((size_t)p->nmetrics + 1, sizeof *p->metric_slots);
	for (int i = 0; i < p->nmetrics; i++)
		p->metric_slots[i] = (struct plan_metric_slot){ i, xstrdup(p->metrics[i].name), NULL };
	p->nmetric_slots = p->nmetrics;
}

/* The one key of obj among kinds (NULL-terminated); errors when none or several. */
static const char *
one_of_keys(struct walk *c, json_t *obj, const char *const *kinds, const char *what)
{
	const char *found = NULL;

	for (const char *const *k = kinds; *k != NULL; k++) {
		if (json_object_get(obj, *k) == NULL)
			continue;
		if (found != NULL) {
			walk_err_key(c, *k, "conflicts with \"%s\" (%s)", found, what);
			return NULL;
		}
		found = *k;
	}
	if (found == NULL)
		walk_err(c, "expected %s, got none", what);
	return found;
}

/* The names of the declared metrics, for "did you mean" (NULL-terminated; caller frees the array). */
static const char **
metric_names(const struct plan *p)
{
	const char **v = xcalloc((size_t)p->nmetrics + 1, sizeof *v);

	for (int i = 0; i < p->nmetrics; i++)
		v[i] = p->metrics[i].name;
	return v;
}

/* The index in st->checks of the check called name, or -1 (an error recorded at "check"). */
static int
check_of(struct walk *c, const struct plan_step *st, const char *name)
{
	const char **names = xcalloc((size_t)st->nchecks + 1, sizeof *names);
	const char *const *lists[] = { names };
	const char *hint;

	for (int i = 0; i < st->nchecks; i++) {
		names[i] = c->plan->check_names[st->checks[i].index];
		if (strcmp(names[i], name) == 0) {
			free(names);
			if (i >= PLAN_RECORD_MAX_CHECKS) {
				walk_err_key(c, "check", "only the step's first %d checks can be recorded",
				    PLAN_RECORD_MAX_CHECKS);
				return -1;
			}
			return i;
		}
	}
	hint = walk_suggest(name, lists, 1);
	if (st->nchecks == 0)
		walk_err_key(c, "check", "the step has no checks to record");
	else if (hint != NULL)
		walk_err_key(c, "check", "the step has no check called \"%s\" (did you mean \"%s\"?)", name, hint);
	else
		walk_err_key(c, "check", "the step has no check called \"%s\" (its checks are named by "
		    "\"name\" or, without one, like \"status is 200\")", name);
	free(names);
	return -1;
}

/* Parses the tags of a record entry (member "tags" of v). */
static json_t *
parse_tags(struct walk *c, json_t *v)
{
	json_t *t = json_object_get(v, "tags"), *x;
	const char *k;

	if (t == NULL)
		return NULL;
	if (!json_is_object(t) || json_object_size(t) > MAX_TAGS) {
		walk_expected(c, "tags", "an object of up to 16 tag names to strings like {\"kind\": \"poll\"}", t);
		return NULL;
	}
	json_object_foreach(t, k, x) {
		size_t old = walk_key(c, "tags");
		if (!name_ok(k))
			walk_err_key(c, k, "expected a tag name of letters, digits and '_'");
		else if (strcmp(k, "scenario") == 0)
			walk_err_key(c, k, "the tag \"scenario\" is set by Rampage (the step's scenario)");
		else if (!json_is_string(x) || strchr(json_string_value(x), '}') != NULL ||
		    strchr(json_string_value(x), ',') != NULL)
			walk_expected(c, k, "a string without '}' or ','", x);
		walk_pop(c, old);
	}
	return json_incref(t);
}

/* Parses one record entry (object v at the current path) into r; 0, or -1 when invalid. */
static int
parse_record(struct walk *c, json_t *v, const struct plan_step *st, struct plan_record *r)
{
	static const char *const kinds[] = { "value", "var", "json", "header", "timing", "check", NULL };
	const char *const *lists[] = { record_keys };
	const char *kind = NULL, *metric = NULL, *s = NULL;
	int errors = c->errors;
	json_t *x;

	if (!json_is_object(v)) {
		walk_expected(c, NULL, "an entry like {\"metric\": \"time_to_done\", \"json\": \"/elapsed_ms\"}", v);
		return -1;
	}
	walk_check_keys(c, v, lists, 1, -1);
	r->metric = -1;
	if (walk_get_string(c, v, "metric", 1, &metric) == 0)
		walk_missing(c, "metric", "a metric declared in \"metrics\"", "a record entry");
	if (metric != NULL && (r->metric = custom_metric_find(c->plan, metric, strlen(metric))) < 0) {
		const char **names = metric_names(c->plan);
		const char *const *nl[] = { names };
		const char *hint = walk_suggest(metric, nl, 1);
		if (c->plan->nmetrics == 0)
			walk_err_key(c, "metric", "\"%s\" is not declared: declare it in the top-level "
			    "\"metrics\" object", metric);
		else if (hint != NULL)
			walk_err_key(c, "metric", "\"%s\" is not declared in \"metrics\" (did you mean \"%s\"?)",
			    metric, hint);
		else
			walk_err_key(c, "metric", "\"%s\" is not declared in \"metrics\"", metric);
		free(names);
	}
	if (r->metric >= 0)
		r->type = c->plan->metrics[r->metric].type;
	kind = one_of_keys(c, v, kinds, "one of value, var, json, header, timing, check");
	x = kind != NULL ? json_object_get(v, kind) : NULL;
	if (kind == NULL) {
		/* recorded */
	} else if (strcmp(kind, "value") == 0) {
		r->from = PLAN_RECORD_VALUE;
		if (!json_is_number(x))
			walk_expected(c, "value", "a number", x);
		else
			r->value = json_number_value(x);
	} else if (strcmp(kind, "var") == 0) {
		r->from = PLAN_RECORD_VAR;
		if (walk_get_string(c, v, "var", 1, &s) == 1) {
			int slot = features_scope_var(c, s, strlen(s));
			if (slot < 0)
				walk_err_key(c, "var", "no variable \"%s\" is defined (by vars, extract or a feed)", s);
			r->slot = slot;
		}
	} else if (strcmp(kind, "json") == 0) {
		char *cause = NULL;
		r->from = PLAN_RECORD_JSON;
		if (!json_is_string(x) || strlen(json_string_value(x)) != json_string_length(x))
			walk_expected(c, "json", "a JSON Pointer like \"/elapsed_ms\"", x);
		else if ((r->pointer = pattern_pointer_new(json_string_value(x), &cause)) == NULL) {
			walk_err_key(c, "json", "%s", cause);
			free(cause);
		}
	} else if (strcmp(kind, "header") == 0) {
		r->from = PLAN_RECORD_HEADER;
		if (!json_is_string(x) || !request_is_token(json_string_value(x), json_string_length(x)))
			walk_expected(c, "header", "a header name like \"X-Queue-Depth\"", x);
		else
			r->header = xstrdup(json_string_value(x));
	} else if (strcmp(kind, "timing") == 0) {
		const char *const *tl[] = { timing_words };
		int i;
		r->from = PLAN_RECORD_TIMING;
		for (i = 0; json_is_string(x) && timing_words[i] != NULL; i++)
			if (strcmp(timing_words[i], json_string_value(x)) == 0)
				break;
		if (!json_is_string(x) || timing_words[i] == NULL) {
			const char *hint = json_is_string(x) ? walk_suggest(json_string_value(x), tl, 1) : NULL;
			if (hint != NULL)
				walk_err_key(c, "timing", "expected a timing phase, got \"%s\" (did you mean "
				    "\"%s\"?)", json_string_value(x), hint);
			else
				walk_expected(c, "timing", "one of duration, blocked, connecting, tls_handshaking, "
				    "sending, waiting, receiving", x);
		} else {
			r->phase = i == METRIC_NPHASE ? -1 : i;
		}
	} else {
		r->from = PLAN_RECORD_CHECK;
		if (walk_get_string(c, v, "check", 1, &s) == 1)
			r->check = check_of(c, st, s);
	}
	r->tags = parse_tags(c, v);
	return c->errors > errors ? -1 : 0;
}

void
custom_metric_step(struct walk *c, json_t *obj, struct plan_step *st)
{
	json_t *rec = json_object_get(obj, "record"), *v;
	size_t i, old;

	if (rec == NULL)
		return;
	if (!json_is_array(rec) || json_array_size(rec) == 0 || json_array_size(rec) > MAX_RECORDS) {
		walk_expected(c, "record", "an array of up to 32 entries like [{\"metric\": \"time_to_done\", "
		    "\"json\": \"/elapsed_ms\"}]", rec);
		return;
	}
	st->records = xcalloc(json_array_size(rec), sizeof *st->records);
	old = walk_key(c, "record");
	json_array_foreach(rec, i, v) {
		size_t old2 = walk_index(c, i);
		struct plan_record *r = &st->records[st->nrecords];

		/* an invalid entry is kept for freeing; its error fails the parse */
		parse_record(c, v, st, r);
		if (r->from == PLAN_RECORD_JSON)
			st->needs_json = 1;
		st->nrecords++;
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

void
custom_metric_step_fini(struct plan_step *st)
{
	for (int i = 0; i < st->nrecords; i++) {
		pattern_pointer_free(st->records[i].pointer);
		free(st->records[i].header);
		json_decref(st->records[i].tags);
		free(st->records[i].slots);
	}
	free(st->records);
	st->records = NULL;
	st->nrecords = 0;
}

void
custom_metric_free(struct plan *p)
{
	for (int i = 0; i < p->nmetrics; i++)
		free(p->metrics[i].name);
	free(p->metrics);
	for (int i = 0; i < p->nmetric_slots; i++) {
		free(p->metric_slots[i].key);
		json_decref(p->metric_slots[i].tags);
	}
	free(p->metric_slots);
}

/* ---- thresholds on custom metrics */

/* A copy of s (n bytes) without surrounding spaces. */
static char *
trim(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

int
custom_metric_threshold_key(struct walk *c, const char *key, size_t n, int *slot)
{
	struct plan *p = c->plan;
	int m = custom_metric_find(p, key, n);
	const char *brace = strchr(key, '{'), *close, *t;
	json_t *tags;

	if (m < 0)
		return -1;
	if (brace == NULL) {
		*slot = m;
		return 0;
	}
	close = strrchr(key, '}');
	if (close == NULL || close < brace || close[1] != '\0') {
		walk_err(c, "expected tags in braces like {kind:poll} at the end of the metric name");
		return 1;
	}
	tags = json_object();
	for (t = brace + 1; t < close;) {
		const char *comma = memchr(t, ',', (size_t)(close - t));
		const char *e = comma ? comma : close;
		const char *colon = memchr(t, ':', (size_t)(e - t));
		char *k, *v;

		if (colon == NULL) {
			walk_err(c, "expected tags like {kind:poll} (name:value, separated by commas)");
			json_decref(tags);
			return 1;
		}
		k = trim(t, (size_t)(colon - t));
		v = trim(colon + 1, (size_t)(e - colon - 1));
		if (!name_ok(k) || json_object_get(tags, k) != NULL) {
			walk_err(c, "expected each tag once, with a name of letters, digits and '_', got \"%s\"", k);
			free(k);
			free(v);
			json_decref(tags);
			return 1;
		}
		json_object_set_new(tags, k, json_string(v));
		free(k);
		free(v);
		t = e + (comma != NULL);
	}
	if (json_object_size(tags) == 0) {
		walk_err(c, "expected at least one tag between the braces, like {kind:poll}");
		json_decref(tags);
		return 1;
	}
	for (int i = p->nmetrics; i < p->nmetric_slots; i++) {
		if (p->metric_slots[i].metric == m && json_equal(p->metric_slots[i].tags, tags)) {
			json_decref(tags);
			*slot = i;
			return 0;
		}
	}
	p->metric_slots = xreallocarray(p->metric_slots, (size_t)p->nmetric_slots + 1, sizeof *p->metric_slots);
	p->metric_slots[p->nmetric_slots] = (struct plan_metric_slot){ m, xstrdup(key), tags };
	*slot = p->nmetric_slots++;
	return 0;
}

/* Whether a record entry in scenario sc with tags rt feeds the sub-metric with tags want. */
static int
tags_match(json_t *want, json_t *rt, const char *sc)
{
	const char *k;
	json_t *v;

	json_object_foreach(want, k, v) {
		const char *have = strcmp(k, "scenario") == 0 ? sc : json_string_value(json_object_get(rt, k));
		if (have == NULL || strcmp(have, json_string_value(v)) != 0)
			return 0;
	}
	return 1;
}

/* Fills the series lists of n steps of scenario sc. */
static void
assign(struct plan *p, struct plan_step *st, int n, const char *sc)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < st[i].nrecords; j++) {
			struct plan_record *r = &st[i].records[j];
			free(r->slots);
			r->slots = xcalloc((size_t)p->nmetric_slots + 1, sizeof *r->slots);
			r->nslots = 0;
			if (r->metric < 0)
				continue;
			r->slots[r->nslots++] = r->metric;
			for (int k = p->nmetrics; k < p->nmetric_slots; k++)
				if (p->metric_slots[k].metric == r->metric &&
				    tags_match(p->metric_slots[k].tags, r->tags, sc))
					r->slots[r->nslots++] = k;
		}
	}
}

void
custom_metric_assign(struct plan *p)
{
	for (int i = 0; i < p->nscenarios; i++) {
		struct plan_scenario *sc = &p->scenarios[i];
		for (int j = 0; j < sc->ntasks; j++)
			assign(p, sc->tasks[j].steps, sc->tasks[j].nsteps, sc->name);
		assign(p, sc->on_start, sc->non_start, sc->name);
		assign(p, sc->on_stop, sc->non_stop, sc->name);
	}
}
