/*
 * junit: the JUnit XML report of a run (see junit.h). Built with a GString; every attribute and text
 * is escaped for XML 1.0, and the characters XML 1.0 cannot carry at all (controls other than tab,
 * newline and carriage return) are replaced with '?'.
 *
 * Runs on the caller's thread: the CLI's main thread after a run, or an API request's thread.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "core/xmalloc.h"
#include "metrics/junit.h"

/* Appends s escaped for an attribute value or text. */
static void
esc(GString *g, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		switch (*p) {
		case '&': g_string_append(g, "&amp;"); break;
		case '<': g_string_append(g, "&lt;"); break;
		case '>': g_string_append(g, "&gt;"); break;
		case '"': g_string_append(g, "&quot;"); break;
		case '\'': g_string_append(g, "&apos;"); break;
		case '\t': case '\n': case '\r': g_string_append_c(g, (char)*p); break;
		default:
			g_string_append_c(g, *p < 0x20 || *p == 0x7f ? '?' : (char)*p);
		}
	}
}

/* Formats a number as the summary holds it: up to 6 significant digits. */
static void
fmt_num(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.6g", v);
}

/* The observed value of a threshold as text: "p(95)=12.3 ms", "rate=0.5", "no samples". */
static void
observed(char *buf, size_t len, const json_t *summary, const json_t *th)
{
	const json_t *v = json_object_get(th, "value");
	const char *metric = json_string_value(json_object_get(th, "metric"));
	const char *agg = json_string_value(json_object_get(th, "aggregation"));
	const char *contains = json_string_value(json_object_get(json_object_get(
	    json_object_get(summary, "metrics"), metric != NULL ? metric : ""), "contains"));
	char num[64];

	if (!json_is_number(v)) {
		snprintf(buf, len, "no samples");
		return;
	}
	fmt_num(num, sizeof num, json_number_value(v));
	snprintf(buf, len, "%s=%s%s", agg != NULL ? agg : "value", num,
	    contains != NULL && strcmp(contains, "time") == 0 && (agg == NULL || (strcmp(agg, "count") != 0 &&
	    strcmp(agg, "rate") != 0)) ? " ms" : "");
}

/* The suite's timestamp: ISO 8601 without a zone (the schema's pattern), in UTC. */
static void
timestamp(char *buf, size_t len, int64_t unix_s)
{
	time_t t = unix_s > 0 ? (time_t)unix_s : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Appends the checks of group g and of the groups in it to all (borrowed references added). */
static void
collect_checks(json_t *all, const json_t *g)
{
	size_t i;
	const json_t *it;

	json_array_foreach(json_object_get(g, "checks"), i, it)
		json_array_append(all, (json_t *)it);
	json_array_foreach(json_object_get(g, "groups"), i, it)
		collect_checks(all, it);
}

char *
junit_xml(const json_t *summary, const struct junit_meta *meta)
{
	const json_t *ths = json_object_get(json_object_get(summary, "rampage"), "thresholds");
	json_t *checks = json_array();
	const char *suite = meta != NULL && meta->suite != NULL && meta->suite[0] != '\0' ? meta->suite :
	    json_string_value(json_object_get(json_object_get(summary, "rampage"), "name"));
	double dur_ms = json_number_value(json_object_get(json_object_get(summary, "state"),
	    "testRunDurationMs"));
	char host[256], ts[32], buf[160];
	GString *g = g_string_new(NULL), *out = g_string_new(NULL), *cases = g_string_new(NULL);
	int ntests = 0, nfail = 0;
	size_t i;
	const json_t *it;

	if (suite == NULL || suite[strspn(suite, " \t\r\n")] == '\0')
		suite = "rampage";     /* the schema wants a name that is not only blanks */
	if (meta != NULL && meta->hostname != NULL && meta->hostname[0] != '\0')
		snprintf(host, sizeof host, "%s", meta->hostname);
	else if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	timestamp(ts, sizeof ts, meta != NULL ? meta->started_unix : 0);

	/* Thresholds. */
	json_array_foreach((json_t *)ths, i, it) {
		const char *metric = json_string_value(json_object_get(it, "metric"));
		const char *src = json_string_value(json_object_get(it, "source"));
		bool ok = json_is_true(json_object_get(it, "ok"));

		ntests++;
		observed(buf, sizeof buf, summary, it);
		g_string_append(cases, "  <testcase classname=\"thresholds.");
		esc(cases, metric);
		g_string_append(cases, "\" name=\"");
		esc(cases, src);
		g_string_append(cases, "\" time=\"0\"");
		g_string_append(out, "threshold ");
		esc(out, metric);
		g_string_append(out, " ");
		esc(out, src);
		g_string_append_printf(out, ": %s, observed %s\n", ok ? "passed" : "FAILED", buf);
		if (ok) {
			g_string_append(cases, "/>\n");
			continue;
		}
		nfail++;
		g_string_append(cases, ">\n    <failure type=\"threshold\" message=\"");
		esc(cases, metric);
		g_string_append(cases, " ");
		esc(cases, src);
		g_string_append(cases, " failed: observed ");
		esc(cases, buf);
		g_string_append(cases, json_is_true(json_object_get(it, "aborted")) ?
		    " (abortOnFail ended the run)\">" : "\">");
		esc(cases, metric);
		g_string_append(cases, ": ");
		esc(cases, src);
		g_string_append(cases, " does not hold; observed ");
		esc(cases, buf);
		g_string_append(cases, "</failure>\n  </testcase>\n");
	}

	/* Checks, those of groups of steps too: named by their path there ("checkout::ok"). */
	collect_checks(checks, json_object_get(summary, "root_group"));
	json_array_foreach(checks, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *path = json_string_value(json_object_get(it, "path"));

		if (path != NULL && name != NULL && strncmp(path, "::", 2) == 0 &&
		    strlen(path) > strlen(name) + 2)
			name = path + 2;   /* in a group: "checkout::submit::task queued" */
		json_int_t passes = json_integer_value(json_object_get(it, "passes"));
		json_int_t fails = json_integer_value(json_object_get(it, "fails"));
		json_int_t total = passes + fails;
		double pct = total > 0 ? 100.0 * (double)passes / (double)total : 0;

		ntests++;
		snprintf(buf, sizeof buf, "%.2f%% passed (%lld of %lld; %lld failed)", pct,
		    (long long)passes, (long long)total, (long long)fails);
		g_string_append(cases, "  <testcase classname=\"checks\" name=\"");
		esc(cases, name != NULL && name[0] != '\0' ? name : "(unnamed check)");
		g_string_append(cases, "\" time=\"0\"");
		g_string_append(out, "check ");
		esc(out, name);
		g_string_append_printf(out, ": %s\n", buf);
		if (fails == 0) {
			g_string_append(cases, "/>\n");
			continue;
		}
		nfail++;
		g_string_append(cases, ">\n    <failure type=\"check\" message=\"");
		esc(cases, buf);
		g_string_append(cases, "\">");
		esc(cases, name);
		g_string_append_printf(cases, ": %s</failure>\n  </testcase>\n", buf);
	}

	g_string_append(g, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
	esc(g, suite);
	g_string_append_printf(g, "\" timestamp=\"%s\" hostname=\"", ts);
	esc(g, host);
	g_string_append_printf(g, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n",
	    ntests, nfail, isfinite(dur_ms) && dur_ms > 0 ? dur_ms / 1000.0 : 0.0);
	g_string_append(g, "  <properties>\n");
	if (meta != NULL && meta->run_id > 0)
		g_string_append_printf(g, "    <property name=\"rampage.run_id\" value=\"%lld\"/>\n",
		    (long long)meta->run_id);
	g_string_append(g, "    <property name=\"rampage.version\" value=\"");
	esc(g, json_string_value(json_object_get(json_object_get(summary, "rampage"), "version")));
	g_string_append(g, "\"/>\n    <property name=\"rampage.interrupted\" value=\"");
	g_string_append(g, json_is_true(json_object_get(json_object_get(summary, "rampage"), "interrupted")) ?
	    "true" : "false");
	g_string_append(g, "\"/>\n  </properties>\n");
	g_string_append_len(g, cases->str, (gssize)cases->len);
	g_string_append(g, "  <system-out>");
	g_string_append_len(g, out->str, (gssize)out->len);
	g_string_append(g, "</system-out>\n  <system-err></system-err>\n</testsuite>\n");
	g_string_free(out, TRUE);
	g_string_free(cases, TRUE);
	json_decref(checks);
	char *xml = xstrdup(g->str);   /* the caller free()s; GLib's memory goes back to GLib */
	g_string_free(g, TRUE);
	return xml;
}

int
junit_write(const json_t *summary, const struct junit_meta *meta, const char *path, char **cause)
{
	char *xml = junit_xml(summary, meta);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL)
		rc = -1;
	else {
		bool bad = fputs(xml, f) == EOF;
		if (fclose(f) != 0 || bad)
			rc = -1;
	}
	if (rc != 0)
		*cause = xasprintf("%s: cannot write the JUnit report: %s", path, strerror(errno ? errno : EIO));
	free(xml);
	return rc;
}
