/*
 * report_html: assembles the self-contained HTML report (see report_html.h): a fixed page with the
 * embedded styles and scripts, the run's data as a JSON island. The data is written with "/" escaped
 * (JSON_ESCAPE_SLASH), so no "</script>" can end the island early, whatever a definition holds.
 *
 * Runs on the caller's thread (the CLI's main thread after a run; an API request's thread).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/xmalloc.h"
#include "metrics/report_html.h"

/* Each column's name in the report's data, and whether a window keeps its worst point (else the
   mean of its points). */
static const struct { const char *name; bool worst; } cols[REPORT_NCOLS] = {
	[REPORT_RPS] = { "rps", false }, [REPORT_ERRORS] = { "errors", false },
	[REPORT_P50] = { "p50", true }, [REPORT_P95] = { "p95", true }, [REPORT_P99] = { "p99", true },
	[REPORT_VUS] = { "vus", true }, [REPORT_ITERATIONS] = { "iterations", false },
	[REPORT_RECEIVED] = { "received", false }, [REPORT_SENT] = { "sent", false },
	[REPORT_CPU] = { "cpu", true },
};

void
report_series_add(struct report_series *s, int64_t second, const double v[REPORT_NCOLS])
{
	if (s->n == s->cap) {
		s->cap = s->cap > 0 ? s->cap * 2 : 256;
		s->t = xrealloc(s->t, (size_t)s->cap * sizeof(double));
		for (int c = 0; c < REPORT_NCOLS; c++)
			s->col[c] = xrealloc(s->col[c], (size_t)s->cap * sizeof(double));
	}
	s->t[s->n] = (double)second;
	for (int c = 0; c < REPORT_NCOLS; c++)
		s->col[c][s->n] = v[c];
	s->n++;
}

void
report_series_free(struct report_series *s)
{
	free(s->t);
	for (int c = 0; c < REPORT_NCOLS; c++)
		free(s->col[c]);
	memset(s, 0, sizeof *s);
}

/* A JSON number, or null for what is not finite. */
static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *
report_series_json(const struct report_series *s)
{
	int64_t step = s->n > REPORT_MAX_POINTS ? (s->n + REPORT_MAX_POINTS - 1) / REPORT_MAX_POINTS : 1;
	json_t *o = json_object(), *t = json_array(), *a[REPORT_NCOLS];

	for (int c = 0; c < REPORT_NCOLS; c++)
		a[c] = json_array();
	for (int64_t i = 0; i < s->n; i += step) {
		int64_t end = i + step < s->n ? i + step : s->n;
		json_array_append_new(t, json_integer((json_int_t)s->t[i]));
		for (int c = 0; c < REPORT_NCOLS; c++) {
			double acc = cols[c].worst ? NAN : 0;
			int64_t known = 0;
			for (int64_t j = i; j < end; j++) {
				double v = s->col[c][j];
				if (!isfinite(v))
					continue;
				known++;
				acc = cols[c].worst ? (isfinite(acc) ? fmax(acc, v) : v) : acc + v;
			}
			json_array_append_new(a[c], num(known == 0 ? NAN : cols[c].worst ? acc : acc / (double)known));
		}
	}
	json_object_set_new(o, "step", json_integer((json_int_t)step));
	json_object_set_new(o, "t", t);
	for (int c = 0; c < REPORT_NCOLS; c++)
		json_object_set_new(o, cols[c].name, a[c]);
	return o;
}

void
report_add_section(json_t *data, const char *id, const char *title, json_t *content)
{
	json_t *a = json_object_get(data, "sections");

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(data, "sections", a);
	}
	json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "id", id, "title", title, "content", content));
}

/* Appends text escaped for HTML text. */
static void
esc(GString *g, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': g_string_append(g, "&amp;"); break;
		case '<': g_string_append(g, "&lt;"); break;
		case '>': g_string_append(g, "&gt;"); break;
		default: g_string_append_c(g, *s);
		}
	}
}

char *
report_html(const json_t *data)
{
	GString *g = g_string_new(NULL);
	const char *name = json_string_value(json_object_get(json_object_get(data, "run"), "name"));
	char *island = json_dumps(data, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(6));
	char *html;

	g_string_append(g, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"rampage " PACKAGE_VERSION "\">\n<title>Rampage report: ");
	esc(g, name != NULL && name[0] != '\0' ? name : "run");
	g_string_append(g, "</title>\n<style>\n");
	g_string_append(g, report_asset_uplot_css);
	g_string_append(g, "\n</style>\n<style>\n");
	g_string_append(g, report_asset_css);
	g_string_append(g, "\n</style>\n</head>\n<body>\n<main id=\"report\"><noscript>This report needs "
	    "JavaScript to draw; its data is in the script element \"report-data\".</noscript></main>\n"
	    "<script type=\"application/json\" id=\"report-data\">");
	g_string_append(g, island != NULL ? island : "{}");
	g_string_append(g, "</script>\n<script>\n");
	g_string_append(g, report_asset_uplot_js);
	g_string_append(g, "\n</script>\n<script>\n");
	g_string_append(g, report_asset_js);
	g_string_append(g, "\n</script>\n</body>\n</html>\n");
	free(island);
	html = xstrdup(g->str);
	g_string_free(g, TRUE);
	return html;
}

int
report_html_write(const json_t *data, const char *path, char **cause)
{
	char *html = report_html(data);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL)
		rc = -1;
	else {
		bool bad = fputs(html, f) == EOF;
		if (fclose(f) != 0 || bad)
			rc = -1;
	}
	if (rc != 0)
		*cause = xasprintf("%s: cannot write the HTML report: %s", path, strerror(errno ? errno : EIO));
	free(html);
	return rc;
}
