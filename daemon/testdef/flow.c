/*
 * flow: a step's control flow (see testdef_priv.h): `when` (the step runs only if a condition
 * holds) and `repeat` (the step is sent again: a count, or until a condition holds with a required
 * maximum, with an optional pause between sends). Both are bounded by construction: a condition is
 * a test of one value, never a loop, and every repeat has a maximum, so no definition can make a
 * VU spin. The engine evaluates them (engine/flow.h). Also the run's `setup` and `teardown` steps
 * (engine/setup.h runs them) and `batch` steps (requests a VU sends at once).
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/testdef_priv.h"

#define FLOW_MAX_REPEAT 10000      /* sends of one repeated step */
#define FLOW_MAX_PAUSE_NS (3600LL * 1000000000LL)
#define FLOW_BATCH_MAX 100         /* requests of a batch step, and its `parallel` */
#define FLOW_BATCH_PARALLEL 6      /* requests of a batch in flight at once (browsers' per-host 6) */

static const char *const cond_keys[] = { "var", "status", "equals", "exists", "not", NULL };
static const char *const repeat_keys[] = { "count", "until", "max", "pause", NULL };

/* The variable names the definition defines, NULL-terminated, for a "did you mean". Caller frees
   the array (not the names). */
static const char **
var_list(const struct walk *c)
{
	const char **v = xcalloc((size_t)c->plan->nvars + 1, sizeof *v);

	for (int i = 0; i < c->plan->nvars; i++)
		v[i] = c->plan->var_names[i];
	return v;
}

/* Parses a condition (member key of obj). NULL when absent or invalid (recorded). */
static struct plan_cond *
parse_cond(struct walk *c, json_t *obj, const char *key)
{
	const char *const *lists[] = { cond_keys };
	json_t *v = json_object_get(obj, key), *x;
	struct plan_cond *k;
	size_t old;
	int errors = c->errors;

	if (v == NULL)
		return NULL;
	if (!json_is_object(v)) {
		walk_expected(c, key, "a condition like {\"var\": \"state\", \"equals\": \"done\"} or "
		    "{\"status\": 200}", v);
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	old = walk_key(c, key);
	walk_check_keys(c, v, lists, 1, -1);
	if ((x = json_object_get(v, "not")) != NULL) {
		if (!json_is_boolean(x))
			walk_expected(c, "not", "true or false", x);
		k->negate = json_is_true(x);
	}
	if (json_object_get(v, "var") != NULL && json_object_get(v, "status") != NULL) {
		walk_err_key(c, "status", "conflicts with \"var\" (a condition tests one thing)");
	} else if ((x = json_object_get(v, "var")) != NULL) {
		k->kind = PLAN_COND_VAR;
		k->op = PLAN_OP_EXISTS;
		if (!json_is_string(x) || json_string_length(x) == 0) {
			walk_expected(c, "var", "a variable's name", x);
		} else if ((k->slot = features_scope_var(c, json_string_value(x), json_string_length(x))) < 0) {
			const char **names = var_list(c);
			const char *const *l[] = { names };
			const char *s = walk_suggest(json_string_value(x), l, 1);
			if (s != NULL)
				walk_err_key(c, "var", "unknown variable \"%s\" (did you mean \"%s\"?)",
				    json_string_value(x), s);
			else
				walk_err_key(c, "var", "unknown variable \"%s\" (define it in vars, an extract or "
				    "a feed)", json_string_value(x));
			free(names);
		}
		if (json_object_get(v, "exists") != NULL && json_object_get(v, "equals") != NULL)
			walk_err_key(c, "equals", "conflicts with \"exists\" (a condition tests one thing)");
		if ((x = json_object_get(v, "exists")) != NULL) {
			if (!json_is_boolean(x))
				walk_expected(c, "exists", "true or false", x);
			k->op = json_is_false(x) ? PLAN_OP_ABSENT : PLAN_OP_EXISTS;
		} else if ((x = json_object_get(v, "equals")) != NULL) {
			char *text = json_is_string(x) || json_is_number(x) || json_is_boolean(x) ?
			    request_scalar_text(x) : NULL;
			k->op = PLAN_OP_EQUALS;
			if (text == NULL) {
				walk_expected(c, "equals", "a string, number or boolean (compared as text)", x);
			} else {
				k->text = text;
				k->text_len = strlen(text);
			}
		}
	} else if ((x = json_object_get(v, "status")) != NULL) {
		k->kind = PLAN_COND_STATUS;
		if (json_object_get(v, "exists") != NULL || json_object_get(v, "equals") != NULL)
			walk_err(c, "expected \"status\" alone (a list of statuses like [200, 201]), got "
			    "\"exists\" or \"equals\" with it");
		if (json_is_integer(x) && json_integer_value(x) >= 0 && json_integer_value(x) <= 599) {
			k->statuses = xcalloc(1, sizeof *k->statuses);
			k->statuses[k->nstatuses++] = (int)json_integer_value(x);
		} else if (json_is_array(x) && json_array_size(x) > 0 && json_array_size(x) <= 100) {
			size_t i;
			json_t *e;
			k->statuses = xcalloc(json_array_size(x), sizeof *k->statuses);
			json_array_foreach(x, i, e) {
				if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 599) {
					size_t o = walk_key(c, "status"), o2 = walk_index(c, i);
					walk_expected(c, NULL, "an HTTP status from 100 to 599 (0: no response)", e);
					walk_pop(c, o2);
					walk_pop(c, o);
					continue;
				}
				k->statuses[k->nstatuses++] = (int)json_integer_value(e);
			}
		} else {
			walk_expected(c, "status", "an HTTP status like 200, or a list like [200, 201]", x);
		}
	} else {
		walk_err(c, "expected \"var\" (a variable) or \"status\" (the last response's), got neither");
	}
	walk_pop(c, old);
	if (c->errors != errors) {
		flow_cond_free(k);
		return NULL;
	}
	return k;
}

/* Parses a step's `repeat`. */
static void
parse_repeat(struct walk *c, json_t *obj, struct plan_step *st)
{
	const char *const *lists[] = { repeat_keys };
	json_t *v = json_object_get(obj, "repeat");
	struct plan_repeat *r;
	int64_t count = 0, max = 0;
	int errors = c->errors;
	size_t old;

	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		walk_expected(c, "repeat", "{\"count\": 3} or {\"until\": {...}, \"max\": 20}", v);
		return;
	}
	r = xcalloc(1, sizeof *r);
	old = walk_key(c, "repeat");
	walk_check_keys(c, v, lists, 1, -1);
	if (json_object_get(v, "count") != NULL && json_object_get(v, "until") != NULL) {
		walk_err_key(c, "until", "conflicts with \"count\" (repeat a number of times, or until a "
		    "condition holds)");
	} else if (json_object_get(v, "count") != NULL) {
		if (json_object_get(v, "max") != NULL)
			walk_err_key(c, "max", "only goes with \"until\" (count is the number of sends)");
		if (walk_get_int(c, v, "count", 1, FLOW_MAX_REPEAT, &count) == 1)
			r->max = (int)count;
	} else if (json_object_get(v, "until") != NULL) {
		r->until = parse_cond(c, v, "until");
		if (json_object_get(v, "max") == NULL)
			walk_err_key(c, "max", "expected the most sends (an integer from 1 to %d: a repeat "
			    "always ends), got nothing", FLOW_MAX_REPEAT);
		else if (walk_get_int(c, v, "max", 1, FLOW_MAX_REPEAT, &max) == 1)
			r->max = (int)max;
	} else {
		walk_err(c, "expected \"count\" or \"until\" (with \"max\"), got neither");
	}
	walk_get_duration(c, v, "pause", 0, FLOW_MAX_PAUSE_NS, &r->pause_ns);
	walk_pop(c, old);
	if (c->errors != errors) {
		flow_cond_free(r->until);
		free(r);
		return;
	}
	st->repeat = r;
}

void
flow_step(struct walk *c, json_t *obj, struct plan_step *st)
{
	st->when = parse_cond(c, obj, "when");
	parse_repeat(c, obj, st);
	for (int i = 0; i < st->nchecks; i++)
		st->ends_iteration |= st->checks[i].end_iteration;
}

void
flow_cond_free(struct plan_cond *k)
{
	if (k == NULL)
		return;
	free(k->text);
	free(k->statuses);
	free(k);
}

void
flow_step_fini(struct plan_step *st)
{
	flow_cond_free(st->when);
	if (st->repeat != NULL)
		flow_cond_free(st->repeat->until);
	free(st->repeat);
}

/* Parses `setup` or `teardown` (member key) into *out. */
static void
parse_setup(struct walk *c, json_t *root, const char *key, struct plan_step **out, int *n)
{
	struct plan *p = c->plan;
	int setup = strcmp(key, "setup") == 0;
	unsigned char *saved = c->feed_use;

	if (json_object_get(root, key) == NULL)
		return;
	c->in_setup = 1;
	c->feed_use = xcalloc((size_t)p->nfeeds + 1, 1);   /* the feeds its templates read */
	request_session_steps(c, root, key, out, n);
	for (int i = 0; i < p->nfeeds; i++) {
		if (c->feed_use[i]) {
			walk_err_key(c, key, "reads the feed \"%s\": %s runs once, outside any VU's iteration, "
			    "so no row is picked for it", p->feeds[i].name, key);
			break;
		}
	}
	free(c->feed_use);
	c->feed_use = saved;
	c->in_setup = 0;
	for (int i = 0; i < *n; i++) {
		struct plan_step *st = &(*out)[i];
		if (st->nbatch > 0) {
			size_t old = walk_key(c, key), old2 = walk_index(c, (size_t)i);
			walk_err_key(c, "batch", "not supported in %s (its steps run one at a time)", key);
			walk_pop(c, old2);
			walk_pop(c, old);
		} else if (st->repeat != NULL || st->when != NULL || st->ends_iteration || st->group > 0 ||
		    st->nrecords > 0) {
			size_t old = walk_key(c, key), old2 = walk_index(c, (size_t)i);
			walk_err_key(c, st->repeat != NULL ? "repeat" : st->when != NULL ? "when" :
			    st->group > 0 ? "groupBy" : st->nrecords > 0 ? "record" : "checks",
			    "not supported in %s (its steps run once, in order; any failure ends the run)", key);
			walk_pop(c, old2);
			walk_pop(c, old);
		}
		for (int x = 0; setup && x < st->nextracts; x++) {
			int slot = st->extracts[x].slot, seen = 0;
			for (int k = 0; k < p->nsetup_slots; k++)
				seen |= p->setup_slots[k] == slot;
			if (seen)
				continue;
			p->setup_slots = xreallocarray(p->setup_slots, (size_t)p->nsetup_slots + 1,
			    sizeof *p->setup_slots);
			p->setup_slots[p->nsetup_slots++] = slot;
		}
	}
}

/* Marks the endpoints of steps[0..n) from `first` on as not measured (-1). */
static void
unmeasured(struct plan_step *steps, int n, int first)
{
	for (int i = 0; i < n; i++)
		if (steps[i].endpoint >= first)
			steps[i].endpoint = -1;
}

void
flow_setup(struct walk *c, json_t *root)
{
	struct plan *p = c->plan;
	int first_ep = p->nendpoints, first_check = p->nchecks;

	parse_setup(c, root, "setup", &p->setup, &p->nsetup);
	parse_setup(c, root, "teardown", &p->teardown, &p->nteardown);
	/* Not measured: the endpoints and check names only these steps have (the last ones, since
	   they are parsed after every scenario) go again; check names move to setup_check_names. */
	unmeasured(p->setup, p->nsetup, first_ep);
	unmeasured(p->teardown, p->nteardown, first_ep);
	for (int i = first_ep; i < p->nendpoints; i++) {
		json_object_del(c->endpoint_index, p->endpoints[i].name);
		free(p->endpoints[i].name);
		free(p->endpoints[i].method);
	}
	p->nendpoints = first_ep;
	p->nsetup_checks = p->nchecks - first_check;
	if (p->nsetup_checks > 0) {
		p->setup_check_names = xcalloc((size_t)p->nsetup_checks, sizeof *p->setup_check_names);
		for (int i = 0; i < p->nsetup_checks; i++) {
			p->setup_check_names[i] = p->check_names[first_check + i];
			json_object_del(c->check_index, p->setup_check_names[i]);
		}
		p->nchecks = first_check;
	}
}

int
flow_is_setup_var(const struct walk *c, const char *name)
{
	return json_object_get(c->setup_names, name) != NULL;
}

void
flow_batch(struct walk *c, json_t *obj, struct plan_step *st)
{
	static const char *const batch_keys[] = { "name", "batch", "parallel", "when", "repeat", "thinkTime",
	    NULL };
	static const char *const not_inside[] = { "batch", "when", "repeat", "thinkTime", NULL };
	const char *const *lists[] = { batch_keys };
	json_t *b = json_object_get(obj, "batch"), *e;
	const char *name = "batch";
	int64_t parallel = FLOW_BATCH_PARALLEL;
	size_t old, i;

	walk_check_keys(c, obj, lists, 1, -1);
	walk_get_name(c, obj, "name", &name);
	st->name = xstrdup(name);
	st->endpoint = -1;
	if (!json_is_array(b) || json_array_size(b) == 0 || json_array_size(b) > FLOW_BATCH_MAX) {
		walk_expected(c, "batch", "an array of 1 to 100 requests like [{\"path\": \"/a\"}, {\"path\": "
		    "\"/b\"}]", b);
	} else {
		st->batch = xcalloc(json_array_size(b), sizeof *st->batch);
		old = walk_key(c, "batch");
		json_array_foreach(b, i, e) {
			size_t old2 = walk_index(c, i);
			struct plan_step *sub = &st->batch[st->nbatch++];
			if (!json_is_object(e)) {
				walk_expected(c, NULL, "a request object like {\"method\": \"GET\", \"path\": \"/\"}", e);
				sub->name = xstrdup("?");
				sub->endpoint = -1;
			} else {
				for (const char *const *k = not_inside; *k != NULL; k++)
					if (json_object_get(e, *k) != NULL)
						walk_err_key(c, *k, "not inside a batch (put it on the batch step: its "
						    "requests are sent at once)");
				request_one(c, e, sub);
				st->needs_regex |= sub->needs_regex;
			}
			walk_pop(c, old2);
		}
		walk_pop(c, old);
	}
	if (walk_get_int(c, obj, "parallel", 1, FLOW_BATCH_MAX, &parallel) == 0 && st->nbatch < parallel)
		parallel = st->nbatch > 0 ? st->nbatch : 1;
	st->parallel = (int)parallel;
	if (st->parallel > c->plan->max_parallel)
		c->plan->max_parallel = st->parallel;
	features_step(c, obj, st);  /* when, repeat, thinkTime (its other keys are refused above) */
}
