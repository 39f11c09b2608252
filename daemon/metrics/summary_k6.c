/*
 * summary_k6: the document k6's `--summary-export` writes, made from the handleSummary() document
 * (summary_json). k6 builds its file the same way, from the same data (grafana/k6
 * internal/js/summary-wrapper.js, oldJSONSummary): options and state are dropped; each metric entry
 * becomes its values ("type"/"contains" go); a rate's "rate" is renamed "value"; a metric's
 * thresholds become {"<expression>": <bool>} where the bool is TRUE WHEN THE THRESHOLD FAILED (k6
 * issue #1498, kept for compatibility with the scripts that read k6's file); root_group's groups and
 * checks arrays become objects keyed by name. Rampage's "rampage" extras are not part of k6's file and
 * are left out (the rich document keeps them: `--out summary=`, GET /api/runs/{id}/summary).
 *
 * Runs on the caller's thread after the run; pure function of its argument.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/summary.h"

/* Turns a group's "groups" and "checks" arrays into objects keyed by name, recursively. New ref. */
static json_t *
legacy_group(const json_t *g)
{
	json_t *out = json_deep_copy(g);
	json_t *groups = json_object_get(out, "groups"), *checks = json_object_get(out, "checks");
	size_t i;
	json_t *item;

	if (json_is_array(groups)) {
		json_t *o = json_object();
		json_array_foreach(groups, i, item)
			json_object_set_new(o, json_string_value(json_object_get(item, "name")) ?: "",
			    legacy_group(item));
		json_object_set_new(out, "groups", o);
	}
	if (json_is_array(checks)) {
		json_t *o = json_object();
		json_array_foreach(checks, i, item)
			json_object_set(o, json_string_value(json_object_get(item, "name")) ?: "", item);
		json_object_set_new(out, "checks", o);
	}
	return out;
}

json_t *
summary_k6_legacy(const json_t *rich)
{
	json_t *out = json_object(), *metrics = json_object();
	const json_t *rm = json_object_get(rich, "metrics"), *rg = json_object_get(rich, "root_group");
	const char *name;
	json_t *m;

	json_object_set_new(out, "root_group", rg != NULL ? legacy_group(rg) : json_object());
	json_object_foreach((json_t *)rm, name, m) {
		json_t *values = json_deep_copy(json_object_get(m, "values"));
		json_t *th = json_object_get(m, "thresholds"), *t;
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *expr;

		if (values == NULL)
			values = json_object();
		if (json_object_size(th) > 0) {
			json_t *o = json_object();
			json_object_foreach(th, expr, t)
				json_object_set_new(o, expr, json_boolean(!json_is_true(json_object_get(t, "ok"))));
			json_object_set_new(values, "thresholds", o);
		}
		if (type != NULL && strcmp(type, "rate") == 0 && json_object_get(values, "rate") != NULL) {
			json_object_set(values, "value", json_object_get(values, "rate"));
			json_object_del(values, "rate");
		}
		json_object_set_new(metrics, name, values);
	}
	json_object_set_new(out, "metrics", metrics);
	return out;
}

int
summary_k6_export(const struct summary_run *run, const char *path, char **cause)
{
	json_t *rich = summary_json(run), *k6 = summary_k6_legacy(rich);
	int rc = 0;

	if (json_dump_file(k6, path, JSON_INDENT(4) | JSON_REAL_PRECISION(12)) != 0) {
		*cause = xasprintf("%s: cannot write the k6 summary export: %s", path,
		    strerror(errno ? errno : EIO));
		rc = -1;
	}
	json_decref(k6);
	json_decref(rich);
	return rc;
}
