/*
 * random_vars: see random_vars.h. A draw renders a one-reference template with the VU's generator,
 * so the values are those of {{randomInt}} and {{uuid}} (template.c), with no second generator.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/xmalloc.h"
#include "testdef/random_vars.h"
#include "testdef/template.h"
#include "testdef/testdef_priv.h"

#define RANDOM_MAX 64              /* named random values per definition */

static const char *const random_keys[] = { "int", "uuid", "per", NULL };
static const char *const pers[] = { "run", "vu", "iteration", NULL };

/* Parses one entry (the walk is at it) into r; 0, or -1 with errors. */
static int
parse_one(struct walk *c, json_t *v, struct plan_random *r)
{
	const char *const *lists[] = { random_keys };
	json_t *in = json_object_get(v, "int"), *uuid = json_object_get(v, "uuid");
	const char *per = "iteration";
	char *src = NULL, *cause = NULL;
	int errors = c->errors;

	if (!json_is_object(v)) {
		walk_expected(c, NULL, "a random value like {\"int\": [1, 100], \"per\": \"vu\"} or "
		    "{\"uuid\": true, \"per\": \"run\"}", v);
		return -1;
	}
	walk_check_keys(c, v, lists, 1, -1);
	if ((in == NULL) == (uuid == NULL)) {
		walk_err(c, "expected one of \"int\" and \"uuid\", got %s", in == NULL ? "neither" : "both");
		return -1;
	}
	if (in != NULL) {
		json_t *a = json_array_get(in, 0), *b = json_array_get(in, 1);
		if (!json_is_array(in) || json_array_size(in) != 2 || !json_is_integer(a) || !json_is_integer(b) ||
		    json_integer_value(a) > json_integer_value(b))
			walk_expected(c, "int", "[min, max]: two integers, min <= max", in);
		else
			src = xasprintf("{{randomInt %lld %lld}}", (long long)json_integer_value(a),
			    (long long)json_integer_value(b));
		r->json = 1;
	} else if (!json_is_true(uuid)) {
		walk_expected(c, "uuid", "true", uuid);
	} else {
		src = xstrdup("{{uuid}}");
	}
	if (walk_get_string(c, v, "per", 1, &per) == 1 && !walk_in_list(pers, per)) {
		const char *const *per_list[] = { pers };
		const char *hint = walk_suggest(per, per_list, 1);
		walk_err_key(c, "per", "expected one of run, vu, iteration, got \"%s\"%s%s%s", per,
		    hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
	}
	r->per = strcmp(per, "run") == 0 ? PLAN_RANDOM_RUN : strcmp(per, "vu") == 0 ? PLAN_RANDOM_VU :
	    PLAN_RANDOM_ITERATION;
	if (src != NULL && (r->gen = tmpl_parse(src, TMPL_RAW, NULL, &cause)) == NULL) {
		walk_err(c, "%s", cause);   /* cannot happen: the source is ours */
		free(cause);
	}
	free(src);
	if (c->errors != errors)
		return -1;
	if (r->per == PLAN_RANDOM_RUN) {
		/* one value for the whole run: drawn now, from the system's generator */
		char buf[TMPL_BUILTIN_MAX + 1];
		uint64_t seed = 0;
		struct tmpl_ctx ctx = { .rng = &seed };
		if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
			seed = (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ull;
		seed |= 1;
		tmpl_render(r->gen, &ctx, buf, sizeof buf, &r->len);
		r->value = xstrndup(buf, r->len);
	}
	return 0;
}

void
random_vars_parse(struct walk *c, json_t *root)
{
	json_t *rand = json_object_get(root, "random"), *v;
	struct plan *p = c->plan;
	const char *name;
	size_t old;

	if (rand == NULL)
		return;
	if (!json_is_object(rand) || json_object_size(rand) > RANDOM_MAX) {
		walk_expected(c, "random", "an object of at most 64 named random values like "
		    "{\"orderId\": {\"int\": [1000, 9999]}}", rand);
		return;
	}
	p->randoms = xcalloc(json_object_size(rand) + 1, sizeof *p->randoms);
	old = walk_key(c, "random");
	json_object_foreach(rand, name, v) {
		struct plan_random *r = &p->randoms[p->nrandoms];
		size_t old2;
		if (!features_is_var_name(name) || features_is_builtin(name) ||
		    json_object_get(c->feed_index, name) != NULL) {
			json_t *js = json_string(name);
			walk_expected(c, NULL, "a variable name of letters, digits, '_' and '-' that is not a "
			    "built-in or a feed", js);
			json_decref(js);
			continue;
		}
		old2 = walk_key(c, name);
		/* registered even when invalid: its uses are not "unknown variable" too */
		r->slot = features_var_register(c, name);
		if (parse_one(c, v, r) == 0) {
			p->nrandoms++;
		} else {
			tmpl_free(r->gen);
			free(r->value);
			memset(r, 0, sizeof *r);
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
}

void
random_vars_free(struct plan *p)
{
	for (int i = 0; i < p->nrandoms; i++) {
		tmpl_free(p->randoms[i].gen);
		free(p->randoms[i].value);
	}
	free(p->randoms);
}

void
random_vars_draw(const struct plan *p, int session_start, struct tmpl_var *vars, char **var_buf,
    size_t cap, uint64_t *rng)
{
	for (int i = 0; i < p->nrandoms; i++) {
		const struct plan_random *r = &p->randoms[i];
		struct tmpl_ctx ctx = { .rng = rng };
		size_t len = 0;

		if (r->per == PLAN_RANDOM_RUN) {
			if (session_start)
				vars[r->slot] = (struct tmpl_var){ r->value, r->len, r->json };
			continue;
		}
		if ((r->per == PLAN_RANDOM_VU && !session_start) ||
		    (r->per == PLAN_RANDOM_ITERATION && session_start))
			continue;
		if (var_buf[r->slot] == NULL)
			var_buf[r->slot] = xmalloc(cap > TMPL_BUILTIN_MAX ? cap : TMPL_BUILTIN_MAX + 1);
		tmpl_render(r->gen, &ctx, var_buf[r->slot], TMPL_BUILTIN_MAX + 1, &len);
		vars[r->slot] = (struct tmpl_var){ var_buf[r->slot], len, r->json };
	}
}
