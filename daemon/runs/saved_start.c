/*
 * saved_start: see saved_start.h. Runs on the caller's thread (the scheduler's, or the api
 * thread's); the queueing itself is the run manager's (runq_submit waits for it).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runs/overrides.h"
#include "runs/run_plan.h"
#include "runs/run_query.h"
#include "runs/runq.h"
#include "runs/saved_start.h"
#include "testdef/testdef.h"

#define NOTE_MAX           4096       /* bytes; as a manual start (api_runs.c) */
#define TAGS_MAX           32
#define TAG_KEY_MAX        64
#define TAG_VALUE_MAX      256

int
saved_start_check(json_t *ov, const char *prefix, struct testdef_errors *errs)
{
	static const char *const keys[] = { "vus", "duration", "rate", "iterations", "agents", "tags",
	    "note", NULL };
	struct testdef_errors local;
	struct overrides parsed;
	const char *key;
	json_t *v;
	int n0 = errs->n;

	if (!json_is_object(ov)) {
		testdef_errors_add(errs, prefix, "expected an object of vus, duration, rate, iterations, tags, "
		    "note");
		return -1;
	}
	json_object_foreach(ov, key, v) {
		int i;
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			;
		if (keys[i] == NULL)
			testdef_errors_add(errs, prefix, "unknown key \"%s\" (overrides take vus, duration, "
			    "rate, iterations, agents, tags, note)", key);
	}
	/* overrides_parse names keys without a prefix: copy its errors over */
	testdef_errors_init(&local);
	overrides_parse(ov, &parsed, &local);
	for (int i = 0; i < local.n; i++)
		testdef_errors_add(errs, prefix, "%s: %s", local.v[i].path, local.v[i].message);
	testdef_errors_fini(&local);
	if ((v = json_object_get(ov, "note")) != NULL &&
	    (!json_is_string(v) || json_string_length(v) > NOTE_MAX))
		testdef_errors_add(errs, prefix, "note: expected a string of at most %d bytes", NOTE_MAX);
	if ((v = json_object_get(ov, "tags")) != NULL) {
		json_t *t;
		if (!json_is_object(v) || json_object_size(v) > TAGS_MAX)
			testdef_errors_add(errs, prefix, "tags: expected an object of at most %d string tags",
			    TAGS_MAX);
		else
			json_object_foreach(v, key, t)
				if (strlen(key) == 0 || strlen(key) > TAG_KEY_MAX || !json_is_string(t) ||
				    json_string_length(t) > TAG_VALUE_MAX)
					testdef_errors_add(errs, prefix, "tags.%s: tag names have 1 to %d bytes, "
					    "values are strings of at most %d", key, TAG_KEY_MAX, TAG_VALUE_MAX);
	}
	return errs->n > n0 ? -1 : 0;
}

/* The definition a run would start from, as JSON text (*text), with its name (*name); both xmalloc'd. */
static enum saved_start_result
prepare(const struct security *sec, sqlite3 *db, int64_t test_id, json_t *ov, const char *prefix,
    struct testdef_errors *errs, char **text, char **name, char **cause)
{
	enum saved_start_result r = SAVED_START_FAILED;
	struct overrides parsed;
	struct plan *plan = NULL;
	json_t *def = NULL;
	char *stored = NULL;

	*text = *name = NULL;
	if (ov != NULL && saved_start_check(ov, prefix, errs) != 0)
		return SAVED_START_INVALID;
	if (run_query_test_definition(db, test_id, &stored, cause) != 0)
		return SAVED_START_FAILED;
	if (stored == NULL) {
		*cause = xasprintf("test %lld does not exist", (long long)test_id);
		return SAVED_START_NO_TEST;
	}
	if ((def = json_loads(stored, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		*cause = xasprintf("test %lld holds a definition that is not JSON", (long long)test_id);
		goto out;
	}
	r = SAVED_START_INVALID;
	if (ov != NULL) {
		struct testdef_errors local;
		int rc;
		testdef_errors_init(&local);
		overrides_parse(ov, &parsed, &local);
		rc = overrides_apply(def, &parsed, &local);
		for (int i = 0; i < local.n; i++)
			testdef_errors_add(errs, prefix, "%s: %s", local.v[i].path, local.v[i].message);
		testdef_errors_fini(&local);
		if (rc != 0)
			goto out;
	}
	if ((plan = run_plan_new(sec, def, errs)) == NULL)
		goto out;
	*name = xstrdup(plan->name != NULL ? plan->name : "unnamed");
	*text = json_dumps(def, JSON_COMPACT);
	r = SAVED_START_OK;
out:
	plan_free(plan);
	json_decref(def);
	free(stored);
	return r;
}

enum saved_start_result
saved_start_try(const struct security *sec, sqlite3 *db, int64_t test_id, json_t *overrides,
    const char *prefix, struct testdef_errors *errs, char **cause)
{
	char *text, *name;
	enum saved_start_result r = prepare(sec, db, test_id, overrides, prefix, errs, &text, &name,
	    cause);

	free(text);
	free(name);
	return r;
}

enum saved_start_result
saved_start_run(struct runq *q, const struct security *sec, sqlite3 *db, const struct saved_start *ss,
    int64_t *run_id, char **cause)
{
	struct testdef_errors errs;
	struct runq_new nr = { .test_id = ss->test_id, .schedule_id = ss->schedule_id,
		.trigger = ss->trigger, .with = ss->with, .with_arg = ss->with_arg };
	char *text = NULL, *name = NULL, *tags = NULL;
	enum saved_start_result r;
	json_t *v;

	testdef_errors_init(&errs);
	r = prepare(sec, db, ss->test_id, ss->overrides, "overrides", &errs, &text, &name, cause);
	if (r == SAVED_START_INVALID) {
		*cause = xasprintf("%s: %s", errs.n > 0 && errs.v[0].path[0] != '\0' ? errs.v[0].path :
		    "definition", errs.n > 0 ? errs.v[0].message : "invalid");
	}
	testdef_errors_fini(&errs);
	if (r != SAVED_START_OK)
		goto out;
	nr.name = name;
	nr.definition = text;
	if (ss->overrides != NULL && (v = json_object_get(ss->overrides, "note")) != NULL)
		nr.note = json_string_value(v);
	if (ss->overrides != NULL && (v = json_object_get(ss->overrides, "tags")) != NULL)
		nr.tags = tags = json_dumps(v, JSON_COMPACT);
	if (runq_submit(q, &nr, run_id, cause) != 0)
		r = SAVED_START_FAILED;
out:
	free(text);
	free(name);
	free(tags);
	return r;
}
