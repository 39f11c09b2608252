/*
 * setup: a run's `setup` and `teardown` steps (k6's setup() and teardown()), sent once per run, in
 * order, with one blocking libcurl easy handle and its own cookie jar: setup on the engine's setup
 * thread before the VUs' clock starts, teardown on the controller thread after every worker has
 * joined. Neither is on a worker, so the per-request path is untouched; their requests are not
 * counted in the run's metrics.
 *
 * What setup extracts is the run's setup data: a variable table (struct tmpl_var per plan slot)
 * written by setup alone, before any VU starts, and read-only afterwards, so every VU reads it
 * without locks (the workers start after it is complete). Teardown reads it too.
 *
 * A step fails on no response (refused, timed out, blocked by the connect guard), a status outside
 * 200-399, a failed check or an extraction that finds nothing; the first failure ends the steps
 * with a reason naming the step ("setup: step \"login\": HTTP 401").
 */
#ifndef RAMPAGE_SETUP_H
#define RAMPAGE_SETUP_H

#include <stdatomic.h>
#include <sys/socket.h>

#include "testdef/plan.h"

struct setup_data;

/* Empty setup data for plan's variables. */
struct setup_data *setup_data_new(const struct plan *plan);
/* NULL is a no-op. */
void setup_data_free(struct setup_data *d);
/* The variable table ([plan->nvars]; slots setup did not set are unset). Valid until freed. */
const struct tmpl_var *setup_data_vars(const struct setup_data *d);
/*
 * Sets variable `slot` to the len bytes at s (json: a JSON number, true or false, rendered unquoted):
 * setup data made elsewhere (an agent's controller ran setup: engine_options.setup_data). Before the
 * engine starts; the caller's thread. 0, or -1 when the value is longer than the plan's variable cap.
 */
int setup_data_set(struct setup_data *d, int slot, const char *s, size_t len, int json);

/* What the steps run with. */
struct setup_env {
	/* the engine's connect guard (NULL: none), as engine_options.allow_addr */
	int (*allow_addr)(void *arg, const struct sockaddr *sa);
	void *allow_arg;
	atomic_int *stop;          /* non-zero: give up at the next chance (a stopped run) */
	size_t body_cap;           /* response bytes kept for checks and extraction */
};

/*
 * Sends steps[0..n) in order (what = "setup" or "teardown", for the reasons), extracting into d.
 * Returns 0, 1 when *env->stop cut it short, or -1 with *cause (caller frees). The run's own thread.
 */
int setup_run(const struct plan *plan, const struct plan_step *steps, int n, const char *what,
    struct setup_data *d, const struct setup_env *env, char **cause);

#endif
