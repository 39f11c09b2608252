/*
 * Unit tests for testdef: every executor with k6's defaults, the top-level shortcuts, each kind of
 * validation error with its exact path and message, many errors at once, requests as the engine will
 * render them, plan precomputations, the loaders, and robustness against arbitrary JSON.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdef/template.h"
#include "testdef/testdef.h"
#include "tap.h"

#define S 1000000000LL

static struct testdef_errors errs;
static char all[16384];                /* the last parse's errors, one "path: message" per line */

/* Parses text with options opt; fills `all`. */
static struct plan *
parse_opt(const char *text, const struct testdef_options *opt)
{
	json_t *def;
	struct plan *p = NULL;
	FILE *f;

	testdef_errors_fini(&errs);
	def = testdef_load_string(text, strlen(text), 0, &errs);
	if (def != NULL)
		p = testdef_parse(def, opt, &errs);
	json_decref(def);
	f = fmemopen(all, sizeof all, "w");
	testdef_errors_print(&errs, f, NULL);
	fclose(f);
	if (p == NULL && errs.n == 0)
		snprintf(all, sizeof all, "(no plan and no error)");
	return p;
}

static struct plan *
parse(const char *text)
{
	return parse_opt(text, NULL);
}

/* The definition is valid. */
static struct plan *
valid(const char *text, const char *what)
{
	struct plan *p = parse(text);

	ok(p != NULL, "%s", what);
	if (p == NULL)
		printf("# %s", all);
	return p;
}

/* The definition fails with exactly this one error line. */
static void
only_error(const char *text, const char *line)
{
	struct plan *p = parse(text);
	char want[2048];

	snprintf(want, sizeof want, "%s\n", line);
	ok(p == NULL, "rejected: %.*s", (int)strcspn(line, "\n"), line);
	is_str(all, want, "with exactly that error");
	plan_free(p);
}

/* The definition fails and this error line is among the errors. */
static void
has_error(const char *text, const char *line)
{
	struct plan *p = parse(text);
	char want[2048];
	int found;

	snprintf(want, sizeof want, "%s\n", line);
	found = strncmp(all, want, strlen(want)) == 0 || strstr(all, want) != NULL;
	ok(p == NULL && found, "reports: %s", line);
	if (!found)
		printf("# got:\n%s", all);
	plan_free(p);
}

/* Renders a template with a fixed VU context. */
static const char *
render(const struct tmpl *t)
{
	static char buf[4096];
	static uint64_t rng = 7;
	struct tmpl_ctx ctx = { .vu = 3, .iteration = 4, .rng = &rng, .wall_ms = 1000 };
	size_t len;

	if (t == NULL)
		return "(null)";
	if (tmpl_render(t, &ctx, buf, sizeof buf, &len) != 0)
		return "(truncated)";
	return buf;
}

/* The value of header `name` of a request, rendered, or NULL. */
static const char *
header(const struct plan_request *r, const char *name)
{
	for (int i = 0; i < r->nheaders; i++) {
		if (strcmp(r->headers[i].name, name) == 0)
			return render(r->headers[i].value);
	}
	return NULL;
}

#define ISSUE_EXAMPLE \
	"{ \"name\": \"users api smoke\", \"baseUrl\": \"http://127.0.0.1:8000\"," \
	"  \"defaults\": { \"headers\": { \"Accept\": \"application/json\" }, \"timeout\": \"10s\" }," \
	"  \"scenarios\": { \"browse\": { \"executor\": \"ramping-vus\", \"startVUs\": 0," \
	"    \"stages\": [ { \"duration\": \"30s\", \"target\": 20 }, { \"duration\": \"1m\", \"target\": 50 }," \
	"                  { \"duration\": \"30s\", \"target\": 0 } ]," \
	"    \"tasks\": [" \
	"      { \"name\": \"list users\", \"weight\": 3, \"method\": \"GET\", \"path\": \"/api/users\" }," \
	"      { \"name\": \"get user\",   \"weight\": 2, \"method\": \"GET\", \"path\": \"/api/users/123\" }," \
	"      { \"name\": \"create user\",\"weight\": 1, \"method\": \"POST\", \"path\": \"/api/users\"," \
	"        \"json\": { \"name\": \"Test User\", \"email\": \"test@example.com\" } } ] } } }"

static void
test_issue_example(void)
{
	struct plan *p = valid(ISSUE_EXAMPLE, "the issue's example is valid");
	struct plan_scenario *s;
	struct plan_request *r;

	if (p == NULL)
		return;
	is_str(p->name, "users api smoke", "name");
	is_str(p->base_url, "http://127.0.0.1:8000", "baseUrl");
	is_int(p->nscenarios, 1, "one scenario");
	s = &p->scenarios[0];
	is_str(s->name, "browse", "named browse");
	is_int(s->index, 0, "at index 0");
	is_str(plan_executor_name(s->executor), "ramping-vus", "ramping-vus");
	is_int(s->start_vus, 0, "startVUs 0");
	is_int(s->nstages, 3, "three stages");
	ok(s->stages[0].duration_ns == 30 * S && s->stages[0].target == 20 &&
	    s->stages[1].duration_ns == 60 * S && s->stages[1].target == 50 &&
	    s->stages[2].duration_ns == 30 * S && s->stages[2].target == 0, "with their durations and targets");
	is_int(s->graceful_ramp_down_ns, 30 * S, "gracefulRampDown defaults to 30s");
	is_int(s->graceful_stop_ns, 30 * S, "gracefulStop defaults to 30s");
	is_int(s->start_time_ns, 0, "startTime defaults to 0");
	is_int(s->max_vus, 50, "max_vus is the highest target");
	is_int(s->end_ns, 150 * S, "ends after 2m of stages + 30s gracefulStop");
	is_int(p->max_vus, 50, "plan max_vus");
	is_int(p->max_end_ns, 150 * S, "plan max_end_ns");
	is_int(s->ntasks, 3, "three tasks");
	ok(s->tasks[0].weight == 3 && s->tasks[1].weight == 2 && s->tasks[2].weight == 1, "weights 3, 2, 1");
	ok(s->tasks[0].cum_weight == 3 && s->tasks[1].cum_weight == 5 && s->tasks[2].cum_weight == 6,
	    "cumulative weights 3, 5, 6");
	is_int(s->total_weight, 6, "total weight 6");
	is_int(p->nendpoints, 3, "three endpoints");
	is_str(p->endpoints[2].name, "create user", "endpoint names are the task names");
	is_str(p->endpoints[2].method, "POST", "with the method");
	is_int(s->tasks[2].nsteps, 1, "a single-request task has one step");
	is_str(s->tasks[2].steps[0].name, "create user", "named as the task");
	is_int(s->tasks[2].steps[0].endpoint, 2, "pointing at its endpoint");
	r = &s->tasks[0].steps[0].req;
	is_str(r->method, "GET", "GET");
	is_str(render(r->url), "http://127.0.0.1:8000/api/users", "path joined to baseUrl");
	is_str(render(r->full_url), "http://127.0.0.1:8000/api/users", "full_url without a query");
	ok(tmpl_nrefs(r->full_url) == 0, "a literal URL has no references to render");
	is_str(header(r, "Accept"), "application/json", "defaults.headers merged in");
	is_int(r->timeout_ns, 10 * S, "defaults.timeout applies");
	is_int(r->body_kind, PLAN_BODY_NONE, "no body");
	ok(r->body == NULL, "and no body template");
	r = &s->tasks[2].steps[0].req;
	is_int(r->body_kind, PLAN_BODY_JSON, "a json body");
	is_str(render(r->body), "{\"name\":\"Test User\",\"email\":\"test@example.com\"}", "serialised compactly");
	is_str(header(r, "Content-Type"), "application/json", "with Content-Type added");
	is_int(r->nheaders, 2, "two headers");
	is_str(render(r->headers[1].line), "Content-Type: application/json", "header lines are ready to send");
	ok(p->definition != NULL && json_is_object(p->definition), "the plan keeps the definition");
	is_int(p->nvars, 0, "no variables yet");
	plan_free(p);
}

static void
test_executors(void)
{
	struct plan *p;
	struct plan_scenario *s;

	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"constant-vus\",\"duration\":\"1m\","
	    "\"tasks\":[{\"path\":\"/\"}]}}}", "constant-vus with defaults");
	if (p) {
		s = &p->scenarios[0];
		ok(s->executor == PLAN_CONSTANT_VUS && s->vus == 1 && s->duration_ns == 60 * S && s->max_vus == 1 &&
		    s->end_ns == 90 * S, "vus 1, duration 1m, ends at 1m30s");
		plan_free(p);
	}
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"ramping-vus\","
	    "\"stages\":[{\"duration\":\"10s\",\"target\":4}],\"tasks\":[{\"path\":\"/\"}]}}}", "ramping-vus with defaults");
	if (p) {
		s = &p->scenarios[0];
		ok(s->start_vus == 1 && s->graceful_ramp_down_ns == 30 * S && s->max_vus == 4 && s->end_ns == 40 * S,
		    "startVUs 1, gracefulRampDown 30s");
		plan_free(p);
	}
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"constant-arrival-rate\","
	    "\"rate\":10,\"duration\":\"1m\",\"preAllocatedVUs\":5,\"tasks\":[{\"path\":\"/\"}]}}}",
	    "constant-arrival-rate with defaults");
	if (p) {
		s = &p->scenarios[0];
		ok(s->rate == 10 && s->time_unit_ns == S && s->duration_ns == 60 * S && s->pre_allocated_vus == 5 &&
		    s->max_vus == 5 && s->end_ns == 90 * S, "timeUnit 1s, maxVUs = preAllocatedVUs");
		plan_free(p);
	}
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"ramping-arrival-rate\","
	    "\"stages\":[{\"duration\":\"1m\",\"target\":2.5},{\"duration\":\"0s\",\"target\":9}],"
	    "\"preAllocatedVUs\":2,\"maxVUs\":20,\"timeUnit\":\"1m\",\"tasks\":[{\"path\":\"/\"}]}}}",
	    "ramping-arrival-rate");
	if (p) {
		s = &p->scenarios[0];
		ok(s->start_rate == 0 && s->time_unit_ns == 60 * S && s->nstages == 2 && s->stages[0].target == 2.5 &&
		    s->stages[1].duration_ns == 0 && s->max_vus == 20 && s->pre_allocated_vus == 2 && s->end_ns == 90 * S,
		    "startRate 0, fractional rates, zero-length stages, maxVUs 20");
		plan_free(p);
	}
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"per-vu-iterations\","
	    "\"tasks\":[{\"path\":\"/\"}]}}}", "per-vu-iterations with defaults");
	if (p) {
		s = &p->scenarios[0];
		ok(s->vus == 1 && s->iterations == 1 && s->max_duration_ns == 600 * S && s->end_ns == 630 * S,
		    "1 VU, 1 iteration, maxDuration 10m");
		plan_free(p);
	}
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{\"executor\":\"shared-iterations\",\"vus\":2,"
	    "\"iterations\":10,\"startTime\":\"1m\",\"gracefulStop\":\"0s\",\"maxDuration\":\"30s\","
	    "\"tasks\":[{\"path\":\"/\"}]}}}", "shared-iterations");
	if (p) {
		s = &p->scenarios[0];
		ok(s->vus == 2 && s->iterations == 10 && s->max_duration_ns == 30 * S && s->start_time_ns == 60 * S &&
		    s->graceful_stop_ns == 0 && s->end_ns == 90 * S, "startTime + maxDuration + gracefulStop 0");
		plan_free(p);
	}
	/* Several scenarios: VUs add up, the latest end wins. */
	p = valid("{\"baseUrl\":\"http://h\",\"scenarios\":{"
	    "\"a\":{\"executor\":\"constant-vus\",\"vus\":5,\"duration\":\"1m\",\"tasks\":[{\"name\":\"x\",\"path\":\"/\"}]},"
	    "\"b\":{\"executor\":\"constant-vus\",\"vus\":7,\"duration\":\"10s\",\"startTime\":\"2m\","
	    "\"tasks\":[{\"name\":\"x\",\"path\":\"/other\"},{\"path\":\"/y\"}]}}}", "two scenarios");
	if (p) {
		is_int(p->nscenarios, 2, "both kept");
		is_int(p->scenarios[1].index, 1, "in order");
		is_int(p->max_vus, 12, "max_vus sums the scenarios");
		is_int(p->max_end_ns, 160 * S, "max_end_ns is the latest end (2m + 10s + 30s)");
		is_int(p->nendpoints, 2, "a name shared across scenarios is one endpoint");
		is_str(p->endpoints[1].name, "GET /y", "an unnamed task is named \"METHOD path\"");
		plan_free(p);
	}
}

static void
test_shortcuts(void)
{
	struct plan *p;
	struct plan_scenario *s;
#define T "\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}]"

	p = valid("{" T ",\"vus\":3,\"duration\":\"30s\"}", "vus + duration");
	if (p) {
		s = &p->scenarios[0];
		ok(p->nscenarios == 1 && strcmp(s->name, "default") == 0 && s->executor == PLAN_CONSTANT_VUS &&
		    s->vus == 3 && s->duration_ns == 30 * S, "is constant-vus in a scenario named default");
		plan_free(p);
	}
	p = valid("{" T ",\"duration\":\"30s\"}", "duration alone");
	if (p) {
		ok(p->scenarios[0].executor == PLAN_CONSTANT_VUS && p->scenarios[0].vus == 1, "is constant-vus with 1 VU");
		plan_free(p);
	}
	p = valid("{" T ",\"stages\":[{\"duration\":\"10s\",\"target\":5}]}", "stages");
	if (p) {
		s = &p->scenarios[0];
		ok(s->executor == PLAN_RAMPING_VUS && s->start_vus == 1 && s->nstages == 1, "is ramping-vus from 1 VU");
		plan_free(p);
	}
	p = valid("{" T ",\"vus\":0,\"stages\":[{\"duration\":\"10s\",\"target\":5}]}", "vus + stages");
	if (p) {
		ok(p->scenarios[0].start_vus == 0, "vus becomes startVUs (k6)");
		plan_free(p);
	}
	p = valid("{" T ",\"iterations\":20,\"vus\":4,\"duration\":\"1m\"}", "iterations + vus + duration");
	if (p) {
		s = &p->scenarios[0];
		ok(s->executor == PLAN_SHARED_ITERATIONS && s->iterations == 20 && s->vus == 4 &&
		    s->max_duration_ns == 60 * S, "is shared-iterations with duration as maxDuration");
		plan_free(p);
	}
	p = valid("{" T ",\"vus\":4}", "vus alone");
	if (p) {
		s = &p->scenarios[0];
		ok(s->executor == PLAN_SHARED_ITERATIONS && s->iterations == 4 && s->vus == 4,
		    "is shared-iterations, one iteration per VU (k6)");
		plan_free(p);
	}
	p = valid("{" T "}", "no load keys at all");
	if (p) {
		s = &p->scenarios[0];
		ok(s->executor == PLAN_PER_VU_ITERATIONS && s->vus == 1 && s->iterations == 1,
		    "is per-vu-iterations, 1 VU x 1 iteration (k6)");
		plan_free(p);
	}
	only_error("{" T ",\"iterations\":5,\"stages\":[{\"duration\":\"1s\",\"target\":1}]}",
	    "stages: conflicts with \"iterations\" (use scenarios to combine them)");
	only_error("{" T ",\"duration\":\"5s\",\"stages\":[{\"duration\":\"1s\",\"target\":1}]}",
	    "stages: conflicts with \"duration\" (the stages set the duration)");
	only_error("{" T ",\"duration\":\"0s\"}", "duration: expected a duration above 0 like \"30s\", got \"0s\"");
	only_error("{\"baseUrl\":\"http://h\",\"vus\":1}", "tasks: expected a list of requests to make, got nothing");
	has_error("{" T ",\"scenarios\":{\"a\":{\"executor\":\"per-vu-iterations\",\"tasks\":[{\"path\":\"/\"}]}}}",
	    "tasks: conflicts with \"scenarios\" (put tasks inside each scenario)");
	has_error("{\"baseUrl\":\"http://h\",\"vus\":2,\"scenarios\":{\"a\":{\"executor\":\"per-vu-iterations\","
	    "\"tasks\":[{\"path\":\"/\"}]}}}", "vus: conflicts with \"scenarios\" (set it inside a scenario)");
	only_error("{" T ",\"vus\":5,\"iterations\":3}",
	    "iterations: expected at least as many iterations as VUs (5), got 3");
	only_error("{" T ",\"stages\":[{\"duration\":\"1s\",\"target\":0}],\"vus\":0}",
	    "stages: expected startVUs or a stage target above 0, got only zeros");
	only_error("{" T ",\"gracefulStop\":\"1s\"}", "gracefulStop: unknown key");
#undef T
}

static void
test_errors(void)
{
#define SC(x) "{\"baseUrl\":\"http://h\",\"scenarios\":{\"s\":{" x "}}}"
#define TASKS "\"tasks\":[{\"path\":\"/\"}]"
#define CV "\"executor\":\"constant-vus\",\"duration\":\"1s\","
	/* The definition as a whole. */
	only_error("[1,2]", "definition: expected a JSON object, got an array");
	only_error("\"x\"", "definition: expected a JSON object, got \"x\"");
	only_error("{\"name\":\"\",\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}]}",
	    "name: expected a non-empty string of at most 256 bytes, got \"\"");
	only_error("{\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}],\"treshold\":{}}",
	    "treshold: unknown key (did you mean \"thresholds\"?)");
	only_error("{\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}],\"frobnicate\":{}}", "frobnicate: unknown key");
	only_error("{\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}],\"Scenarios\":{}}",
	    "Scenarios: unknown key (did you mean \"scenarios\"?)");

	/* Unknown keys: typos, another executor's parameter. */
	has_error(SC("\"executor\":\"ramping-vus\",\"stags\":[]," TASKS),
	    "scenarios.s.stags: unknown key (did you mean \"stages\"?)");
	has_error(SC("\"executor\":\"ramping-vus\",\"startvus\":1,\"stages\":[{\"duration\":\"1s\",\"target\":1}]," TASKS),
	    "scenarios.s.startvus: unknown key (did you mean \"startVUs\"?)");
	only_error(SC(CV "\"rate\":5," TASKS),
	    "scenarios.s.rate: not a parameter of constant-vus (it belongs to constant-arrival-rate)");
	only_error(SC(CV "\"maxVUs\":5," TASKS), "scenarios.s.maxVUs: not a parameter of constant-vus "
	    "(it belongs to constant-arrival-rate, ramping-arrival-rate)");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"heders\":{}}]"),
	    "scenarios.s.tasks[0].heders: unknown key (did you mean \"headers\"?)");
	only_error(SC(CV "\"tasks\":[{\"steps\":[{\"path\":\"/\",\"weight\":2}]}]"),
	    "scenarios.s.tasks[0].steps[0].weight: unknown key");

	/* Executors. */
	only_error(SC(TASKS), "scenarios.s.executor: expected one of constant-vus, ramping-vus, "
	    "constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, shared-iterations, got nothing");
	only_error(SC("\"executor\":\"ramping-vu\"," TASKS), "scenarios.s.executor: expected one of constant-vus, "
	    "ramping-vus, constant-arrival-rate, ramping-arrival-rate, per-vu-iterations, shared-iterations, "
	    "got \"ramping-vu\" (did you mean \"ramping-vus\"?)");
	only_error(SC("\"executor\":\"constant-vus\"," TASKS),
	    "scenarios.s.duration: expected a duration like \"30s\" (required by constant-vus), got nothing");
	only_error(SC("\"executor\":\"ramping-vus\"," TASKS), "scenarios.s.stages: expected a list of stages like "
	    "[{\"duration\": \"30s\", \"target\": 10}] (required by ramping-vus), got nothing");
	only_error(SC("\"executor\":\"ramping-vus\",\"stages\":[]," TASKS), "scenarios.s.stages: expected a "
	    "non-empty list of stages like [{\"duration\": \"30s\", \"target\": 10}], got []");
	only_error(SC("\"executor\":\"constant-arrival-rate\",\"duration\":\"1m\",\"preAllocatedVUs\":1," TASKS),
	    "scenarios.s.rate: expected a number > 0 (iterations per timeUnit) (required by constant-arrival-rate), "
	    "got nothing");
	only_error(SC("\"executor\":\"constant-arrival-rate\",\"rate\":1,\"duration\":\"1m\"," TASKS),
	    "scenarios.s.preAllocatedVUs: expected an integer >= 0 (VUs ready at the start) (required by "
	    "constant-arrival-rate), got nothing");
	only_error(SC("\"executor\":\"constant-arrival-rate\",\"rate\":1,\"duration\":\"1m\",\"preAllocatedVUs\":10,"
	    "\"maxVUs\":5," TASKS), "scenarios.s.maxVUs: expected an integer >= preAllocatedVUs (10), got 5");
	only_error(SC("\"executor\":\"constant-arrival-rate\",\"rate\":1,\"duration\":\"1m\",\"preAllocatedVUs\":0,"
	    TASKS), "scenarios.s.preAllocatedVUs: expected preAllocatedVUs or maxVUs above 0, got 0");
	only_error(SC("\"executor\":\"constant-arrival-rate\",\"rate\":0,\"duration\":\"1m\",\"preAllocatedVUs\":1,"
	    TASKS), "scenarios.s.rate: expected a number > 0 and <= 10000000, got 0");
	only_error(SC("\"executor\":\"ramping-arrival-rate\",\"startRate\":-1,\"preAllocatedVUs\":1,"
	    "\"stages\":[{\"duration\":\"1s\",\"target\":1}]," TASKS),
	    "scenarios.s.startRate: expected a number >= 0 and <= 10000000, got -1");
	only_error(SC("\"executor\":\"ramping-arrival-rate\",\"timeUnit\":\"0s\",\"preAllocatedVUs\":1,"
	    "\"stages\":[{\"duration\":\"1s\",\"target\":1}]," TASKS),
	    "scenarios.s.timeUnit: expected a duration above 0 like \"30s\", got \"0s\"");
	only_error(SC("\"executor\":\"constant-vus\",\"vus\":0,\"duration\":\"1s\"," TASKS),
	    "scenarios.s.vus: expected an integer from 1 to 1000000, got 0");
	only_error(SC("\"executor\":\"constant-vus\",\"vus\":2.5,\"duration\":\"1s\"," TASKS),
	    "scenarios.s.vus: expected an integer from 1 to 1000000, got 2.5");
	only_error(SC("\"executor\":\"constant-vus\",\"vus\":\"10\",\"duration\":\"1s\"," TASKS),
	    "scenarios.s.vus: expected an integer from 1 to 1000000, got \"10\"");
	only_error(SC("\"executor\":\"per-vu-iterations\",\"iterations\":0," TASKS),
	    "scenarios.s.iterations: expected an integer >= 1, got 0");
	only_error(SC("\"executor\":\"per-vu-iterations\",\"maxDuration\":\"0s\"," TASKS),
	    "scenarios.s.maxDuration: expected a duration above 0 like \"30s\", got \"0s\"");
	only_error(SC("\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"300h\",\"target\":1}]," TASKS),
	    "scenarios.s.stages[0].duration: expected a duration of at most 277h46m40s, got \"300h\"");
	only_error(SC("\"executor\":\"ramping-vus\",\"stages\":[{\"target\":1},{\"duration\":\"1s\"},5,"
	    "{\"duration\":\"1s\",\"target\":1,\"rate\":1}]," TASKS),
	    "scenarios.s.stages[0].duration: expected a duration like \"30s\", got nothing\n"
	    "scenarios.s.stages[1].target: expected an integer >= 0 (VUs), got nothing\n"
	    "scenarios.s.stages[2]: expected a stage like {\"duration\": \"30s\", \"target\": 10}, got 5\n"
	    "scenarios.s.stages[3].rate: unknown key");

	/* Durations. */
	only_error(SC("\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"1s\",\"target\":1},"
	    "{\"duration\":\"30 seconds\",\"target\":2}]," TASKS),
	    "scenarios.s.stages[1].duration: expected a duration like \"30s\", got \"30 seconds\"");
	only_error(SC(CV "\"startTime\":30," TASKS), "scenarios.s.startTime: expected a duration like \"30s\", got 30");
	only_error(SC(CV "\"gracefulStop\":\"-1s\"," TASKS),
	    "scenarios.s.gracefulStop: expected a duration like \"30s\", got \"-1s\"");
	only_error(SC(CV "\"gracefulStop\":\"9999999999h\"," TASKS),
	    "scenarios.s.gracefulStop: expected a duration like \"30s\" of at most 292 years, got \"9999999999h\"");
	only_error(SC(CV "\"startTime\":\"2562047h\",\"gracefulStop\":\"2562047h\"," TASKS),
	    "scenarios.s: expected startTime + duration + gracefulStop to fit in 292 years");

	/* Scenarios. */
	only_error("{\"baseUrl\":\"http://h\",\"scenarios\":{}}", "scenarios: expected an object of named scenarios, got {}");
	only_error("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a b\":{" CV TASKS "}}}",
	    "scenarios[\"a b\"]: expected a scenario name of letters, digits, '_' and '-', got \"a b\"");
	only_error("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":[]}}",
	    "scenarios.a: expected a scenario object like {\"executor\": \"constant-vus\", ...}, got []");

	/* Tasks and steps. */
	only_error(SC(CV "\"tasks\":[]"), "scenarios.s.tasks: expected a non-empty array of tasks, got []");
	only_error(SC(CV "\"tasks\":{}"), "scenarios.s.tasks: expected a non-empty array of tasks, got {}");
	only_error(SC(CV "\"tasks\":[\"GET /\"]"),
	    "scenarios.s.tasks[0]: expected a task object like {\"method\": \"GET\", \"path\": \"/\"}, got \"GET /\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"weight\":0}]"),
	    "scenarios.s.tasks[0].weight: expected an integer from 1 to 1000000, got 0");
	only_error(SC(CV "\"tasks\":[{\"method\":\"GET\"}]"),
	    "scenarios.s.tasks[0]: expected \"path\" (joined to baseUrl) or \"url\", got neither");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"method\":\"GE T\"}]"),
	    "scenarios.s.tasks[0].method: expected an HTTP method like \"GET\", got \"GE T\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"name\":\"\"}]"),
	    "scenarios.s.tasks[0].name: expected a non-empty string of at most 256 bytes, got \"\"");
	only_error(SC(CV "\"tasks\":[{\"steps\":[]}]"),
	    "scenarios.s.tasks[0].steps: expected a non-empty array of requests, got []");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"steps\":[{\"path\":\"/\"}]}]"),
	    "scenarios.s.tasks[0].path: conflicts with \"steps\" (put request fields inside each step)");
	only_error(SC(CV "\"tasks\":[{\"steps\":[{\"path\":\"/\"},7]}]"),
	    "scenarios.s.tasks[0].steps[1]: expected a request object like {\"method\": \"GET\", \"path\": \"/\"}, or a group like {\"group\": \"checkout\", \"steps\": [...]}, got 7");

	/* URLs. */
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"url\":\"http://h/\"}]"),
	    "scenarios.s.tasks[0].url: conflicts with \"path\" (a request has one of path, url)");
	only_error(SC(CV "\"tasks\":[{\"path\":\"api\"}]"),
	    "scenarios.s.tasks[0].path: expected a path starting with \"/\" or with a variable "
	    "(\"{{next}}\"), got \"api\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/a b\"}]"), "scenarios.s.tasks[0].path: expected a path without "
	    "spaces or control characters (write %20), got \"/a b\"");
	only_error("{\"tasks\":[{\"path\":\"/\"}]}", "tasks[0].path: expected \"baseUrl\" at the top level to join "
	    "this path to (or use an absolute \"url\"), got no baseUrl");
	only_error("{\"tasks\":[{\"url\":\"ftp://h/\"}]}",
	    "tasks[0].url: expected an absolute http:// or https:// URL, got \"ftp://h/\"");
	only_error("{\"tasks\":[{\"url\":\"http:///x\"}]}", "tasks[0].url: expected a URL with a host, got \"http:///x\"");
	only_error("{\"tasks\":[{\"url\":\"http://h:0/\"}]}",
	    "tasks[0].url: expected a URL with a port from 1 to 65535, got \"http://h:0/\"");
	only_error("{\"tasks\":[{\"url\":\"http://u:p@h/\"}]}", "tasks[0].url: expected a URL without user:password@ "
	    "(send an Authorization header instead), got \"http://u:p@h/\"");
	only_error("{\"tasks\":[{\"url\":\"http://{{vu}}.h/\"}]}", "tasks[0].url: expected a URL with a fixed host "
	    "(only {{env.NAME}} may appear before the path), got \"http://{{vu}}.h/\"");
	only_error("{\"tasks\":[{\"url\":\"http://h{{vu}}/\"}]}", "tasks[0].url: expected a URL with a fixed host "
	    "(only {{env.NAME}} may appear before the path), got \"http://h{{vu}}/\"");
	only_error("{\"tasks\":[{\"url\":\"http://[::1/\"}]}",
	    "tasks[0].url: expected a URL with a valid [IPv6] host, got \"http://[::1/\"");
	only_error("{\"baseUrl\":\"http://h/?a=1\",\"tasks\":[{\"path\":\"/\"}]}",
	    "baseUrl: expected a base URL without '?' or '#', got \"http://h/?a=1\"");
	only_error("{\"baseUrl\":\"http://h/{{vu}}\",\"tasks\":[{\"path\":\"/\"}]}",
	    "baseUrl: expected a fixed URL (only {{env.NAME}} references), got \"http://h/{{vu}}\"");
	only_error("{\"baseUrl\":7,\"tasks\":[{\"path\":\"/\"}]}",
	    "baseUrl: expected an absolute http:// or https:// URL, got 7");

	/* Headers, query, bodies. */
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"headers\":{\"X Y\":\"1\"}}]"), "scenarios.s.tasks[0].headers"
	    "[\"X Y\"]: expected a header name (letters, digits and !#$%&'*+-.^_`|~)");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"headers\":{\"X\":1}}]"),
	    "scenarios.s.tasks[0].headers.X: expected a string, got 1");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"headers\":{\"X\":\"a\\r\\nY: b\"}}]"),
	    "scenarios.s.tasks[0].headers.X: expected a header value without line breaks, got \"a\\r\\nY: b\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"headers\":[]}]"),
	    "scenarios.s.tasks[0].headers: expected an object of header names to values, got []");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"query\":{\"a\":null,\"b\":[1,{}],\"c\":[]}}]"),
	    "scenarios.s.tasks[0].query.a: expected a string, number or boolean, or an array of them, got null\n"
	    "scenarios.s.tasks[0].query.b[1]: expected a string, number or boolean, got {}\n"
	    "scenarios.s.tasks[0].query.c: expected a string, number or boolean, or a non-empty array of them, got []");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"json\":{},\"body\":\"x\",\"form\":{}}]"),
	    "scenarios.s.tasks[0].body: conflicts with \"json\" (a request has at most one of json, body, form)\n"
	    "scenarios.s.tasks[0].form: conflicts with \"json\" (a request has at most one of json, body, form)");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"body\":{}}]"),
	    "scenarios.s.tasks[0].body: expected a string (use \"json\" for a JSON value), got {}");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"form\":\"a=b\"}]"),
	    "scenarios.s.tasks[0].form: expected an object of field names to values, got \"a=b\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"timeout\":\"soon\"}]"),
	    "scenarios.s.tasks[0].timeout: expected a duration like \"30s\", got \"soon\"");
	only_error("{\"baseUrl\":\"http://h\",\"defaults\":{\"timeot\":\"1s\"},\"tasks\":[{\"path\":\"/\"}]}",
	    "defaults.timeot: unknown key (did you mean \"timeout\"?)");

	/* Templates: unknown variables anywhere, with the exact path. */
	only_error(SC(CV "\"tasks\":[{\"path\":\"/users/{{token}}\"}]"),
	    "scenarios.s.tasks[0].path: unknown variable \"token\" in \"{{token}}\"");
	only_error("{\"tasks\":[{\"path\":\"/users/{{token}}\"}]}",
	    "tasks[0].path: expected \"baseUrl\" at the top level to join this path to (or use an absolute \"url\"), got no baseUrl");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"json\":{\"user\":{\"tags\":[\"a\",\"{{who}}\"]}}}]"),
	    "scenarios.s.tasks[0].json.user.tags[1]: unknown variable \"who\" in \"{{who}}\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"json\":{\"{{k}}\":1}}]"),
	    "scenarios.s.tasks[0].json[\"{{k}}\"]: unknown variable \"k\" in \"{{k}}\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"headers\":{\"Authorization\":\"Bearer {{token}}\"}}]"),
	    "scenarios.s.tasks[0].headers.Authorization: unknown variable \"token\" in \"{{token}}\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"query\":{\"q\":\"{{vu\"}}]"),
	    "scenarios.s.tasks[0].query.q: unterminated \"{{\" in \"{{vu\"");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"form\":{\"q\":\"{{env.RAMPAGE_TEST_UNSET}}\"}}]"),
	    "scenarios.s.tasks[0].form.q: environment variable \"RAMPAGE_TEST_UNSET\" is not set (in "
	    "\"{{env.RAMPAGE_TEST_UNSET}}\")");
	only_error(SC(CV "\"tasks\":[{\"path\":\"/\",\"body\":\"{{randomInt 9 1}}\"}]"),
	    "scenarios.s.tasks[0].body: randomInt needs A <= B, got \"{{randomInt 9 1}}\"");
#undef SC
#undef TASKS
#undef CV
}

static void
test_many_errors(void)
{
	struct plan *p;
	int lines = 0;

	p = parse("{\"name\":5,\"baseUrl\":\"ftp://x\",\"vus\":-1,\"duration\":\"forever\",\"tasks\":["
	    "{\"path\":\"/\",\"weight\":-3},{\"url\":\"http://h/\",\"method\":\"\"},{\"steps\":[{}]},{\"bogus\":1,\"path\":\"/\"}]}");
	for (const char *s = all; *s; s++)
		lines += *s == '\n';
	ok(p == NULL, "a definition with many mistakes is rejected");
	is_str(all,
	    "name: expected a non-empty string of at most 256 bytes, got 5\n"
	    "baseUrl: expected an absolute http:// or https:// URL, got \"ftp://x\"\n"
	    "vus: expected an integer from 1 to 1000000, got -1\n"
	    "duration: expected a duration like \"30s\", got \"forever\"\n"
	    "tasks[0].weight: expected an integer from 1 to 1000000, got -3\n"
	    "tasks[1].method: expected a non-empty string, got \"\"\n"
	    "tasks[2].steps[0]: expected \"path\" (joined to baseUrl) or \"url\", got neither\n"
	    "tasks[3].bogus: unknown key\n",
	    "every error is reported at once, in document order");
	is_int(lines, 8, "eight errors");

	/* The list is capped; the rest are counted. */
	{
		char big[20000];
		size_t n = (size_t)snprintf(big, sizeof big, "{\"baseUrl\":\"http://h\",\"tasks\":[");
		for (int i = 0; i < 150; i++)
			n += (size_t)snprintf(big + n, sizeof big - n, "%s{\"path\":\"x%d\"}", i ? "," : "", i);
		snprintf(big + n, sizeof big - n, "]}");
		p = parse(big);
		ok(p == NULL, "150 errors");
		is_int(errs.n, 100, "keep 100");
		is_int(errs.dropped, 50, "and count the rest");
		ok(strstr(all, "... and 50 more errors\n") != NULL, "which the printout says");
	}
}

static void
test_requests(void)
{
	struct plan *p;
	struct plan_request *r;

	setenv("RAMPAGE_TEST_TARGET", "http://127.0.0.1:8000", 1);
	setenv("RAMPAGE_TEST_SECRET", "s\"e\ncret&=", 1);
	p = valid("{\"baseUrl\":\"{{env.RAMPAGE_TEST_TARGET}}/v1/\","
	    "\"defaults\":{\"headers\":{\"accept\":\"text/plain\",\"X-Default\":\"d\"}},"
	    "\"tasks\":["
	    "{\"method\":\"post\",\"path\":\"/users/{{vu}}?x=1\",\"query\":{\"q\":\"a b\",\"n\":5,\"f\":false,"
	    "\"id\":[\"{{iteration}}\",\"&\"]},\"headers\":{\"Accept\":\"application/json\",\"Content-Type\":\"text/json\"},"
	    "\"json\":{\"s\":\"{{env.RAMPAGE_TEST_SECRET}}\",\"n\":[1,2.5,true,null],\"v\":\"vu {{vu}}\"}},"
	    "{\"url\":\"https://example.test:8443/x\",\"form\":{\"a\":\"1 2\",\"b\":\"{{vu}}/{{iteration}}\",\"c\":[1,2]},"
	    "\"timeout\":\"2s\"},"
	    "{\"url\":\"http://example.test\",\"body\":\"raw {{vu}}\\n\",\"headers\":{\"Auth\":\"k {{env.RAMPAGE_TEST_SECRET}}\"}},"
	    "{\"path\":\"/p\",\"query\":{\"a b\":\"{\"}}"
	    "]}", "requests with templates everywhere");
	if (p == NULL)
		return;
	is_str(p->base_url, "http://127.0.0.1:8000/v1", "baseUrl from the environment, trailing '/' dropped");
	r = &p->scenarios[0].tasks[0].steps[0].req;
	is_str(r->method, "POST", "methods are upper-cased");
	is_str(p->scenarios[0].tasks[0].name, "POST /users/{{vu}}?x=1", "default name: METHOD path as written");
	is_str(render(r->url), "http://127.0.0.1:8000/v1/users/3?x=1", "url renders {{vu}}");
	is_str(render(r->full_url), "http://127.0.0.1:8000/v1/users/3?x=1&q=a%20b&n=5&f=false&id=4&id=%26",
	    "query appended with '&' after a '?', values encoded, arrays repeated");
	is_int(r->nquery, 5, "five query pairs");
	is_str(r->query[0].name, "q", "query names kept");
	is_str(render(r->query[4].value), "%26", "query values encoded");
	is_str(header(r, "Accept"), "application/json", "a request header overrides a default (any case)");
	ok(header(r, "accept") == NULL, "and the default is gone");
	is_str(header(r, "X-Default"), "d", "other defaults stay");
	is_str(header(r, "Content-Type"), "text/json", "a Content-Type given is not replaced");
	is_str(render(r->body), "{\"s\":\"s\\\"e\\ncret&=\",\"n\":[1,2.5,true,null],\"v\":\"vu 3\"}",
	    "json body: environment values JSON-escaped, scalars kept, templates rendered");
	is_int(r->timeout_ns, 60 * S, "timeout defaults to 60s");

	r = &p->scenarios[0].tasks[1].steps[0].req;
	is_str(render(r->full_url), "https://example.test:8443/x", "an absolute url is used as is");
	is_int(r->body_kind, PLAN_BODY_FORM, "form body");
	is_str(render(r->body), "a=1%202&b=3%2F4&c=1&c=2", "form fields URL-encoded");
	is_str(header(r, "Content-Type"), "application/x-www-form-urlencoded", "form Content-Type added");
	is_int(r->timeout_ns, 2 * S, "timeout from the step");
	is_str(p->scenarios[0].tasks[1].name, "GET https://example.test:8443/x", "default name with a url");

	r = &p->scenarios[0].tasks[2].steps[0].req;
	is_int(r->body_kind, PLAN_BODY_RAW, "raw body");
	is_str(render(r->body), "raw 3\n", "rendered as is");
	is_str(header(r, "Content-Type"), NULL, "no Content-Type added to a raw body");
	is_str(header(r, "Auth"), "k s\"e cret&=", "line breaks from the environment become spaces in headers");
	r = &p->scenarios[0].tasks[3].steps[0].req;
	is_str(render(r->full_url), "http://127.0.0.1:8000/v1/p?a%20b=%7B", "query names are encoded too");
	plan_free(p);

	/* Workflows. */
	p = valid("{\"baseUrl\":\"http://h\",\"tasks\":[{\"name\":\"flow\",\"weight\":2,\"steps\":["
	    "{\"name\":\"login\",\"method\":\"POST\",\"path\":\"/login\"},{\"path\":\"/me\"},{\"name\":\"login\",\"path\":\"/again\"}]},"
	    "{\"steps\":[{\"path\":\"/solo\"}]}]}", "tasks with steps");
	if (p) {
		struct plan_task *t = &p->scenarios[0].tasks[0];
		ok(t->nsteps == 3 && strcmp(t->name, "flow") == 0 && t->weight == 2, "three steps, named flow, weight 2");
		is_str(t->steps[1].name, "GET /me", "an unnamed step is named \"METHOD path\"");
		ok(t->steps[0].endpoint == t->steps[2].endpoint, "steps with one name share an endpoint");
		is_int(p->nendpoints, 3, "login, GET /me, GET /solo");
		is_str(p->scenarios[0].tasks[1].name, "GET /solo", "a task without a name takes its first step's");
		plan_free(p);
	}
}

/* Target hook: allow 127.0.0.1, refuse the rest; remember what it saw. */
static char seen_origins[512];

static int
check_target(void *arg, const char *origin, char **why)
{
	(void)arg;
	strncat(seen_origins, origin, sizeof seen_origins - strlen(seen_origins) - 2);
	strcat(seen_origins, ";");
	if (strncmp(origin, "http://127.0.0.1", 16) == 0)
		return 0;
	*why = strdup("only loopback targets");
	return -1;
}

static const char *
fake_env(void *arg, const char *name)
{
	return strcmp(name, "ONLY") == 0 ? (const char *)arg : NULL;
}

static void
test_options(void)
{
	struct testdef_options opt = { .check_target = check_target, .env = fake_env, .arg = (void *)"value" };
	struct plan *p;

	p = parse_opt("{\"baseUrl\":\"http://127.0.0.1:8000/api\",\"tasks\":[{\"path\":\"/\"},"
	    "{\"url\":\"http://127.0.0.1:9/x?{{env.ONLY}}\"},{\"url\":\"https://example.com/\"}]}", &opt);
	ok(p == NULL, "a target the hook refuses fails validation");
	is_str(all, "tasks[2].url: target https://example.com is not allowed: only loopback targets\n",
	    "with the hook's reason at the url's path");
	is_str(seen_origins, "http://127.0.0.1:8000;http://127.0.0.1:9;https://example.com;",
	    "the hook sees each origin, path excluded");
	plan_free(p);
	p = parse_opt("{\"tasks\":[{\"url\":\"http://127.0.0.1/{{env.HOME}}\"}]}", &opt);
	is_str(all, "tasks[0].url: environment variable \"HOME\" is not set (in \"{{env.HOME}}\")\n",
	    "the env hook replaces getenv(3)");
	plan_free(p);

	/* Caps. */
	opt = (struct testdef_options){ .max_scenarios = 2, .max_tasks = 3, .max_steps = 2, .max_stages = 2, .max_vus = 10 };
	p = parse_opt("{\"baseUrl\":\"http://h\",\"scenarios\":{\"a\":{},\"b\":{},\"c\":{}}}", &opt);
	is_str(all, "scenarios: expected at most 2 scenarios, got 3\n", "max_scenarios");
	plan_free(p);
	p = parse_opt("{\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"},{\"path\":\"/\"},{\"path\":\"/\"},{\"path\":\"/\"}]}", &opt);
	is_str(all, "tasks: expected at most 3 tasks in the whole definition, got 1 more than that\n", "max_tasks");
	plan_free(p);
	p = parse_opt("{\"baseUrl\":\"http://h\",\"tasks\":[{\"steps\":[{\"path\":\"/\"},{\"path\":\"/\"},{\"path\":\"/\"}]}]}", &opt);
	is_str(all, "tasks[0].steps: expected at most 2 steps, got an array\n", "max_steps");
	plan_free(p);
	p = parse_opt("{\"baseUrl\":\"http://h\",\"stages\":[{\"duration\":\"1s\",\"target\":1},"
	    "{\"duration\":\"1s\",\"target\":1},{\"duration\":\"1s\",\"target\":1}],\"tasks\":[{\"path\":\"/\"}]}", &opt);
	is_str(all, "stages: expected at most 2 stages, got an array\n", "max_stages");
	plan_free(p);
	p = parse_opt("{\"baseUrl\":\"http://h\",\"vus\":11,\"duration\":\"1s\",\"tasks\":[{\"path\":\"/\"}]}", &opt);
	is_str(all, "vus: expected an integer from 1 to 10, got 11\n", "max_vus per count");
	plan_free(p);
	p = parse_opt("{\"baseUrl\":\"http://h\",\"scenarios\":{"
	    "\"a\":{\"executor\":\"constant-vus\",\"vus\":6,\"duration\":\"1s\",\"tasks\":[{\"path\":\"/\"}]},"
	    "\"b\":{\"executor\":\"constant-vus\",\"vus\":6,\"duration\":\"1s\",\"tasks\":[{\"path\":\"/\"}]}}}", &opt);
	is_str(all, "scenarios: expected at most 10 VUs over all scenarios, got up to 12\n", "max_vus in total");
	ok(p == NULL, "(all rejected)");
}

static void
test_loaders(void)
{
	char path[] = "/tmp/rampage-test-testdef-XXXXXX";
	int fd = mkstemp(path);
	json_t *v;
	char *big;

	testdef_errors_fini(&errs);
	v = testdef_load_string("{\"a\":1,\"a\":2}", 13, 0, &errs);
	ok(v == NULL && errs.n == 1, "duplicate keys are rejected");
	ok(errs.n == 1 && strstr(errs.v[0].message, "duplicate object key") != NULL &&
	    strncmp(errs.v[0].message, "invalid JSON at line 1, column", 30) == 0, "with the place (%s)",
	    errs.n ? errs.v[0].message : "");
	testdef_errors_fini(&errs);
	v = testdef_load_string("{}", 2, 1, &errs);
	ok(v == NULL && errs.n == 1 && strcmp(errs.v[0].message, "expected at most 1 bytes, got 2") == 0,
	    "the size cap applies");
	testdef_errors_fini(&errs);
	big = malloc(TESTDEF_MAX_BYTES + 2);
	memset(big, ' ', TESTDEF_MAX_BYTES + 1);
	big[TESTDEF_MAX_BYTES + 1] = '\0';
	v = testdef_load_string(big, TESTDEF_MAX_BYTES + 1, 0, &errs);
	ok(v == NULL && errs.n == 1, "the default cap is TESTDEF_MAX_BYTES");
	free(big);
	testdef_errors_fini(&errs);

	ok(write(fd, "{\"tasks\":[]}", 12) == 12, "(write a file)");
	close(fd);
	v = testdef_load_file(path, 0, &errs);
	ok(v != NULL && json_is_object(v), "a file loads");
	json_decref(v);
	v = testdef_load_file(path, 5, &errs);
	ok(v == NULL && errs.n == 1 && strcmp(errs.v[0].message, "expected at most 5 bytes, got more") == 0,
	    "a file over the cap is refused");
	unlink(path);
	testdef_errors_fini(&errs);
	v = testdef_load_file(path, 0, &errs);
	ok(v == NULL && errs.n == 1 && strstr(errs.v[0].message, "No such file") != NULL, "a missing file");
	testdef_errors_fini(&errs);
	ok(testdef_parse(NULL, NULL, &errs) == NULL && errs.n == 1, "testdef_parse(NULL) is an error, not a crash");
	plan_free(NULL);
	ok(1, "plan_free(NULL) is a no-op");
}

/* Replace every node of the definition, one at a time, by each of a set of odd values; the parser
   must answer each with a plan or errors, never crash or leak (ASan checks the latter). */
static int mutations, inconsistent;

static void
try_def(json_t *root)
{
	struct testdef_errors e;
	struct plan *p;

	testdef_errors_init(&e);
	p = testdef_parse(root, NULL, &e);
	if ((p == NULL) != (e.n + e.dropped > 0))
		inconsistent++;
	mutations++;
	plan_free(p);
	testdef_errors_fini(&e);
}

static void
mutate(json_t *root, json_t *node, json_t *const *odd, int nodd)
{
	const char *key;
	json_t *child, *tmp;
	size_t i;

	if (json_is_object(node)) {
		/* Walk a copy of the key list: deleting and re-adding a key moves it to the end. */
		json_t *keys = json_array();
		json_object_foreach(node, key, child)
			json_array_append_new(keys, json_string(key));
		json_array_foreach(keys, i, tmp) {
			key = json_string_value(tmp);
			child = json_incref(json_object_get(node, key));
			for (int k = 0; k < nodd; k++) {
				json_object_set(node, key, odd[k]);
				try_def(root);
			}
			json_object_del(node, key);
			try_def(root);
			json_object_set(node, key, child);
			mutate(root, child, odd, nodd);
			json_decref(child);
		}
		json_decref(keys);
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child) {
			json_incref(child);
			for (int k = 0; k < nodd; k++) {
				json_array_set(node, i, odd[k]);
				try_def(root);
			}
			json_array_set(node, i, child);
			mutate(root, child, odd, nodd);
			json_decref(child);
		}
	}
}

static void
test_robustness(void)
{
	static const char *const files[] = { "ramp-up.json", "workflow.json", "constant-arrival-rate.json" };
	const char *srcdir = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : "..";
	json_t *odd[12];
	int n = 0;

	odd[n++] = json_null();
	odd[n++] = json_true();
	odd[n++] = json_integer(0);
	odd[n++] = json_integer(-1);
	odd[n++] = json_integer(INT64_MAX);
	odd[n++] = json_real(1e300);
	odd[n++] = json_string("");
	odd[n++] = json_string("{{");
	odd[n++] = json_stringn("a\0b", 3);
	odd[n++] = json_array();
	odd[n++] = json_object();
	odd[n++] = json_pack("[{s:s}]", "path", "/{{vu}}");
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		char path[1024];
		json_t *def;

		snprintf(path, sizeof path, "%s/etc/examples/%s", srcdir, files[f]);
		testdef_errors_fini(&errs);
		def = testdef_load_file(path, 0, &errs);
		ok(def != NULL, "load %s", path);
		if (def == NULL)
			continue;
		mutations = inconsistent = 0;
		mutate(def, def, odd, n);
		ok(mutations > 200 && inconsistent == 0, "%d mutations of %s: each a plan or errors, never both or "
		    "neither", mutations, files[f]);
		json_decref(def);
	}
	for (int i = 0; i < n; i++)
		json_decref(odd[i]);
}

/* An IPv4 address with the DNS root's dot is that address (the resolver would find no such name);
   a name keeps its dot. */
static void
test_root_dot(void)
{
	struct plan *p = valid("{\"baseUrl\":\"http://127.0.0.1.:8000/v1\",\"tasks\":["
	    "{\"path\":\"/a\"},{\"url\":\"https://10.1.2.3./b?x=1.\"},{\"url\":\"http://api.local./c\"},"
	    "{\"url\":\"http://127.0.0.1..:80/d\"}]}", "IPv4 hosts with a trailing dot");
	const struct plan_scenario *s;

	if (p == NULL)
		return;
	s = &p->scenarios[0];
	is_str(render(s->tasks[0].steps[0].req.url), "http://127.0.0.1:8000/v1/a",
	    "baseUrl http://127.0.0.1.:8000 is http://127.0.0.1:8000");
	is_str(render(s->tasks[1].steps[0].req.url), "https://10.1.2.3/b?x=1.",
	    "a url's IPv4 host loses its dot, the query keeps its own");
	is_str(render(s->tasks[2].steps[0].req.url), "http://api.local./c", "a name keeps its dot");
	is_str(render(s->tasks[3].steps[0].req.url), "http://127.0.0.1..:80/d",
	    "two dots are left alone (curl will refuse the host)");
	plan_free(p);
}

/* `agents` and `agentLoss`: a daemon run over agents (engine/fleet.h). */
#define TA "\"baseUrl\":\"http://h\",\"tasks\":[{\"path\":\"/\"}]"
static void
test_agents(void)
{
	struct plan *p;

	p = valid("{" TA "}", "no agents");
	if (p) {
		ok(p->agents == 0 && p->agent_loss_fails == 0, "runs here, a loss would not fail it");
		plan_free(p);
	}
	p = valid("{" TA ",\"agents\":3,\"agentLoss\":\"fail\"}", "agents: 3, agentLoss fail");
	if (p) {
		ok(p->agents == 3 && p->agent_loss_fails == 1, "three agents, a loss fails the run");
		plan_free(p);
	}
	p = valid("{" TA ",\"agents\":\"all\",\"agentLoss\":\"continue\"}", "agents: all");
	if (p) {
		ok(p->agents == PLAN_AGENTS_ALL && p->agent_loss_fails == 0, "every agent, a loss goes on");
		plan_free(p);
	}
	p = valid("{" TA ",\"agents\":256}", "agents: 256, the most");
	plan_free(p);
	only_error("{" TA ",\"agents\":0}", "agents: expected an integer from 1 to 256, or \"all\": the "
	    "daemon splits the run over that many of its agents, got 0");
	only_error("{" TA ",\"agents\":257}", "agents: expected an integer from 1 to 256, or \"all\": the "
	    "daemon splits the run over that many of its agents, got 257");
	only_error("{" TA ",\"agents\":\"some\"}", "agents: expected an integer from 1 to 256, or \"all\": "
	    "the daemon splits the run over that many of its agents, got \"some\"");
	only_error("{" TA ",\"agentLoss\":\"maybe\"}", "agentLoss: expected \"continue\" (the run goes on, "
	    "degraded) or \"fail\" (it ends as error), got \"maybe\"");
}
#undef TA

int
main(void)
{
	testdef_errors_init(&errs);
	test_root_dot();
	unsetenv("RAMPAGE_TEST_UNSET");
	test_issue_example();
	test_executors();
	test_shortcuts();
	test_errors();
	test_many_errors();
	test_requests();
	test_options();
	test_loaders();
	test_robustness();
	test_agents();
	testdef_errors_fini(&errs);
	return done_testing();
}
