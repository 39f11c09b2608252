/*
 * features: what a definition adds around its requests (see testdef_priv.h): variables (a
 * scenario's `vars`, `extract` names, feed columns) resolved to per-VU slots before any template is
 * parsed; a step's `extract`, `checks`, `groupBy` and `thinkTime`, with their JSON Pointers and
 * regexes compiled (testdef/pattern.h); a scenario's session keys (onStart, onStop, thinkTime,
 * cookies, vars) and the feeds its templates read.
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/duration.h"
#include "core/xmalloc.h"
#include "testdef/feed_load.h"
#include "testdef/pattern.h"
#include "testdef/template.h"
#include "testdef/testdef_priv.h"

/* Names a template may not use for a variable: the built-in references. */
static const char *const builtin_names[] = {
	"vu", "iteration", "uuid", "randomInt", "timestampMs", "env", NULL,
};
static const char *const extract_keys[] = { "json", "header", "regex", "group", "cookie", "pick", NULL };
static const char *const check_keys_all[] = {
	"name", "failRequest", "onFail", "status", "bodyContains", "json", "header", "maxDuration", "exists",
	"equals", "matches", "phase", "url", "protocol", NULL,
};
/* k6's names of the timing phases (res.timings.*), in enum plan_phase's order. */
static const char *const phase_names[] = {
	"blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", NULL,
};
static const char *const group_by_keys[] = { "json", "header", NULL };
static const char *const think_keys[] = { "between", "exponential", "pacing", NULL };

/* ---- variables */

/* Whether s is a variable or feed name: letters, digits, '_' and '-', not starting with a digit
   or '-'. (A '.' separates a feed from its column, so it is not part of a name.) */
int
features_is_var_name(const char *s)
{
	return feed_load_column_ok(s, strlen(s));
}

/* Whether s is the name of a built-in reference ({{vu}}, {{env.NAME}}, ...). */
int
features_is_builtin(const char *s)
{
	return walk_in_list(builtin_names, s);
}

/* Records an error at member key unless name may name a variable; returns whether it may. */
static int
check_var_name(struct walk *c, const char *key, const char *name, const char *what)
{
	if (!features_is_var_name(name)) {
		walk_err_key(c, key, "expected a %s name of letters, digits, '_' and '-' (at most 64 bytes, "
		    "starting with a letter or '_')", what);
		return 0;
	}
	if (walk_in_list(builtin_names, name)) {
		walk_err_key(c, key, "the %s name \"%s\" clashes with the built-in {{%s}}", what, name,
		    strcmp(name, "env") == 0 ? "env.NAME" : name);
		return 0;
	}
	return 1;
}

/* The position of name in the list names[*n] (index maps names to positions), appended when new. */
static int
intern(json_t *index, char ***names, int *n, const char *name)
{
	json_t *idx = json_object_get(index, name);

	if (idx != NULL)
		return (int)json_integer_value(idx);
	*names = xreallocarray(*names, (size_t)*n + 1, sizeof **names);
	(*names)[*n] = xstrdup(name);
	json_object_set_new(index, name, json_integer(*n));
	return (*n)++;
}

/* The slot of variable name, added when new. */
int
features_var_register(struct walk *c, const char *name)
{
	return intern(c->var_index, &c->plan->var_names, &c->plan->nvars, name);
}

/* tmpl_scope's var_slot: every name the definition defines (vars, extract, feed columns); a feed
   column read marks its feed as used by the scenario being parsed (or by the defaults). */
int
features_scope_var(void *arg, const char *name, size_t len)
{
	struct walk *c = arg;
	char buf[160];
	json_t *idx;
	const char *dot;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	dot = strchr(buf, '.');
	if ((idx = json_object_get(c->var_index, buf)) == NULL) {
		if (dot != NULL) {
			/* a column of a feed already reported as broken: accepted quietly (the parse fails) */
			buf[dot - buf] = '\0';
			if (json_object_get(c->bad_feeds, buf) != NULL)
				return 0;
		}
		return -1;
	}
	if (dot != NULL) {
		json_t *f;
		buf[dot - buf] = '\0';
		if ((f = json_object_get(c->feed_index, buf)) != NULL && c->feed_use != NULL)
			c->feed_use[json_integer_value(f)] = 1;
	}
	return (int)json_integer_value(idx);
}

/* Registers the keys of obj that are valid variable names (`extract`, `vars`; pre-pass: errors
   come later). */
static void
collect_names(struct walk *c, json_t *obj)
{
	json_t *v;
	const char *name;

	if (!json_is_object(obj))
		return;
	json_object_foreach(obj, name, v)
		if (features_is_var_name(name) && !walk_in_list(builtin_names, name))
			features_var_register(c, name);
}

/* Registers the `extract` names of every step of an array of steps or tasks. */
static void
collect_steps(struct walk *c, json_t *steps)
{
	size_t i;
	json_t *e;

	if (!json_is_array(steps))
		return;
	json_array_foreach(steps, i, e) {
		if (!json_is_object(e))
			continue;
		collect_names(c, json_object_get(e, "extract"));
		collect_steps(c, json_object_get(e, "steps"));
	}
}

/* Registers what one scenario object (or the root, for the shortcuts) defines. */
static void
collect_scenario(struct walk *c, json_t *obj)
{
	if (!json_is_object(obj))
		return;
	collect_names(c, json_object_get(obj, "vars"));
	collect_steps(c, json_object_get(obj, "tasks"));
	collect_steps(c, json_object_get(obj, "onStart"));
	collect_steps(c, json_object_get(obj, "onStop"));
}

/* Before the defaults and scenarios are parsed: feeds, then every variable name defined anywhere,
   so that templates can refer to variables defined by later steps or other tasks. */
void
features_collect(struct walk *c, json_t *root)
{
	json_t *scenarios = json_object_get(root, "scenarios"), *v;
	const char *name;

	feed_load_parse(c, root);
	collect_steps(c, json_object_get(root, "setup"));
	if (json_is_array(json_object_get(root, "setup"))) {
		size_t i;
		json_array_foreach(json_object_get(root, "setup"), i, v) {
			json_t *x = json_is_object(v) ? json_object_get(v, "extract") : NULL, *e;
			const char *k;
			if (json_is_object(x))
				json_object_foreach(x, k, e)
					json_object_set_new(c->setup_names, k, json_true());
		}
	}
	collect_steps(c, json_object_get(root, "teardown"));
	if (json_is_object(scenarios))
		json_object_foreach(scenarios, name, v)
			collect_scenario(c, v);
	else
		collect_scenario(c, root);
	c->feed_use = c->feed_use_defaults;
}

/* ---- think time */

/* A duration value at the current path (errors there): 1 valid, -1 invalid. */
static int
duration_here(struct walk *c, json_t *v, int64_t *out)
{
	if (!json_is_string(v) || duration_parse(json_string_value(v), out) != DURATION_OK ||
	    *out > PLAN_MAX_STAGE_NS) {
		walk_expected(c, NULL, "a duration like \"1s\"", v);
		return -1;
	}
	return 1;
}

/* Parses a thinkTime (member key): "1s", {"between": ["1s", "3s"]}, {"exponential": "2s"} or
   {"pacing": "5s"}. */
static void
parse_think(struct walk *c, json_t *obj, const char *key, struct plan_think *t)
{
	json_t *v = json_object_get(obj, key), *b;
	const char *const *lists[] = { think_keys };
	size_t old;

	memset(t, 0, sizeof *t);
	if (v == NULL)
		return;
	if (json_is_string(v)) {
		if (walk_get_duration(c, obj, key, 0, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = t->a_ns > 0 ? PLAN_THINK_CONSTANT : PLAN_THINK_NONE;
		return;
	}
	if (!json_is_object(v) || json_object_size(v) != 1) {
		walk_expected(c, key, "a duration like \"1s\" or one of {\"between\": [\"1s\", \"3s\"]}, "
		    "{\"exponential\": \"2s\"}, {\"pacing\": \"5s\"}", v);
		return;
	}
	old = walk_key(c, key);
	walk_check_keys(c, v, lists, 1, -1);
	if ((b = json_object_get(v, "between")) != NULL) {
		if (!json_is_array(b) || json_array_size(b) != 2) {
			walk_expected(c, "between", "two durations like [\"1s\", \"3s\"]", b);
		} else {
			size_t o2 = walk_key(c, "between");
			int64_t d[2] = { 0, 0 };
			int ok = 1;
			for (size_t i = 0; i < 2; i++) {
				size_t o3 = walk_index(c, i);
				if (duration_here(c, json_array_get(b, i), &d[i]) != 1)
					ok = 0;
				walk_pop(c, o3);
			}
			if (ok && d[0] > d[1]) {
				walk_err(c, "expected the shorter duration first, got [\"%s\", \"%s\"]",
				    json_string_value(json_array_get(b, 0)), json_string_value(json_array_get(b, 1)));
			} else if (ok && d[1] > 0) {
				t->kind = PLAN_THINK_BETWEEN;
				t->a_ns = d[0];
				t->b_ns = d[1];
			}
			walk_pop(c, o2);
		}
	} else if (json_object_get(v, "exponential") != NULL) {
		if (walk_get_duration(c, v, "exponential", 1, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = PLAN_THINK_EXPONENTIAL;
	} else if (json_object_get(v, "pacing") != NULL) {
		if (walk_get_duration(c, v, "pacing", 1, PLAN_MAX_STAGE_NS, &t->a_ns) == 1)
			t->kind = PLAN_THINK_PACING;
	}
	walk_pop(c, old);
}

/* ---- extract, checks, groupBy */

/* Compiles a JSON Pointer at member key (errors there). */
static struct pattern_pointer *
pointer_at(struct walk *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct pattern_pointer *p;
	char *cause = NULL;

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		walk_expected(c, key, "a JSON Pointer like \"/items/0/id\"", v);
		return NULL;
	}
	if ((p = pattern_pointer_new(json_string_value(v), &cause)) == NULL) {
		walk_err_key(c, key, "%s", cause);
		free(cause);
	}
	return p;
}

/* Compiles a regex at member key (errors there); counts its groups for the VUs' match data. */
static struct pattern_regex *
regex_at(struct walk *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct pattern_regex *re;
	char *cause = NULL;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		walk_expected(c, key, "a regular expression (PCRE2, Perl syntax)", v);
		return NULL;
	}
	if ((re = pattern_regex_new(json_string_value(v), &cause)) == NULL) {
		walk_err_key(c, key, "%s", cause);
		free(cause);
		return NULL;
	}
	if (re->groups > c->plan->max_regex_groups)
		c->plan->max_regex_groups = re->groups;
	return re;
}

/* A header name at member key (errors there). */
static char *
header_name_at(struct walk *c, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || !request_is_token(json_string_value(v), json_string_length(v))) {
		walk_expected(c, key, "a header name like \"Location\"", v);
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

/* The one key of obj among `kinds` (NULL-terminated); errors when none or several. */
static const char *
one_of(struct walk *c, json_t *obj, const char *const *kinds, const char *what)
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

/* Parses a step's `extract` object. */
static void
parse_extract(struct walk *c, json_t *obj, struct plan_step *st)
{
	static const char *const kinds[] = { "json", "header", "regex", "cookie", NULL };
	const char *const *lists[] = { extract_keys };
	json_t *x = json_object_get(obj, "extract"), *v, *pv;
	const char *name;
	size_t old;

	if (x == NULL)
		return;
	if (!json_is_object(x) || json_object_size(x) == 0) {
		walk_expected(c, "extract", "an object of variable names to sources like {\"token\": {\"json\": "
		    "\"/token\"}}", x);
		return;
	}
	st->extracts = xcalloc(json_object_size(x), sizeof *st->extracts);
	old = walk_key(c, "extract");
	json_object_foreach(x, name, v) {
		struct plan_extract *e = &st->extracts[st->nextracts];
		const char *kind;
		size_t old2;
		int64_t group = -1;

		if (!check_var_name(c, name, name, "variable"))
			continue;
		if (json_object_get(c->feed_index, name) != NULL) {
			walk_err_key(c, name, "the variable name \"%s\" is also a feed's name", name);
			continue;
		}
		if (!json_is_object(v)) {
			walk_expected(c, name, "a source like {\"json\": \"/token\"}, {\"header\": \"Location\"} or "
			    "{\"regex\": \"id=(\\\\d+)\", \"group\": 1}", v);
			continue;
		}
		if (!c->in_setup && flow_is_setup_var(c, name)) {
			walk_err_key(c, name, "the variable \"%s\" is set by setup: read-only for VUs (extract "
			    "it under another name)", name);
			continue;
		}
		old2 = walk_key(c, name);
		walk_check_keys(c, v, lists, 1, -1);
		kind = one_of(c, v, kinds, "one of json, header, regex, cookie");
		/* An invalid entry is still kept (for plan_free); its error fails the parse. */
		if (kind != NULL && strcmp(kind, "regex") != 0 && json_object_get(v, "group") != NULL)
			walk_err_key(c, "group", "only goes with \"regex\"");
		if (kind == NULL) {
			/* error recorded by one_of */
		} else if (strcmp(kind, "json") == 0) {
			e->from = PLAN_FROM_JSON;
			e->pointer = pointer_at(c, v, "json");
			st->needs_json = 1;
		} else if (strcmp(kind, "header") == 0) {
			e->from = PLAN_FROM_HEADER;
			e->header = header_name_at(c, v, "header");
		} else if (strcmp(kind, "cookie") == 0) {
			/* a cookie name is an HTTP token too (RFC 6265) */
			e->from = PLAN_FROM_COOKIE;
			json_t *cn = json_object_get(v, "cookie");
			if (!json_is_string(cn) || !request_is_token(json_string_value(cn), json_string_length(cn)))
				walk_expected(c, "cookie", "a cookie name like \"csrftoken\"", cn);
			else
				e->header = xstrdup(json_string_value(cn));
		} else {
			e->from = PLAN_FROM_REGEX;
			if ((e->regex = regex_at(c, v, "regex")) != NULL) {
				int groups = e->regex->groups;
				int have = walk_get_int(c, v, "group", 0, 1000, &group);
				if (have == 0)
					group = groups > 0 ? 1 : 0;
				if (have == 1 && group > groups)
					walk_err_key(c, "group", "expected a group from 0 to %d (the pattern has "
					    "%d), got %lld", groups, groups, (long long)group);
				e->group = group >= 0 && group <= groups ? (int)group : 0;
				st->needs_regex = 1;
			}
		}
		if ((pv = json_object_get(v, "pick")) != NULL) {
			if (kind != NULL && strcmp(kind, "json") != 0 && strcmp(kind, "regex") != 0)
				walk_err_key(c, "pick", "only goes with \"json\" (an array's elements) or \"regex\" "
				    "(all its matches)");
			else if (json_is_string(pv) && strcmp(json_string_value(pv), "random") == 0)
				e->pick_random = 1;
			else if (json_is_string(pv) && strcmp(json_string_value(pv), "first") == 0)
				e->pick_random = 0;
			else
				walk_expected(c, "pick", "\"random\" (one of all matches) or \"first\"", pv);
		}
		walk_pop(c, old2);
		e->var = xstrdup(name);
		e->slot = features_var_register(c, name);
		st->nextracts++;
	}
	walk_pop(c, old);
}

/* The k6-style name of a check written without one. */
static char *
check_default_name(const struct plan_check *k, json_t *spec)
{
	const char *s;
	char *out, *eq;

	switch (k->kind) {
	case PLAN_CHECK_STATUS: {
		size_t len = 0, cap = 16 + 12 * (size_t)k->nstatuses;
		out = xmalloc(cap);
		len = (size_t)snprintf(out, cap, "status is %d", k->statuses[0]);
		for (int i = 1; i < k->nstatuses; i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%d",
			    i + 1 == k->nstatuses ? " or " : ", ", k->statuses[i]);
		return out;
	}
	case PLAN_CHECK_BODY_CONTAINS:
		return xasprintf("body contains \"%.*s%s\"", (int)walk_utf8_cut(k->text, k->text_len, 60), k->text,
		    k->text_len > 60 ? "..." : "");
	case PLAN_CHECK_JSON:
		s = json_string_value(json_object_get(spec, "json"));
		if (k->op == PLAN_OP_EXISTS)
			return xasprintf("json %s exists", s);
		if (k->op == PLAN_OP_ABSENT)
			return xasprintf("json %s does not exist", s);
		eq = json_dumps(k->equals, JSON_ENCODE_ANY | JSON_COMPACT);
		out = xasprintf("json %s is %.*s%s", s, (int)walk_utf8_cut(eq, strlen(eq), 60), eq,
		    strlen(eq) > 60 ? "..." : "");
		free(eq);
		return out;
	case PLAN_CHECK_HEADER:
		if (k->op == PLAN_OP_EXISTS)
			return xasprintf("header %s exists", k->header);
		if (k->op == PLAN_OP_ABSENT)
			return xasprintf("header %s does not exist", k->header);
		if (k->op == PLAN_OP_EQUALS)
			return xasprintf("header %s is \"%s\"", k->header, k->text);
		return xasprintf("header %s matches /%s/", k->header,
		    json_string_value(json_object_get(spec, "matches")));
	case PLAN_CHECK_MAX_DURATION:
		if (k->phase > 0)
			return xasprintf("timings.%s < %s", phase_names[k->phase - 1],
			    json_string_value(json_object_get(spec, "maxDuration")));
		return xasprintf("response time < %s", json_string_value(json_object_get(spec, "maxDuration")));
	case PLAN_CHECK_URL:
		return xasprintf("url is %s", k->text);
	case PLAN_CHECK_PROTOCOL:
		return xasprintf("protocol is %s", k->text);
	}
	return xstrdup("check");
}

/* The counter index of a check name in the current group (c->cur_group), added when new: the same
   name in two groups is two checks, as in k6. */
static int
check_index_of(struct walk *c, const char *name)
{
	struct plan *p = c->plan;
	char *key = c->cur_group >= 0 ? xasprintf("%s\x1f%s", p->step_groups[c->cur_group].path, name) :
	    xstrdup(name);
	json_t *idx = json_object_get(c->check_index, key);

	if (idx != NULL) {
		free(key);
		return (int)json_integer_value(idx);
	}
	p->check_names = xreallocarray(p->check_names, (size_t)p->nchecks + 1, sizeof *p->check_names);
	p->check_group = xreallocarray(p->check_group, (size_t)p->nchecks + 1, sizeof *p->check_group);
	p->check_names[p->nchecks] = xstrdup(name);
	p->check_group[p->nchecks] = c->cur_group;
	json_object_set_new(c->check_index, key, json_integer(p->nchecks));
	free(key);
	return p->nchecks++;
}

/* Parses a check of the final URL ({"url": "/api/health"}: after redirects; a text that begins with
   "/" is compared with the path and query) or of the protocol ({"protocol": "HTTP/1.1"}). */
static void
parse_url_check(struct walk *c, json_t *v, const char *kind, struct plan_check *k)
{
	static const char *const protocols[][2] = {
		{ "HTTP/1.0", "HTTP/1.0" }, { "HTTP/1.1", "HTTP/1.1" }, { "HTTP/2", "HTTP/2.0" },
		{ "HTTP/2.0", "HTTP/2.0" }, { "HTTP/3", "HTTP/3.0" }, { "HTTP/3.0", "HTTP/3.0" },
	};
	json_t *s = json_object_get(v, kind);
	const char *t = json_string_value(s);

	if (strcmp(kind, "url") == 0) {
		k->kind = PLAN_CHECK_URL;
		if (t == NULL || (t[0] != '/' && strncasecmp(t, "http://", 7) != 0 &&
		    strncasecmp(t, "https://", 8) != 0)) {
			walk_expected(c, "url", "the final URL (\"http://host/path\") or its path and query "
			    "(\"/path?q=1\")", s);
			return;
		}
		k->path_only = t[0] == '/';
	} else {
		k->kind = PLAN_CHECK_PROTOCOL;
		for (size_t i = 0; t != NULL && i < sizeof protocols / sizeof protocols[0]; i++)
			if (strcasecmp(t, protocols[i][0]) == 0) {
				k->text = xstrdup(protocols[i][1]);
				k->text_len = strlen(k->text);
				return;
			}
		walk_expected(c, "protocol", "one of HTTP/1.0, HTTP/1.1, HTTP/2.0, HTTP/3.0", s);
		return;
	}
	k->text = xstrdup(t);
	k->text_len = strlen(t);
}

/* Parses one check (object at the current path) into k; 0, or -1 when invalid. */
static int
parse_check(struct walk *c, json_t *v, struct plan_check *k)
{
	static const char *const kinds[] = { "status", "bodyContains", "json", "header", "maxDuration", "url",
		"protocol", NULL };
	static const char *const header_ops[] = { "exists", "equals", "matches", NULL };
	const char *const *lists[] = { check_keys_all };
	const char *kind, *name = NULL;
	json_t *st, *ex;
	int errors = c->errors;
	char *dflt;

	if (!json_is_object(v)) {
		walk_expected(c, NULL, "a check like {\"status\": 200}", v);
		return -1;
	}
	walk_check_keys(c, v, lists, 1, -1);
	if ((kind = one_of(c, v, kinds, "one of status, bodyContains, json, header, maxDuration, url, "
	    "protocol")) == NULL)
		return -1;
	if (strcmp(kind, "maxDuration") != 0 && json_object_get(v, "phase") != NULL)
		walk_err_key(c, "phase", "only goes with \"maxDuration\"");
	/* operators belong to json and header only */
	if (strcmp(kind, "json") != 0 && strcmp(kind, "header") != 0) {
		for (const char *const *op = header_ops; *op != NULL; op++)
			if (json_object_get(v, *op) != NULL)
				walk_err_key(c, *op, "only goes with \"json\" or \"header\"");
	} else if (strcmp(kind, "json") == 0 && json_object_get(v, "matches") != NULL) {
		walk_err_key(c, "matches", "only goes with \"header\" (use \"equals\" for a JSON value)");
	}
	if (json_object_get(v, "failRequest") != NULL) {
		if (!json_is_boolean(json_object_get(v, "failRequest")))
			walk_expected(c, "failRequest", "true or false", json_object_get(v, "failRequest"));
		else
			k->fail_request = json_is_true(json_object_get(v, "failRequest"));
	}
	if ((ex = json_object_get(v, "onFail")) != NULL) {
		static const char *const actions[] = { "endIteration", "continue", NULL };
		const char *const *al[] = { actions };
		const char *s = json_is_string(ex) ? walk_suggest(json_string_value(ex), al, 1) : NULL;
		if (json_is_string(ex) && walk_in_list(actions, json_string_value(ex)))
			k->end_iteration = strcmp(json_string_value(ex), "endIteration") == 0;
		else if (s != NULL)
			walk_err_key(c, "onFail", "expected \"endIteration\" or \"continue\", got \"%s\" (did "
			    "you mean \"%s\"?)", json_string_value(ex), s);
		else
			walk_expected(c, "onFail", "\"endIteration\" or \"continue\"", ex);
	}

	if (strcmp(kind, "status") == 0) {
		k->kind = PLAN_CHECK_STATUS;
		st = json_object_get(v, "status");
		if (json_is_integer(st) && json_integer_value(st) >= 100 && json_integer_value(st) <= 599) {
			k->statuses = xcalloc(1, sizeof *k->statuses);
			k->statuses[k->nstatuses++] = (int)json_integer_value(st);
		} else if (json_is_array(st) && json_array_size(st) > 0 && json_array_size(st) <= 100) {
			size_t i;
			json_t *e;
			k->statuses = xcalloc(json_array_size(st), sizeof *k->statuses);
			json_array_foreach(st, i, e) {
				if (!json_is_integer(e) || json_integer_value(e) < 100 || json_integer_value(e) > 599) {
					size_t o = walk_key(c, "status");
					size_t o2 = walk_index(c, i);
					walk_expected(c, NULL, "an HTTP status from 100 to 599", e);
					walk_pop(c, o2);
					walk_pop(c, o);
					continue;
				}
				k->statuses[k->nstatuses++] = (int)json_integer_value(e);
			}
		} else {
			walk_expected(c, "status", "an HTTP status like 200, or a list like [200, 201]", st);
		}
	} else if (strcmp(kind, "bodyContains") == 0) {
		k->kind = PLAN_CHECK_BODY_CONTAINS;
		st = json_object_get(v, "bodyContains");
		if (!json_is_string(st) || json_string_length(st) == 0)
			walk_expected(c, "bodyContains", "a non-empty string", st);
		else {
			k->text = xstrndup(json_string_value(st), json_string_length(st));
			k->text_len = json_string_length(st);
		}
	} else if (strcmp(kind, "json") == 0) {
		k->kind = PLAN_CHECK_JSON;
		k->pointer = pointer_at(c, v, "json");
		k->op = PLAN_OP_EXISTS;
		if (json_object_get(v, "exists") != NULL && json_object_get(v, "equals") != NULL)
			walk_err_key(c, "equals", "conflicts with \"exists\" (a check tests one thing)");
		if ((ex = json_object_get(v, "exists")) != NULL) {
			if (!json_is_boolean(ex))
				walk_expected(c, "exists", "true or false", ex);
			k->op = json_is_false(ex) ? PLAN_OP_ABSENT : PLAN_OP_EXISTS;
		} else if ((ex = json_object_get(v, "equals")) != NULL) {
			k->op = PLAN_OP_EQUALS;
			k->equals = json_incref(ex);
		}
	} else if (strcmp(kind, "header") == 0) {
		int nops = 0;
		k->kind = PLAN_CHECK_HEADER;
		k->header = header_name_at(c, v, "header");
		k->op = PLAN_OP_EXISTS;
		for (const char *const *op = header_ops; *op != NULL; op++)
			nops += json_object_get(v, *op) != NULL;
		if (nops > 1)
			walk_err(c, "expected at most one of exists, equals, matches (a check tests one thing)");
		if ((ex = json_object_get(v, "exists")) != NULL) {
			if (!json_is_boolean(ex))
				walk_expected(c, "exists", "true or false", ex);
			k->op = json_is_false(ex) ? PLAN_OP_ABSENT : PLAN_OP_EXISTS;
		} else if ((ex = json_object_get(v, "equals")) != NULL) {
			k->op = PLAN_OP_EQUALS;
			if (!json_is_string(ex))
				walk_expected(c, "equals", "a string (header values are text)", ex);
			else {
				k->text = xstrndup(json_string_value(ex), json_string_length(ex));
				k->text_len = json_string_length(ex);
			}
		} else if (json_object_get(v, "matches") != NULL) {
			k->op = PLAN_OP_MATCHES;
			k->regex = regex_at(c, v, "matches");
		}
	} else if (strcmp(kind, "url") == 0 || strcmp(kind, "protocol") == 0) {
		parse_url_check(c, v, kind, k);
	} else {
		k->kind = PLAN_CHECK_MAX_DURATION;
		walk_get_duration(c, v, "maxDuration", 1, INT64_MAX, &k->max_ns);
		if ((ex = json_object_get(v, "phase")) != NULL) {
			for (int i = 0; phase_names[i] != NULL && json_is_string(ex); i++)
				if (strcmp(phase_names[i], json_string_value(ex)) == 0)
					k->phase = 1 + i;
			if (k->phase == 0) {
				const char *const *phases[] = { phase_names };
				const char *hint = json_is_string(ex) ? walk_suggest(json_string_value(ex), phases, 1) :
				    NULL;
				char *got = walk_got(ex);
				walk_err_key(c, "phase", "expected one of blocked, connecting, tls_handshaking, sending, "
				    "waiting, receiving (k6's timings), got %s%s%s%s", got, hint ? " (did you mean \"" : "",
				    hint ? hint : "", hint ? "\"?)" : "");
				free(got);
			}
		}
	}

	if (walk_get_name(c, v, "name", &name) == 1 && strstr(name, "::") != NULL) {
		walk_expected(c, "name", "a check name without \"::\" (k6 separates groups with it)",
		    json_object_get(v, "name"));
		name = NULL;
	}
	if (c->errors != errors)
		return -1;
	dflt = name == NULL ? check_default_name(k, v) : NULL;
	k->index = check_index_of(c, name != NULL ? name : dflt);
	free(dflt);
	return 0;
}

/* Parses a step's `checks` array. */
static void
parse_checks(struct walk *c, json_t *obj, struct plan_step *st)
{
	json_t *checks = json_object_get(obj, "checks"), *v;
	size_t old, i;

	if (checks == NULL)
		return;
	if (!json_is_array(checks) || json_array_size(checks) == 0 || json_array_size(checks) > 100) {
		walk_expected(c, "checks", "an array of 1 to 100 checks like [{\"status\": 200}]", checks);
		return;
	}
	st->checks = xcalloc(json_array_size(checks), sizeof *st->checks);
	old = walk_key(c, "checks");
	json_array_foreach(checks, i, v) {
		size_t old2 = walk_index(c, i);
		struct plan_check *k = &st->checks[st->nchecks];
		if (parse_check(c, v, k) == 0) {
			st->nchecks++;
			st->needs_json |= k->kind == PLAN_CHECK_JSON;
			st->needs_regex |= k->op == PLAN_OP_MATCHES;
		} else {
			free(k->statuses);
			free(k->text);
			free(k->header);
			pattern_pointer_free(k->pointer);
			pattern_regex_free(k->regex);
			json_decref(k->equals);
			memset(k, 0, sizeof *k);
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* Parses a step's `groupBy`: {"json": "/node_id"} or {"header": "X-Served-By"}. */
static void
parse_group_by(struct walk *c, json_t *obj, struct plan_step *st)
{
	static const char *const kinds[] = { "json", "header", NULL };
	const char *const *lists[] = { group_by_keys };
	json_t *g = json_object_get(obj, "groupBy");
	struct plan *p = c->plan;
	struct plan_group grp = { 0 };
	const char *kind;
	size_t old;

	st->group = 0;
	if (g == NULL)
		return;
	if (!json_is_object(g)) {
		walk_expected(c, "groupBy", "{\"json\": \"/node_id\"} or {\"header\": \"X-Served-By\"}", g);
		return;
	}
	old = walk_key(c, "groupBy");
	walk_check_keys(c, g, lists, 1, -1);
	kind = one_of(c, g, kinds, "one of json, header");
	if (kind != NULL && strcmp(kind, "json") == 0) {
		grp.from = PLAN_FROM_JSON;
		if ((grp.pointer = pointer_at(c, g, "json")) != NULL)
			grp.source = xasprintf("json %s", json_string_value(json_object_get(g, "json")));
		st->needs_json = 1;
	} else if (kind != NULL) {
		grp.from = PLAN_FROM_HEADER;
		if ((grp.header = header_name_at(c, g, "header")) != NULL)
			grp.source = xasprintf("header %s", grp.header);
	}
	walk_pop(c, old);
	if (grp.source == NULL) {
		pattern_pointer_free(grp.pointer);
		free(grp.header);
		return;
	}
	for (int i = 0; i < p->ngroups; i++) {
		if (strcmp(p->groups[i].name, st->name) != 0)
			continue;
		if (strcmp(p->groups[i].source, grp.source) != 0)
			walk_err_key(c, "groupBy", "conflicts with the groupBy (%s) of another step named \"%s\"",
			    p->groups[i].source, st->name);
		else
			st->group = i + 1;
		pattern_pointer_free(grp.pointer);
		free(grp.header);
		free(grp.source);
		return;
	}
	grp.name = xstrdup(st->name);
	p->groups = xreallocarray(p->groups, (size_t)p->ngroups + 1, sizeof *p->groups);
	p->groups[p->ngroups] = grp;
	st->group = ++p->ngroups;
}

/* ---- a step's and a scenario's features */

/* What a step does with its response and after it: extract, checks, groupBy, thinkTime. */
void
features_step(struct walk *c, json_t *obj, struct plan_step *st)
{
	parse_extract(c, obj, st);
	parse_checks(c, obj, st);
	parse_group_by(c, obj, st);
	custom_metric_step(c, obj, st);
	parse_think(c, obj, "thinkTime", &st->think);
	flow_step(c, obj, st);
	if (st->req.nheaders > c->plan->max_headers)
		c->plan->max_headers = st->req.nheaders;
}

/* Parses a scenario's (or, for the shortcuts, the root's) session keys: onStart, onStop,
   thinkTime, cookies, vars; and notes which feeds its templates read. */
void
features_scenario(struct walk *c, json_t *obj, struct plan_scenario *s, int known_executor)
{
	int open = known_executor && (s->executor == PLAN_CONSTANT_ARRIVAL_RATE ||
	    s->executor == PLAN_RAMPING_ARRIVAL_RATE);
	json_t *vars = json_object_get(obj, "vars"), *v, *cookies = json_object_get(obj, "cookies");
	const char *name;
	struct plan *p = c->plan;

	request_session_steps(c, obj, "onStart", &s->on_start, &s->non_start);
	request_session_steps(c, obj, "onStop", &s->on_stop, &s->non_stop);
	if (open && s->non_stop > 0)
		walk_err_key(c, "onStop", "not supported by %s: its VUs serve iterations as they come and have no "
		    "session to end (use onStart, which runs before a VU's first iteration)",
		    plan_executor_name(s->executor));
	parse_think(c, obj, "thinkTime", &s->think);
	if (open && json_object_get(obj, "thinkTime") != NULL) {
		walk_err_key(c, "thinkTime", "does not apply to %s: iterations start on a clock, so a pause "
		    "between them changes nothing (put thinkTime on a step to pause inside an iteration)",
		    plan_executor_name(s->executor));
		memset(&s->think, 0, sizeof s->think);
	}
	s->cookies = 1;
	if (cookies != NULL) {
		if (!json_is_boolean(cookies))
			walk_expected(c, "cookies", "true or false", cookies);
		else
			s->cookies = json_is_true(cookies);
	}
	if (vars != NULL) {
		if (!json_is_object(vars)) {
			walk_expected(c, "vars", "an object of variable names to initial values like "
			    "{\"page\": \"1\"}", vars);
		} else {
			size_t old = walk_key(c, "vars");
			s->inits = xcalloc(json_object_size(vars) + 1, sizeof *s->inits);
			json_object_foreach(vars, name, v) {
				char *text;
				if (!check_var_name(c, name, name, "variable"))
					continue;
				if (json_object_get(c->feed_index, name) != NULL) {
					walk_err_key(c, name, "the variable name \"%s\" is also a feed's name", name);
					continue;
				}
				if (json_is_object(v) || json_is_array(v) || json_is_null(v) ||
				    (text = request_scalar_text(v)) == NULL) {
					walk_expected(c, name, "a string, number or boolean (used as it is)", v);
					continue;
				}
				s->inits[s->ninits].slot = features_var_register(c, name);
				s->inits[s->ninits].len = strlen(text);
				s->inits[s->ninits].value = text;
				s->inits[s->ninits].json = json_is_number(v) || json_is_boolean(v);
				s->ninits++;
			}
			walk_pop(c, old);
		}
	}
	for (int i = 0; i < p->nfeeds; i++) {
		if (!c->feed_use_scenario[i] && !c->feed_use_defaults[i])
			continue;
		s->feeds = xreallocarray(s->feeds, (size_t)s->nfeeds + 1, sizeof *s->feeds);
		s->feeds[s->nfeeds++] = i;
		c->feed_use_scenario[i] = 0;
	}
}

/* Top-level session keys next to `scenarios` belong inside a scenario. */
void
features_check_root(struct walk *c, json_t *root)
{
	static const char *const keys[] = { "onStart", "onStop", "thinkTime", "vars", "cookies", NULL };

	if (json_object_get(root, "scenarios") == NULL)
		return;
	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_get(root, *k) != NULL)
			walk_err_key(c, *k, "conflicts with \"scenarios\" (set it inside a scenario)");
}

/* Frees what parse_step_features added to a step. */
void
features_step_fini(struct plan_step *st)
{
	for (int i = 0; i < st->nextracts; i++) {
		free(st->extracts[i].var);
		free(st->extracts[i].header);
		pattern_pointer_free(st->extracts[i].pointer);
		pattern_regex_free(st->extracts[i].regex);
	}
	free(st->extracts);
	for (int i = 0; i < st->nchecks; i++) {
		free(st->checks[i].statuses);
		free(st->checks[i].text);
		free(st->checks[i].header);
		pattern_pointer_free(st->checks[i].pointer);
		pattern_regex_free(st->checks[i].regex);
		json_decref(st->checks[i].equals);
	}
	free(st->checks);
	custom_metric_step_fini(st);
	free(st->group_open);
	free(st->group_close);
	flow_step_fini(st);
}
