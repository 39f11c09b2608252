/*
 * testdef: see testdef.h. The entry point: the order of the passes over a definition, loading it
 * from text, and freeing a plan; the parts live in the files testdef_priv.h lists. One pass over
 * the JSON both validates and builds the plan: every check records its error against the current
 * JSON path and carries on with a default, so a definition with ten mistakes gets ten messages at
 * once. The plan is freed and NULL returned if any error was recorded, so a half-built plan never
 * escapes.
 *
 * k6 is the reference for names, defaults and rules (lib/executor/ and execution_config_shortcuts.go);
 * where Rampage differs the difference is documented in docs/test-definition.md.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/feed_load.h"
#include "testdef/pattern.h"
#include "testdef/random_vars.h"
#include "testdef/template.h"
#include "testdef/testdef_priv.h"

static const char *const root_keys[] = {
	"name", "baseUrl", "defaults", "scenarios", "vus", "duration", "stages", "iterations", "tasks",
	"feeds", "onStart", "onStop", "thinkTime", "vars", "cookies", "maxRedirects",
	"insecureSkipTLSVerify", "noConnectionReuse",
	"thresholds", "events", "random", "defaultName", "metrics", "driftMinSteady", "setup", "teardown",
	"monitors", "agents", "agentLoss",
	NULL,
};

/* ---- parsing */

/* Fills in defaults for zeroed options. */
static void
options_init(struct testdef_options *o, const struct testdef_options *given)
{
	if (given)
		*o = *given;
	else
		memset(o, 0, sizeof *o);
	if (o->max_scenarios <= 0)
		o->max_scenarios = 100;
	if (o->max_tasks <= 0)
		o->max_tasks = 1000;
	if (o->max_steps <= 0)
		o->max_steps = 100;
	if (o->max_stages <= 0)
		o->max_stages = 1000;
	if (o->max_vus <= 0)
		o->max_vus = 1000000;
	if (o->max_vus > PLAN_MAX_VUS)
		o->max_vus = PLAN_MAX_VUS;
	if (o->max_feed_rows <= 0)
		o->max_feed_rows = 1000000;
	if (o->max_feed_bytes == 0)
		o->max_feed_bytes = 64 * 1024 * 1024;
	if (o->max_var_bytes == 0)
		o->max_var_bytes = 4096;
}

/* tmpl_scope's env hook over the options' one. */
static const char *
scope_env(void *arg, const char *name)
{
	const struct walk *c = arg;

	return c->opt.env ? c->opt.env(c->opt.arg, name) : getenv(name);
}

struct plan *
testdef_parse(json_t *def, const struct testdef_options *opt, struct testdef_errors *errs)
{
	const char *const *lists[] = { root_keys };
	struct walk *c = xcalloc(1, sizeof *c);
	struct plan *p = xcalloc(1, sizeof *p);
	const char *name = "unnamed";

	options_init(&c->opt, opt);
	c->errs = errs;
	c->plan = p;
	c->endpoint_index = json_object();
	c->scope = (struct tmpl_scope){ features_scope_var, scope_env, c };
	c->var_index = json_object();
	c->check_index = json_object();
	c->cur_group = -1;
	c->feed_index = json_object();
	c->bad_feeds = json_object();
	c->setup_names = json_object();
	p->var_cap = c->opt.max_var_bytes;

	if (def == NULL || !json_is_object(def)) {
		walk_expected(c, NULL, "a JSON object", def);
		goto out;
	}
	p->definition = json_incref(def);
	walk_check_keys(c, def, lists, 1, -1);
	walk_get_name(c, def, "name", &name);
	p->name = xstrdup(name);
	request_base_url(c, def);
	if (c->base_url)
		p->base_url = xstrdup(c->base_url);
	features_check_root(c, def);
	features_collect(c, def);
	random_vars_parse(c, def);
	{
		static const char *const names[] = { "method-path", "url", NULL };
		const char *dn;
		if (walk_get_string(c, def, "defaultName", 1, &dn) == 1) {
			if (!walk_in_list(names, dn))
				walk_expected(c, "defaultName", "\"method-path\" (\"GET /api/users\") or \"url\" "
				    "(k6's: the URL as written)", json_object_get(def, "defaultName"));
			c->name_by_url = strcmp(dn, "url") == 0;
		}
	}
	request_defaults(c, def);
	walk_get_flag(c, def, "insecureSkipTLSVerify", &p->insecure_tls);
	walk_get_flag(c, def, "noConnectionReuse", &p->no_connection_reuse);
	walk_get_duration(c, def, "driftMinSteady", 1, PLAN_MAX_STAGE_NS, &p->drift_min_steady_ns);
	{
		/* a run of the daemon over its agents (engine/fleet.h); `rampage run` runs it here */
		json_t *ag = json_object_get(def, "agents");
		const char *loss;
		if (ag != NULL && json_is_string(ag) && strcmp(json_string_value(ag), "all") == 0)
			p->agents = PLAN_AGENTS_ALL;
		else if (ag != NULL && json_is_integer(ag) && json_integer_value(ag) >= 1 &&
		    json_integer_value(ag) <= PLAN_MAX_AGENTS)
			p->agents = (int)json_integer_value(ag);
		else if (ag != NULL)
			walk_expected(c, "agents", "an integer from 1 to 256, or \"all\": the daemon splits the "
			    "run over that many of its agents", ag);
		if (walk_get_string(c, def, "agentLoss", 1, &loss) == 1) {
			if (strcmp(loss, "fail") == 0)
				p->agent_loss_fails = 1;
			else if (strcmp(loss, "continue") != 0)
				walk_expected(c, "agentLoss", "\"continue\" (the run goes on, degraded) or \"fail\" "
				    "(it ends as error)", json_object_get(def, "agentLoss"));
		}
	}
	c->feed_use = c->feed_use_scenario;

	custom_metric_parse(c, def);       /* before the steps that record into them */
	scenario_parse_all(c, def);
	events_parse(c, def);
	monitors_parse(c, def);            /* before the thresholds that name their values */
	flow_setup(c, def);
	feed_load_check_unique(c);
	/* thresholds: after everything they may name (endpoints, scenarios, tasks, checks) */
	threshold_plan_parse(c, json_object_get(def, "thresholds"));
	custom_metric_assign(p);

out:
	for (int i = 0; i < c->ndef_headers; i++) {
		free(c->def_headers[i].name);
		tmpl_free(c->def_headers[i].value);
		tmpl_free(c->def_headers[i].line);
	}
	free(c->def_headers);
	free(c->base_url);
	json_decref(c->endpoint_index);
	json_decref(c->var_index);
	json_decref(c->check_index);
	json_decref(c->feed_index);
	json_decref(c->bad_feeds);
	json_decref(c->setup_names);
	free(c->feed_use_defaults);
	free(c->feed_use_scenario);
	if (c->errors > 0) {
		plan_free(p);
		p = NULL;
	}
	free(c);
	return p;
}

/* ---- loading */

/* Adds a Jansson decode error. */
static void
decode_error(struct testdef_errors *errs, const json_error_t *je)
{
	testdef_errors_add(errs, "", "invalid JSON at line %d, column %d: %s", je->line, je->column, je->text);
}

json_t *
testdef_load_string(const char *text, size_t len, size_t max_bytes, struct testdef_errors *errs)
{
	json_error_t je;
	json_t *v;

	if (max_bytes == 0)
		max_bytes = TESTDEF_MAX_BYTES;
	if (len > max_bytes) {
		testdef_errors_add(errs, "", "expected at most %zu bytes, got %zu", max_bytes, len);
		return NULL;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL)
		decode_error(errs, &je);
	return v;
}

json_t *
testdef_load_file(const char *path, size_t max_bytes, struct testdef_errors *errs)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;
	json_t *v = NULL;

	if (max_bytes == 0)
		max_bytes = TESTDEF_MAX_BYTES;
	if (f == NULL) {
		testdef_errors_add(errs, "", "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(max_bytes + 1);
	n = fread(buf, 1, max_bytes + 1, f);
	if (ferror(f))
		testdef_errors_add(errs, "", "cannot read %s: %s", path, strerror(errno));
	else if (n > max_bytes)
		testdef_errors_add(errs, "", "expected at most %zu bytes, got more", max_bytes);
	else
		v = testdef_load_string(buf, n, max_bytes, errs);
	free(buf);
	if (f != stdin)
		fclose(f);
	return v;
}

char *
testdef_base_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* ---- freeing */

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	threshold_plan_free(p);    /* thresholds and the steps' series lists */
	monitors_free(p);
	for (int i = 0; i < p->nevents; i++) {
		free(p->events[i].name);
		free(p->events[i].method);
		free(p->events[i].url);
	}
	free(p->events);
	random_vars_free(p);
	custom_metric_free(p);
	for (int i = 0; i < p->nscenarios; i++) {
		struct plan_scenario *s = &p->scenarios[i];
		for (int j = 0; j < s->ntasks; j++) {
			struct plan_task *t = &s->tasks[j];
			request_steps_free(t->steps, t->nsteps);
			free(t->name);
		}
		free(s->tasks);
		request_steps_free(s->on_start, s->non_start);
		request_steps_free(s->on_stop, s->non_stop);
		for (int j = 0; j < s->ninits; j++)
			free(s->inits[j].value);
		free(s->inits);
		free(s->feeds);
		free(s->stages);
		free(s->name);
	}
	free(p->scenarios);
	request_steps_free(p->setup, p->nsetup);
	request_steps_free(p->teardown, p->nteardown);
	free(p->setup_slots);
	for (int i = 0; i < p->nsetup_checks; i++)
		free(p->setup_check_names[i]);
	free(p->setup_check_names);
	for (int i = 0; i < p->nendpoints; i++) {
		free(p->endpoints[i].name);
		free(p->endpoints[i].method);
	}
	free(p->endpoints);
	for (int i = 0; i < p->nvars; i++)
		free(p->var_names[i]);
	free(p->var_names);
	for (int i = 0; i < p->nfeeds; i++)
		feed_load_fini(&p->feeds[i]);
	free(p->feeds);
	for (int i = 0; i < p->nchecks; i++)
		free(p->check_names[i]);
	free(p->check_names);
	free(p->check_group);
	for (int i = 0; i < p->nstep_groups; i++) {
		free(p->step_groups[i].name);
		free(p->step_groups[i].path);
	}
	free(p->step_groups);
	for (int i = 0; i < p->ngroups; i++) {
		free(p->groups[i].name);
		free(p->groups[i].source);
		free(p->groups[i].header);
		pattern_pointer_free(p->groups[i].pointer);
	}
	free(p->groups);
	free(p->name);
	free(p->base_url);
	json_decref(p->definition);
	free(p);
}
