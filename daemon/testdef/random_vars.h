/*
 * random_vars: named random values drawn once and reused (`"random": {"orderId": {"int": [1000,
 * 9999], "per": "iteration"}}`): one per run, per VU or per iteration, where {{randomInt A B}} and
 * {{uuid}} draw anew at every use. k6 writes them as a variable in the init context (per VU) or at
 * the top of the default function (per iteration); setup() returns a per-run one.
 *
 * Parsing on the thread that parses a definition (a per-run value is drawn then: a plan is built
 * for each run); random_vars_draw on a worker thread, for its VU.
 */
#ifndef RAMPAGE_RANDOM_VARS_H
#define RAMPAGE_RANDOM_VARS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct walk;
struct plan;
struct tmpl;
struct tmpl_var;

enum plan_random_per { PLAN_RANDOM_RUN, PLAN_RANDOM_VU, PLAN_RANDOM_ITERATION };

/* One named random value (plan->randoms). */
struct plan_random {
	int slot;                  /* the variable's slot */
	enum plan_random_per per;
	struct tmpl *gen;          /* {{randomInt A B}} or {{uuid}}: what one draw renders */
	int json;                  /* an int: a number in a json body */
	char *value;               /* PLAN_RANDOM_RUN: the run's value, drawn at parse time */
	size_t len;
};

/* Parses the top-level "random" and registers its names as variables (before the scenarios, so
   templates may use them). Errors at "random.NAME". */
void random_vars_parse(struct walk *c, json_t *root);
/* Frees p's random values. */
void random_vars_free(struct plan *p);
/*
 * Sets a VU's random variables: at a session start (iteration 0) the per-run and per-VU ones, at
 * every iteration the per-iteration ones. A drawn value is written into var_buf[slot] (cap bytes,
 * allocated on the first draw) and vars[slot] points at it. rng: the VU's generator. Worker thread.
 */
void random_vars_draw(const struct plan *p, int session_start, struct tmpl_var *vars, char **var_buf,
    size_t cap, uint64_t *rng);

#endif
