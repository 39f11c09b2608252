/*
 * step_tags: see step_tags.h. On the thread that parses a definition; the plan's tags are then
 * immutable (threshold_plan reads them to decide which steps count in a tagged series: nothing of
 * this reaches a worker).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/step_tags.h"
#include "testdef/testdef_priv.h"

/* The tags thresholds know without a request saying so (threshold_plan.c), and k6's others that
   a request cannot set either. */
static const char *const builtin[] = {
	"name", "method", "scenario", "group", "status", "expected_response", "check", "url", "proto",
	"error", "error_code", NULL,
};

int
step_tags_builtin(const char *name)
{
	for (const char *const *b = builtin; *b != NULL; b++)
		if (strcmp(*b, name) == 0)
			return 1;
	return 0;
}

void
step_tags_parse(struct walk *c, json_t *obj, struct plan_step *st)
{
	json_t *tags = json_object_get(obj, "tags"), *v;
	const char *key;
	size_t old;

	if (tags == NULL)
		return;
	if (!json_is_object(tags) || json_object_size(tags) > STEP_TAGS_MAX) {
		walk_expected(c, "tags", "an object of at most 16 tags, names to strings", tags);
		return;
	}
	old = walk_key(c, "tags");
	st->tags = xcalloc(json_object_size(tags) > 0 ? json_object_size(tags) : 1, sizeof *st->tags);
	json_object_foreach(tags, key, v) {
		size_t n = strlen(key);
		if (n == 0 || n > STEP_TAG_NAME_MAX || strspn(key, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n) {
			walk_err_key(c, key, "expected a tag name of 1 to %d letters, digits, _, - or .",
			    STEP_TAG_NAME_MAX);
			continue;
		}
		if (step_tags_builtin(key)) {
			walk_err_key(c, key, "is a built-in tag (set by Rampage for every request): choose "
			    "another name");
			continue;
		}
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > STEP_TAG_VALUE_MAX || strchr(json_string_value(v), '{') != NULL ||
		    strpbrk(json_string_value(v), ",}") != NULL) {
			walk_expected(c, key, "a fixed string of 1 to 256 bytes without {, }, or commas "
			    "(thresholds select by it)", v);
			continue;
		}
		st->tags[st->ntags].name = xstrdup(key);
		st->tags[st->ntags].value = xstrdup(json_string_value(v));
		st->ntags++;
	}
	walk_pop(c, old);
}

void
step_tags_fini(struct plan_step *st)
{
	for (int i = 0; i < st->ntags; i++) {
		free(st->tags[i].name);
		free(st->tags[i].value);
	}
	free(st->tags);
	st->tags = NULL;
	st->ntags = 0;
}

const char *
step_tags_get(const struct plan_step *st, const char *name)
{
	for (int i = 0; i < st->ntags; i++)
		if (strcmp(st->tags[i].name, name) == 0)
			return st->tags[i].value;
	return NULL;
}

/* Whether one of n steps has the tag. */
static int
steps_use(const struct plan_step *st, int n, const char *name, const char *value)
{
	for (int i = 0; i < n; i++) {
		const char *v = step_tags_get(&st[i], name);
		if (v != NULL && (value == NULL || strcmp(v, value) == 0))
			return 1;
	}
	return 0;
}

int
step_tags_used(const struct plan *p, const char *name, const char *value)
{
	for (int i = 0; i < p->nscenarios; i++) {
		const struct plan_scenario *sc = &p->scenarios[i];
		for (int j = 0; j < sc->ntasks; j++)
			if (steps_use(sc->tasks[j].steps, sc->tasks[j].nsteps, name, value))
				return 1;
		if (steps_use(sc->on_start, sc->non_start, name, value) ||
		    steps_use(sc->on_stop, sc->non_stop, name, value))
			return 1;
	}
	return 0;
}
