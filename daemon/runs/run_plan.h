/*
 * run_plan: a definition that came from the network, turned into a plan under the daemon's security
 * policy (security.h): its caps (limits.max_vus, max_rate, max_duration, named "limits" in errors),
 * its target allowlist (every origin the plan would send to) and its environment allowlist
 * ({{env.NAME}} sees only what security.env_allow lists). Feed files are refused (no base folder: a
 * definition from the network must not read the daemon's files).
 *
 * Every way a definition enters the daemon goes through here: the API validating, saving or
 * starting one, and the run manager parsing a run's snapshot again when it starts (under the policy
 * of now, so a restart with tighter limits applies to runs still queued). So a definition is judged
 * the same way wherever it comes from, and only here do the policy and the definition meet.
 *
 * Any thread: the policy is immutable and the parse touches no shared state.
 */
#ifndef RAMPAGE_RUN_PLAN_H
#define RAMPAGE_RUN_PLAN_H

#include <jansson.h>

struct plan;
struct security;
struct testdef_errors;

/*
 * Validates def under sec and builds its plan (caller frees with plan_free; it holds a reference
 * to def), or NULL with every error found added to errs (testdef_errors_init'ed by the caller).
 */
struct plan *run_plan_new(const struct security *sec, json_t *def, struct testdef_errors *errs);

#endif
