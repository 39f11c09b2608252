/*
 * compare: see compare.h. `rampage compare A B`: the daemon computes a comparison of stored runs;
 * two summary files are compared here, with the same document (runs/compare_load.h), so the table
 * reads the same either way. Main thread only.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/client.h"
#include "cli/compare.h"
#include "cli/run.h"
#include "core/opts.h"
#include "core/xmalloc.h"
#include "runs/compare.h"
#include "runs/compare_load.h"

#define EXIT_CANNOT RUN_EXIT_USAGE          /* 2: cannot compare */
#define EXIT_REGRESSED RUN_EXIT_THRESHOLDS  /* 99: a regression */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage compare A B [--server URL] [--json]\n"
	    "\n"
	    "Compares run B with run A (the baseline): two run ids on a daemon (--server, default\n"
	    "http://127.0.0.1:8089), or two summary files written by `rampage run --out summary=PATH`.\n"
	    "Prints each metric of the total and of every endpoint (matched by method and name): both\n"
	    "values, the difference, the ratio and a verdict on the primary metrics (p95, requests/s,\n"
	    "error rate). Runs on a daemon are judged on their steady part with a bootstrap interval;\n"
	    "summary files hold no per-second data, so their verdicts compare the values with the\n"
	    "practical floors only (5%% latency, 3%% throughput, 0.1 points of error rate).\n"
	    "\n"
	    "  --json           print the comparison document (docs/api.md)\n"
	    "\n"
	    "Exit: 0 no regression, 99 a regression, 2 cannot compare.\n");
}

/* Whether s is a run id (digits only, not 0). */
static bool
is_id(const char *s)
{
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return false;
	return strtoll(s, NULL, 10) > 0;
}

/* A summary file's JSON, or NULL after saying why. */
static json_t *
load(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (j == NULL)
		fprintf(stderr, "rampage compare: %s: %s\n", path, err.text);
	return j;
}

/* A metric's value as the table shows it. */
static void
fmt_value(const char *metric, json_t *v, char *buf, size_t len)
{
	double x = json_number_value(v);

	if (!json_is_number(v))
		snprintf(buf, len, "-");
	else if (strstr(metric, "_us") != NULL)
		snprintf(buf, len, "%.2fms", x / 1000.0);
	else if (strstr(metric, "rate") != NULL)
		snprintf(buf, len, "%.3f%%", x * 100.0);
	else
		snprintf(buf, len, "%.2f/s", x);
}

/* The difference as the table shows it (points for rates). */
static void
fmt_diff(const char *metric, json_t *v, char *buf, size_t len)
{
	double x = json_number_value(v);

	if (!json_is_number(v))
		snprintf(buf, len, "-");
	else if (strstr(metric, "_us") != NULL)
		snprintf(buf, len, "%+.2fms", x / 1000.0);
	else if (strstr(metric, "rate") != NULL)
		snprintf(buf, len, "%+.3fpt", x * 100.0);
	else
		snprintf(buf, len, "%+.2f/s", x);
}

/* The rows of one endpoint's metrics: the primary ones and the latency description. */
static void
print_metrics(const char *endpoint, json_t *metrics, bool colour)
{
	static const char *const shown[] = { "rps", "error_rate", "p95_us", "p50_us", "p90_us",
	    "p99_us", "max_us", "mean_us", NULL };

	for (int i = 0; shown[i] != NULL; i++) {
		json_t *m = json_object_get(metrics, shown[i]);
		const char *v = json_string_value(json_object_get(m, "verdict"));
		const char *on = "", *off = "";
		char base[32], run[32], diff[32], ratio[32];
		if (m == NULL)
			continue;
		fmt_value(shown[i], json_object_get(m, "base"), base, sizeof base);
		fmt_value(shown[i], json_object_get(m, "run"), run, sizeof run);
		fmt_diff(shown[i], json_object_get(m, "diff"), diff, sizeof diff);
		if (json_is_number(json_object_get(m, "ratio")))
			snprintf(ratio, sizeof ratio, "%.3fx", json_number_value(json_object_get(m, "ratio")));
		else
			snprintf(ratio, sizeof ratio, "-");
		if (colour && v != NULL) {
			off = "\033[0m";
			on = strcmp(v, "regressed") == 0 ? "\033[31m" : strcmp(v, "improved") == 0 ?
			    "\033[32m" : strcmp(v, "inconclusive") == 0 ? "\033[33m" : "";
		}
		printf("%-24.24s %-11s %12s %12s %13s %9s  %s%s%s\n", i == 0 ? endpoint : "", shown[i],
		    base, run, diff, ratio, on, v != NULL ? v : "", off);
	}
}

/* Prints the document as a table. */
static void
print_table(json_t *doc, bool colour)
{
	json_t *eps = json_object_get(doc, "endpoints"), *e, *r;
	json_t *method = json_object_get(doc, "method");
	const char *verdict = json_string_value(json_object_get(doc, "verdict"));
	size_t i;

	if (json_is_integer(json_object_get(json_object_get(doc, "base"), "run_id")))
		printf("base: run %lld   run: run %lld   steady part: %s\n",
		    (long long)json_integer_value(json_object_get(json_object_get(doc, "base"), "run_id")),
		    (long long)json_integer_value(json_object_get(json_object_get(doc, "run"), "run_id")),
		    json_string_value(json_object_get(json_object_get(json_object_get(doc, "run"),
		    "steady"), "part")));
	if (json_is_string(json_object_get(method, "note")))
		printf("note: %s\n", json_string_value(json_object_get(method, "note")));
	if (!json_is_true(json_object_get(doc, "comparable"))) {
		printf("not comparable (verdicts shown as they stand):\n");
		json_array_foreach(json_object_get(doc, "reasons"), i, r)
			printf("  - %s\n", json_string_value(r));
	}
	printf("\n%-24s %-11s %12s %12s %13s %9s  %s\n", "ENDPOINT", "METRIC", "BASE", "RUN", "DIFF",
	    "RATIO", "VERDICT");
	print_metrics("total", json_object_get(json_object_get(doc, "total"), "metrics"), colour);
	json_array_foreach(eps, i, e) {
		char name[256];
		snprintf(name, sizeof name, "%s %s", json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "name")));
		print_metrics(name, json_object_get(e, "metrics"), colour);
	}
	json_array_foreach(json_object_get(doc, "only_in_base"), i, e)
		printf("only in the base run: %s %s\n", json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "name")));
	json_array_foreach(json_object_get(doc, "only_in_run"), i, e)
		printf("only in the run: %s %s\n", json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "name")));
	printf("\nverdict: %s%s%s\n", colour && verdict != NULL && strcmp(verdict, "regressed") == 0 ?
	    "\033[1;31m" : "", verdict != NULL ? verdict : "?", colour ? "\033[0m" : "");
}

int
compare_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *a, *b, *verdict;
	bool json = false;
	json_t *doc = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'S': server = optarg; break;
		case 'J': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			opts_refused(stderr, "compare", opts, "h", argc, argv);
			return EXIT_CANNOT;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "rampage compare: expected two runs (ids or summary files), got %d; see "
		    "rampage compare --help\n", argc - optind);
		return EXIT_CANNOT;
	}
	a = argv[optind];
	b = argv[optind + 1];
	if (is_id(a) && is_id(b)) {
		char *path = xasprintf("/api/runs/%s/compare?to=%s", b, a);
		doc = client_get(server, path);
		free(path);
	} else if (is_id(a) || is_id(b)) {
		fprintf(stderr, "rampage compare: give two run ids or two summary files, not one of each\n");
		return EXIT_CANNOT;
	} else {
		json_t *ja = load(a), *jb = ja != NULL ? load(b) : NULL;
		struct compare_floors f;
		char *cause = NULL;
		compare_floors_default(&f);
		if (ja != NULL && jb != NULL && (doc = compare_load_summaries(ja, jb, &f, &cause)) == NULL) {
			fprintf(stderr, "rampage compare: %s\n", cause);
			free(cause);
		}
		json_decref(ja);
		json_decref(jb);
	}
	if (doc == NULL)
		return EXIT_CANNOT;
	if (json) {
		char *s = json_dumps(doc, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		print_table(doc, isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
	}
	verdict = json_string_value(json_object_get(doc, "verdict"));
	rc = verdict != NULL && strcmp(verdict, "regressed") == 0 ? EXIT_REGRESSED : RUN_EXIT_OK;
	json_decref(doc);
	return rc;
}
