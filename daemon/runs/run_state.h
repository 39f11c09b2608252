/*
 * run_state: the words of a run's life, defined once (docs/api.md, "Run states"): its states, the
 * one table of legal moves between them, and its verdict, how its thresholds stood at its end.
 * The run manager (runq.c) is the only one that moves a run, through this table; the API, the
 * metrics page and the CLI read the names; the schedules' "notify on failure" and the baselines'
 * "last passed run" ask run_is_failure / run_is_pass rather than compare names themselves.
 *
 * Pure functions over constant tables: any thread.
 */
#ifndef RAMPAGE_RUN_STATE_H
#define RAMPAGE_RUN_STATE_H

#include <stdbool.h>

/*
 * The states of a run (the `runs.state` CHECK, sql/004-run-states.sql). Legal moves:
 *   queued   -> running | cancelled | error
 *   running  -> stopping | passed | failed | finished | error | aborted
 *   stopping -> stopped | error | aborted
 * passed: it ended by itself, had thresholds, and every one held; failed: it ended by itself with a
 * threshold failed, or an abortOnFail threshold ended it; finished: it ended by itself and had no
 * thresholds (no verdict is claimed); stopped: a user stopped it while it ran; cancelled: stopped
 * while still queued (it never sent load: no summary, no samples); aborted: the daemon went away
 * while it ran (store_open sets it after a crash, runq_stop at a shutdown); error: it could not
 * run. The last seven are final. The order is the API's and the metrics page's.
 */
enum run_state {
	RUN_QUEUED,
	RUN_RUNNING,
	RUN_STOPPING,
	RUN_PASSED,
	RUN_FAILED,
	RUN_FINISHED,
	RUN_STOPPED,
	RUN_CANCELLED,
	RUN_ABORTED,
	RUN_ERROR,
	RUN_NSTATES,
};

/* How a run's thresholds stood at its end (the Run object's "verdict"). */
enum run_verdict {
	RUN_VERDICT_NONE,          /* null: it had no thresholds, or they were never evaluated */
	RUN_VERDICT_PASSED,        /* every threshold held */
	RUN_VERDICT_FAILED,        /* at least one failed */
};

/* The state's name as stored and shown ("queued"). */
const char *run_state_name(enum run_state s);
/* The state of a name, or -1. */
int run_state_from_name(const char *name);
/* Whether a run in state s is over. */
bool run_state_final(enum run_state s);
/* Whether from -> to is a legal transition (the table above). */
bool run_state_legal(enum run_state from, enum run_state to);
/* The final state of a run that ended by itself: finished without thresholds (nthresholds 0),
   else passed or failed as they stood. */
enum run_state run_state_ended(int nthresholds, bool thresholds_held);
/* Every state name, separated by ", " (for error messages that list what is accepted). */
const char *run_state_names_list(void);

/* The verdict's name ("passed", "failed"), or NULL for RUN_VERDICT_NONE (JSON null). */
const char *run_verdict_name(enum run_verdict v);

/* "A failure" (what a notification on failure fires for): failed, error or aborted, or stopped
   with its thresholds failed. */
bool run_is_failure(enum run_state s, enum run_verdict v);
/* "Passed" (what a baseline may be): state passed, nothing less. */
bool run_is_pass(enum run_state s);

#endif
