/*
 * run_state: see run_state.h. The names and the legality table side by side, so that adding a
 * state is one line in each, and the unit test (tests/unit/test_runq.c) checks the table against
 * the documented moves word for word.
 */
#include <config.h>

#include <assert.h>
#include <string.h>

#include "runs/run_state.h"

static const char *const state_names[RUN_NSTATES] = {
	[RUN_QUEUED] = "queued",
	[RUN_RUNNING] = "running",
	[RUN_STOPPING] = "stopping",
	[RUN_PASSED] = "passed",
	[RUN_FAILED] = "failed",
	[RUN_FINISHED] = "finished",
	[RUN_STOPPED] = "stopped",
	[RUN_CANCELLED] = "cancelled",
	[RUN_ABORTED] = "aborted",
	[RUN_ERROR] = "error",
};

/* legal[from] is the set of states `from` may move to (bit per state); final states move nowhere. */
#define S(x) (1u << (x))
static const unsigned legal[RUN_NSTATES] = {
	[RUN_QUEUED] = S(RUN_RUNNING) | S(RUN_CANCELLED) | S(RUN_ERROR),
	[RUN_RUNNING] = S(RUN_STOPPING) | S(RUN_PASSED) | S(RUN_FAILED) | S(RUN_FINISHED) |
	    S(RUN_ERROR) | S(RUN_ABORTED),
	[RUN_STOPPING] = S(RUN_STOPPED) | S(RUN_ERROR) | S(RUN_ABORTED),
};
#undef S

const char *
run_state_name(enum run_state s)
{
	assert(s >= 0 && s < RUN_NSTATES);
	return state_names[s];
}

int
run_state_from_name(const char *name)
{
	for (int s = 0; s < RUN_NSTATES; s++)
		if (strcmp(state_names[s], name) == 0)
			return s;
	return -1;
}

bool
run_state_final(enum run_state s)
{
	assert(s >= 0 && s < RUN_NSTATES);
	return legal[s] == 0;
}

bool
run_state_legal(enum run_state from, enum run_state to)
{
	assert(from >= 0 && from < RUN_NSTATES && to >= 0 && to < RUN_NSTATES);
	return (legal[from] & (1u << to)) != 0;
}

enum run_state
run_state_ended(int nthresholds, bool thresholds_held)
{
	if (nthresholds == 0)
		return RUN_FINISHED;
	return thresholds_held ? RUN_PASSED : RUN_FAILED;
}

const char *
run_state_names_list(void)
{
	static const char list[] = "queued, running, stopping, passed, failed, finished, stopped, "
	    "cancelled, aborted, error";

	return list;
}

const char *
run_verdict_name(enum run_verdict v)
{
	return v == RUN_VERDICT_PASSED ? "passed" : v == RUN_VERDICT_FAILED ? "failed" : NULL;
}

bool
run_is_failure(enum run_state s, enum run_verdict v)
{
	return s == RUN_FAILED || s == RUN_ERROR || s == RUN_ABORTED ||
	    (s == RUN_STOPPED && v == RUN_VERDICT_FAILED);
}

bool
run_is_pass(enum run_state s)
{
	return s == RUN_PASSED;
}
