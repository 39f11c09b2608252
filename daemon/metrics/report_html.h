/*
 * report_html: a finished run's HTML report (docs/reports.md), one self-contained file: its styles,
 * its script and the chart library (uPlot, the dashboard's) are inlined, the run's data is a JSON
 * island the script draws from; it needs no network to open. The assets are embedded in the binary
 * at build time (report_assets.c, made by embed-report.sh from web/report/ and uPlot's files).
 *
 * The data (report_html's argument), built by the CLI (`rampage run --out html=`) or the API
 * (GET /api/runs/{id}/report.html):
 *   {"run": {"id", "name", "state", "verdict", "started_ms", "ended_ms", "trigger"...},
 *    "definition": {...}, "summary": <the full summary, summary_json>,
 *    "series": <report_series_json>, "sections": [<report_add_section>...]}
 *
 * Threads: any; no shared state.
 */
#ifndef RAMPAGE_REPORT_HTML_H
#define RAMPAGE_REPORT_HTML_H

#include <stdint.h>
#include <jansson.h>

/* At most this many points per chart series: an 8-hour run (28,800 s) is merged into windows of
   20 s, which keeps the report far below 2 MB. */
#define REPORT_MAX_POINTS 1500

/* What a point of the report's series holds, per second of its window (see report_series_json). */
enum report_col {
	REPORT_RPS,                /* requests */
	REPORT_ERRORS,             /* failed requests */
	REPORT_P50, REPORT_P95, REPORT_P99,   /* latency, ms */
	REPORT_VUS,
	REPORT_ITERATIONS,
	REPORT_RECEIVED, REPORT_SENT,         /* bytes */
	REPORT_CPU,                /* the busiest worker's CPU, % of a core */
	REPORT_NCOLS
};

/* Per-second points of a run, gathered as the seconds come. */
struct report_series {
	int64_t n, cap;
	double *t;                 /* the point's first second */
	double *col[REPORT_NCOLS];
};
/* Adds one point: its second and its values (NAN: unknown). A point may already be a window of
   `seconds` seconds (the daemon's stored samples merged): its counters are then per second. */
void report_series_add(struct report_series *s, int64_t second, const double v[REPORT_NCOLS]);
void report_series_free(struct report_series *s);
/*
 * The series as the report reads it: {"step": S, "t": [...], "rps", "errors" (failed requests per
 * second), "p50", "p95", "p99" (ms), "vus", "iterations" (per second), "received", "sent" (bytes per
 * second), "cpu" (%)}, merged into windows of S points so that there are at most REPORT_MAX_POINTS
 * points: rates are the window's means, percentiles, VUs and CPU the worst point's. New reference.
 */
json_t *report_series_json(const struct report_series *s);

/*
 * THE HOOK for other results of a run: adds a section to the report's data (data.sections), drawn
 * after the built-in ones with its title: content an array of objects (a table: one row each, the
 * first object's keys as columns) or an object (key/value rows). Findings, the comparison with a
 * baseline and any later analysis add themselves here when they exist (see api_reports.c,
 * report_extra_sections). Steals content.
 */
void report_add_section(json_t *data, const char *id, const char *title, json_t *content);

/* The HTML document of data (see above), newly allocated (free()). data is not changed. */
char *report_html(const json_t *data);
/* Writes report_html(data) to path. 0, or -1 and *cause. */
int report_html_write(const json_t *data, const char *path, char **cause);

/* The embedded assets (report_assets.c, generated). */
extern const char report_asset_uplot_js[], report_asset_uplot_css[], report_asset_js[],
    report_asset_css[];

#endif
