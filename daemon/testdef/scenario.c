/*
 * scenario: a definition's load shape (see testdef_priv.h): `scenarios` with k6's six executors
 * and their parameters (stages, rates, VUs, iterations, graceful stops), or the top-level
 * shortcuts (vus, duration, stages, iterations) as k6's execution_config_shortcuts.go turns them
 * into one scenario; each scenario's end time, and the caps on VUs, rates and durations. The
 * engine's executors (engine/executor.h) later run these numbers as pure functions of time.
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/xmalloc.h"
#include "testdef/testdef_priv.h"

#define NS_S CLOCK_NS_PER_S
#define DEFAULT_GRACEFUL_STOP (30 * NS_S)
#define DEFAULT_GRACEFUL_RAMP_DOWN (30 * NS_S)
#define DEFAULT_TIME_UNIT NS_S
#define DEFAULT_MAX_DURATION (600 * NS_S)

static const char *const executor_names[] = {
	[PLAN_CONSTANT_VUS] = "constant-vus",
	[PLAN_RAMPING_VUS] = "ramping-vus",
	[PLAN_CONSTANT_ARRIVAL_RATE] = "constant-arrival-rate",
	[PLAN_RAMPING_ARRIVAL_RATE] = "ramping-arrival-rate",
	[PLAN_PER_VU_ITERATIONS] = "per-vu-iterations",
	[PLAN_SHARED_ITERATIONS] = "shared-iterations",
};
#define NEXECUTORS ((int)(sizeof executor_names / sizeof executor_names[0]))

/* Each executor's own keys (besides the common ones), NULL-terminated. */
static const char *const executor_keys[][6] = {
	[PLAN_CONSTANT_VUS] = { "vus", "duration", NULL },
	[PLAN_RAMPING_VUS] = { "startVUs", "stages", "gracefulRampDown", NULL },
	[PLAN_CONSTANT_ARRIVAL_RATE] = { "rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", NULL },
	[PLAN_RAMPING_ARRIVAL_RATE] = { "startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs", NULL },
	[PLAN_PER_VU_ITERATIONS] = { "vus", "iterations", "maxDuration", NULL },
	[PLAN_SHARED_ITERATIONS] = { "vus", "iterations", "maxDuration", NULL },
};

static const char *const scenario_common_keys[] = {
	"executor", "startTime", "gracefulStop", "tasks", "onStart", "onStop", "thinkTime", "vars", "cookies",
	NULL,
};
static const char *const stage_keys[] = { "duration", "target", NULL };

const char *
plan_executor_name(enum plan_executor e)
{
	assert((int)e >= 0 && (int)e < NEXECUTORS);
	return executor_names[e];
}

/* Writes into buf the executors ("ramping-vus, ramping-arrival-rate") that have a parameter
   called key, or "" when none has. */
void
scenario_key_owners(const char *key, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int e = 0; e < NEXECUTORS; e++) {
		if (walk_in_list(executor_keys[e], key)) {
			size_t ul = strlen(buf);
			snprintf(buf + ul, size - ul, "%s%s", ul ? ", " : "", executor_names[e]);
		}
	}
}

/* ---- executors */

/* JSON keys of the executor parameters; NULL: not settable (the default applies). Scenarios use
   k6's names; the top-level shortcuts map theirs (k6: `vus` becomes startVUs with `stages`). */
struct keys {
	const char *vus, *duration, *start_vus, *stages, *graceful_ramp_down, *rate, *time_unit,
	    *pre_allocated_vus, *max_vus, *start_rate, *iterations, *max_duration;
};

static const struct keys scenario_keys = {
	"vus", "duration", "startVUs", "stages", "gracefulRampDown", "rate", "timeUnit",
	"preAllocatedVUs", "maxVUs", "startRate", "iterations", "maxDuration",
};

/* The most VUs one field may ask for: the cap, unless the cap is checked as a named total. */
static int64_t
vus_field_max(const struct walk *c)
{
	return c->opt.limits_name != NULL ? PLAN_MAX_VUS : c->opt.max_vus;
}

/* Parses stages (member key): targets are VUs (integers) or rates (numbers). */
static void
parse_stages(struct walk *c, json_t *obj, const char *key, int rate, const char *who,
    struct plan_scenario *s)
{
	json_t *stages = json_object_get(obj, key), *e;
	const char *const *lists[] = { stage_keys };
	size_t old, i;

	if (stages == NULL) {
		walk_missing(c, key, "a list of stages like [{\"duration\": \"30s\", \"target\": 10}]", who);
		return;
	}
	if (!json_is_array(stages) || json_array_size(stages) == 0) {
		walk_expected(c, key, "a non-empty list of stages like [{\"duration\": \"30s\", \"target\": 10}]",
		    stages);
		return;
	}
	if (json_array_size(stages) > (size_t)c->opt.max_stages) {
		char *what = xasprintf("at most %d stages", c->opt.max_stages);
		walk_expected(c, key, what, stages);
		free(what);
		return;
	}
	s->nstages = (int)json_array_size(stages);
	s->stages = xcalloc((size_t)s->nstages, sizeof *s->stages);
	old = walk_key(c, key);
	json_array_foreach(stages, i, e) {
		size_t old2 = walk_index(c, i);
		int64_t d = 0, vus = 0;
		double target = 0;

		if (!json_is_object(e)) {
			walk_expected(c, NULL, "a stage like {\"duration\": \"30s\", \"target\": 10}", e);
			walk_pop(c, old2);
			continue;
		}
		walk_check_keys(c, e, lists, 1, -1);
		if (walk_get_duration(c, e, "duration", 0, PLAN_MAX_STAGE_NS, &d) == 0)
			walk_err_key(c, "duration", "expected %s, got nothing", WALK_DURATION_LIKE);
		if (rate) {
			if (walk_get_number(c, e, "target", 0, 0, PLAN_MAX_RATE, &target) == 0)
				walk_err_key(c, "target", "expected a number >= 0 (iterations per timeUnit), got "
				    "nothing");
		} else {
			if (walk_get_int(c, e, "target", 0, vus_field_max(c), &vus) == 0)
				walk_err_key(c, "target", "expected an integer >= 0 (VUs), got nothing");
			target = (double)vus;
		}
		s->stages[i].duration_ns = d;
		s->stages[i].target = target;
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

/* a + b for non-negative durations; -1 on overflow. */
static int64_t
add_ns(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? -1 : a + b;
}

/* Parses the executor parameters of s from obj under the names in k; fills max_vus and the
   regular duration (*run_ns). who: the executor's name, for messages. */
static void
parse_params(struct walk *c, json_t *obj, struct plan_scenario *s, const struct keys *k, int64_t *run_ns)
{
	const char *who = executor_names[s->executor];
	int64_t v, max = vus_field_max(c);
	int ok;

	*run_ns = 0;
	switch (s->executor) {
	case PLAN_CONSTANT_VUS:
		s->vus = 1;
		if (walk_get_int(c, obj, k->vus, 1, max, &v) == 1)
			s->vus = (int)v;
		if (walk_get_duration(c, obj, k->duration, 1, PLAN_MAX_STAGE_NS, &s->duration_ns) == 0)
			walk_missing(c, k->duration, WALK_DURATION_LIKE, who);
		s->max_vus = s->vus;
		*run_ns = s->duration_ns;
		break;
	case PLAN_RAMPING_VUS:
		s->start_vus = 1;
		if ((ok = walk_get_int(c, obj, k->start_vus, 0, max, &v)) == 1)
			s->start_vus = (int)v;
		s->graceful_ramp_down_ns = DEFAULT_GRACEFUL_RAMP_DOWN;
		walk_get_duration(c, obj, k->graceful_ramp_down, 0, INT64_MAX, &s->graceful_ramp_down_ns);
		parse_stages(c, obj, k->stages, 0, who, s);
		s->max_vus = s->start_vus;
		for (int i = 0; i < s->nstages; i++) {
			if (s->stages[i].target > s->max_vus)
				s->max_vus = (int)s->stages[i].target;
			*run_ns = add_ns(*run_ns, s->stages[i].duration_ns);
			if (*run_ns < 0)
				break;
		}
		if (s->nstages > 0 && s->max_vus == 0 && ok >= 0)
			walk_err_key(c, k->stages, "expected startVUs or a stage target above 0, got only zeros");
		break;
	case PLAN_CONSTANT_ARRIVAL_RATE:
	case PLAN_RAMPING_ARRIVAL_RATE:
		if (s->executor == PLAN_CONSTANT_ARRIVAL_RATE) {
			if (walk_get_number(c, obj, k->rate, 0, 1, PLAN_MAX_RATE, &s->rate) == 0)
				walk_missing(c, k->rate, "a number > 0 (iterations per timeUnit)", who);
			if (walk_get_duration(c, obj, k->duration, 1, PLAN_MAX_STAGE_NS, &s->duration_ns) == 0)
				walk_missing(c, k->duration, WALK_DURATION_LIKE, who);
			*run_ns = s->duration_ns;
		} else {
			walk_get_number(c, obj, k->start_rate, 0, 0, PLAN_MAX_RATE, &s->start_rate);
			parse_stages(c, obj, k->stages, 1, who, s);
			for (int i = 0; i < s->nstages && *run_ns >= 0; i++)
				*run_ns = add_ns(*run_ns, s->stages[i].duration_ns);
		}
		s->time_unit_ns = DEFAULT_TIME_UNIT;
		walk_get_duration(c, obj, k->time_unit, 1, PLAN_MAX_STAGE_NS, &s->time_unit_ns);
		if ((ok = walk_get_int(c, obj, k->pre_allocated_vus, 0, max, &v)) == 1)
			s->pre_allocated_vus = (int)v;
		else if (ok == 0)
			walk_missing(c, k->pre_allocated_vus, "an integer >= 0 (VUs ready at the start)", who);
		s->max_vus = s->pre_allocated_vus;
		if (ok == 1) {
			int got_max = walk_get_int(c, obj, k->max_vus, 0, max, &v);
			if (got_max == 1 && v < s->pre_allocated_vus) {
				char *g = walk_got(json_object_get(obj, k->max_vus));
				walk_err_key(c, k->max_vus, "expected an integer >= preAllocatedVUs (%d), got %s",
				    s->pre_allocated_vus, g);
				free(g);
				got_max = -1;
			} else if (got_max == 1) {
				s->max_vus = (int)v;
			}
			if (got_max >= 0 && s->max_vus == 0)
				walk_err_key(c, json_object_get(obj, k->max_vus) ? k->max_vus : k->pre_allocated_vus,
				    "expected preAllocatedVUs or maxVUs above 0, got 0");
		}
		break;
	case PLAN_PER_VU_ITERATIONS:
	case PLAN_SHARED_ITERATIONS:
		s->vus = 1;
		s->iterations = 1;
		s->max_duration_ns = DEFAULT_MAX_DURATION;
		if ((ok = walk_get_int(c, obj, k->vus, 1, max, &v)) == 1)
			s->vus = (int)v;
		if (walk_get_int(c, obj, k->iterations, 1, INT64_MAX, &s->iterations) == 1 && ok >= 0 &&
		    s->executor == PLAN_SHARED_ITERATIONS && s->iterations < s->vus)
			walk_err_key(c, k->iterations, "expected at least as many iterations as VUs (%d), got %lld",
			    s->vus, (long long)s->iterations);
		walk_get_duration(c, obj, k->max_duration, 1, INT64_MAX, &s->max_duration_ns);
		s->max_vus = s->vus;
		*run_ns = s->max_duration_ns;
		break;
	}
}

/* " (limits.max_vus)" after a cap's message when the caps are named, else "". */
static const char *
cap_name(const struct walk *c, const char *key, char *buf, size_t size)
{
	if (c->opt.limits_name == NULL)
		return "";
	snprintf(buf, size, " (%s.%s)", c->opt.limits_name, key);
	return buf;
}

/* Checks a scenario's run time and gracefulStop against max_duration. */
static void
check_duration_cap(struct walk *c, const struct plan_scenario *s, int64_t run_ns)
{
	char cap[DURATION_FMT_SIZE], got_s[DURATION_FMT_SIZE], name[64];
	int64_t total = run_ns < 0 ? INT64_MAX : add_ns(s->start_time_ns, run_ns);
	const char *what = "duration";

	if (s->executor == PLAN_PER_VU_ITERATIONS || s->executor == PLAN_SHARED_ITERATIONS)
		what = "maxDuration";
	else if (s->executor == PLAN_RAMPING_VUS || s->executor == PLAN_RAMPING_ARRIVAL_RATE)
		what = "the stages' durations";
	if (total < 0 || total > c->opt.max_duration_ns)
		walk_err(c, "expected startTime + %s to be at most %s%s, got %s", what,
		    duration_format(c->opt.max_duration_ns, cap),
		    cap_name(c, "max_duration", name, sizeof name),
		    total < 0 || total == INT64_MAX ? "more than 292 years" : duration_format(total, got_s));
	if (s->graceful_stop_ns > DEFAULT_GRACEFUL_STOP && s->graceful_stop_ns > c->opt.max_duration_ns)
		walk_err_key(c, "gracefulStop", "expected at most %s%s, got %s",
		    duration_format(c->opt.max_duration_ns, cap),
		    cap_name(c, "max_duration", name, sizeof name),
		    duration_format(s->graceful_stop_ns, got_s));
}

/* Fills the scenario's common parts and end time; obj may be the root (shortcuts: no startTime). */
static void
finish_scenario(struct walk *c, struct plan_scenario *s, int64_t run_ns)
{
	int64_t end = run_ns < 0 ? -1 : add_ns(s->start_time_ns, run_ns);

	if (end >= 0)
		end = add_ns(end, s->graceful_stop_ns);
	if (end < 0) {
		walk_err(c, "expected startTime + duration + gracefulStop to fit in 292 years");
		end = INT64_MAX;
	}
	s->end_ns = end;
	if (c->opt.max_duration_ns > 0)
		check_duration_cap(c, s, run_ns);
}

/* Parses one entry of `scenarios` (the path is at it). */
static void
parse_scenario(struct walk *c, const char *name, json_t *obj, struct plan_scenario *s)
{
	json_t *ex = json_object_get(obj, "executor");
	int e = -1;
	int64_t run_ns = 0;

	s->name = xstrdup(name);
	s->graceful_stop_ns = DEFAULT_GRACEFUL_STOP;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-')) {
			json_t *js = json_string(name);
			walk_expected(c, NULL, "a scenario name of letters, digits, '_' and '-'", js);
			json_decref(js);
			break;
		}
	}
	if (!json_is_object(obj)) {
		walk_expected(c, NULL, "a scenario object like {\"executor\": \"constant-vus\", ...}", obj);
		return;
	}
	if (ex == NULL) {
		walk_err_key(c, "executor", "expected one of constant-vus, ramping-vus, constant-arrival-rate, "
		    "ramping-arrival-rate, per-vu-iterations, shared-iterations, got nothing");
	} else {
		for (int i = 0; i < NEXECUTORS; i++) {
			if (json_is_string(ex) && strcmp(json_string_value(ex), executor_names[i]) == 0)
				e = i;
		}
		if (e < 0) {
			const char *names[NEXECUTORS + 1] = { NULL };
			const char *const *lists[] = { names };
			const char *hint;
			memcpy(names, executor_names, sizeof executor_names);
			hint = json_is_string(ex) ? walk_suggest(json_string_value(ex), lists, 1) : NULL;
			char *g = walk_got(ex);
			if (hint)
				walk_err_key(c, "executor", "expected one of constant-vus, ramping-vus, "
				    "constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, "
				    "shared-iterations, got %s (did you mean \"%s\"?)", g, hint);
			else
				walk_err_key(c, "executor", "expected one of constant-vus, ramping-vus, "
				    "constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, "
				    "shared-iterations, got %s", g);
			free(g);
		}
	}
	if (e >= 0) {
		const char *const *lists[] = { scenario_common_keys, executor_keys[e] };
		s->executor = (enum plan_executor)e;
		walk_check_keys(c, obj, lists, 2, e);
	} else {
		const char *const *lists[1 + NEXECUTORS] = { scenario_common_keys };
		for (int i = 0; i < NEXECUTORS; i++)
			lists[1 + i] = executor_keys[i];
		walk_check_keys(c, obj, lists, 1 + NEXECUTORS, -1);
	}
	walk_get_duration(c, obj, "startTime", 0, INT64_MAX, &s->start_time_ns);
	walk_get_duration(c, obj, "gracefulStop", 0, INT64_MAX, &s->graceful_stop_ns);
	if (e >= 0)
		parse_params(c, obj, s, &scenario_keys, &run_ns);
	request_tasks(c, obj, "tasks", s);
	features_scenario(c, obj, s, e >= 0);
	if (e >= 0)
		finish_scenario(c, s, run_ns);
}

/* The top-level shortcuts (k6's execution_config_shortcuts.go): one scenario named "default". */
static void
parse_shortcut(struct walk *c, json_t *root, struct plan_scenario *s)
{
	json_t *vus = json_object_get(root, "vus"), *duration = json_object_get(root, "duration");
	json_t *stages = json_object_get(root, "stages"), *iterations = json_object_get(root, "iterations");
	struct keys k = { 0 };
	int64_t run_ns = 0;

	s->name = xstrdup("default");
	s->graceful_stop_ns = DEFAULT_GRACEFUL_STOP;
	if (iterations != NULL) {
		if (stages != NULL)
			walk_err_key(c, "stages", "conflicts with \"iterations\" (use scenarios to combine them)");
		s->executor = PLAN_SHARED_ITERATIONS;
		k.vus = "vus";
		k.iterations = "iterations";
		k.max_duration = "duration";
	} else if (duration != NULL) {
		if (stages != NULL)
			walk_err_key(c, "stages", "conflicts with \"duration\" (the stages set the duration)");
		s->executor = PLAN_CONSTANT_VUS;
		k.vus = "vus";
		k.duration = "duration";
	} else if (stages != NULL) {
		s->executor = PLAN_RAMPING_VUS;
		k.start_vus = "vus";
		k.stages = "stages";
	} else if (vus != NULL) {
		s->executor = PLAN_SHARED_ITERATIONS;
		k.vus = "vus";
	} else {
		s->executor = PLAN_PER_VU_ITERATIONS;
	}
	parse_params(c, root, s, &k, &run_ns);
	if (iterations == NULL && duration == NULL && stages == NULL && vus != NULL)
		s->iterations = s->vus;    /* k6: `vus` alone runs one iteration per VU */
	request_tasks(c, root, "tasks", s);
	features_scenario(c, root, s, 1);
	finish_scenario(c, s, run_ns);
}


/* ---- scenarios */

static void
parse_scenarios(struct walk *c, json_t *root, json_t *scenarios)
{
	static const char *const shortcuts[] = { "vus", "duration", "stages", "iterations", "tasks" };
	struct plan *p = c->plan;
	const char *name;
	json_t *v;
	size_t old;
	int i = 0;

	for (size_t k = 0; k < sizeof shortcuts / sizeof shortcuts[0]; k++) {
		if (json_object_get(root, shortcuts[k]) != NULL)
			walk_err_key(c, shortcuts[k], "conflicts with \"scenarios\" (%s)",
			    k == 4 ? "put tasks inside each scenario" : "set it inside a scenario");
	}
	if (!json_is_object(scenarios) || json_object_size(scenarios) == 0) {
		walk_expected(c, "scenarios", "an object of named scenarios", scenarios);
		return;
	}
	if (json_object_size(scenarios) > (size_t)c->opt.max_scenarios) {
		char *what = xasprintf("at most %d scenarios", c->opt.max_scenarios);
		char *g = xasprintf("%zu", json_object_size(scenarios));
		walk_err_key(c, "scenarios", "expected %s, got %s", what, g);
		free(what);
		free(g);
		return;
	}
	p->nscenarios = (int)json_object_size(scenarios);
	p->scenarios = xcalloc((size_t)p->nscenarios, sizeof *p->scenarios);
	old = walk_key(c, "scenarios");
	json_object_foreach(scenarios, name, v) {
		size_t old2 = walk_key(c, name);
		p->scenarios[i].index = i;
		parse_scenario(c, name, v, &p->scenarios[i]);
		walk_pop(c, old2);
		i++;
	}
	walk_pop(c, old);
}

/* The most iterations per second an arrival-rate scenario asks for (0 for the other executors). */
static double
peak_rate(const struct plan_scenario *s)
{
	double peak = s->executor == PLAN_CONSTANT_ARRIVAL_RATE ? s->rate : s->start_rate;

	if (s->executor != PLAN_CONSTANT_ARRIVAL_RATE && s->executor != PLAN_RAMPING_ARRIVAL_RATE)
		return 0;
	for (int i = 0; i < s->nstages; i++) {
		if (s->stages[i].target > peak)
			peak = s->stages[i].target;
	}
	return s->time_unit_ns > 0 ? peak * (double)NS_S / (double)s->time_unit_ns : 0;
}

/*
 * Parses `scenarios`, or without it the top-level shortcuts as one scenario; then checks the
 * whole plan's VUs and arrival rates against the caps and notes its peak VUs and hard deadline.
 */
void
scenario_parse_all(struct walk *c, json_t *root)
{
	struct plan *p = c->plan;
	json_t *scenarios;
	int64_t total_vus = 0;
	double total_rate = 0;
	char name_buf[64];

	if ((scenarios = json_object_get(root, "scenarios")) != NULL) {
		parse_scenarios(c, root, scenarios);
	} else {
		p->nscenarios = 1;
		p->scenarios = xcalloc(1, sizeof *p->scenarios);
		parse_shortcut(c, root, &p->scenarios[0]);
	}

	for (int i = 0; i < p->nscenarios; i++) {
		total_vus += p->scenarios[i].max_vus;
		total_rate += peak_rate(&p->scenarios[i]);
		if (p->scenarios[i].end_ns > p->max_end_ns)
			p->max_end_ns = p->scenarios[i].end_ns;
	}
	if (total_vus > c->opt.max_vus)
		walk_err_key(c, scenarios ? "scenarios" : "vus", "expected at most %d VUs over all scenarios%s, "
		    "got up to %lld", c->opt.max_vus, cap_name(c, "max_vus", name_buf, sizeof name_buf),
		    (long long)total_vus);
	if (c->opt.max_rate > 0 && total_rate > c->opt.max_rate)
		walk_err_key(c, "scenarios", "expected at most %.15g iterations per second over all arrival-rate "
		    "scenarios%s, got up to %.15g", c->opt.max_rate,
		    cap_name(c, "max_rate", name_buf, sizeof name_buf), total_rate);
	p->max_vus = (int)(total_vus > INT_MAX ? INT_MAX : total_vus);
}
