/*
 * summary_merge: see summary_merge.h. The first document is the skeleton (deep-copied); every value
 * that can be merged is then rewritten from all the documents, matched by name (metrics, endpoints,
 * groupBy steps) or by k6 id (checks). Histograms are decoded from base64 with GLib and merged
 * with hist_merge_blob, which checks every blob (they are untrusted input).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/summary_merge.h"
#include "metrics/summary_priv.h"

#define MERGE_NOTE "trends are exact from the shares' merged histograms; counts add up; a rate per " \
	"second is over the longest share; gauges are the sum of the shares' values; thresholds, " \
	"sub-metric entries and the generator verdict are not merged (each share's verdict is in shares)"

struct merge {
	json_t *const *docs;
	const char *const *names;
	int n;
	double dur_ms;             /* the longest share's state.testRunDurationMs */
	char *cause;               /* the first error */
};

static json_t *
path2(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static json_int_t
int_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : (json_int_t)json_number_value(v);
}

/* Adds the base64 blob s into h. 0, or -1 and m->cause naming doc i and what. */
static int
add_blob(struct merge *m, struct hist *h, json_t *s, int i, const char *what)
{
	gsize len = 0;
	guchar *blob;
	char *why = NULL;

	if (!json_is_string(s)) {
		if (m->cause == NULL)
			m->cause = xasprintf("%s: rampage.histograms has no histogram for %s", m->names[i], what);
		return -1;
	}
	blob = g_base64_decode(json_string_value(s), &len);
	if (hist_merge_blob(h, blob, len, &why) != 0) {
		if (m->cause == NULL)
			m->cause = xasprintf("%s: rampage.histograms: %s: %s", m->names[i], what,
			    why != NULL ? why : "not a histogram");
		free(why);
		g_free(blob);
		return -1;
	}
	g_free(blob);
	return 0;
}

/* Adds every integer member of src into dst (status codes, errors, groupBy values). */
static void
add_counts(json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v) {
		json_int_t have = int_of(dst, k);
		json_object_set_new(dst, k, json_integer(have + (json_is_integer(v) ? json_integer_value(v) : 0)));
	}
}

/* The merged trend of histogram `key` in each document's histogram object `sel`, written into
   *out_trend and (as base64) into hists[key]. */
static int
merge_trend(struct merge *m, json_t *(*sel)(json_t *doc, void *arg), void *arg, const char *key,
    const char *what, json_t *hists, json_t **out_trend)
{
	struct hist *h = hist_new();
	struct summary_trend t;
	int rc = 0;

	for (int i = 0; i < m->n && rc == 0; i++) {
		json_t *o = sel(m->docs[i], arg);
		if (o != NULL)
			rc = add_blob(m, h, json_object_get(o, key), i, what);
	}
	if (rc == 0) {
		summary_trend_of(h, &t);
		*out_trend = summary_trend_values(&t);
		json_object_set_new(hists, key, summary_hist_b64(h));
	}
	hist_free(h);
	return rc;
}

static json_t *
sel_metrics(json_t *doc, void *arg)
{
	const char *name = arg;
	if (json_object_get(json_object_get(doc, "metrics"), name) == NULL)
		return NULL;       /* this share has no such metric */
	return json_object_get(json_object_get(json_object_get(doc, "rampage"), "histograms"), "metrics");
}

/* The endpoint named `name` in doc's rampage.endpoints (or rampage.total for NULL). */
static json_t *
endpoint_of(json_t *doc, const char *name)
{
	json_t *r = json_object_get(doc, "rampage"), *e;
	size_t i;

	if (name == NULL)
		return json_object_get(r, "total");
	json_array_foreach(json_object_get(r, "endpoints"), i, e)
		if (json_is_string(json_object_get(e, "name")) &&
		    strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
			return e;
	return NULL;
}

static json_t *
sel_endpoint(json_t *doc, void *arg)
{
	const char *name = arg;
	json_t *h = path2(doc, "rampage", "histograms");

	if (endpoint_of(doc, name) == NULL)
		return NULL;
	return name == NULL ? json_object_get(h, "total") : path2(h, "endpoints", name);
}

/* The failure messages of one endpoint, the same (kind, message) combined, largest count first. */
static json_t *
merge_failures(struct merge *m, const char *name)
{
	json_t *a = json_array(), *f;
	size_t k;

	for (int i = 0; i < m->n; i++) {
		json_t *ep = endpoint_of(m->docs[i], name);
		json_array_foreach(json_object_get(ep, "failures"), k, f) {
			json_t *same = NULL, *g;
			size_t j;
			json_array_foreach(a, j, g)
				if (json_equal(json_object_get(g, "kind"), json_object_get(f, "kind")) &&
				    json_equal(json_object_get(g, "message"), json_object_get(f, "message")))
					same = g;
			if (same == NULL) {
				json_array_append_new(a, json_deep_copy(f));
				continue;
			}
			json_object_set_new(same, "count", json_integer(int_of(same, "count") + int_of(f, "count")));
			if (int_of(f, "first_second") < int_of(same, "first_second"))
				json_object_set(same, "first_second", json_object_get(f, "first_second"));
			if (int_of(f, "last_second") > int_of(same, "last_second"))
				json_object_set(same, "last_second", json_object_get(f, "last_second"));
		}
	}
	/* largest first (insertion sort: a bounded list) */
	for (size_t i = 1; i < json_array_size(a); i++)
		for (size_t j = i; j > 0 && int_of(json_array_get(a, j), "count") >
		    int_of(json_array_get(a, j - 1), "count"); j--) {
			json_t *x = json_incref(json_array_get(a, j));
			json_array_set(a, j, json_array_get(a, j - 1));
			json_array_set_new(a, j - 1, x);
		}
	return a;
}

/* Rewrites the endpoint `out` (named name; NULL: the total) from every document's. */
static int
merge_endpoint(struct merge *m, json_t *out, const char *name, json_t *hists)
{
	static const char *sums[] = { "requests", "failed", "bytes_sent", "bytes_received", "extract_failures",
		"extract_truncated" };
	json_t *status = json_object(), *errors = json_object(), *t, *eh = json_object();
	int rc = 0;

	for (size_t k = 0; k < sizeof sums / sizeof *sums; k++) {
		json_int_t s = 0;
		for (int i = 0; i < m->n; i++)
			s += int_of(endpoint_of(m->docs[i], name), sums[k]);
		json_object_set_new(out, sums[k], json_integer(s));
	}
	for (int i = 0; i < m->n; i++) {
		json_t *ep = endpoint_of(m->docs[i], name);
		add_counts(status, json_object_get(ep, "status"));
		add_counts(errors, json_object_get(ep, "errors"));
	}
	json_object_set_new(out, "status", status);
	json_object_set_new(out, "errors", errors);
	json_object_set_new(out, "rate", json_real(m->dur_ms > 0 ?
	    (double)int_of(out, "requests") / (m->dur_ms / 1000.0) : 0.0));
	if (name != NULL)
		json_object_set_new(out, "failures", merge_failures(m, name));
	if (merge_trend(m, sel_endpoint, (void *)name, "duration", name ? name : "total", eh, &t) != 0) {
		rc = -1;
		goto out;
	}
	json_object_set_new(out, "duration", t);
	if (json_object_get(out, "service_time") != NULL) {
		if (merge_trend(m, sel_endpoint, (void *)name, "service_time", name ? name : "total", eh, &t) != 0) {
			rc = -1;
			goto out;
		}
		json_object_set_new(out, "service_time", t);
	}
	if (name == NULL)
		json_object_set(hists, "total", eh);
	else
		json_object_set(json_object_get(hists, "endpoints"), name, eh);
out:
	json_decref(eh);
	return rc;
}

/* Rewrites metrics (and rampage.histograms.metrics) from every document's. */
static int
merge_metrics(struct merge *m, json_t *out, json_t *hists)
{
	json_t *metrics = json_object_get(out, "metrics"), *mh = json_object();
	int rc = 0;

	/* every share's metric names; sub-metrics go (only thresholds create them) */
	for (int i = 1; i < m->n; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(m->docs[i], "metrics"), k, v)
			if (json_object_get(metrics, k) == NULL)
				json_object_set_new(metrics, k, json_deep_copy(v));
	}
	{
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(metrics, tmp, k, v)
			if (strchr(k, '{') != NULL)
				json_object_del(metrics, k);
	}
	const char *name;
	json_t *entry;
	json_object_foreach(metrics, name, entry) {
		const char *type = json_string_value(json_object_get(entry, "type"));
		json_t *vals = json_object();
		json_int_t a = 0, b = 0, c = 0;

		json_object_del(entry, "thresholds");
		for (int i = 0; i < m->n; i++) {
			json_t *v = path2(json_object_get(m->docs[i], "metrics"), name, "values");
			if (type != NULL && strcmp(type, "counter") == 0) {
				a += int_of(v, "count");
			} else if (type != NULL && strcmp(type, "rate") == 0) {
				a += int_of(v, "passes");
				b += int_of(v, "fails");
			} else if (type != NULL && strcmp(type, "gauge") == 0) {
				a += int_of(v, "value");
				b += int_of(v, "min");
				c += int_of(v, "max");
			}
		}
		if (type != NULL && strcmp(type, "trend") == 0) {
			json_decref(vals);
			if (merge_trend(m, sel_metrics, (void *)name, name, name, mh, &vals) != 0) {
				rc = -1;
				break;
			}
		} else if (type != NULL && strcmp(type, "counter") == 0) {
			json_object_set_new(vals, "count", json_integer(a));
			json_object_set_new(vals, "rate", json_real(m->dur_ms > 0 ? (double)a / (m->dur_ms / 1000.0) : 0));
		} else if (type != NULL && strcmp(type, "rate") == 0) {
			json_object_set_new(vals, "rate", json_real(a + b > 0 ? (double)a / (double)(a + b) : 0.0));
			json_object_set_new(vals, "passes", json_integer(a));
			json_object_set_new(vals, "fails", json_integer(b));
		} else {
			json_object_set_new(vals, "value", json_integer(a));
			json_object_set_new(vals, "min", json_integer(b));
			json_object_set_new(vals, "max", json_integer(c));
		}
		json_object_set_new(entry, "values", vals);
	}
	json_object_set_new(hists, "metrics", mh);
	return rc;
}

/* root_group.checks, matched by id. */
static void
merge_checks(struct merge *m, json_t *out)
{
	json_t *checks = path2(out, "root_group", "checks"), *c, *d;
	size_t k, j;

	for (int i = 1; i < m->n; i++)
		json_array_foreach(path2(m->docs[i], "root_group", "checks"), k, c) {
			json_t *same = NULL;
			json_array_foreach(checks, j, d)
				if (json_equal(json_object_get(d, "id"), json_object_get(c, "id")))
					same = d;
			if (same == NULL) {
				json_array_append_new(checks, json_deep_copy(c));
				continue;
			}
			json_object_set_new(same, "passes", json_integer(int_of(same, "passes") + int_of(c, "passes")));
			json_object_set_new(same, "fails", json_integer(int_of(same, "fails") + int_of(c, "fails")));
		}
}

/* rampage.groupBy: values, total, other and missing add up. */
static void
merge_groups(struct merge *m, json_t *out)
{
	json_t *groups = json_object_get(out, "groupBy"), *g;
	const char *name;

	for (int i = 1; i < m->n; i++)
		json_object_foreach(path2(m->docs[i], "rampage", "groupBy"), name, g) {
			json_t *have = json_object_get(groups, name);
			if (have == NULL) {
				json_object_set_new(groups, name, json_deep_copy(g));
				continue;
			}
			add_counts(json_object_get(have, "values"), json_object_get(g, "values"));
			json_object_set_new(have, "total", json_integer(int_of(have, "total") + int_of(g, "total")));
			json_object_set_new(have, "other", json_integer(int_of(have, "other") + int_of(g, "other")));
			json_object_set_new(have, "missing", json_integer(int_of(have, "missing") + int_of(g, "missing")));
		}
}

/* rampage.merge: the shares, and whether their segments tile one sequence. */
static json_t *
merge_info(struct merge *m)
{
	json_t *shares = json_array(), *seq = NULL, *seen = json_object();
	bool complete = true;
	size_t want = 0;

	for (int i = 0; i < m->n; i++) {
		json_t *r = json_object_get(m->docs[i], "rampage"), *es = json_object_get(r, "execution_segment");
		json_t *sg = json_object_get(es, "segment"), *sq = json_object_get(es, "sequence");
		json_array_append_new(shares, json_pack("{s:s,s:O,s:I,s:O,s:O*}", "file", m->names[i],
		    "execution_segment", es != NULL ? es : json_null(),
		    "requests", (json_int_t)int_of(json_object_get(r, "total"), "requests"),
		    "testRunDurationMs", path2(m->docs[i], "state", "testRunDurationMs") ?
		    path2(m->docs[i], "state", "testRunDurationMs") : json_null(),
		    "generator", json_object_get(r, "generator")));
		if (!json_is_string(sg) || !json_is_string(sq) ||
		    (seq != NULL && !json_equal(seq, sq)) || json_object_get(seen, json_string_value(sg)) != NULL) {
			complete = false;
			continue;
		}
		seq = sq;
		json_object_set_new(seen, json_string_value(sg), json_true());
	}
	if (complete && seq != NULL) {
		for (const char *p = json_string_value(seq); *p; p++)
			want += *p == ',';
		complete = json_object_size(seen) == want;
	}
	json_decref(seen);
	return json_pack("{s:I,s:o,s:b,s:s}", "count", (json_int_t)m->n, "shares", shares,
	    "complete", complete && m->n > 0 && seq != NULL, "note", MERGE_NOTE);
}

json_t *
summary_merge(json_t *const *docs, const char *const *names, int n, char **cause)
{
	struct merge m = { .docs = docs, .names = names, .n = n };
	json_t *out = NULL, *r, *hists, *e;
	size_t k;

	*cause = NULL;
	if (n < 1) {
		*cause = xstrdup("nothing to merge");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		json_t *h = path2(docs[i], "rampage", "histograms");
		if (!json_is_object(docs[i]) || !json_is_object(json_object_get(docs[i], "metrics"))) {
			*cause = xasprintf("%s: not a summary (no \"metrics\")", names[i]);
			return NULL;
		}
		if (!json_is_object(json_object_get(docs[i], "rampage")) || !json_is_object(h)) {
			*cause = xasprintf("%s: the summary has no histograms, so its percentiles cannot be merged: "
			    "write it with rampage run FILE --out summary=PATH --summary-histograms", names[i]);
			return NULL;
		}
		if (!json_is_string(json_object_get(h, "encoding")) ||
		    strcmp(json_string_value(json_object_get(h, "encoding")), SUMMARY_HIST_ENCODING) != 0) {
			*cause = xasprintf("%s: rampage.histograms.encoding: expected \"%s\"", names[i],
			    SUMMARY_HIST_ENCODING);
			return NULL;
		}
		double d = json_number_value(path2(docs[i], "state", "testRunDurationMs"));
		if (d > m.dur_ms)
			m.dur_ms = d;
	}

	out = json_deep_copy(docs[0]);
	r = json_object_get(out, "rampage");
	hists = json_pack("{s:s,s:{}}", "encoding", SUMMARY_HIST_ENCODING, "endpoints");
	json_object_set_new(json_object_get(out, "state"), "testRunDurationMs", json_real(m.dur_ms));
	if (merge_metrics(&m, out, hists) != 0)
		goto fail;
	merge_checks(&m, out);

	/* endpoints: every share's, by name */
	for (int i = 1; i < n; i++)
		json_array_foreach(path2(docs[i], "rampage", "endpoints"), k, e)
			if (endpoint_of(out, json_string_value(json_object_get(e, "name"))) == NULL)
				json_array_append_new(json_object_get(r, "endpoints"), json_deep_copy(e));
	json_array_foreach(json_object_get(r, "endpoints"), k, e)
		if (merge_endpoint(&m, e, json_string_value(json_object_get(e, "name")), hists) != 0)
			goto fail;
	if (merge_endpoint(&m, json_object_get(r, "total"), NULL, hists) != 0)
		goto fail;

	{
		static const char *it[] = { "completed", "interrupted", "dropped", "late_starts" };
		json_t *iters = json_object_get(r, "iterations"), *om = json_object_get(r, "open_model");
		bool interrupted = false, incomplete = false;
		json_int_t missing = 0;
		for (size_t j = 0; j < sizeof it / sizeof *it; j++) {
			json_int_t s = 0;
			for (int i = 0; i < n; i++)
				s += int_of(path2(docs[i], "rampage", "iterations"), it[j]);
			json_object_set_new(iters, it[j], json_integer(s));
		}
		for (int i = 0; i < n; i++) {
			json_t *ri = json_object_get(docs[i], "rampage");
			interrupted |= json_is_true(json_object_get(ri, "interrupted"));
			incomplete |= json_is_true(json_object_get(ri, "incomplete"));
			missing += int_of(ri, "missing_seconds");
			if (json_is_null(json_object_get(r, "failure_alarm")) &&
			    json_is_object(json_object_get(ri, "failure_alarm")))
				json_object_set(r, "failure_alarm", json_object_get(ri, "failure_alarm"));
		}
		json_object_set_new(r, "interrupted", json_boolean(interrupted));
		json_object_set_new(r, "incomplete", json_boolean(incomplete));
		json_object_set_new(r, "missing_seconds", json_integer(missing));
		if (json_is_true(json_object_get(om, "used"))) {
			json_object_set_new(om, "service_time",
			    json_deep_copy(path2(r, "total", "service_time")));
			json_object_set(om, "dropped_iterations", json_object_get(iters, "dropped"));
			json_object_set(om, "late_starts", json_object_get(iters, "late_starts"));
		}
	}
	merge_groups(&m, r);
	json_object_del(r, "thresholds");
	json_object_del(r, "generator");
	json_object_set_new(r, "execution_segment", json_null());
	json_object_set_new(r, "merge", merge_info(&m));
	json_object_set_new(r, "histograms", hists);
	return out;

fail:
	*cause = m.cause != NULL ? m.cause : xstrdup("cannot merge");
	json_decref(hists);
	json_decref(out);
	return NULL;
}
