/*
 * step_group: groups of steps (see testdef_priv.h), k6's group(): among a task's `steps`, an entry
 * {"group": "checkout", "steps": [...]} names the steps inside it, groups nest (at most
 * PLAN_GROUP_DEPTH deep), and the task stays one flat array of steps, each knowing which groups
 * begin before it and end after it. So a VU only pushes and pops start times as it walks the
 * steps, and a task without groups runs exactly as before.
 *
 * A group is identified by its path ("::checkout::pay", k6's), so the same group written in two
 * tasks is one group with one group_duration; its checks are counted apart from the same names
 * elsewhere (features.c reads c->cur_group).
 *
 * Runs on the thread that parses a definition.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/testdef_priv.h"

static const char *const group_keys[] = { "group", "steps", NULL };

int
step_group_find(const struct plan *p, const char *path)
{
	for (int i = 0; i < p->nstep_groups; i++)
		if (strcmp(p->step_groups[i].path, path) == 0)
			return i;
	return -1;
}

/* Whether e is a group entry. */
static int
is_group(json_t *e)
{
	return json_is_object(e) && json_object_get(e, "group") != NULL;
}

/* The steps an array holds, its groups' steps included (invalid parts count as nothing). */
static size_t
count(json_t *steps, int depth)
{
	size_t n = 0, i;
	json_t *e;

	if (!json_is_array(steps) || depth > PLAN_GROUP_DEPTH)
		return 0;
	json_array_foreach(steps, i, e)
		n += is_group(e) ? count(json_object_get(e, "steps"), depth + 1) : 1;
	return n;
}

/* Appends id to a step's list (front: at the start; else at the end). */
static void
list_add(int **v, int *n, int id, int front)
{
	*v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
	if (front) {
		memmove(*v + 1, *v, (size_t)*n * sizeof **v);
		(*v)[0] = id;
	} else {
		(*v)[*n] = id;
	}
	(*n)++;
}

static void parse_list(struct walk *c, json_t *steps, struct plan_step *out, int *n, int depth);

/* Parses a group entry (object e at the current path) at nesting depth (1: in no other group). */
static void
parse_group(struct walk *c, json_t *e, struct plan_step *out, int *n, int depth)
{
	const char *const *lists[] = { group_keys };
	struct plan *p = c->plan;
	json_t *steps = json_object_get(e, "steps");
	const char *name = NULL;
	int parent = c->cur_group, id, first = *n;
	char *path;
	size_t old;

	walk_check_keys(c, e, lists, 1, -1);
	if (walk_get_name(c, e, "group", &name) != 1)
		return;
	if (strstr(name, "::") != NULL) {
		walk_err_key(c, "group", "expected a group name without \"::\" (it separates nested groups "
		    "in a group's path)");
		return;
	}
	if (depth > PLAN_GROUP_DEPTH) {
		walk_err_key(c, "group", "expected groups nested at most %d deep", PLAN_GROUP_DEPTH);
		return;
	}
	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		walk_expected(c, "steps", "a non-empty array of the group's steps", steps);
		return;
	}
	path = xasprintf("%s::%s", parent >= 0 ? p->step_groups[parent].path : "", name);
	if ((id = step_group_find(p, path)) < 0) {
		p->step_groups = xreallocarray(p->step_groups, (size_t)p->nstep_groups + 1,
		    sizeof *p->step_groups);
		p->step_groups[p->nstep_groups] = (struct plan_step_group){ xstrdup(name), path, parent };
		id = p->nstep_groups++;
	} else {
		free(path);
	}
	c->cur_group = id;
	old = walk_key(c, "steps");
	parse_list(c, steps, out, n, depth + 1);
	walk_pop(c, old);
	c->cur_group = parent;
	if (*n > first) {
		/* outer groups open first (this one was entered before its inner ones added theirs) and
		   close last (inner ones, parsed first, added theirs before) */
		list_add(&out[first].group_open, &out[first].ngroup_open, id, 1);
		list_add(&out[*n - 1].group_close, &out[*n - 1].ngroup_close, id, 0);
	}
}

/* Parses the entries of an array of steps and groups into out from *n on. */
static void
parse_list(struct walk *c, json_t *steps, struct plan_step *out, int *n, int depth)
{
	size_t i;
	json_t *e;

	json_array_foreach(steps, i, e) {
		size_t old = walk_index(c, i);
		if (is_group(e)) {
			parse_group(c, e, out, n, depth);
		} else if (!json_is_object(e)) {
			walk_expected(c, NULL, "a request object like {\"method\": \"GET\", \"path\": \"/\"}, or a "
			    "group like {\"group\": \"checkout\", \"steps\": [...]}", e);
			out[(*n)++].name = xstrdup("?");
		} else {
			request_step(c, e, &out[(*n)++]);
		}
		walk_pop(c, old);
	}
}

void
step_group_steps(struct walk *c, json_t *obj, const char *key, struct plan_step **out, int *n)
{
	json_t *steps = json_object_get(obj, key);
	size_t total = count(steps, 1);
	size_t old;

	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		walk_expected(c, key, "a non-empty array of requests", steps);
		return;
	}
	if (total > (size_t)c->opt.max_steps) {
		char *what = xasprintf("at most %d steps", c->opt.max_steps);
		walk_expected(c, key, what, steps);
		free(what);
		return;
	}
	*out = xcalloc(total + 1, sizeof **out);
	*n = 0;
	old = walk_key(c, key);
	parse_list(c, steps, *out, n, 1);
	walk_pop(c, old);
	if (*n == 0) {             /* only invalid groups: keep one placeholder for the error's sake */
		(*out)[0].name = xstrdup("?");
		*n = 1;
	}
}
