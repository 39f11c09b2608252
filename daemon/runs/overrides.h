/*
 * overrides: the knobs a user may turn when starting a run of a saved test (vus, duration, rate),
 * applied to the definition's JSON before it is validated, so that the run's snapshot is exactly
 * what ran and the one validator (testdef) judges the result.
 *
 * Each override goes to every scenario whose executor has the matching parameter:
 *
 *   executor                vus                  duration       rate   iterations
 *   constant-vus            vus                  duration       -      -
 *   ramping-vus             -                    -              -      -
 *   constant-arrival-rate   preAllocatedVUs (*)  duration       rate   -
 *   ramping-arrival-rate    preAllocatedVUs (*)  -              -      -
 *   per-vu-iterations       vus                  maxDuration    -      iterations
 *   shared-iterations       vus                  maxDuration    -      iterations
 *   (*) maxVUs is raised to the same number when it is lower.
 *
 * A definition written with the top-level shortcuts is treated as the one scenario k6 derives from
 * them (`duration` -> constant-vus, `iterations` -> shared-iterations with `duration` as its
 * maxDuration, `stages` -> ramping-vus; `vus` alone or nothing -> one iteration per VU, which takes
 * `vus` but no `duration`). `iterations` on a shortcut definition without stages sets the top-level
 * `iterations`, which makes it shared-iterations (with `duration`, if any, as its maxDuration), as
 * k6's --iterations does. An override that applies to no scenario is an error naming it.
 *
 * Pure functions on the caller's thread (the api thread).
 */
#ifndef RAMPAGE_OVERRIDES_H
#define RAMPAGE_OVERRIDES_H

#include <stdbool.h>
#include <jansson.h>

struct testdef_errors;

#define OVERRIDES_MAX_VUS 1000000
#define OVERRIDES_MAX_ITERATIONS 1000000000

struct overrides {
	bool has_vus, has_duration, has_rate, has_iterations, has_agents;
	json_int_t vus;            /* 1..OVERRIDES_MAX_VUS */
	const char *duration;      /* a duration > 0 ("30s"); borrowed from the parsed body */
	double rate;               /* > 0, finite: iterations per the scenario's timeUnit */
	json_int_t iterations;     /* 1..OVERRIDES_MAX_ITERATIONS */
	json_t *agents;            /* the definition's `agents` to set (borrowed): 1..256, "all", or 0
	                              (run here: the key is removed) */
};

/*
 * Reads "vus", "duration", "rate", "iterations" and "agents" from obj (other keys are the caller's), checking each value's
 * type and range; each problem is added to errs at the key's path ("vus"). 0, or -1 with errors.
 */
int overrides_parse(json_t *obj, struct overrides *ov, struct testdef_errors *errs);
/*
 * Applies ov to the definition def (a JSON object, changed in place) as the table above says. 0, or
 * -1 with an error per override that applies to no scenario. A definition that is not even an object
 * is left alone (the validator reports it).
 */
int overrides_apply(json_t *def, const struct overrides *ov, struct testdef_errors *errs);
/* Whether ov changes anything. */
bool overrides_any(const struct overrides *ov);

#endif
