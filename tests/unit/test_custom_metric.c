/*
 * test_custom_metric: custom metrics (a definition's `metrics`, a step's `record`): parsing and its
 * errors by JSON path with "did you mean"; the series each record entry feeds (the metric, and the
 * sub-metrics thresholds name by tag, the scenario tag included); aggregation in ticks (trend,
 * counter, rate, gauge; merges keep a gauge's latest value); thresholds judged on them, per
 * second through a window and on the whole run. And groups of steps (k6's group()): flattened into
 * the task's steps, each knowing the groups it opens and closes; paths, parents, checks per group;
 * thresholds on group_duration{group:...}; their errors.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/testdef.h"
#include "testdef/threshold_plan.h"
#include "tap.h"

#define NS_S 1000000000LL

/* A definition with `metrics` (may be NULL), one step's `record`, and `thresholds` (may be NULL). */
static char *
definition(const char *metrics, const char *record, const char *thresholds)
{
	return xasprintf(
	    "{\"baseUrl\": \"http://127.0.0.1:9\", \"scenarios\": {"
	    "  \"browse\": {\"executor\": \"constant-vus\", \"vus\": 1, \"duration\": \"10s\", \"tasks\": ["
	    "    {\"name\": \"poll\", \"path\": \"/t\", \"extract\": {\"n\": {\"json\": \"/n\"}},"
	    "     \"checks\": [{\"name\": \"done\", \"json\": \"/done\", \"equals\": true}, {\"status\": 200}]"
	    "     %s%s}]},"
	    "  \"admin\": {\"executor\": \"constant-vus\", \"vus\": 1, \"duration\": \"10s\", \"tasks\": ["
	    "    {\"name\": \"home\", \"path\": \"/\"%s}]}}"
	    "%s%s%s%s}",
	    record ? ", \"record\": " : "", record ? record : "",
	    metrics ? ", \"record\": [{\"metric\": \"wait\", \"value\": 5, \"tags\": {\"kind\": \"poll\"}}]" : "",
	    metrics ? ", \"metrics\": " : "", metrics ? metrics : "",
	    thresholds ? ", \"thresholds\": " : "", thresholds ? thresholds : "");
}

#define METRICS "{\"wait\": {\"type\": \"trend\", \"unit\": \"ms\"}, \"done_rate\": {\"type\": \"rate\"}," \
	" \"polls\": {\"type\": \"counter\"}, \"depth\": {\"type\": \"gauge\"}}"

static struct plan *
parse(const char *metrics, const char *record, const char *thresholds, struct testdef_errors *errs)
{
	char *text = definition(metrics, record, thresholds);
	json_error_t je;
	json_t *def = json_loads(text, 0, &je);
	struct plan *p;

	if (def == NULL) {
		printf("# bad test JSON: %s: %s\n", je.text, text);
		exit(1);
	}
	testdef_errors_init(errs);
	p = testdef_parse(def, NULL, errs);
	json_decref(def);
	free(text);
	return p;
}

/* The first error, "path: message" ("" when valid). */
static char *
first_error(const char *metrics, const char *record, const char *thresholds)
{
	struct testdef_errors errs;
	struct plan *p = parse(metrics, record, thresholds, &errs);
	char *out = errs.n > 0 ? xasprintf("%s: %s", errs.v[0].path, errs.v[0].message) : xstrdup("");

	testdef_errors_fini(&errs);
	plan_free(p);
	return out;
}

static void
error_is(const char *metrics, const char *record, const char *thresholds, const char *want, const char *what)
{
	char *got = first_error(metrics, record, thresholds);

	is_str(got, want, "%s", what);
	free(got);
}

static struct plan *
plan_ok(const char *metrics, const char *record, const char *thresholds)
{
	struct testdef_errors errs;
	struct plan *p = parse(metrics, record, thresholds, &errs);

	for (int i = 0; i < errs.n; i++)
		printf("# unexpected error: %s: %s\n", errs.v[i].path, errs.v[i].message);
	testdef_errors_fini(&errs);
	return p;
}

static void
test_parse(void)
{
	const char *rec = "[{\"metric\": \"polls\", \"value\": 1}, {\"metric\": \"done_rate\", \"check\": \"done\"},"
	    " {\"metric\": \"wait\", \"timing\": \"waiting\", \"tags\": {\"kind\": \"poll\"}},"
	    " {\"metric\": \"depth\", \"json\": \"/depth\"}, {\"metric\": \"depth\", \"var\": \"n\"},"
	    " {\"metric\": \"wait\", \"timing\": \"duration\"}, {\"metric\": \"polls\", \"header\": \"X-N\"}]";
	struct plan *p = plan_ok(METRICS, rec, NULL);
	const struct plan_step *st;

	ok(p != NULL, "a definition with metrics and record entries is valid");
	if (p == NULL)
		return;
	is_int(p->nmetrics, 4, "four metrics");
	is_str(p->metrics[0].name, "wait", "in definition order");
	is_int(p->metrics[0].type, METRIC_TREND, "wait is a trend");
	is_int(p->metrics[0].is_time, 1, "of times (unit ms)");
	is_int(p->metrics[1].type, METRIC_RATE, "done_rate a rate");
	is_int(p->metrics[2].type, METRIC_COUNTER, "polls a counter");
	is_int(p->metrics[3].type, METRIC_GAUGE, "depth a gauge");
	is_int(p->nmetric_slots, 4, "no thresholds: one series per metric");
	st = &p->scenarios[0].tasks[0].steps[0];
	is_int(st->nrecords, 7, "seven record entries");
	is_int(st->records[0].from, PLAN_RECORD_VALUE, "a constant");
	ok(st->records[0].value == 1.0, "of 1");
	is_int(st->records[1].from, PLAN_RECORD_CHECK, "a check");
	is_int(st->records[1].check, 0, "the step's first check");
	is_int(st->records[2].from, PLAN_RECORD_TIMING, "a timing");
	is_int(st->records[2].phase, 4, "waiting is phase 4 (enum tick_phase)");
	is_int(st->records[3].from, PLAN_RECORD_JSON, "a JSON Pointer");
	ok(st->needs_json, "which makes the step parse its body");
	is_int(st->records[4].from, PLAN_RECORD_VAR, "a variable");
	is_int(st->records[5].phase, -1, "duration is the request's duration");
	is_int(st->records[6].from, PLAN_RECORD_HEADER, "a header");
	is_int(st->records[0].nslots, 1, "an entry feeds its metric ...");
	is_int(st->records[0].slots[0], 2, "... polls' own series");
	plan_free(p);

	/* without any record entry, a step keeps the common path */
	p = plan_ok(METRICS, NULL, NULL);
	ok(p != NULL && p->scenarios[0].tasks[0].steps[0].nrecords == 0, "a step without record has none");
	plan_free(p);
	p = plan_ok(NULL, NULL, NULL);
	ok(p != NULL && p->nmetrics == 0 && p->nmetric_slots == 0, "no metrics: no series");
	plan_free(p);
}

static void
test_errors(void)
{
	error_is("{\"wait\": {\"type\": \"trnd\"}}", NULL, NULL,
	    "metrics.wait.type: expected \"trend\", \"counter\", \"rate\" or \"gauge\", got \"trnd\" (did you mean \"trend\"?)",
	    "a misspelt type: did you mean");
	error_is("{\"wait\": {\"unit\": \"ms\"}}", NULL, NULL,
	    "metrics.wait.type: expected \"trend\", \"counter\", \"rate\" or \"gauge\" (required by a metric), got nothing",
	    "a metric needs a type");
	error_is("{\"wait\": {\"type\": \"trend\", \"unti\": \"ms\"}}", NULL, NULL,
	    "metrics.wait.unti: unknown key (did you mean \"unit\"?)", "an unknown key: did you mean");
	error_is("{\"http_reqs\": {\"type\": \"counter\"}}", NULL, NULL,
	    "metrics.http_reqs: \"http_reqs\" is a built-in metric; choose another name", "a built-in name is refused");
	error_is("{\"a-b\": {\"type\": \"counter\"}}", NULL, NULL,
	    "metrics.a-b: expected a metric name of letters, digits and '_' (at most 128 bytes, not starting with a digit)",
	    "k6's metric name rules");
	error_is("{\"n\": {\"type\": \"counter\", \"unit\": \"ms\"}}", NULL, NULL,
	    "metrics.n.unit: only a trend or a gauge holds times", "a counter holds no times");
	error_is(METRICS, "[{\"metric\": \"wiat\", \"value\": 1}]", NULL,
	    "scenarios.browse.tasks[0].record[0].metric: \"wiat\" is not declared in \"metrics\" (did you mean \"wait\"?)",
	    "an undeclared metric: did you mean");
	error_is(NULL, "[{\"metric\": \"wait\", \"value\": 1}]", NULL,
	    "scenarios.browse.tasks[0].record[0].metric: \"wait\" is not declared: declare it in the top-level \"metrics\" object",
	    "no metrics at all: says where to declare them");
	error_is(METRICS, "[{\"metric\": \"wait\", \"timing\": \"wating\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0].timing: expected a timing phase, got \"wating\" (did you mean \"waiting\"?)",
	    "a misspelt timing phase");
	error_is(METRICS, "[{\"metric\": \"done_rate\", \"check\": \"dnoe\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0].check: the step has no check called \"dnoe\" (did you mean \"done\"?)",
	    "a check of another name");
	error_is(METRICS, "[{\"metric\": \"wait\", \"var\": \"nope\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0].var: no variable \"nope\" is defined (by vars, extract or a feed)",
	    "an unknown variable");
	error_is(METRICS, "[{\"metric\": \"wait\", \"value\": 1, \"json\": \"/x\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0].json: conflicts with \"value\" (one of value, var, json, header, timing, check)",
	    "two sources");
	error_is(METRICS, "[{\"metric\": \"wait\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0]: expected one of value, var, json, header, timing, check, got none",
	    "no source");
	error_is(METRICS, "[{\"metric\": \"wait\", \"value\": \"1\"}]", NULL,
	    "scenarios.browse.tasks[0].record[0].value: expected a number, got \"1\"", "a constant is a number");
	error_is(METRICS, "[{\"metric\": \"wait\", \"value\": 1, \"tagz\": {}}]", NULL,
	    "scenarios.browse.tasks[0].record[0].tagz: unknown key (did you mean \"tags\"?)", "record's keys");
	error_is(METRICS, "[{\"metric\": \"wait\", \"value\": 1, \"tags\": {\"scenario\": \"x\"}}]", NULL,
	    "scenarios.browse.tasks[0].record[0].tags.scenario: the tag \"scenario\" is set by Rampage (the step's scenario)",
	    "the scenario tag is Rampage's");
	error_is(METRICS, "[]", NULL,
	    "scenarios.browse.tasks[0].record: expected an array of up to 32 entries like [{\"metric\": \"time_to_done\", "
	    "\"json\": \"/elapsed_ms\"}], got []", "an empty record");
	/* thresholds */
	error_is(METRICS, NULL, "{\"polls\": [\"p(95)<5\"]}",
	    "thresholds.polls[0]: expected count or rate on polls (a counter), got \"p(95)<5\"",
	    "a counter has no percentiles");
	error_is(METRICS, NULL, "{\"wiat\": [\"p(95)<5\"]}",
	    "thresholds.wiat: expected a metric of the summary (http_reqs, http_req_duration, http_req_failed, ...), "
	    "got \"wiat\" (did you mean \"wait\"?)", "a misspelt custom metric in thresholds");
	error_is(METRICS, NULL, "{\"depth\": [\"value<5 over 10s\"]}",
	    "thresholds.depth[0]: expected no window on depth (a custom gauge: windows go with custom trends and rates), "
	    "got \"value<5 over 10s\"", "no window on a custom gauge");
	error_is(METRICS, NULL, "{\"wait{kind}\": [\"p(95)<5\"]}",
	    "thresholds[\"wait{kind}\"]: expected tags like {kind:poll} (name:value, separated by commas)",
	    "a tag without a value");
}

/* Which series each entry feeds: thresholds' sub-metrics by tag, scenario included. */
static void
test_series(void)
{
	const char *rec = "[{\"metric\": \"wait\", \"value\": 1, \"tags\": {\"kind\": \"poll\"}},"
	    " {\"metric\": \"wait\", \"value\": 2, \"tags\": {\"kind\": \"read\"}}]";
	struct plan *p = plan_ok(METRICS, rec,
	    "{\"wait{kind:poll}\": [\"p(95)<5\"], \"wait{kind:poll,scenario:admin}\": [\"max<9\"],"
	    " \"wait{ kind : poll }\": [\"avg<9\"]}");
	const struct plan_step *st, *adm;

	ok(p != NULL, "thresholds on tagged custom sub-metrics are valid");
	if (p == NULL)
		return;
	is_int(p->nmetric_slots, 6, "two sub-metrics added to the four metrics (same tags: one series)");
	st = &p->scenarios[0].tasks[0].steps[0];
	adm = &p->scenarios[1].tasks[0].steps[0];
	is_int(st->records[0].nslots, 2, "kind:poll in browse: the metric and wait{kind:poll}");
	is_str(p->metric_slots[st->records[0].slots[1]].key, "wait{kind:poll}", "named as written");
	is_int(st->records[1].nslots, 1, "kind:read: the metric only");
	is_int(adm->records[0].nslots, 3, "kind:poll in admin: also the scenario:admin sub-metric");
	plan_free(p);
}

/* Tick aggregation and thresholds on a hand-made run. */
static void
test_aggregate(void)
{
	struct plan *p = plan_ok(METRICS, NULL,
	    "{\"wait\": [\"p(50)<=20\", \"avg<15\", \"max<100\"], \"polls\": [\"count==30\", \"rate>=2\"],"
	    " \"done_rate\": [\"rate>0.4\", \"rate<0.9 over 2s\"], \"depth\": [\"value==7\", \"max<=9\", \"min>=1\"],"
	    " \"wait{kind:poll}\": [\"max<1\"]}");
	struct tick *w, *sec, *a, *b;
	struct threshold_set *s;
	struct threshold_result r;

	ok(p != NULL, "a plan with thresholds on every type");
	if (p == NULL)
		return;
	w = tick_new(p, 1);
	sec = tick_new(p, 0);
	a = tick_new(p, 0);
	b = tick_new(p, 0);
	s = threshold_set_new(p);
	for (int i = 0; i < 10; i++) {
		tick_reset(a);
		tick_reset(b);
		/* worker a: 10 and 20 ms; b: 5 ms; 3 polls a second; done 1 of 3 ... then all */
		tick_custom_add(&a->custom[0], METRIC_TREND, 10, 1);
		tick_custom_add(&a->custom[0], METRIC_TREND, 20, 2);
		tick_custom_add(&b->custom[0], METRIC_TREND, 5, 3);
		for (int k = 0; k < 3; k++) {
			tick_custom_add(&a->custom[2], METRIC_COUNTER, 1, 4);
			tick_custom_add(&b->custom[1], METRIC_RATE, i < 8 ? k == 0 : 1, 5);
		}
		/* the gauge: b's value is the later one in this second */
		tick_custom_add(&a->custom[3], METRIC_GAUGE, i == 4 ? 9 : 3, 100 * i + 1);
		tick_custom_add(&b->custom[3], METRIC_GAUGE, 7, 100 * i + 2);
		tick_reset(sec);
		sec->second = i;
		tick_merge(sec, b);
		tick_merge(sec, a);
		tick_merge(w, sec);
		threshold_tick(s, sec, w);
	}
	is_int(w->custom[0].n, 30, "30 trend values");
	ok(fabs(w->custom[0].sum / 30 - 35.0 / 3) < 1e-9, "exact mean (%g)", w->custom[0].sum / 30);
	ok(w->custom[0].min == 5 && w->custom[0].max == 20, "exact min and max");
	is_int(hist_percentile(w->custom[0].h, 50.0) / 100, 100, "median 10 (in thousandths, to 1%%)");
	ok(w->custom[2].sum == 30, "counter: 30");
	is_int(w->custom[1].nonzero, 14, "rate: 8 + 6 non-zero");
	is_int(w->custom[1].n, 30, "of 30");
	ok(w->custom[3].last == 7, "gauge: the latest value across workers and seconds (%g)", w->custom[3].last);
	ok(w->custom[3].min == 3 && w->custom[3].max == 9, "gauge min 3, max 9");
	threshold_final(s, w, 10 * NS_S);
	for (int i = 0; i < threshold_count(s); i++) {
		threshold_get(s, i, &r);
		if (strcmp(r.source, "rate<0.9 over 2s") == 0) {
			ok(!r.ok, "the 2 s window of all-done seconds breaks rate<0.9");
			ok(r.value == 1.0, "at rate 1 (%g)", r.value);
		} else if (strcmp(r.metric, "wait{kind:poll}") == 0) {
			ok(r.ok && !r.judged, "a sub-metric nothing recorded into: not judged, passes (as k6)");
		} else {
			ok(r.ok, "%s %s passes (%s=%g)", r.metric, r.source, r.agg, r.value);
		}
		if (strcmp(r.source, "rate>=2") == 0)
			ok(fabs(r.value - 3.0) < 1e-9, "counter rate: 30 over 10 s = 3/s");
		if (strcmp(r.source, "avg<15") == 0)
			is_str(r.contains, "time", "a trend with unit ms contains time");
	}
	ok(!threshold_passed(s), "the window fails the run");
	threshold_set_free(s);
	tick_free(a);
	tick_free(b);
	tick_free(sec);
	tick_free(w);
	plan_free(p);
}

/* Parses a whole definition text; NULL when invalid (first error in *err, caller frees). */
static struct plan *
parse_text(const char *text, char **err)
{
	struct testdef_errors errs;
	json_error_t je;
	json_t *def = json_loads(text, 0, &je);
	struct plan *p;

	if (def == NULL) {
		printf("# bad test JSON: %s: %s\n", je.text, text);
		exit(1);
	}
	testdef_errors_init(&errs);
	p = testdef_parse(def, NULL, &errs);
	*err = errs.n > 0 ? xasprintf("%s: %s", errs.v[0].path, errs.v[0].message) : xstrdup("");
	testdef_errors_fini(&errs);
	json_decref(def);
	return p;
}

#define GROUPS_DEF(steps, thresholds) "{\"baseUrl\": \"http://127.0.0.1:9\", \"vus\": 1, \"duration\": \"1s\"," \
	" \"tasks\": [{\"name\": \"t\", \"steps\": " steps "}], \"thresholds\": " thresholds "}"
#define OK_CHECK "\"checks\": [{\"name\": \"ok\", \"status\": 200}]"

static void
test_groups(void)
{
	char *err;
	struct plan *p = parse_text(GROUPS_DEF("[{\"path\": \"/a\", " OK_CHECK "},"
	    " {\"group\": \"g1\", \"steps\": [{\"path\": \"/b\", " OK_CHECK "},"
	    "   {\"group\": \"g2\", \"steps\": [{\"path\": \"/c\", " OK_CHECK "}]}]},"
	    " {\"group\": \"g3\", \"steps\": [{\"group\": \"g4\", \"steps\": [{\"path\": \"/d\"}]}]}]",
	    "{\"group_duration{group:::g1::g2}\": [\"p(95)<100\"]}"), &err);
	const struct plan_step *st;

	is_str(err, "", "nested groups parse");
	free(err);
	if (p == NULL)
		return;
	st = p->scenarios[0].tasks[0].steps;
	is_int(p->scenarios[0].tasks[0].nsteps, 4, "four steps, flattened");
	is_int(p->nstep_groups, 4, "four groups");
	is_str(p->step_groups[1].path, "::g1::g2", "a nested group's path is k6's");
	is_int(p->step_groups[1].parent, 0, "its parent is g1");
	is_int(st[0].ngroup_open + st[0].ngroup_close, 0, "a step outside groups opens and closes none");
	ok(st[1].ngroup_open == 1 && st[1].group_open[0] == 0 && st[1].ngroup_close == 0, "/b opens g1");
	ok(st[2].ngroup_open == 1 && st[2].group_open[0] == 1, "/c opens g2");
	ok(st[2].ngroup_close == 2 && st[2].group_close[0] == 1 && st[2].group_close[1] == 0,
	    "/c closes g2 then g1 (innermost first)");
	ok(st[3].ngroup_open == 2 && st[3].group_open[0] == 2 && st[3].group_open[1] == 3,
	    "/d opens g3 then g4 (outermost first)");
	ok(st[3].ngroup_close == 2 && st[3].group_close[0] == 3 && st[3].group_close[1] == 2, "and closes g4 then g3");
	is_int(p->nchecks, 3, "the same check name at the root, in g1 and in g2: three checks");
	ok(p->check_group[0] == -1 && p->check_group[1] == 0 && p->check_group[2] == 1, "each in its group");
	is_int(p->thresholds->v[0].step_group, 1, "group_duration{group:::g1::g2} names g2");
	plan_free(p);

	/* checks{check:ok} counts the name in every group, as k6's tag does */
	p = parse_text(GROUPS_DEF("[{\"path\": \"/a\", " OK_CHECK "},"
	    " {\"group\": \"g1\", \"steps\": [{\"path\": \"/b\", " OK_CHECK "}]}]",
	    "{\"checks{check:ok}\": [\"rate>0.7\"]}"), &err);
	is_str(err, "", "a threshold on a check name used in two places");
	free(err);
	if (p != NULL) {
		struct tick *w = tick_new(p, 1);
		struct threshold_set *s = threshold_set_new(p);
		struct threshold_result r;
		w->checks[0].passes = 3;               /* at the root: all pass */
		w->checks[1].passes = 1;               /* in g1: one of four */
		w->checks[1].fails = 3;
		threshold_final(s, w, NS_S);
		threshold_get(s, 0, &r);
		ok(!r.ok && fabs(r.value - 4.0 / 7.0) < 1e-9, "both counted: 4 passes of 7 (%g), rate>0.7 fails", r.value);
		threshold_set_free(s);
		tick_free(w);
	}
	plan_free(p);

	p = parse_text(GROUPS_DEF("[{\"group\": \"a::b\", \"steps\": [{\"path\": \"/\"}]}]", "{}"), &err);
	is_str(err, "tasks[0].steps[0].group: expected a group name without \"::\" (it separates nested groups in a group's path)",
	    "a name with :: is refused");
	free(err);
	plan_free(p);
	p = parse_text(GROUPS_DEF("[{\"group\": \"a\", \"steps\": []}]", "{}"), &err);
	is_str(err, "tasks[0].steps[0].steps: expected a non-empty array of the group's steps, got []", "an empty group");
	free(err);
	plan_free(p);
	p = parse_text(GROUPS_DEF("[{\"group\": \"a\", \"steps\": [{\"path\": \"/\"}]}]",
	    "{\"group_duration{group:::b}\": [\"avg<1\"]}"), &err);
	is_str(err, "thresholds[\"group_duration{group:::b}\"]: expected the path of a group of the definition, got \"::b\" (did you mean \"::a\"?)",
	    "a threshold on an unknown group");
	free(err);
	plan_free(p);
	{
		/* nine groups deep */
		char deep[1024] = "";
		size_t n = 0;
		for (int k = 1; k <= 9; k++)
			n += (size_t)snprintf(deep + n, sizeof deep - n, "[{\"group\": \"g%d\", \"steps\": ", k);
		n += (size_t)snprintf(deep + n, sizeof deep - n, "[{\"path\": \"/\"}]");
		for (int k = 1; k <= 9; k++)
			n += (size_t)snprintf(deep + n, sizeof deep - n, "}]");
		char *text = xasprintf("{\"baseUrl\": \"http://127.0.0.1:9\", \"vus\": 1, \"duration\": \"1s\","
		    " \"tasks\": [{\"name\": \"t\", \"steps\": %s}]}", deep);
		p = parse_text(text, &err);
		free(text);
	}
	ok(strstr(err, "expected groups nested at most 8 deep") != NULL, "groups nest at most 8 deep (%s)", err);
	free(err);
	plan_free(p);
}

int
main(void)
{
	test_parse();
	test_errors();
	test_series();
	test_aggregate();
	test_groups();
	done_testing();
}
