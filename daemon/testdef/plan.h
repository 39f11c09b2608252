/*
 * plan: a validated, immutable test definition, ready for the engine. testdef_parse() builds it from
 * JSON; after that nothing writes to it, so every thread (controller, workers, API) reads it without
 * locks. Everything the per-request path needs is precomputed here (endpoint indexes, cumulative task
 * weights, parsed templates), so workers never parse or allocate per request.
 *
 * Times are nanoseconds (CLOCK_MONOTONIC deltas). Names follow k6 where k6 has the concept.
 */
#ifndef RAMPAGE_PLAN_H
#define RAMPAGE_PLAN_H

#include <stdint.h>
#include <jansson.h>

#include "engine/sched.h"      /* struct sched_stage { int64_t duration_ns; double target; } */
#include "testdef/template.h"  /* struct tmpl: a parsed string with {{...}} references */

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

struct plan_header {
	char *name;                /* as written */
	struct tmpl *value;        /* CR/LF in rendered values become spaces */
	struct tmpl *line;         /* "name: value", ready for a transport_request header line */
};

struct plan_query {
	char *name;                /* URL-encoded at parse time */
	struct tmpl *value;        /* URL-encoded when rendered */
};

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
};

/* One step of a task: a request plus what to do with the response. */
struct plan_step {
	char *name;                /* endpoint name: task/step `name`, default "METHOD path" */
	int endpoint;              /* index into plan->endpoints (same name = same endpoint) */
	struct plan_request req;
	/* Checks, extraction, think time and groupBy arrive with the scenario-features issue. */
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
	struct sched_stage *stages;/* ramping-vus, ramping-arrival-rate */
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
};

/* An endpoint is a metrics key: every step with the same name shares one. */
struct plan_endpoint {
	char *name;
	char *method;              /* of the first step with this name */
};

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
	                              a VU's table is struct tmpl_var[nvars]. None yet (nvars == 0); the
	                              scenario-features issue fills it (extract, vars, feeds). */
	int nvars;
	json_t *definition;        /* the definition as given (a reference is held) */
};

/* Frees a plan and everything in it. NULL is a no-op. */
void plan_free(struct plan *plan);

#endif
