/*
 * overrides: see overrides.h. Pure JSON edits on the api thread.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "runs/overrides.h"
#include "core/duration.h"
#include "testdef/testdef.h"

/* Which parameter of an executor each override sets (NULL: none). */
struct target {
	const char *executor;
	const char *vus, *duration, *rate, *iterations;
	bool vus_raises_max;       /* vus is preAllocatedVUs: raise maxVUs with it */
};

static const struct target targets[] = {
	{ "constant-vus", "vus", "duration", NULL, NULL, false },
	{ "ramping-vus", NULL, NULL, NULL, NULL, false },
	{ "constant-arrival-rate", "preAllocatedVUs", "duration", "rate", NULL, true },
	{ "ramping-arrival-rate", "preAllocatedVUs", NULL, NULL, NULL, true },
	{ "per-vu-iterations", "vus", "maxDuration", NULL, "iterations", false },
	{ "shared-iterations", "vus", "maxDuration", NULL, "iterations", false },
};

/* The shortcut forms, as the scenario they stand for (keys are top-level ones). */
static const struct target shortcut_duration = { "constant-vus", "vus", "duration", NULL, "iterations",
    false };
static const struct target shortcut_iterations = { "shared-iterations", "vus", "duration", NULL, "iterations",
    false };
static const struct target shortcut_stages = { "ramping-vus", NULL, NULL, NULL, NULL, false };
static const struct target shortcut_vus = { "shared-iterations", "vus", NULL, NULL, "iterations", false };

int
overrides_parse(json_t *obj, struct overrides *ov, struct testdef_errors *errs)
{
	int before = errs->n + errs->dropped;
	json_t *v;

	memset(ov, 0, sizeof *ov);
	if ((v = json_object_get(obj, "vus")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > OVERRIDES_MAX_VUS)
			testdef_errors_add(errs, "vus", "expected an integer from 1 to %d", OVERRIDES_MAX_VUS);
		else {
			ov->has_vus = true;
			ov->vus = json_integer_value(v);
		}
	}
	if ((v = json_object_get(obj, "duration")) != NULL) {
		int64_t ns;
		if (!json_is_string(v) || duration_parse(json_string_value(v), &ns) != DURATION_OK || ns <= 0)
			testdef_errors_add(errs, "duration", "expected a duration above 0 like \"30s\" or \"5m\"");
		else {
			ov->has_duration = true;
			ov->duration = json_string_value(v);
		}
	}
	if ((v = json_object_get(obj, "rate")) != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
			testdef_errors_add(errs, "rate", "expected a number above 0 (iterations per timeUnit)");
		else {
			ov->has_rate = true;
			ov->rate = json_number_value(v);
		}
	}
	if ((v = json_object_get(obj, "iterations")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > OVERRIDES_MAX_ITERATIONS)
			testdef_errors_add(errs, "iterations", "expected an integer from 1 to %d",
			    OVERRIDES_MAX_ITERATIONS);
		else {
			ov->has_iterations = true;
			ov->iterations = json_integer_value(v);
		}
	}
	if ((v = json_object_get(obj, "agents")) != NULL) {
		if ((json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= PLAN_MAX_AGENTS) ||
		    (json_is_string(v) && strcmp(json_string_value(v), "all") == 0)) {
			ov->has_agents = true;
			ov->agents = v;
		} else {
			testdef_errors_add(errs, "agents", "expected an integer from 0 (run on the daemon) to 256, "
			    "or \"all\" (every configured agent)");
		}
	}
	return errs->n + errs->dropped == before ? 0 : -1;
}

bool
overrides_any(const struct overrides *ov)
{
	return ov->has_vus || ov->has_duration || ov->has_rate || ov->has_iterations || ov->has_agents;
}

/* Sets what ov says on one scenario object (or the top level, for shortcuts); counts what applied. */
static void
apply_one(json_t *sc, const struct target *t, const struct overrides *ov, int applied[4])
{
	if (ov->has_vus && t->vus != NULL) {
		json_object_set_new(sc, t->vus, json_integer(ov->vus));
		if (t->vus_raises_max) {
			json_t *max = json_object_get(sc, "maxVUs");
			if (json_is_integer(max) && json_integer_value(max) < ov->vus)
				json_object_set_new(sc, "maxVUs", json_integer(ov->vus));
		}
		applied[0]++;
	}
	if (ov->has_duration && t->duration != NULL) {
		json_object_set_new(sc, t->duration, json_string(ov->duration));
		applied[1]++;
	}
	if (ov->has_rate && t->rate != NULL) {
		json_object_set_new(sc, t->rate, json_real(ov->rate));
		applied[2]++;
	}
	if (ov->has_iterations && t->iterations != NULL) {
		json_object_set_new(sc, t->iterations, json_integer(ov->iterations));
		applied[3]++;
	}
}

int
overrides_apply(json_t *def, const struct overrides *ov, struct testdef_errors *errs)
{
	json_t *scenarios, *sc;
	const char *name;
	int applied[4] = { 0, 0, 0, 0 };
	int rc = 0;

	if (!json_is_object(def))
		return 0;
	if (ov->has_agents) {
		if (json_is_integer(ov->agents) && json_integer_value(ov->agents) == 0)
			json_object_del(def, "agents");
		else
			json_object_set(def, "agents", ov->agents);
	}
	scenarios = json_object_get(def, "scenarios");
	if (json_is_object(scenarios)) {
		json_object_foreach(scenarios, name, sc) {
			const char *ex = json_string_value(json_object_get(sc, "executor"));
			if (!json_is_object(sc) || ex == NULL)
				continue;   /* the validator says what is wrong with it */
			for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
				if (strcmp(ex, targets[i].executor) == 0)
					apply_one(sc, &targets[i], ov, applied);
		}
	} else if (scenarios != NULL) {
		return 0;   /* not an object: the validator reports it */
	} else {
		const struct target *t;
		if (json_object_get(def, "stages") != NULL)
			t = &shortcut_stages;
		else if (json_object_get(def, "iterations") != NULL)
			t = &shortcut_iterations;
		else if (json_object_get(def, "duration") != NULL)
			t = &shortcut_duration;
		else
			t = &shortcut_vus;
		apply_one(def, t, ov, applied);
	}
	if (ov->has_vus && applied[0] == 0) {
		testdef_errors_add(errs, "vus", "no scenario takes a VU count (ramping-vus follows its "
		    "stages)");
		rc = -1;
	}
	if (ov->has_duration && applied[1] == 0) {
		testdef_errors_add(errs, "duration", "no scenario has a duration to override (ramping "
		    "executors follow their stages; a run of iterations needs \"iterations\" to take one)");
		rc = -1;
	}
	if (ov->has_rate && applied[2] == 0) {
		testdef_errors_add(errs, "rate", "no scenario uses constant-arrival-rate");
		rc = -1;
	}
	if (ov->has_iterations && applied[3] == 0) {
		testdef_errors_add(errs, "iterations", "no scenario runs a count of iterations "
		    "(per-vu-iterations, shared-iterations, or a definition without scenarios or stages)");
		rc = -1;
	}
	return rc;
}
