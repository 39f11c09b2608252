/*
 * merge: see merge.h. Reads every file, hands them to summary_merge, writes the result (4-space
 * indent, as the summaries themselves) to -o or standard output, and says on stderr how many
 * requests the shares add up to and whether their segments tile one sequence.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/merge.h"
#include "cli/run.h"
#include "core/opts.h"
#include "core/xmalloc.h"
#include "metrics/summary_merge.h"

#define MERGE_MAX_FILES 1024

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage merge A.json B.json ... [-o OUT.json]\n"
	    "\n"
	    "Merges summaries written by `rampage run FILE --out summary=PATH --summary-histograms`\n"
	    "(typically the shares of one test run with --execution-segment on several machines) into\n"
	    "one summary: percentiles exact from the merged histograms, counts added, rates per second\n"
	    "of the longest share, gauges summed. Thresholds are not re-judged.\n"
	    "\n"
	    "  -o, --output PATH   write the merged summary there (default: standard output)\n"
	    "  -q, --quiet         no line on stderr\n"
	    "\n"
	    "Exit: 0 merged, 1 cannot write, 2 bad usage or a summary that cannot be merged.\n");
}

int
merge_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL;
	json_t **docs = NULL, *merged = NULL;
	int c, n, rc = RUN_EXIT_USAGE, quiet = 0;
	char *cause = NULL;

	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			opts_refused(stderr, "merge", opts, "o:qh", argc, argv);
			return RUN_EXIT_USAGE;
		}
	}
	n = argc - optind;
	if (n < 1 || n > MERGE_MAX_FILES) {
		fprintf(stderr, "rampage merge: expected 1 to %d summary files\n", MERGE_MAX_FILES);
		usage(stderr);
		return RUN_EXIT_USAGE;
	}
	docs = xcalloc((size_t)n, sizeof *docs);
	for (int i = 0; i < n; i++) {
		json_error_t err;
		if ((docs[i] = json_load_file(argv[optind + i], 0, &err)) == NULL) {
			fprintf(stderr, "rampage merge: %s: %s\n", argv[optind + i], err.text);
			goto out;
		}
	}
	merged = summary_merge(docs, (const char *const *)&argv[optind], n, &cause);
	if (merged == NULL) {
		fprintf(stderr, "rampage merge: %s\n", cause);
		free(cause);
		goto out;
	}
	if (out_path != NULL ? json_dump_file(merged, out_path, JSON_INDENT(4) | JSON_REAL_PRECISION(12)) != 0 :
	    json_dumpf(merged, stdout, JSON_INDENT(4) | JSON_REAL_PRECISION(12)) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "rampage merge: %s: cannot write: %s\n", out_path ? out_path : "stdout",
		    strerror(errno ? errno : EIO));
		rc = RUN_EXIT_FAILURE;
		goto out;
	}
	if (!quiet) {
		json_t *r = json_object_get(merged, "rampage");
		fprintf(stderr, "rampage merge: %d summar%s, %lld requests; %s\n", n, n == 1 ? "y" : "ies",
		    (long long)json_integer_value(json_object_get(json_object_get(r, "total"), "requests")),
		    json_is_true(json_object_get(json_object_get(r, "merge"), "complete")) ?
		    "their execution segments make up the whole sequence" :
		    "their execution segments do not make up one whole sequence");
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
	json_decref(merged);
	return rc;
}
