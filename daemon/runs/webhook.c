/*
 * webhook: see webhook.h. Pure: called on the store's writer thread (the document, when a run's
 * end is decided), on the api thread (a test's notify field) and on the delivery thread (the
 * signature, the retry schedule). The signature is GLib's HMAC (g_compute_hmac_for_data): GLib is
 * linked already (docs/design.md, "Dependencies").
 */
#include <config.h>

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/xmalloc.h"
#include "runs/webhook.h"
#include "security/security.h"
#include "testdef/metric.h"

#define TEXT_THRESHOLDS 3          /* failed thresholds named in `text`; the rest are counted */

static const char *const when_names[] = {
	[WEBHOOK_ALWAYS] = "always",
	[WEBHOOK_FAILURE] = "failure",
	[WEBHOOK_CHANGE] = "change",
};

const char *
webhook_when_name(enum webhook_when w)
{
	return when_names[w];
}

int
webhook_when_from_name(const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(when_names[i], name) == 0)
			return i;
	}
	return -1;
}

void
webhook_targets_fini(struct webhook_targets *t)
{
	for (int i = 0; i < t->nurls; i++)
		free(t->urls[i]);
	free(t->urls);
	t->urls = NULL;
	t->nurls = 0;
}

/* Checks one URL's syntax and its host against allow; adds it to t. 0 or -1 and *why. */
static int
add_url(struct webhook_targets *t, const char *url, const struct security *allow, char **why)
{
	if (conf_check_url(url, why) != 0)
		return -1;
	if (allow != NULL && security_check_target(allow, url, why) != 0)
		return -1;
	t->urls = xreallocarray(t->urls, (size_t)t->nurls + 1, sizeof *t->urls);
	t->urls[t->nurls++] = xstrdup(url);
	return 0;
}

int
webhook_targets_from_list(const char *list, enum webhook_when when, const struct security *allow,
    struct webhook_targets *t, char **why)
{
	char *copy, *save = NULL;
	int rc = 0;

	*t = (struct webhook_targets){ .when = when };
	if (list == NULL)
		return 0;
	copy = xstrdup(list);
	for (char *u = strtok_r(copy, ", \t", &save); u != NULL; u = strtok_r(NULL, ", \t", &save)) {
		if ((rc = add_url(t, u, allow, why)) != 0)
			break;
	}
	free(copy);
	if (rc != 0)
		webhook_targets_fini(t);
	return rc;
}

int
webhook_targets_parse(const json_t *notify, const char *prefix, const struct security *allow,
    struct webhook_targets *t, char **field, char **why)
{
	const char *key;
	json_t *v, *hooks;
	size_t i;

	*t = (struct webhook_targets){ .when = WEBHOOK_FAILURE };
	*field = NULL;
	*why = NULL;
	if (!json_is_object(notify)) {
		*field = xstrdup(prefix);
		*why = xstrdup("expected an object {\"when\": \"always|failure|change\", \"webhooks\": [URL, ...]}");
		return -1;
	}
	json_object_foreach((json_t *)notify, key, v) {
		if (strcmp(key, "when") != 0 && strcmp(key, "webhooks") != 0) {
			*field = xasprintf("%s.%s", prefix, key);
			*why = xstrdup("unknown key (expected when and webhooks)");
			return -1;
		}
	}
	if ((v = json_object_get(notify, "when")) != NULL) {
		int w = json_is_string(v) ? webhook_when_from_name(json_string_value(v)) : -1;
		if (w < 0) {
			*field = xasprintf("%s.when", prefix);
			*why = xstrdup("expected always, failure or change");
			return -1;
		}
		t->when = (enum webhook_when)w;
	}
	hooks = json_object_get(notify, "webhooks");
	if (!json_is_array(hooks)) {
		*field = xasprintf("%s.webhooks", prefix);
		*why = xstrdup("expected an array of http:// or https:// URLs");
		return -1;
	}
	if (json_array_size(hooks) > CONF_URLS_MAX) {
		*field = xasprintf("%s.webhooks", prefix);
		*why = xasprintf("at most %d URLs", CONF_URLS_MAX);
		return -1;
	}
	json_array_foreach(hooks, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			*field = xasprintf("%s.webhooks[%zu]", prefix, i);
			*why = xstrdup("expected a URL (a string)");
			goto fail;
		}
		for (int j = 0; j < t->nurls; j++) {
			if (strcmp(t->urls[j], json_string_value(v)) == 0) {
				*field = xasprintf("%s.webhooks[%zu]", prefix, i);
				*why = xasprintf("listed twice (also webhooks[%d])", j);
				goto fail;
			}
		}
		if (add_url(t, json_string_value(v), allow, why) != 0) {
			*field = xasprintf("%s.webhooks[%zu]", prefix, i);
			goto fail;
		}
	}
	return 0;
fail:
	webhook_targets_fini(t);
	return -1;
}

json_t *
webhook_targets_json(const struct webhook_targets *t)
{
	json_t *a = json_array();

	for (int i = 0; i < t->nurls; i++)
		json_array_append_new(a, json_string(t->urls[i]));
	return json_pack("{s:s, s:o}", "when", webhook_when_name(t->when), "webhooks", a);
}

bool
webhook_is_failure(const char *state, const char *verdict)
{
	return strcmp(state, "failed") == 0 || strcmp(state, "error") == 0 ||
	    strcmp(state, "aborted") == 0 ||
	    (strcmp(state, "stopped") == 0 && verdict != NULL && strcmp(verdict, "failed") == 0);
}

bool
webhook_when_matches(enum webhook_when w, bool failure, int previous)
{
	switch (w) {
	case WEBHOOK_ALWAYS:
		return true;
	case WEBHOOK_FAILURE:
		return failure;
	case WEBHOOK_CHANGE:
		return failure != (previous == 1);
	}
	return false;
}

const char *
webhook_verdict(const char *thresholds_json)
{
	json_t *a, *r;
	const char *v = NULL;
	size_t i;

	if (thresholds_json == NULL || (a = json_loads(thresholds_json, 0, NULL)) == NULL)
		return NULL;
	if (json_is_array(a) && json_array_size(a) > 0) {
		v = "passed";
		json_array_foreach(a, i, r) {
			if (json_is_false(json_object_get(r, "ok")))
				v = "failed";
		}
	}
	json_decref(a);
	return v;
}

int64_t
webhook_backoff_ms(int base_ms, int attempt)
{
	static const int units[] = { 1, 3, 6, 12, 30, 60 };
	int n = (int)(sizeof units / sizeof units[0]);

	if (attempt < 1)
		attempt = 1;
	return (int64_t)base_ms * units[attempt <= n ? attempt - 1 : n - 1];
}

void
webhook_sign(const void *key, size_t klen, const char *body, size_t len, char hex[65])
{
	gchar *h = g_compute_hmac_for_data(G_CHECKSUM_SHA256, key, klen, (const guchar *)body, len);

	snprintf(hex, 65, "%s", h);
	g_free(h);
}

/* ---- the document */

/* A number of the summary: metrics.<metric>.values.<stat>, or NAN. */
static double
summary_value(json_t *summary, const char *metric, const char *stat)
{
	json_t *v = json_object_get(json_object_get(json_object_get(json_object_get(summary, "metrics"),
	    metric), "values"), stat);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A threshold's observed value as `text` shows it: "412 ms", "2.5%", "1200". */
static void
format_value(struct buf *b, const char *metric, double v)
{
	int id = metric_find(metric, strcspn(metric, "{"));
	const struct metric *m = id >= 0 ? metric_get((enum metric_id)id) : NULL;

	if (m != NULL && m->type == METRIC_RATE)
		buf_printf(b, "%.3g%%", v * 100);
	else if (m != NULL && strcmp(m->contains, "time") == 0)
		buf_printf(b, v >= 10 ? "%.0f ms" : "%.3g ms", v);
	else
		buf_printf(b, "%.6g", v);
}

/* A count as `text` shows it: 950, 12.3k, 1.2M. */
static void
format_count(struct buf *b, double n)
{
	if (n >= 1e9)
		buf_printf(b, "%.1fG", n / 1e9);
	else if (n >= 1e6)
		buf_printf(b, "%.1fM", n / 1e6);
	else if (n >= 1e4)
		buf_printf(b, "%.1fk", n / 1e3);
	else
		buf_printf(b, "%.0f", n);
}

/* A duration as `text` shows it: 8h, 1h 30m, 2m 5s, 45s, 2.5s, 400 ms. */
static void
format_duration(struct buf *b, int64_t ms)
{
	int64_t s = (ms + 500) / 1000, h = s / 3600, m = s % 3600 / 60;

	if (ms < 1000)
		buf_printf(b, "%lld ms", (long long)ms);
	else if (ms < 10000 && ms % 1000 != 0)
		buf_printf(b, "%.1fs", (double)ms / 1000);
	else if (h > 0 && m > 0)
		buf_printf(b, "%lldh %lldm", (long long)h, (long long)m);
	else if (h > 0)
		buf_printf(b, "%lldh", (long long)h);
	else if (m > 0 && s % 60 > 0)
		buf_printf(b, "%lldm %llds", (long long)m, (long long)(s % 60));
	else if (m > 0)
		buf_printf(b, "%lldm", (long long)m);
	else
		buf_printf(b, "%llds", (long long)s);
}

/*
 * s as a JSON string with &, < and > written &amp; &lt; &gt;: Slack reads <...> as a link or mention
 * and asks for exactly these three escaped in `text` (Mattermost decodes them alike), so
 * "p(95)<300" shows as written.
 */
static json_t *
slack_escaped(const char *s)
{
	struct buf b;
	json_t *j;

	buf_init(&b, 3 * strlen(s) + 16);
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_add(&b, "&amp;", 5);
		else if (*s == '<')
			buf_add(&b, "&lt;", 4);
		else if (*s == '>')
			buf_add(&b, "&gt;", 4);
		else
			buf_add(&b, s, 1);
	}
	j = json_string(b.p != NULL ? b.p : "");
	buf_fini(&b);
	return j;
}

/* The headline word of a run's end: "passed", "FAILED", "was stopped"... */
static const char *
headline(const char *state, const char *verdict)
{
	if (strcmp(state, "passed") == 0)
		return "passed";
	if (strcmp(state, "failed") == 0)
		return "FAILED";
	if (strcmp(state, "finished") == 0)
		return "finished";
	if (strcmp(state, "stopped") == 0)
		return verdict != NULL && strcmp(verdict, "failed") == 0 ?
		    "was stopped with a threshold FAILED" : "was stopped";
	if (strcmp(state, "cancelled") == 0)
		return "was cancelled";
	if (strcmp(state, "aborted") == 0)
		return "was ABORTED";
	if (strcmp(state, "error") == 0)
		return "ended in ERROR";
	return state;
}

json_t *
webhook_document(const struct webhook_run *run, const char *public_url)
{
	json_t *summary = run->summary != NULL ? json_loads(run->summary, 0, NULL) : NULL;
	json_t *ths = run->thresholds != NULL ? json_loads(run->thresholds, 0, NULL) : NULL;
	json_t *failed = json_array(), *doc, *r;
	const char *verdict = webhook_verdict(run->thresholds);
	bool failure = webhook_is_failure(run->state, verdict);
	double requests = summary_value(summary, "http_reqs", "count");
	double error_rate = summary_value(summary, "http_req_failed", "rate");
	double p95 = summary_value(summary, "http_req_duration", "p(95)");
	json_t *dur = json_object_get(json_object_get(summary, "state"), "testRunDurationMs");
	int64_t duration_ms = json_is_number(dur) ? (int64_t)llround(json_number_value(dur)) :
	    run->started_ms > 0 && run->ended_ms > run->started_ms ? run->ended_ms - run->started_ms : 0;
	char *link = NULL;
	struct buf text;
	size_t i;
	int nfailed = 0;

	if (public_url != NULL) {
		size_t n = strlen(public_url);
		while (n > 0 && public_url[n - 1] == '/')
			n--;
		link = xasprintf("%.*s/#/runs/%lld", (int)n, public_url, (long long)run->id);
	}
	json_array_foreach(ths, i, r) {
		if (!json_is_false(json_object_get(r, "ok")))
			continue;
		json_array_append_new(failed, json_pack("{s:O?, s:O?, s:O?}",
		    "metric", json_object_get(r, "metric"),
		    "expression", json_object_get(r, "source"),
		    "value", json_object_get(r, "value")));
	}

	buf_init(&text, 4096);
	buf_printf(&text, "Run %lld of %s %s", (long long)run->id, run->name,
	    headline(run->state, verdict));
	if (run->error != NULL && (strcmp(run->state, "error") == 0 || strcmp(run->state, "aborted") == 0))
		buf_printf(&text, " (%.200s)", run->error);
	nfailed = (int)json_array_size(failed);
	if (nfailed > 0) {
		buf_printf(&text, ": %d threshold%s failed (", nfailed, nfailed == 1 ? "" : "s");
		json_array_foreach(failed, i, r) {
			json_t *v = json_object_get(r, "value");
			if (i == TEXT_THRESHOLDS) {
				buf_printf(&text, ", ...");
				break;
			}
			buf_printf(&text, "%s%s", i > 0 ? ", " : "",
			    json_string_value(json_object_get(r, "expression")) != NULL ?
			    json_string_value(json_object_get(r, "expression")) : "?");
			if (json_is_number(v)) {
				buf_printf(&text, ": ");
				format_value(&text, json_string_value(json_object_get(r, "metric")) != NULL ?
				    json_string_value(json_object_get(r, "metric")) : "", json_number_value(v));
			}
		}
		buf_printf(&text, ")");
	}
	if (!isnan(requests)) {
		buf_printf(&text, " · ");
		format_count(&text, requests);
		buf_printf(&text, " requests");
	}
	if (!isnan(error_rate) && !isnan(requests) && requests > 0)
		buf_printf(&text, error_rate > 0 && error_rate < 0.001 ? " · %.2g%% errors" :
		    " · %.1f%% errors", error_rate * 100);
	if (!isnan(p95) && !isnan(requests) && requests > 0)
		buf_printf(&text, p95 >= 10 ? " · p95 %.0f ms" : " · p95 %.3g ms", p95);
	if (duration_ms > 0) {
		buf_printf(&text, " · ");
		format_duration(&text, duration_ms);
	}
	if (link != NULL)
		buf_printf(&text, " · %s", link);

	doc = json_object();
	json_object_set_new(doc, "event", json_string("run.ended"));
	json_object_set_new(doc, "run_id", json_integer(run->id));
	json_object_set_new(doc, "link", link != NULL ? json_string(link) : json_null());
	json_object_set_new(doc, "test_id", run->test_id > 0 ? json_integer(run->test_id) : json_null());
	json_object_set_new(doc, "test", json_string(run->name));
	json_object_set_new(doc, "schedule_id", run->schedule_id > 0 ? json_integer(run->schedule_id) :
	    json_null());
	json_object_set_new(doc, "trigger", json_string(run->trigger));
	json_object_set_new(doc, "state", json_string(run->state));
	json_object_set_new(doc, "verdict", verdict != NULL ? json_string(verdict) : json_null());
	json_object_set_new(doc, "failure", json_boolean(failure));
	json_object_set_new(doc, "thresholds_failed", failed);
	json_object_set_new(doc, "requests", isnan(requests) ? json_integer(0) :
	    json_integer((json_int_t)requests));
	json_object_set_new(doc, "error_rate", isnan(error_rate) ? json_null() : json_real(error_rate));
	json_object_set_new(doc, "p95_ms", isnan(p95) ? json_null() : json_real(p95));
	json_object_set_new(doc, "duration_ms", json_integer(duration_ms));
	json_object_set_new(doc, "started_ms", run->started_ms > 0 ? json_integer(run->started_ms) :
	    json_null());
	json_object_set_new(doc, "ended_ms", json_integer(run->ended_ms));
	json_object_set_new(doc, "error", run->error != NULL ? json_string(run->error) : json_null());
	json_object_set_new(doc, "text", slack_escaped(text.p != NULL ? text.p : ""));
	buf_fini(&text);
	free(link);
	json_decref(summary);
	json_decref(ths);
	return doc;
}
