/*
 * compare_load: two stored runs compared (GET /api/runs/{a}/compare, docs/api.md): what is read
 * of each run (its steady part's per-second rows and histograms, cut into windows), and the
 * comparison document built from them with runs/compare.h's statistics.
 *
 * Runs on the caller's thread with the caller's read-only connection (the api thread's). Nothing
 * is kept between calls. A database failure is -1 and *cause (caller frees).
 */
#ifndef RAMPAGE_COMPARE_LOAD_H
#define RAMPAGE_COMPARE_LOAD_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct compare_floors;

/*
 * Compares run `run` with run `base` (the baseline, or the run it is compared to) under floors:
 * the document of docs/api.md ({"run", "base", "comparable", "reasons", "verdict", "total",
 * "endpoints", "only_in_run", "only_in_base", "checks", "thresholds", "spectra", "method"}).
 * Both runs must exist and have ended with data (the caller checks). 0 and *doc, or -1 and *cause.
 */
int compare_load_runs(sqlite3 *db, int64_t run, int64_t base, const struct compare_floors *floors,
    json_t **doc, char **cause);

/*
 * Compares two summary documents (the ones `rampage run --summary-export` writes, with per-endpoint
 * data under metrics and rampage.endpoints): the same document with practical-only verdicts (a
 * summary holds no per-second data) and "method.practical_only": true. Pure; any thread. Returns
 * the document, or NULL and *cause when a document is not a summary.
 */
json_t *compare_load_summaries(json_t *base, json_t *run, const struct compare_floors *floors,
    char **cause);

#endif
