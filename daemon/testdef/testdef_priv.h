/*
 * testdef_priv: the parts of testdef (a JSON definition in, a plan out) shared between its files,
 * and the walk's state they all pass along.
 *   testdef.c     the entry point: options, the order of the passes, loading, plan_free
 *   walk.c        the JSON walker: the path being read, errors recorded at it, typed members,
 *                 unknown keys (and the public error list)
 *   request.c     requests, templates and URLs, steps, tasks, onStart/onStop; baseUrl, defaults
 *   features.c    variables, extract, checks, groupBy, think time; a scenario's session keys
 *   flow.c        a step's control flow: when, repeat
 *   feed_load.c   feeds: the `feeds` object, CSV files, inline rows (its loaders: feed_load.h)
 *   scenario.c    scenarios and their executors, the top-level shortcuts, the caps
 *   custom_metric.c   `metrics` (custom Trend, Counter, Rate, Gauge) and a step's `record`
 *   threshold_plan.c  `thresholds` (the types and the expression grammar: threshold_plan.h)
 * and, with their own headers, pattern.c (compiled regexes and JSON Pointers), metric.c (the k6
 * metrics thresholds may name) and template.c.
 *
 * One testdef_parse call owns one struct walk, on the caller's thread; nothing here is shared
 * between threads. Every function that takes a walk records its errors in it and carries on, so a
 * caller never checks for failure to keep walking, only to skip what depends on a bad value.
 */
#ifndef RAMPAGE_TESTDEF_PRIV_H
#define RAMPAGE_TESTDEF_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "testdef/plan.h"
#include "testdef/template.h"
#include "testdef/testdef.h"

#define WALK_PATH_SIZE 512         /* longest JSON path kept in an error */
#define WALK_NAME_MAX 256          /* test, task and step names, in bytes */
#define WALK_DURATION_LIKE "a duration like \"30s\""

/* The state of one parse: where the walk is, what it found so far, and the plan it builds. */
struct walk {
	struct testdef_options opt;
	struct testdef_errors *errs;
	int errors;                /* errors recorded by this parse (kept or dropped) */
	char path[WALK_PATH_SIZE];
	size_t plen;
	struct tmpl_scope scope;
	struct plan *plan;
	json_t *endpoint_index;    /* endpoint name -> index in plan->endpoints */
	char *base_url;            /* baseUrl without its trailing '/'; NULL if absent or invalid */
	int base_url_given;        /* present, even if invalid: no "needs baseUrl" cascade */
	struct plan_header *def_headers;
	int ndef_headers;
	int64_t def_timeout_ns;
	int def_redirects;         /* top-level maxRedirects, else 10 */
	int name_by_url;           /* "defaultName": "url": an unnamed request is named by its URL */
	int ntasks;                /* over every scenario so far */
	int cur_group;             /* the group (plan->step_groups) of the steps being parsed; -1: none */
	json_t *var_index;         /* variable name -> slot in plan->var_names */
	json_t *check_index;       /* check name -> index in plan->check_names */
	json_t *feed_index;        /* feed name -> index in plan->feeds */
	json_t *bad_feeds;         /* names of feeds that failed to load: no cascade of unknown columns */
	unsigned char *feed_use;   /* [nfeeds]: feeds read by the templates being parsed: one of */
	unsigned char *feed_use_defaults;  /* ... defaults.headers' (every scenario reads them) */
	unsigned char *feed_use_scenario;  /* ... the current scenario's */
	int in_setup;              /* parsing `setup` or `teardown` (flow.c) */
	json_t *setup_names;       /* names of the variables setup extracts (pre-pass): read-only */
};

/* ---- walk.c: the path, errors, typed members */

/* Length of the longest prefix of s (n bytes) that is at most max bytes and ends on a UTF-8
   character boundary. */
size_t walk_utf8_cut(const char *s, size_t n, size_t max);
/* Appends printf output to the path (silently truncated when it is full). */
void walk_append(struct walk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Enters object member key (`a.b`, or `a["x y"]` for other keys) or array element i; each returns
   what walk_pop needs to leave it again. */
size_t walk_key(struct walk *c, const char *key);
size_t walk_index(struct walk *c, size_t i);
void walk_pop(struct walk *c, size_t old);
/* Records an error at the current path, or at its member key. */
void walk_err(struct walk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void walk_err_key(struct walk *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How a value reads after "got": strings quoted and shortened, containers by kind. Caller frees. */
char *walk_got(json_t *v);
/* Records "expected <what>, got <v>" at member key (NULL: at the current path). */
void walk_expected(struct walk *c, const char *key, const char *what, json_t *v);
/* Records "expected <what> (required by <who>), got nothing" at member key. */
void walk_missing(struct walk *c, const char *key, const char *what, const char *who);

/* Whether key is in list (NULL-terminated). */
int walk_in_list(const char *const *list, const char *key);
/* The closest key of the lists, if close enough to be a typo of key; else NULL. */
const char *walk_suggest(const char *key, const char *const *lists[], int nlists);
/* Records an error for every member of obj not in the lists. executor (an enum plan_executor, or
   -1) names the scenario's executor, so that another executor's parameter is reported as such. */
void walk_check_keys(struct walk *c, json_t *obj, const char *const *lists[], int nlists, int executor);

/* Typed members of obj: 1 = present and valid (*out set), 0 = absent, -1 = invalid (recorded). */
int walk_get_int(struct walk *c, json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out);
/* A number >= min (> min when exclusive) and <= max. */
int walk_get_number(struct walk *c, json_t *obj, const char *key, double min, int exclusive, double max,
    double *out);
/* A duration string; positive: must be > 0; at most max ns. */
int walk_get_duration(struct walk *c, json_t *obj, const char *key, int positive, int64_t max,
    int64_t *out);
/* A string; nonempty: must not be "". */
int walk_get_string(struct walk *c, json_t *obj, const char *key, int nonempty, const char **out);
/* A name: a non-empty string of at most WALK_NAME_MAX bytes. */
int walk_get_name(struct walk *c, json_t *obj, const char *key, const char **out);
/* A boolean: *out 0 or 1 when present (else left alone). */
void walk_get_flag(struct walk *c, json_t *obj, const char *key, int *out);

/* ---- events.c: `events`, the timed markers (and their requests) of a run */

/* Reads root's `events` into c->plan->events. */
void events_parse(struct walk *c, json_t *root);

/* ---- monitors.c: `monitors`, the target's metrics scraped during the run */

/* Reads root's `monitors` into c->plan->monitors and ->monitor_values. */
void monitors_parse(struct walk *c, json_t *root);
/* A threshold's key (n: the length of its name before any '{') when it names a monitored value
   ("monitor:NAME"): -1 when it does not begin so; 0 and *value (index in plan->monitor_values);
   1 when it names none or has tags (error recorded). */
int monitors_threshold_key(struct walk *c, const char *key, size_t n, int *value);
/* Frees what one value holds. */
void monitors_value_fini(struct plan_monitor_value *v);
/* Frees plan->monitors and plan->monitor_values. */
void monitors_free(struct plan *p);

/* ---- request.c: requests, steps, tasks */

/* Reads baseUrl into c->base_url. */
void request_base_url(struct walk *c, json_t *root);
/* Reads what every request starts from: defaults.headers, defaults.timeout and maxRedirects. */
void request_defaults(struct walk *c, json_t *root);
/* Parses member key of obj as the tasks of scenario s. */
void request_tasks(struct walk *c, json_t *obj, const char *key, struct plan_scenario *s);
/* Parses one step (object obj at the current path; its keys are checked): a request, or a batch
   of them (flow_batch). */
void request_step(struct walk *c, json_t *obj, struct plan_step *st);
/* Parses onStart / onStop (member key): an array of requests like a workflow's steps. */
void request_session_steps(struct walk *c, json_t *obj, const char *key, struct plan_step **out,
    int *n);
/* Parses one request (object e at the current path) into st, its keys checked: never a batch. */
void request_one(struct walk *c, json_t *e, struct plan_step *st);
/* Frees an array of n steps (NULL: none). */
void request_steps_free(struct plan_step *steps, int n);
/* Text of a scalar used as a value (string, number, boolean), or NULL. Caller frees. */
char *request_scalar_text(json_t *v);
/* The origin's length of absolute URL s (n bytes: the whole URL, no templates), or 0 and *why. */
size_t request_url_origin(const char *s, size_t n, const char **why);
/* Runs the target allowlist hook on an origin (n bytes); an error at member key. */
void request_check_target(struct walk *c, const char *key, const char *origin, size_t n);
/* Whether s (n bytes) is an HTTP token (RFC 9110: method and header names). */
int request_is_token(const char *s, size_t n);

/* ---- features.c: variables, extract, checks, groupBy, think time, sessions */

/* The pre-pass, before any template is parsed: feeds, then every variable name defined anywhere,
   so that templates can refer to variables defined by later steps or other tasks. */
void features_collect(struct walk *c, json_t *root);
/* tmpl_scope's var_slot: the slot of a variable the definition defines, else -1. arg: the walk. */
int features_scope_var(void *arg, const char *name, size_t len);
/* The slot of variable name, added when new. */
int features_var_register(struct walk *c, const char *name);
/* Whether s can name a variable or feed; whether it is a built-in reference's name. */
int features_is_var_name(const char *s);
int features_is_builtin(const char *s);
/* What a step does with its response and after it: extract, checks, groupBy, thinkTime. */
void features_step(struct walk *c, json_t *obj, struct plan_step *st);
/* A scenario's (or, for the shortcuts, the root's) session keys: onStart, onStop, thinkTime,
   cookies, vars; and the feeds its templates read. */
void features_scenario(struct walk *c, json_t *obj, struct plan_scenario *s, int known_executor);
/* Top-level session keys next to `scenarios` belong inside a scenario. */
void features_check_root(struct walk *c, json_t *root);
/* Frees what features_step added to a step. */
void features_step_fini(struct plan_step *st);

/* ---- flow.c: a step's control flow */

/* A step's `when` and `repeat` (after its checks: notes whether one ends the iteration). */
void flow_step(struct walk *c, json_t *obj, struct plan_step *st);
/* Frees a condition. NULL is a no-op. */
void flow_cond_free(struct plan_cond *k);
/* Frees what flow_step added to a step. */
void flow_step_fini(struct plan_step *st);
/* Parses the top-level `setup` and `teardown` (after every scenario: what only they name is not
   measured, so their new endpoints and check names are taken out again); setup's extractions
   become plan->setup_slots. */
void flow_setup(struct walk *c, json_t *root);
/* Parses a batch step (object obj with "batch") into st. */
void flow_batch(struct walk *c, json_t *obj, struct plan_step *st);
/* Whether variable name is one that setup extracts (read-only for VUs). */
int flow_is_setup_var(const struct walk *c, const char *name);

/* ---- feed_load.c: the `feeds` object */

/* Parses the top-level `feeds` and registers "feed.column" variables. */
void feed_load_parse(struct walk *c, json_t *root);
/* After every scenario: unique feeds need a row per VU of the run. */
void feed_load_check_unique(struct walk *c);

/* ---- scenario.c: scenarios and executors */

/* Parses `scenarios` (or the shortcuts) into c->plan, with the VU and rate caps. */
void scenario_parse_all(struct walk *c, json_t *root);
/* Writes into buf the executors that have a parameter called key ("" when none has). */
void scenario_key_owners(const char *key, char *buf, size_t size);

/* ---- custom_metric.c: `metrics` and a step's `record` */

/* Parses the top-level `metrics` into plan->metrics and their own slots (before any step). */
void custom_metric_parse(struct walk *c, json_t *root);
/* Parses a step's `record` array (after its checks: an entry may record one). */
void custom_metric_step(struct walk *c, json_t *obj, struct plan_step *st);
/* Frees what custom_metric_step added to a step. */
void custom_metric_step_fini(struct plan_step *st);
/* Frees plan->metrics and plan->metric_slots. */
void custom_metric_free(struct plan *p);
/* The index in plan->metrics of the metric called name (n bytes), or -1. */
int custom_metric_find(const struct plan *p, const char *name, size_t n);
/* A threshold's key (n: the length of its name before any '{') when it names a custom metric:
   -1 when it does not; 0 and *slot, its series (the metric's own, or a sub-metric's by tag,
   added to plan->metric_slots); 1 when its tags are invalid (errors recorded). */
int custom_metric_threshold_key(struct walk *c, const char *key, size_t n, int *slot);
/* Fills every record entry's list of series (after the thresholds: sub-metrics by tag). */
void custom_metric_assign(struct plan *p);

/* ---- step_group.c: groups of steps (k6's group()) */

/* Parses a task's `steps` (member key of obj, present), groups flattened into *out (n steps): each step
   learns which groups it opens and closes; the groups are added to plan->step_groups. */
void step_group_steps(struct walk *c, json_t *obj, const char *key, struct plan_step **out, int *n);
/* The index in plan->step_groups of the group whose path is path, or -1. */
int step_group_find(const struct plan *p, const char *path);

/* ---- threshold_plan.c: thresholds */

/* Parses `thresholds` (the definition's member; NULL when absent) into plan->thresholds (NULL when
   there are none), plan->nseries and each step's series list. Last: a threshold may name any
   endpoint, scenario, task or check. */
void threshold_plan_parse(struct walk *c, json_t *thresholds);
/* Frees plan->thresholds and every step's series list, leaving them NULL. */
void threshold_plan_free(struct plan *plan);

#endif
