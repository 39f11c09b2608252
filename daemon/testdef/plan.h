/*
 * plan: a validated, immutable test definition, ready for the engine. testdef_parse() builds it from
 * JSON; after that the only write is the sequential feeds' cursor (struct plan_feed: one atomic
 * add per iteration), so every thread (controller, workers, API) reads it without locks.
 * Everything the per-request path needs is precomputed here (endpoint indexes, cumulative task
 * weights, parsed templates, compiled regexes and JSON Pointers, loaded feed rows), so workers
 * never parse or allocate per request.
 *
 * Times are nanoseconds (CLOCK_MONOTONIC deltas). Names follow k6 where k6 has the concept.
 */
#ifndef RAMPAGE_PLAN_H
#define RAMPAGE_PLAN_H

#include <stdint.h>
#include <jansson.h>

#include "testdef/metric.h"    /* enum metric_type: a custom metric's type */
#include "testdef/template.h"  /* struct tmpl: a parsed string with {{...}} references */

/* Limits of a load shape (testdef validates them; the engine's executors assert them). */
#define PLAN_MAX_VUS 100000000        /* k6's sanity cap on concurrent VUs */
#define PLAN_MAX_RATE 10000000.0      /* iterations per time unit */
#define PLAN_MAX_STAGE_NS 1000000000000000LL  /* 1e15 ns (11.6 days): keeps the executors' arithmetic exact */

/* One stage: reach `target` (VUs, or iterations per time unit) linearly over duration_ns. The engine's
   executors (engine/executor.h) take arrays of them. */
struct plan_stage {
	int64_t duration_ns;       /* >= 0; 0 jumps to target at once */
	double target;             /* >= 0; a whole number for VUs */
};

enum plan_executor {
	PLAN_CONSTANT_VUS,
	PLAN_RAMPING_VUS,
	PLAN_CONSTANT_ARRIVAL_RATE,
	PLAN_RAMPING_ARRIVAL_RATE,
	PLAN_PER_VU_ITERATIONS,
	PLAN_SHARED_ITERATIONS,
};
/* k6 name of an executor ("ramping-vus"). */
const char *plan_executor_name(enum plan_executor e);

enum plan_body { PLAN_BODY_NONE, PLAN_BODY_RAW, PLAN_BODY_JSON, PLAN_BODY_FORM };

struct pattern_pointer;        /* testdef/pattern.h: a compiled JSON Pointer (RFC 6901) */
struct pattern_regex;          /* testdef/pattern.h: a compiled PCRE2 pattern */
struct threshold_plan;         /* testdef/threshold_plan.h: parsed thresholds */
struct threshold_series_ref;   /* testdef/threshold_plan.h: a step's sub-metric series */

/* Think time: how long a VU waits after a step or an iteration. A waiting VU is a timer in its
   worker's loop (engine/think.h), never a blocked thread. */
enum plan_think_kind {
	PLAN_THINK_NONE,
	PLAN_THINK_CONSTANT,       /* a_ns */
	PLAN_THINK_BETWEEN,        /* uniform in [a_ns, b_ns] (Locust's between) */
	PLAN_THINK_EXPONENTIAL,    /* exponential with mean a_ns (Poisson arrivals of actions) */
	PLAN_THINK_PACING,         /* until a_ns have passed since the iteration (on a step: the step's
	                              request) started; 0 if that is over (Locust's constant_pacing) */
};

struct plan_think {
	enum plan_think_kind kind;
	int64_t a_ns, b_ns;
};

/* Where a value is read from in a response (extract, checks, groupBy). */
enum plan_source {
	PLAN_FROM_JSON,            /* a JSON Pointer into the body (parsed once per response, Jansson) */
	PLAN_FROM_HEADER,          /* a response header, the first of that name */
	PLAN_FROM_REGEX,           /* a capture group of a regex over the body (extract only) */
	PLAN_FROM_COOKIE,          /* the value of a cookie the response sets (Set-Cookie), by name
	                              (in `header`; extract only) */
};

/* One `extract` entry: a per-VU variable set from the response. */
struct plan_extract {
	char *var;                 /* variable name */
	int slot;                  /* index in plan->var_names */
	enum plan_source from;
	struct pattern_pointer *pointer;   /* JSON */
	char *header;              /* HEADER */
	struct pattern_regex *regex;       /* REGEX */
	int group;                 /* REGEX: capture group (0: the whole match) */
	int pick_random;           /* "pick": "random": a random one of all matches (REGEX), of the
	                              elements of the array the pointer reaches (JSON) */
};

enum plan_check_kind {
	PLAN_CHECK_STATUS,         /* status is one of statuses[] */
	PLAN_CHECK_BODY_CONTAINS,  /* text occurs in the kept part of the body */
	PLAN_CHECK_JSON,           /* a JSON Pointer: op EXISTS, ABSENT or EQUALS (equals) */
	PLAN_CHECK_HEADER,         /* a header: op EXISTS, ABSENT, EQUALS (text) or MATCHES (regex) */
	PLAN_CHECK_MAX_DURATION,   /* http_req_duration (the request's service time), or one timing
	                              phase (phase > 0), < max_ns */
	PLAN_CHECK_URL,            /* the final URL (after redirects) is text; path_only: its path and
	                              query are (text begins with "/") */
	PLAN_CHECK_PROTOCOL,       /* the response's protocol is text ("HTTP/1.1", "HTTP/2.0") */
};

/* The timing phases a maxDuration check may name ("phase"), in k6's words and in the order of
   metrics/tick.h's enum tick_phase (engine/check.c maps them). */
enum plan_phase {
	PLAN_PHASE_BLOCKED, PLAN_PHASE_CONNECTING, PLAN_PHASE_TLS, PLAN_PHASE_SENDING,
	PLAN_PHASE_WAITING, PLAN_PHASE_RECEIVING, PLAN_NPHASES,
};

enum plan_check_op { PLAN_OP_NONE, PLAN_OP_EXISTS, PLAN_OP_ABSENT, PLAN_OP_EQUALS, PLAN_OP_MATCHES };

/* One check of a step's response. Checks are counted (k6's `checks`), and fail the request only
   with fail_request. */
struct plan_check {
	int index;                 /* its counter: plan->check_names[index] (same name, same counter) */
	enum plan_check_kind kind;
	enum plan_check_op op;
	int fail_request;          /* "failRequest": a failed check makes the request failed */
	int end_iteration;         /* "onFail": "endIteration": a failed check ends the iteration
	                              (k6's early return; the remaining steps are skipped) */
	int *statuses;             /* STATUS */
	int nstatuses;
	char *text;                /* BODY_CONTAINS; HEADER + EQUALS */
	size_t text_len;
	struct pattern_pointer *pointer;   /* JSON */
	json_t *equals;            /* JSON + EQUALS (numbers compare by value) */
	char *header;              /* HEADER */
	struct pattern_regex *regex;       /* HEADER + MATCHES */
	int64_t max_ns;            /* MAX_DURATION */
	int phase;                 /* MAX_DURATION: 0 the request's duration, else 1 + enum plan_phase */
	int path_only;             /* URL: compare the path and query only */
};

/* A condition (`when` on a step, `until` of a repeat): on a variable or on the status of the VU's
   last response. Evaluated by engine/flow.h. */
enum plan_cond_kind { PLAN_COND_VAR, PLAN_COND_STATUS };

struct plan_cond {
	enum plan_cond_kind kind;
	enum plan_check_op op;     /* VAR: EXISTS (set and not empty), ABSENT, EQUALS (text) */
	int negate;                /* "not": true */
	int slot;                  /* VAR: the variable */
	char *text;                /* VAR + EQUALS */
	size_t text_len;
	int *statuses;             /* STATUS: one of these (0: no response yet, or a transport error) */
	int nstatuses;
};

/* A step's `repeat`: the step is sent again until count sends, or until `until` holds after a
   response (at most max sends); pause_ns between two sends. */
struct plan_repeat {
	int max;                   /* count, or the most sends with until */
	struct plan_cond *until;   /* NULL: a count */
	int64_t pause_ns;          /* 0: at once */
};

/* A groupBy: responses counted per distinct value (plan->groups[i]; the step's own name). */
struct plan_group {
	char *name;                /* the step's name: rampage.groupBy.<name> in the summary */
	char *source;              /* "header X-Served-By", "json /node_id" */
	enum plan_source from;     /* JSON or HEADER */
	struct pattern_pointer *pointer;
	char *header;
};

/* A data feed: rows loaded at parse time (testdef/feed_load.h: a CSV file or inline rows) and
   read-only afterwards; only the cursor moves. */
enum plan_feed_mode {
	PLAN_FEED_SEQUENTIAL,      /* one shared cursor: each iteration takes the next row, wrapping */
	PLAN_FEED_RANDOM,          /* each iteration a random row (the VU's generator) */
	PLAN_FEED_UNIQUE,          /* VU n always has row n-1 (validated: rows >= the run's VUs) */
};

struct plan_feed {
	char *name;                /* {{name.column}} */
	enum plan_feed_mode mode;
	int ncolumns;
	char **columns;
	int *slots;                /* [ncolumns]: the variable slot of "name.column" */
	int nrows;
	struct tmpl_var *cells;    /* [nrows * ncolumns], row-major; point into text */
	char *text;                /* every cell, NUL-terminated, back to back */
	_Atomic uint64_t *cursor;  /* SEQUENTIAL: the next row. The plan's one piece of run-time state:
	                              one cell, written with an atomic add once per iteration. */
};

/* A scenario's `vars` entry: a literal initial value, set when a VU's session starts. */
struct plan_var_init {
	int slot;
	char *value;
	size_t len;
	int json;                  /* a number or boolean (struct tmpl_var.json) */
};

struct plan_header {
	char *name;                /* as written */
	struct tmpl *value;        /* CR/LF in rendered values become spaces */
	struct tmpl *line;         /* "name: value", ready for a transport_request header line */
};

struct plan_query {
	char *name;                /* URL-encoded at parse time */
	struct tmpl *value;        /* URL-encoded when rendered */
};

/* A custom metric (`metrics`): k6's Trend, Counter, Rate or Gauge, fed by steps' `record`. */
struct plan_metric {
	char *name;                /* k6's rules: letters, digits, '_', at most 128 bytes */
	enum metric_type type;     /* testdef/metric.h: k6's four types */
	int is_time;               /* "unit": "ms": values are milliseconds (k6's isTime, contains
	                              "time"); a Trend's histogram then holds µs, as latency's does */
};

/* A custom metric's series: the metric itself (slots 0..nmetrics-1, slot i is metric i) or a
   sub-metric a threshold names ("time_to_done{kind:poll}"): tick->custom[slot]. */
struct plan_metric_slot {
	int metric;                /* index in plan->metrics */
	char *key;                 /* "time_to_done" or the threshold's key as written */
	json_t *tags;              /* a sub-metric's tags ({"kind": "poll"}); NULL: the metric */
};

/* Where a recorded value comes from. */
enum plan_record_from {
	PLAN_RECORD_VALUE,         /* a constant */
	PLAN_RECORD_VAR,           /* a variable's value read as a number (after this step's extract) */
	PLAN_RECORD_JSON,          /* a JSON Pointer into the body, a number (or a numeric string) */
	PLAN_RECORD_HEADER,        /* a response header read as a number */
	PLAN_RECORD_TIMING,        /* a timing phase of the request, in ms (phase -1: its duration) */
	PLAN_RECORD_CHECK,         /* a check of the step: 1 passed, 0 failed */
};

/* One `record` entry of a step: after the response, a value added to a custom metric. */
struct plan_record {
	int metric;                /* index in plan->metrics */
	enum metric_type type;     /* the metric's */
	enum plan_record_from from;
	double value;              /* VALUE */
	int slot;                  /* VAR: variable slot */
	struct pattern_pointer *pointer;   /* JSON */
	char *header;              /* HEADER */
	int phase;                 /* TIMING: enum tick_phase, or -1 for the duration */
	int check;                 /* CHECK: index in the step's checks[] (< PLAN_RECORD_MAX_CHECKS) */
	json_t *tags;              /* `tags` as written (an object of strings; NULL: none) */
	int *slots;                /* the series the value is added to: the metric's own slot, then
	                              each sub-metric whose tags this entry's tags (and its scenario)
	                              match; set by the thresholds' parse */
	int nslots;
};
#define PLAN_RECORD_MAX_CHECKS 64  /* a record entry reads one of a step's first 64 checks */

/* One HTTP request template. */
struct plan_request {
	char *method;              /* upper case: GET, POST, ... */
	struct tmpl *url;          /* absolute URL (baseUrl joined with path at parse time), without the
	                              `query` object (a query written in the path or url stays here) */
	struct plan_query *query;  /* appended as ?a=b&c=d (&a=b... when url has a '?' already) */
	int nquery;
	struct tmpl *full_url;     /* url with the query appended: what to send, in one render */
	struct plan_header *headers; /* defaults.headers merged in; Content-Type added for json/form */
	int nheaders;
	enum plan_body body_kind;
	struct tmpl *body;         /* RAW: as written; JSON: serialised JSON with templates in string
	                              values JSON-escaped on render; FORM: a=b&c=d; NULL when NONE */
	int64_t timeout_ns;        /* step timeout, else defaults.timeout, else 60 s */
	int max_redirects;         /* `redirects`, else the test's maxRedirects, else 10; 0: none */
	int url_check;             /* enum url_check_kind: a path or url that begins with a variable
	                              is checked once rendered (testdef/url_check.h); 0: fixed origin */
	size_t url_fixed_len;      /* URL_CHECK_PATH: baseUrl's length, where the path begins */
};

/* A request's own tag (`"tags": {"kind": "write"}`): thresholds select by it. */
struct plan_tag {
	char *name;
	char *value;
};

/* One step of a task: a request plus what to do with the response. */
struct plan_step {
	char *name;                /* endpoint name: task/step `name`, default "METHOD path" */
	int endpoint;              /* index into plan->endpoints (same name = same endpoint) */
	struct plan_request req;
	struct plan_extract *extracts;     /* `extract`: run in order after the response */
	int nextracts;
	struct plan_check *checks;         /* `checks` */
	int nchecks;
	int group;                 /* `groupBy`: 1 + its index in plan->groups; 0: none */
	struct plan_think think;   /* `thinkTime` after this step */
	int needs_json;            /* a JSON extract, check or groupBy: the body is parsed (Jansson
	                              allocates, only for such steps) */
	int needs_regex;           /* a regex extract or check: the VU keeps PCRE2 match data */
	/* thresholds (testdef/threshold_plan.h): the sub-metric series this step's requests also
	   count in (tick->series); usually none */
	struct threshold_series_ref *series;
	int nseries;
	struct plan_tag *tags;     /* `tags` (testdef/step_tags.h); read at parse time only */
	int ntags;
	struct plan_record *records;       /* `record`: custom metrics fed after the response */
	int nrecords;
	/* groups (k6's group()): the groups that begin just before this step (outermost first) and
	   those that end after it, its think time included (innermost first); indexes in
	   plan->step_groups. A VU times each from its first step's start to its last step's end. */
	int *group_open;
	int ngroup_open;
	int *group_close;
	int ngroup_close;
	/* control flow (testdef/flow.c; all NULL/0 for a plain step) */
	struct plan_cond *when;    /* `when`: the step is skipped unless it holds */
	struct plan_repeat *repeat;        /* `repeat` */
	int ends_iteration;        /* a check has onFail "endIteration" */
	/* `batch` (k6's http.batch): the step sends these requests at once, at most `parallel` in
	   flight, each its own endpoint, checks and extractions; the step has no request of its own
	   (req empty, endpoint -1). nbatch 0: a plain step. */
	struct plan_step *batch;
	int nbatch;
	int parallel;
};

#define PLAN_GROUP_DEPTH 8         /* groups nest at most this deep */

/* A group of steps (`{"group": "checkout", "steps": [...]}` among a task's steps), k6's group():
   its `group_duration` and the checks of its steps are reported under its path. */
struct plan_step_group {
	char *name;
	char *path;                /* k6's: "::checkout::pay" */
	int parent;                /* index of the enclosing group, -1: the root */
};

/* A weighted task: a single request (nsteps == 1) or a workflow of steps run in order. */
struct plan_task {
	char *name;
	int weight;                /* >= 1 */
	int cum_weight;            /* sum of weights of tasks [0..this]: pick with a binary search */
	struct plan_step *steps;
	int nsteps;
};

struct plan_scenario {
	char *name;
	int index;                 /* position in plan->scenarios */
	enum plan_executor executor;
	int64_t start_time_ns;     /* startTime (0) */
	int64_t graceful_stop_ns;  /* gracefulStop (30 s) */

	int vus;                   /* constant-vus, per-vu-iterations, shared-iterations (1) */
	int64_t duration_ns;       /* constant-vus, constant-arrival-rate */
	int start_vus;             /* ramping-vus (1) */
	int64_t graceful_ramp_down_ns; /* ramping-vus (30 s) */
	struct plan_stage *stages;/* ramping-vus, ramping-arrival-rate */
	int nstages;
	double rate;               /* constant-arrival-rate: iterations per time_unit */
	double start_rate;         /* ramping-arrival-rate (0) */
	int64_t time_unit_ns;      /* arrival-rate (1 s) */
	int pre_allocated_vus;     /* arrival-rate */
	int max_vus;               /* arrival-rate (defaults to pre_allocated_vus); others: the VU peak */
	int64_t end_ns;            /* start_time + regular duration (duration, sum of stages or
	                              maxDuration) + graceful_stop: the scenario's hard end */
	int64_t iterations;        /* per-vu-iterations: per VU; shared-iterations: in total (1) */
	int64_t max_duration_ns;   /* iteration executors (10 m) */

	struct plan_task *tasks;
	int ntasks;
	int total_weight;

	/* A VU's session: onStart steps before its first task, onStop steps when it stops looping
	   (ramp-down, end of the scenario; bounded by gracefulStop / gracefulRampDown). A session
	   starts with an empty cookie jar and the `vars` values. */
	struct plan_step *on_start;
	int non_start;
	struct plan_step *on_stop;
	int non_stop;
	struct plan_think think;   /* `thinkTime` after each iteration (closed model only) */
	int cookies;               /* per-VU cookie jar (1 unless "cookies": false) */
	struct plan_var_init *inits;       /* `vars` */
	int ninits;
	int *feeds;                /* indexes in plan->feeds that this scenario's templates read: a
	                              row of each is picked at every iteration start */
	int nfeeds;
};

/* An endpoint is a metrics key: every step with the same name shares one. */
struct plan_endpoint {
	char *name;
	char *method;              /* of the first step with this name */
};

#define PLAN_MAX_AGENTS 256
#define PLAN_AGENTS_ALL (-1)

struct plan {
	char *name;
	char *base_url;            /* may be NULL when every task has an absolute url */
	struct plan_scenario *scenarios;
	int nscenarios;
	struct plan_endpoint *endpoints;
	int nendpoints;
	int max_vus;               /* sum over scenarios of the most VUs each may use */
	int64_t max_end_ns;        /* latest scenario end incl. gracefulStop: the run's hard deadline */
	char **var_names;          /* per-VU variables: a template's {{name}} refers to slot i here, so
	                              a VU's table is struct tmpl_var[nvars]: `vars` and `extract` names,
	                              and "feed.column" for every feed column */
	int nvars;
	size_t var_cap;            /* bytes kept of an extracted value (longer ones are cut, counted) */
	struct plan_feed *feeds;   /* `feeds` */
	int nfeeds;
	struct plan_random *randoms;       /* `random` (testdef/random_vars.h) */
	int nrandoms;
	char **check_names;        /* distinct check names, in order of appearance: tick->checks[i]
	                              (a name in two groups is two checks, as in k6) */
	int *check_group;          /* [nchecks]: the group (plan->step_groups) the check is in; -1: none */
	int nchecks;
	struct plan_step_group *step_groups;   /* groups of steps, by distinct path: tick->group_duration[i] */
	int nstep_groups;
	struct plan_group *groups; /* groupBy of each step that has one: tick->groups[i] */
	int ngroups;
	int insecure_tls;          /* insecureSkipTLSVerify: certificates and host names not checked */
	int no_connection_reuse;   /* noConnectionReuse: a new connection for every request */
	int max_headers;           /* most headers of any step (onStart/onStop included) */
	int max_regex_groups;      /* most capture groups of any pattern: the VUs' match data */
	int max_parallel;          /* most `parallel` of any batch step: a VU's extra handles (0: none) */
	struct threshold_plan *thresholds; /* `thresholds` (testdef/threshold_plan.h); NULL: none */
	int nseries;               /* sub-metric series the thresholds need: tick->series[nseries] */
	struct plan_metric *metrics;       /* `metrics`: custom metrics, in definition order */
	int nmetrics;
	struct plan_metric_slot *metric_slots; /* [nmetric_slots]: tick->custom[i] */
	int nmetric_slots;
	int64_t drift_min_steady_ns;       /* driftMinSteady: the shortest steady stage whose drift the
	                                      findings measure (metrics/findings.h); 0: the default */
	json_t *definition;        /* the definition as given (a reference is held) */
	int agents;                /* `agents`: 0 (run here), 1..PLAN_MAX_AGENTS, or PLAN_AGENTS_ALL:
	                              the daemon runs it over that many agents (engine/fleet.h) */
	int agent_loss_fails;      /* `agentLoss: "fail"`: a lost agent ends the run as error */
	struct plan_event *events; /* `events`, sorted by at_ns */
	int nevents;
	struct plan_monitor *monitors;     /* `monitors`: the target's metrics scraped during the run */
	int nmonitors;
	struct plan_monitor_value *monitor_values; /* every monitor's named values, monitor by monitor:
	                                              tick->monitors[i] */
	int nmonitor_values;
	/* `setup` and `teardown` (engine/setup.h): steps run once per run, before the VUs start and
	   after they end; the variables setup extracts (setup_slots) are read-only data for every VU */
	struct plan_step *setup;
	int nsetup;
	struct plan_step *teardown;
	int nteardown;
	int *setup_slots;
	int nsetup_slots;
	char **setup_check_names;  /* checks only setup and teardown have (not measured): a check's
	                              index >= nchecks is setup_check_names[index - nchecks] */
	int nsetup_checks;
};

/* A timed event of the definition's `events`: at `at_ns` of run time the engine marks it and, with a
   request, sends that request (its status is recorded with the marker). */
struct plan_event {
	int64_t at_ns;             /* since the run's start */
	char *name;                /* 1-64 printable ASCII characters */
	char *method;              /* NULL: a marker without a request */
	char *url;                 /* absolute, its origin checked against the target allowlist */
	int64_t timeout_ns;        /* the request's whole time (default 10 s) */
};
#define PLAN_MAX_EVENTS 100        /* timed events per definition */

/* A label matcher of a Prometheus selector: label="v", label!="v", label=~"re", label!~"re". */
enum plan_match_op { PLAN_MATCH_EQ, PLAN_MATCH_NE, PLAN_MATCH_RE, PLAN_MATCH_NRE };
struct plan_label_matcher {
	char *label;
	enum plan_match_op op;
	char *value;               /* EQ, NE: the value; RE, NRE: the regex as written */
	struct pattern_regex *re;  /* RE, NRE: compiled, anchored at both ends as Prometheus does */
};

/* One named value of a monitor: a Prometheus selector (the matching series summed; counters as
   per-second rates) or a JSON Pointer into a JSON document. */
struct plan_monitor_value {
	char *name;                /* unique in the definition: "monitor:NAME" in thresholds */
	int monitor;               /* index in plan->monitors */
	char *selector;            /* as written: the series name and its matchers, or the pointer */
	char *metric;              /* Prometheus: the series name */
	struct plan_label_matcher *matchers;
	int nmatchers;
	struct pattern_pointer *pointer;   /* JSON */
};

enum plan_monitor_kind { PLAN_MONITOR_PROMETHEUS, PLAN_MONITOR_JSON };

/* A monitor: one URL scraped every `interval_ns` during the run (engine/scrape.h). */
struct plan_monitor {
	char *name;                /* as given, or the URL */
	char *url;                 /* absolute, its origin checked against the target allowlist */
	enum plan_monitor_kind kind;
	int64_t interval_ns;       /* default 1 s */
	int64_t timeout_ns;        /* of one scrape (default: the interval, at most 5 s) */
	int max_series;            /* Prometheus: distinct series kept (default 100): the rest dropped */
	int first_value, nvalues;  /* plan->monitor_values[first_value .. + nvalues) */
};
#define PLAN_MAX_MONITORS 16
#define PLAN_MAX_MONITOR_VALUES 64         /* named values over every monitor */
#define PLAN_MONITOR_MAX_SERIES 10000
#define PLAN_EVENT_NAME_MAX 64     /* bytes of an event's name */

/* Frees a plan and everything in it. NULL is a no-op. */
void plan_free(struct plan *plan);

#endif
