/*
 * monitors: the definition's `monitors`, the target's own metrics scraped during the run
 * (engine/scrape.h scrapes them, metrics/monitor.h reads the answers):
 *   "monitors": [{"name": "app", "url": "http://127.0.0.1:8000/metrics", "interval": "1s",
 *                 "timeout": "1s", "maxSeries": 100,
 *                 "prometheus": {"rss": "process_resident_memory_bytes",
 *                                "errors": "http_requests_total{code=~\"5..\"}"}},
 *                {"url": "http://127.0.0.1:8000/stats", "json": {"queue_depth": "/queue/depth"}}]
 * Parsed like the rest of the definition, on the caller's thread, errors at their JSON path; the
 * URL's origin goes through the target allowlist hook as every request of the plan does (the
 * same helpers as the timed events' requests, events.c). Label regexes are compiled here.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/pattern.h"
#include "testdef/testdef_priv.h"

#define VALUE_NAME_MAX 64

static const char *const monitor_keys[] = { "name", "url", "interval", "timeout", "maxSeries",
    "prometheus", "json", NULL };

/* Whether s is a value name: 1-64 of [A-Za-z0-9_.-]. */
static int
value_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > VALUE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

static int
name_start(int ch)
{
	return isalpha(ch) || ch == '_' || ch == ':';
}

static int
name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == ':';
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Parses a Prometheus selector `name{label="v", label!="v", label=~"re", label!~"re"}` into v.
 * 0, or -1 and *why (static).
 */
static int
parse_selector(const char *s, struct plan_monitor_value *v, const char **why)
{
	const char *p = skip_space(s), *start = p;

	if (!name_start((unsigned char)*p))
		goto bad;
	while (name_char((unsigned char)*p))
		p++;
	v->metric = xstrndup(start, (size_t)(p - start));
	p = skip_space(p);
	if (*p == '\0')
		return 0;
	if (*p++ != '{')
		goto bad;
	for (;;) {
		struct plan_label_matcher m = { 0 };
		char *val;
		size_t n = 0;

		p = skip_space(p);
		if (*p == '}')
			break;
		start = p;
		if (!isalpha((unsigned char)*p) && *p != '_')
			goto bad;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		m.label = xstrndup(start, (size_t)(p - start));
		p = skip_space(p);
		if (p[0] == '=' && p[1] == '~')
			m.op = PLAN_MATCH_RE, p += 2;
		else if (p[0] == '!' && p[1] == '~')
			m.op = PLAN_MATCH_NRE, p += 2;
		else if (p[0] == '!' && p[1] == '=')
			m.op = PLAN_MATCH_NE, p += 2;
		else if (p[0] == '=')
			m.op = PLAN_MATCH_EQ, p += 1;
		else
			goto bad_label;
		p = skip_space(p);
		if (*p++ != '"')
			goto bad_label;
		val = xmalloc(strlen(p) + 1);
		while (*p != '\0' && *p != '"') {
			if (*p == '\\' && p[1] != '\0') {
				p++;
				val[n++] = *p == 'n' ? '\n' : *p;
				p++;
			} else {
				val[n++] = *p++;
			}
		}
		val[n] = '\0';
		m.value = val;
		if (*p++ != '"')
			goto bad_label;
		if (m.op == PLAN_MATCH_RE || m.op == PLAN_MATCH_NRE) {
			char *anchored = xasprintf("^(?:%s)$", m.value), *cause = NULL;
			m.re = pattern_regex_new(anchored, &cause);
			free(anchored);
			free(cause);
			if (m.re == NULL) {
				free(m.label);
				free(m.value);
				*why = "a selector whose label regexes compile (PCRE2 syntax)";
				return -1;
			}
		}
		v->matchers = xreallocarray(v->matchers, (size_t)v->nmatchers + 1, sizeof *v->matchers);
		v->matchers[v->nmatchers++] = m;
		p = skip_space(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '}')
			goto bad;
		break;
bad_label:
		free(m.label);
		free(m.value);
		goto bad;
	}
	p = skip_space(p + 1);
	if (*p != '\0')
		goto bad;
	return 0;
bad:
	*why = "a Prometheus selector like \"http_requests_total{code=~\\\"5..\\\"}\" (a series name, "
	    "then label matchers =, !=, =~, !~ in braces)";
	return -1;
}

/* Whether a value called name exists already. */
static int
value_taken(const struct plan *p, const char *name)
{
	for (int i = 0; i < p->nmonitor_values; i++)
		if (strcmp(p->monitor_values[i].name, name) == 0)
			return 1;
	return 0;
}

/* The named values of monitor mi (member key of obj: "prometheus" or "json"). */
static void
monitor_values(struct walk *c, json_t *obj, const char *key, int mi)
{
	struct plan *p = c->plan;
	struct plan_monitor *m = &p->monitors[mi];
	json_t *vals = json_object_get(obj, key), *sel;
	const char *name;

	if (!json_is_object(vals) || json_object_size(vals) == 0) {
		walk_expected(c, key, m->kind == PLAN_MONITOR_JSON ?
		    "an object of names to JSON Pointers like {\"queue_depth\": \"/queue/depth\"}" :
		    "an object of names to selectors like {\"rss\": \"process_resident_memory_bytes\"}",
		    vals);
		return;
	}
	size_t old = walk_key(c, key);
	json_object_foreach(vals, name, sel) {
		struct plan_monitor_value v = { .monitor = mi };
		const char *why = NULL;
		char *cause = NULL;
		size_t old2 = walk_key(c, name);

		if (!value_name_ok(name)) {
			walk_err(c, "expected a value name of 1 to %d letters, digits, '_', '.' or '-'",
			    VALUE_NAME_MAX);
		} else if (value_taken(p, name)) {
			walk_err(c, "expected each value name once over all monitors, got \"%s\" twice", name);
		} else if (p->nmonitor_values >= PLAN_MAX_MONITOR_VALUES) {
			walk_err(c, "at most %d monitored values in all", PLAN_MAX_MONITOR_VALUES);
		} else if (!json_is_string(sel)) {
			walk_expected(c, NULL, m->kind == PLAN_MONITOR_JSON ? "a JSON Pointer like \"/queue/depth\"" :
			    "a selector like \"process_resident_memory_bytes\"", sel);
		} else if (m->kind == PLAN_MONITOR_JSON) {
			v.pointer = pattern_pointer_new(json_string_value(sel), &cause);
			if (v.pointer == NULL)
				walk_err(c, "expected a JSON Pointer like \"/queue/depth\": %s", cause);
		} else if (parse_selector(json_string_value(sel), &v, &why) != 0) {
			walk_expected(c, NULL, why, sel);
		} else {
			why = "";
		}
		free(cause);
		if (v.pointer != NULL || (why != NULL && why[0] == '\0')) {
			v.name = xstrdup(name);
			v.selector = xstrdup(json_string_value(sel));
			p->monitor_values = xreallocarray(p->monitor_values, (size_t)p->nmonitor_values + 1,
			    sizeof *p->monitor_values);
			p->monitor_values[p->nmonitor_values++] = v;
			m->nvalues++;
		} else {
			monitors_value_fini(&v);
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* One monitor (the walk is at it). */
static void
monitor_one(struct walk *c, json_t *obj)
{
	const char *const *lists[] = { monitor_keys };
	struct plan *p = c->plan;
	struct plan_monitor m = { .interval_ns = 1000000000LL, .max_series = 100 };
	const char *url = NULL, *name = NULL, *why;
	int has_prom = json_object_get(obj, "prometheus") != NULL, has_json = json_object_get(obj, "json") != NULL;
	int64_t n64;

	if (!json_is_object(obj)) {
		walk_expected(c, NULL, "an object like {\"url\": \"http://.../metrics\", \"prometheus\": "
		    "{\"rss\": \"process_resident_memory_bytes\"}}", obj);
		return;
	}
	walk_check_keys(c, obj, lists, 1, -1);
	if (walk_get_string(c, obj, "url", 1, &url) == 0)
		walk_missing(c, "url", "an absolute http:// or https:// URL", "a monitor");
	if (url != NULL) {
		size_t olen = request_url_origin(url, strlen(url), &why);
		if (olen == 0) {
			walk_expected(c, "url", why, json_object_get(obj, "url"));
			url = NULL;
		} else {
			request_check_target(c, "url", url, olen);
		}
	}
	walk_get_name(c, obj, "name", &name);
	walk_get_duration(c, obj, "interval", 1, 3600 * 1000000000LL, &m.interval_ns);
	if (m.interval_ns < 1000000000LL) {
		walk_err_key(c, "interval", "expected at least 1s: values are kept per second");
		m.interval_ns = 1000000000LL;
	}
	m.timeout_ns = m.interval_ns < 5000000000LL ? m.interval_ns : 5000000000LL;
	walk_get_duration(c, obj, "timeout", 1, 60 * 1000000000LL, &m.timeout_ns);
	if (walk_get_int(c, obj, "maxSeries", 1, PLAN_MONITOR_MAX_SERIES, &n64) == 1)
		m.max_series = (int)n64;
	if (has_prom == has_json) {
		walk_err(c, "expected exactly one of \"prometheus\" (a text exposition: names to selectors) "
		    "and \"json\" (a JSON document: names to JSON Pointers)");
		return;
	}
	m.kind = has_json ? PLAN_MONITOR_JSON : PLAN_MONITOR_PROMETHEUS;
	m.url = url != NULL ? xstrdup(url) : NULL;
	m.name = xstrdup(name != NULL ? name : url != NULL ? url : "monitor");
	m.first_value = p->nmonitor_values;
	p->monitors[p->nmonitors] = m;
	monitor_values(c, obj, has_json ? "json" : "prometheus", p->nmonitors);
	p->nmonitors++;
}

void
monitors_parse(struct walk *c, json_t *root)
{
	json_t *list = json_object_get(root, "monitors"), *obj;
	struct plan *p = c->plan;
	size_t i;

	if (list == NULL)
		return;
	if (!json_is_array(list)) {
		walk_expected(c, "monitors", "an array of {\"url\", \"prometheus\" or \"json\"}", list);
		return;
	}
	if (json_array_size(list) > PLAN_MAX_MONITORS) {
		walk_err_key(c, "monitors", "at most %d monitors, got %zu", PLAN_MAX_MONITORS,
		    json_array_size(list));
		return;
	}
	size_t at = walk_key(c, "monitors");
	p->monitors = xcalloc(json_array_size(list) + 1, sizeof *p->monitors);
	json_array_foreach(list, i, obj) {
		size_t old = walk_index(c, i);
		monitor_one(c, obj);
		walk_pop(c, old);
	}
	walk_pop(c, at);
}

int
monitors_threshold_key(struct walk *c, const char *key, size_t n, int *value)
{
	static const char prefix[] = "monitor:";
	const struct plan *p = c->plan;

	*value = -1;
	if (n < sizeof prefix - 1 || strncmp(key, prefix, sizeof prefix - 1) != 0)
		return -1;
	if (key[n] != '\0') {
		walk_err(c, "expected no tags on a monitored value (\"monitor:NAME\")");
		return 1;
	}
	for (int i = 0; i < p->nmonitor_values; i++) {
		if (strlen(p->monitor_values[i].name) == n - (sizeof prefix - 1) &&
		    strncmp(p->monitor_values[i].name, key + sizeof prefix - 1, n - (sizeof prefix - 1)) == 0) {
			*value = i;
			return 0;
		}
	}
	walk_err(c, "expected a value named in `monitors` after \"monitor:\", got \"%.*s\"",
	    (int)(n - (sizeof prefix - 1)), key + sizeof prefix - 1);
	return 1;
}

void
monitors_value_fini(struct plan_monitor_value *v)
{
	free(v->name);
	free(v->selector);
	free(v->metric);
	for (int i = 0; i < v->nmatchers; i++) {
		free(v->matchers[i].label);
		free(v->matchers[i].value);
		pattern_regex_free(v->matchers[i].re);
	}
	free(v->matchers);
	pattern_pointer_free(v->pointer);
}

void
monitors_free(struct plan *p)
{
	for (int i = 0; i < p->nmonitor_values; i++)
		monitors_value_fini(&p->monitor_values[i]);
	free(p->monitor_values);
	for (int i = 0; i < p->nmonitors; i++) {
		free(p->monitors[i].name);
		free(p->monitors[i].url);
	}
	free(p->monitors);
	p->monitors = NULL;
	p->monitor_values = NULL;
	p->nmonitors = p->nmonitor_values = 0;
}
