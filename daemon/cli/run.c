/*
 * run: `rampage run FILE` and `rampage run --url URL ...`, one test in the foreground.
 *
 * Threads: the main thread (this file) parses, starts the engine and then only waits, in poll(2), on
 * two descriptors: a signalfd for SIGINT/SIGTERM (blocked before engine_start, so every engine thread
 * inherits the mask and only this thread sees them) and an eventfd that the engine's controller
 * thread rings when it gives us a second. The controller's on_tick does the little that must happen
 * while the tick is valid (add it to the summary series, copy it into plain numbers) and hands the
 * copy over through a mailbox; every write (progress line, --out files, summary) happens here.
 *
 * Quick tests (--url) are built as a JSON definition and parsed by testdef like any file, so they
 * are validated by the same code and fail the same way. With a FILE, k6's --vus/--duration/
 * --iterations/--rate override the definition's options through runs/overrides, the code the
 * daemon's start uses, so a flag means the same on both.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/output.h"
#include "cli/run.h"
#include "core/clock.h"
#include "core/fdlimit.h"
#include "core/mailbox.h"
#include "core/opts.h"
#include "core/segment.h"
#include "core/xmalloc.h"
#include "engine/engine.h"
#include "metrics/failures.h"
#include "metrics/junit.h"
#include "metrics/report_html.h"
#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "core/duration.h"
#include "runs/overrides.h"
#include "testdef/testdef.h"

#define MAX_OUTPUTS 4
#define MAX_END_OUTPUTS 4          /* --out summary=... written once the run has ended */
#define QUICK_DEFAULT_VUS 10
#define QUICK_DEFAULT_DURATION "10s"
/* --rate: preAllocatedVUs = -c, maxVUs = this many times that (a target 10x slower than at the
   start can still be offered the rate; beyond that iterations are dropped and reported). */
#define QUICK_MAX_VUS_FACTOR 10

struct run_msg {
	struct mailbox_msg msg;    /* first: the list pointer casts back */
	struct output_second *sec; /* NULL: the run is done (unless abort is set) */
	char *abort;               /* thresholds: an abortOnFail threshold failed; why (stop the run) */
	char *warn;                /* the early warning that every request fails (printed, once) */
};

struct run {
	const struct plan *plan;
	bool want_seconds;         /* progress line or --out files: copy each second */
	int efd;                   /* eventfd rung by the mailbox's wake hook */
	struct mailbox mb;         /* controller -> main */
	/* Owned by the controller thread while the engine runs (on_tick writes it); main reads it
	   only after engine_wait. */
	struct summary_series series;
	struct findings_series *findings;  /* same ownership: a second's figures for the findings */
	struct threshold_set *thresholds;  /* same ownership: judged each second, then at the end */
	struct failures_alarm alarm;       /* same ownership: "every request fails", judged early */
};

/* Prints the usage of `rampage run`. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage run FILE [-u VUS] [-d DURATION] [-i ITERATIONS] [--rate R] [options]\n"
	    "       rampage run --url URL [-u VUS] [-d DURATION] [-i ITERATIONS | --rate R] [options]\n"
	    "\n"
	    "  FILE                   a JSON test definition (\"-\" reads standard input)\n"
	    "  --url URL              quick test: GET URL, no file needed\n"
	    "  -u, -c, --vus N        quick test: N VUs (default %d); with --rate, the VUs allocated up\n"
	    "                         front (preAllocatedVUs), at most %dx that many (maxVUs)\n"
	    "  -d, --duration D       quick test: how long, e.g. 30s, 1m (default %s)\n"
	    "  -i, --iterations N     quick test: N iterations shared by the VUs (shared-iterations;\n"
	    "                         -d is then their maxDuration)\n"
	    "  --rate R               quick test: an open model, R requests per second\n"
	    "                         (constant-arrival-rate) instead of N looping VUs (constant-vus)\n"
	    "                         With a FILE, these four override the definition's options as a\n"
	    "                         start through the daemon does (docs/api.md, \"Overrides\"): each\n"
	    "                         goes to every scenario that has it, or is refused naming it\n"
	    "  --summary-export PATH  write the summary as k6's --summary-export writes it (flattened;\n"
	    "                         thresholds true when they FAILED, as in k6)\n"
	    "  --baseline PATH        a previous run's summary (--summary-export or --out summary=, ours\n"
	    "                         or k6's): the baseline of the relative thresholds\n"
	    "                         (\"p(95) < baseline * 1.10\")\n"
	    "  -o, --out csv=PATH     write one CSV row per second per endpoint, plus a total row\n"
	    "  -o, --out json=PATH    write one JSON object per line per second\n"
	    "  -o, --out summary=PATH write the full summary as JSON (k6 handleSummary() shape plus\n"
	    "                         Rampage's extras: the document the API's summary returns)\n"
	    "  -o, --out junit=PATH   write the thresholds and checks as JUnit XML (one test case each)\n"
	    "  -o, --out html=PATH    write a self-contained HTML report of the run (charts included)\n"
	    "  --workers N            worker threads (default: one per core)\n"
	    "  --insecure-skip-tls-verify\n"
	    "                         do not check https targets' certificates (k6's flag; the same as\n"
	    "                         \"insecureSkipTLSVerify\": true in the definition)\n"
	    "  --execution-segment SEG\n"
	    "                         run only this share of the test, as k6 does: from:to of the\n"
	    "                         whole (1/3:2/3; fractions, decimals or percentages)\n"
	    "  --execution-segment-sequence SEQ\n"
	    "                         the segments every process of the test uses (0,1/3,2/3,1):\n"
	    "                         with it, the shares add up exactly to the whole test\n"
	    "  --summary-histograms   add the histograms to --out summary=PATH, so that\n"
	    "                         rampage merge can merge the shares with exact percentiles\n"
	    "  -q, --quiet            no progress line\n"
	    "\n"
	    "exit status: 0 done, 1 could not start, 2 invalid definition or usage,\n"
	    "             99 a threshold failed (abortOnFail included),\n"
	    "             105 stopped by SIGINT/SIGTERM (a second one stops at once),\n"
	    "             107 the definition's setup or teardown failed\n",
	    QUICK_DEFAULT_VUS, QUICK_MAX_VUS_FACTOR, QUICK_DEFAULT_DURATION);
}

/* Prints one "rampage run: ..." line on stderr. */
static void __attribute__((format(printf, 1, 2)))
complain(const char *fmt, ...)
{
	va_list ap;

	fputs("rampage run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parses a whole number in [lo, hi]. */
static int
parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Builds the definition of a quick test: one scenario, one task, GET url. New reference. */
static json_t *
quick_definition(const char *url, long vus, const char *duration, double rate, long iterations)
{
	json_t *def = json_object(), *scenarios = json_object(), *sc = json_object();
	json_t *tasks = json_array(), *task = json_object();

	json_object_set_new(task, "method", json_string("GET"));
	json_object_set_new(task, "url", json_string(url));
	json_array_append_new(tasks, task);

	if (iterations > 0) {
		json_object_set_new(sc, "executor", json_string("shared-iterations"));
		json_object_set_new(sc, "vus", json_integer(vus < iterations ? vus : iterations));
		json_object_set_new(sc, "iterations", json_integer(iterations));
		if (duration != NULL)
			json_object_set_new(sc, "maxDuration", json_string(duration));
	} else if (rate > 0) {
		json_object_set_new(sc, "executor", json_string("constant-arrival-rate"));
		json_object_set_new(sc, "rate", json_real(rate));
		json_object_set_new(sc, "timeUnit", json_string("1s"));
		json_object_set_new(sc, "duration", json_string(duration != NULL ? duration :
		    QUICK_DEFAULT_DURATION));
		json_object_set_new(sc, "preAllocatedVUs", json_integer(vus));
		json_object_set_new(sc, "maxVUs", json_integer(vus * QUICK_MAX_VUS_FACTOR));
	} else {
		json_object_set_new(sc, "executor", json_string("constant-vus"));
		json_object_set_new(sc, "vus", json_integer(vus));
		json_object_set_new(sc, "duration", json_string(duration != NULL ? duration :
		    QUICK_DEFAULT_DURATION));
	}
	json_object_set_new(sc, "tasks", tasks);
	json_object_set_new(scenarios, "quick", sc);
	json_object_set_new(def, "name", json_string("quick test"));
	json_object_set_new(def, "scenarios", scenarios);
	return def;
}

/* The nominal length of the run for the progress line: the latest scenario end without
   gracefulStop; 0 when an iteration-based scenario makes it unknowable. */
static int64_t
nominal_ns(const struct plan *plan)
{
	int64_t end = 0;

	for (int i = 0; i < plan->nscenarios; i++) {
		const struct plan_scenario *sc = &plan->scenarios[i];
		int64_t d = 0;

		switch (sc->executor) {
		case PLAN_CONSTANT_VUS:
		case PLAN_CONSTANT_ARRIVAL_RATE:
			d = sc->duration_ns;
			break;
		case PLAN_RAMPING_VUS:
		case PLAN_RAMPING_ARRIVAL_RATE:
			for (int s = 0; s < sc->nstages; s++)
				d += sc->stages[s].duration_ns;
			break;
		case PLAN_PER_VU_ITERATIONS:
		case PLAN_SHARED_ITERATIONS:
			return 0;
		}
		if (sc->start_time_ns + d > end)
			end = sc->start_time_ns + d;
	}
	return end;
}

/* How many worker threads the engine will use, as engine_start decides it (one per core, never
   more than VUs): the CPU budget of the generator-health verdict. */
static int
workers_used(const struct plan *plan, int requested)
{
	long n = requested > 0 ? requested : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (plan->max_vus >= 1 && n > plan->max_vus)
		n = plan->max_vus;
	return (int)n;
}

/* Controller thread: one second of the run. */
static void
on_tick(void *arg, const struct tick *second, const struct tick *whole)
{
	struct run *r = arg;
	struct run_msg *m;
	struct mailbox_msg *mm;

	summary_series_add(&r->series, second);
	findings_series_add(r->findings, second);
	/* thresholds: judged each second; an abortOnFail failure asks main to stop the run */
	if (threshold_tick(r->thresholds, second, whole)) {
		struct mailbox_msg *am;
		m = xcalloc(1, sizeof *m);
		for (int i = 0; i < threshold_count(r->thresholds); i++) {
			struct threshold_result tr;
			threshold_get(r->thresholds, i, &tr);
			if (tr.aborted)
				m->abort = xasprintf("threshold '%s' on %s failed at %lld s (abortOnFail): "
				    "stopping the run", tr.source, tr.metric, (long long)second->second + 1);
		}
		if (m->abort == NULL)
			m->abort = xstrdup("a threshold failed (abortOnFail): stopping the run");
		am = &m->msg;
		mailbox_give(&r->mb, &am);
	}
	/* the early warning: said once, on stderr, and the run goes on (as k6's) */
	if (failures_alarm_judge(&r->alarm, second->second, whole->total.requests, whole->total.failed,
	    whole->failures, r->plan)) {
		m = xcalloc(1, sizeof *m);
		m->warn = xstrdup(r->alarm.text);
		mm = &m->msg;
		mailbox_give(&r->mb, &mm);
	}
	if (!r->want_seconds)
		return;
	m = xcalloc(1, sizeof *m);
	m->sec = output_second_new(r->plan, second);
	mm = &m->msg;
	mailbox_give(&r->mb, &mm);
}

/* Controller thread: the run has ended. */
static void
on_done(void *arg, const struct tick *whole)
{
	struct run *r = arg;
	struct run_msg *m = xcalloc(1, sizeof *m);
	struct mailbox_msg *mm = &m->msg;

	(void)whole;
	mailbox_give(&r->mb, &mm);
}

/* Mailbox wake hook (controller thread): ring the eventfd main polls. */
static void
wake(void *arg)
{
	struct run *r = arg;
	uint64_t one = 1;
	ssize_t n = write(r->efd, &one, sizeof one);

	(void)n;   /* EAGAIN: the counter is already non-zero, main will wake anyway */
}

/* Adds a second to the HTML report's series. */
static void
series_add(struct report_series *s, const struct output_second *sec)
{
	double v[REPORT_NCOLS] = {
		[REPORT_RPS] = (double)sec->total.requests, [REPORT_ERRORS] = (double)sec->total.failed,
		[REPORT_P50] = sec->total.duration.med, [REPORT_P95] = sec->total.duration.p95,
		[REPORT_P99] = sec->total.duration.p99, [REPORT_VUS] = sec->vus,
		[REPORT_ITERATIONS] = (double)sec->iterations, [REPORT_RECEIVED] = (double)sec->total.bytes_received,
		[REPORT_SENT] = (double)sec->total.bytes_sent, [REPORT_CPU] = sec->cpu_pct,
	};
	report_series_add(s, sec->second, v);
}

/* The kind of an end-of-run --out spec ("summary"), or NULL when it is a per-second one. */
static const char *
end_output_kind(const char *spec)
{
	static const char *const kinds[] = { "summary", "junit", "html" };

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i]);
		if (strncmp(spec, kinds[i], n) == 0 && spec[n] == '=')
			return kinds[i];
	}
	return NULL;
}

/* What the end-of-run outputs are made from besides the summary. */
struct end_ctx {
	time_t started;            /* the run's start, wall clock (the reports' dates) */
	const json_t *def;         /* the definition as run (html) */
	const struct report_series *series;   /* its seconds (html) */
	const char *state;         /* the final state in the daemon's words (html) */
	bool histograms;           /* --summary-histograms (summary) */
};

/* The HTML report's data for a CLI run (metrics/report_html.h). New reference. */
static json_t *
report_data(const struct summary_run *sr, const struct end_ctx *ctx)
{
	json_t *data = json_object(), *run = json_object();
	bool has_th = sr->thresholds != NULL && threshold_count(sr->thresholds) > 0;

	json_object_set_new(run, "name", sr->plan->name != NULL ? json_string(sr->plan->name) : json_null());
	json_object_set_new(run, "state", json_string(ctx->state));
	json_object_set_new(run, "verdict", has_th ?
	    json_string(threshold_passed(sr->thresholds) ? "passed" : "failed") : json_null());
	json_object_set_new(run, "started_ms", json_integer((json_int_t)ctx->started * 1000));
	json_object_set_new(run, "trigger", json_string("rampage run"));
	json_object_set_new(data, "run", run);
	json_object_set_new(data, "definition", ctx->def != NULL ? json_deep_copy(ctx->def) : json_object());
	json_object_set_new(data, "summary", summary_json(sr));
	json_object_set_new(data, "series", report_series_json(ctx->series));
	return data;
}

/* Writes one end-of-run output. 0, or -1 and *cause. */
static int
end_output_write(const char *spec, const struct summary_run *sr, const struct end_ctx *ctx, char **cause)
{
	const char *kind = end_output_kind(spec), *path = strchr(spec, '=') + 1;
	time_t started = ctx->started;

	if (strcmp(kind, "summary") == 0) {
		struct summary_run with = *sr;
		with.histograms = ctx->histograms;
		return summary_export(&with, path, cause);
	}
	if (strcmp(kind, "junit") == 0) {
		json_t *rich = summary_json(sr);
		struct junit_meta meta = { .suite = sr->plan->name, .started_unix = (int64_t)started };
		int rc = junit_write(rich, &meta, path, cause);
		json_decref(rich);
		return rc;
	}
	if (strcmp(kind, "html") == 0) {
		json_t *data = report_data(sr, ctx);
		int rc = report_html_write(data, path, cause);
		json_decref(data);
		return rc;
	}
	*cause = xasprintf("--out %s: unknown kind", spec);
	return -1;
}

/* Entry point of `rampage run`. */
int
run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "summary-export", required_argument, NULL, 'S' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "out", required_argument, NULL, 'o' },
		{ "workers", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "url", required_argument, NULL, 'U' },
		{ "vus", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "insecure-skip-tls-verify", no_argument, NULL, 'k' },
		{ "execution-segment", required_argument, NULL, 'E' },
		{ "execution-segment-sequence", required_argument, NULL, 'Q' },
		{ "summary-histograms", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *export_path = NULL, *url = NULL, *duration = NULL, *file = NULL;
	json_t *baseline = NULL;   /* --baseline: a previous summary document */
	const char *out_specs[MAX_OUTPUTS], *end_specs[MAX_END_OUTPUTS];
	int nout = 0, nend = 0, c, rc = RUN_EXIT_OK, nsignals = 0;
	long workers = 0, vus = 0, iterations = 0;
	double rate = 0;
	bool quiet = false, insecure = false, progress, interrupted = false, done = false, stopping = false;
	struct output *outs[MAX_OUTPUTS] = { NULL };
	struct testdef_errors errs;
	struct plan *plan = NULL;
	struct engine *e = NULL;
	struct run r;
	char *cause = NULL, *end;
	json_t *def;
	sigset_t set;
	int sfd = -1;
	int64_t total_ns;
	time_t started = 0;
	json_t *def_copy = NULL;           /* the definition, for the HTML report */
	struct report_series series = { 0 };
	bool want_html = false, want_hists = false, want_summary = false;
	const char *seg_text = NULL, *seq_text = NULL;
	struct segment *segment = NULL;    /* --execution-segment; NULL: the whole plan */

	memset(&r, 0, sizeof r);
	r.efd = -1;
	while ((c = getopt_long(argc, argv, "o:qc:u:d:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': export_path = optarg; break;
		case 'B': {
			json_error_t jerr;
			json_decref(baseline);
			if ((baseline = json_load_file(optarg, 0, &jerr)) == NULL ||
			    !json_is_object(json_object_get(baseline, "metrics"))) {
				complain("--baseline %s: %s", optarg, baseline == NULL ? jerr.text :
				    "not a summary (no \"metrics\"; write one with --summary-export)");
				json_decref(baseline);
				return RUN_EXIT_USAGE;
			}
			break;
		}
		case 'o':
			if (end_output_kind(optarg) != NULL) {
				if (nend == MAX_END_OUTPUTS) {
					complain("at most %d end-of-run --out options", MAX_END_OUTPUTS);
					return RUN_EXIT_USAGE;
				}
				if (strchr(optarg, '=')[1] == '\0') {
					complain("--out %s: expected a PATH after \"=\"", optarg);
					return RUN_EXIT_USAGE;
				}
				if (strcmp(end_output_kind(optarg), "html") == 0)
					want_html = true;
				if (strcmp(end_output_kind(optarg), "summary") == 0)
					want_summary = true;
				end_specs[nend++] = optarg;
				break;
			}
			if (nout == MAX_OUTPUTS) {
				complain("at most %d --out options", MAX_OUTPUTS);
				return RUN_EXIT_USAGE;
			}
			out_specs[nout++] = optarg;
			break;
		case 'w':
			if (parse_int(optarg, 1, 1024, &workers) != 0) {
				complain("--workers: expected a number from 1 to 1024, got \"%s\"", optarg);
				return RUN_EXIT_USAGE;
			}
			break;
		case 'q': quiet = true; break;
		case 'k': insecure = true; break;
		case 'E': seg_text = optarg; break;
		case 'Q': seq_text = optarg; break;
		case 'H': want_hists = true; break;
		case 'U': url = optarg; break;
		case 'c':
		case 'u':
			if (parse_int(optarg, 1, OVERRIDES_MAX_VUS, &vus) != 0) {
				complain("-u/--vus: expected a number from 1 to %d, got \"%s\"", OVERRIDES_MAX_VUS,
				    optarg);
				return RUN_EXIT_USAGE;
			}
			break;
		case 'i':
			if (parse_int(optarg, 1, OVERRIDES_MAX_ITERATIONS, &iterations) != 0) {
				complain("-i/--iterations: expected a number from 1 to %d, got \"%s\"",
				    OVERRIDES_MAX_ITERATIONS, optarg);
				return RUN_EXIT_USAGE;
			}
			break;
		case 'd': {
			int64_t ns;
			if (duration_parse(optarg, &ns) != DURATION_OK || ns <= 0) {
				complain("-d/--duration: expected a duration like 30s or 1m, got \"%s\"", optarg);
				return RUN_EXIT_USAGE;
			}
			duration = optarg;
			break;
		}
		case 'r':
			errno = 0;
			rate = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(rate > 0) || !isfinite(rate)) {
				complain("--rate: expected a positive number of requests per second, got \"%s\"",
				    optarg);
				return RUN_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return RUN_EXIT_OK;
		default:
			opts_refused(stderr, "run", opts, "o:qc:u:d:i:h", argc, argv);
			return RUN_EXIT_USAGE;
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc) {
		complain("unexpected argument \"%s\"", argv[optind]);
		return RUN_EXIT_USAGE;
	}
	if ((file == NULL) == (url == NULL)) {
		complain(file == NULL ? "a test definition FILE or --url URL is required" :
		    "give either a FILE or --url, not both");
		usage(stderr);
		return RUN_EXIT_USAGE;
	}
	if (url != NULL && iterations > 0 && rate > 0) {
		complain("--iterations and --rate: a quick test is either a count of iterations or a rate");
		return RUN_EXIT_USAGE;
	}

	if (want_hists && !want_summary) {
		complain("--summary-histograms: it adds the histograms to --out summary=PATH: give one");
		return RUN_EXIT_USAGE;
	}
	if (seg_text != NULL || seq_text != NULL) {
		if (seg_text == NULL) {
			complain("--execution-segment-sequence: give --execution-segment too (which of its "
			    "segments this process runs)");
			return RUN_EXIT_USAGE;
		}
		if ((segment = segment_new(seg_text, seq_text, &cause)) == NULL) {
			complain("%s", cause);
			free(cause);
			return RUN_EXIT_USAGE;
		}
	}

	/* The definition, through the same parser either way. */
	testdef_errors_init(&errs);
	if (file != NULL)
		def = testdef_load_file(file, 0, &errs);
	else
		def = quick_definition(url, vus > 0 ? vus : QUICK_DEFAULT_VUS, duration, rate, iterations);
	if (def != NULL && file != NULL) {
		struct overrides ov = {
			.has_vus = vus > 0, .vus = vus, .has_duration = duration != NULL, .duration = duration,
			.has_rate = rate > 0, .rate = rate, .has_iterations = iterations > 0,
			.iterations = iterations,
		};
		struct testdef_errors oerrs;
		testdef_errors_init(&oerrs);
		if (overrides_apply(def, &ov, &oerrs) != 0) {
			for (int i = 0; i < oerrs.n; i++)
				complain("--%s: %s", oerrs.v[i].path, oerrs.v[i].message);
			testdef_errors_fini(&oerrs);
			testdef_errors_fini(&errs);
			json_decref(def);
			return RUN_EXIT_USAGE;
		}
		testdef_errors_fini(&oerrs);
	}
	if (def != NULL && insecure && json_is_object(def))
		json_object_set_new(def, "insecureSkipTLSVerify", json_true());
	if (def != NULL) {
		struct testdef_options topt = { .base_dir = NULL };
		char *dir = file != NULL ? testdef_base_dir(file) : NULL;
		topt.base_dir = dir;           /* feeds' CSV files are next to the definition */
		plan = testdef_parse(def, &topt, &errs);
		free(dir);
		if (want_html)
			def_copy = json_incref(def);
		json_decref(def);
	}
	if (plan == NULL) {
		char *prefix = xasprintf("%s: ", file == NULL ? "--url" : strcmp(file, "-") == 0 ? "stdin" : file);
		testdef_errors_print(&errs, stderr, prefix);
		free(prefix);
		testdef_errors_fini(&errs);
		segment_free(segment);
		return RUN_EXIT_USAGE;
	}
	testdef_errors_fini(&errs);

	for (int i = 0; i < nout; i++) {
		outs[i] = output_open(out_specs[i], &cause);
		if (outs[i] == NULL) {
			complain("%s", cause);
			free(cause);
			/* A malformed spec is usage; a file we cannot create means we could not start. */
			rc = strncmp(out_specs[i], "csv=", 4) != 0 && strncmp(out_specs[i], "json=", 5) != 0 ?
			    RUN_EXIT_USAGE : RUN_EXIT_FAILURE;
			goto out;
		}
	}

	progress = !quiet && isatty(STDERR_FILENO);
	r.plan = plan;
	r.want_seconds = progress || nout > 0 || want_html;
	r.thresholds = threshold_set_new(plan);
	summary_series_init(&r.series, workers_used(plan, (int)workers));
	r.findings = findings_series_new(plan);
	r.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r.efd < 0) {
		complain("eventfd: %s", strerror(errno));
		rc = RUN_EXIT_FAILURE;
		goto out;
	}
	mailbox_init(&r.mb, wake, &r);

	/* Signals: blocked before any engine thread exists, read here through a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		complain("signalfd: %s", strerror(errno));
		rc = RUN_EXIT_FAILURE;
		goto out_mb;
	}
	if (fdlimit_raise(&cause) != 0) {
		/* the engine checks the limit against the plan's VUs and says so if it is too low */
		free(cause);
		cause = NULL;
	}

	total_ns = nominal_ns(plan);
	if (!quiet) {
		char d[DURATION_FMT_SIZE];
		fprintf(stderr, "rampage: running \"%s\": %d scenario%s, up to %d VUs, %s%s\n",
		    plan->name != NULL ? plan->name : "", plan->nscenarios, plan->nscenarios == 1 ? "" : "s",
		    plan->max_vus, total_ns > 0 ? "" : "at most ",
		    duration_format(total_ns > 0 ? total_ns : plan->max_end_ns, d));
		if (!segment_is_whole(segment))
			fprintf(stderr, "rampage: execution segment %s of %s: this process runs that share of "
			    "every scenario\n", segment_string(segment), segment_sequence_string(segment));
	}
	if (plan->agents != 0)
		/* said even with --quiet: the load is not what the definition asks for */
		fprintf(stderr, "rampage: the definition asks for agents (%s%.0d): rampage run runs the "
		    "whole test here; the daemon splits it over its agents\n",
		    plan->agents == PLAN_AGENTS_ALL ? "all" : "", plan->agents == PLAN_AGENTS_ALL ? 0 :
		    plan->agents);

	started = time(NULL);
	struct engine_options eo = { .workers = (int)workers, .segment = segment };
	struct engine_sink sink = { .on_tick = on_tick, .on_done = on_done, .arg = &r };
	e = engine_start(plan, &eo, &sink, &cause);
	if (e == NULL) {
		complain("could not start: %s", cause);
		free(cause);
		rc = RUN_EXIT_FAILURE;
		goto out_sig;
	}

	while (!done) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = r.efd, .events = POLLIN } };
		struct signalfd_siginfo si;
		uint64_t cnt;

		if (poll(pfd, 2, 250) < 0 && errno != EINTR) {
			complain("poll: %s", strerror(errno));
			engine_stop(e, 1);
			break;
		}
		while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			nsignals++;
			interrupted = true;
			stopping = true;
			if (progress)
				output_progress_clear(stderr);
			if (nsignals == 1) {
				if (!quiet)
					fprintf(stderr, "rampage: %s: stopping; in-flight iterations get their "
					    "gracefulStop (send it again to stop now)\n", strsignal((int)si.ssi_signo));
				engine_stop(e, 0);
			} else {
				if (!quiet)
					fprintf(stderr, "rampage: %s: stopping now\n", strsignal((int)si.ssi_signo));
				engine_stop(e, 1);
			}
		}
		if (read(r.efd, &cnt, sizeof cnt) < 0 && errno != EAGAIN)
			complain("eventfd: %s", strerror(errno));
		for (struct mailbox_msg *mm = mailbox_take_all(&r.mb), *next; mm != NULL; mm = next) {
			struct run_msg *m = (struct run_msg *)mm;
			next = mm->next;
			if (m->abort != NULL) {
				if (progress)
					output_progress_clear(stderr);
				if (!quiet)
					fprintf(stderr, "rampage: %s\n", m->abort);
				free(m->abort);
				stopping = true;
				engine_stop(e, 0);
			} else if (m->warn != NULL) {
				if (progress)
					output_progress_clear(stderr);
				fprintf(stderr, "rampage: WARNING: %s\n", m->warn);
				free(m->warn);
			} else if (m->sec == NULL)
				done = true;
			else {
				for (int i = 0; i < nout; i++) {
					if (output_write(outs[i], m->sec, &cause) != 0) {
						complain("%s", cause);
						free(cause);
					}
				}
				if (progress && !done)
					output_progress(stderr, m->sec, engine_elapsed_ns(e), total_ns, stopping);
				if (want_html)
					series_add(&series, m->sec);
				output_second_free(m->sec);
			}
			free(m);
		}
		if (engine_state(e) == ENGINE_DONE)
			done = true;
	}
	engine_wait(e);
	/* Seconds given after the last poll (at most the final one). */
	for (struct mailbox_msg *mm = mailbox_take_all(&r.mb), *next; mm != NULL; mm = next) {
		struct run_msg *m = (struct run_msg *)mm;
		next = mm->next;
		free(m->abort);        /* the run is over already */
		if (m->warn != NULL)
			fprintf(stderr, "rampage: WARNING: %s\n", m->warn);
		free(m->warn);
		if (m->sec != NULL) {
			for (int i = 0; i < nout; i++)
				if (output_write(outs[i], m->sec, &cause) != 0) {
					complain("%s", cause);
					free(cause);
				}
			if (want_html)
				series_add(&series, m->sec);
			output_second_free(m->sec);
		}
		free(m);
	}
	if (progress)
		output_progress_clear(stderr);

	if (baseline != NULL)
		threshold_set_baselines(r.thresholds, baseline);
	json_decref(baseline);
	baseline = NULL;
	threshold_final(r.thresholds, engine_totals(e), engine_elapsed_ns(e));
	struct summary_run sr = {
		.plan = plan, .whole = engine_totals(e), .series = &r.series,
		.duration_ns = engine_elapsed_ns(e), .interrupted = interrupted,
		.stdout_tty = isatty(STDOUT_FILENO), .stderr_tty = isatty(STDERR_FILENO),
		.thresholds = r.thresholds, .alarm = &r.alarm, .segment = segment,
		.findings = r.findings,
	};
	json_t *events = engine_events_json(e);
	sr.events = events;
	summary_print(stdout, &sr);
	fflush(stdout);
	if (export_path != NULL && summary_k6_export(&sr, export_path, &cause) != 0) {
		complain("%s", cause);
		free(cause);
		rc = RUN_EXIT_FAILURE;
	}
	for (int i = 0; i < nend; i++) {
		struct end_ctx ctx = { .started = started, .def = def_copy, .series = &series,
			.state = engine_error(e) != NULL ? "error" : interrupted ? "stopped" : sr.thresholds != NULL && threshold_count(sr.thresholds) > 0 ?
			    (threshold_passed(r.thresholds) ? "passed" : "failed") : "finished",
			.histograms = want_hists };
		if (end_output_write(end_specs[i], &sr, &ctx, &cause) != 0) {
			complain("%s", cause);
			free(cause);
			rc = RUN_EXIT_FAILURE;
		}
	}
	if (engine_error(e) != NULL) {
		complain("%s", engine_error(e));
		if (rc == RUN_EXIT_OK)
			rc = RUN_EXIT_SCRIPT;
	}
	if (rc == RUN_EXIT_OK && interrupted)
		rc = RUN_EXIT_INTERRUPTED;
	else if (rc == RUN_EXIT_OK && !threshold_passed(r.thresholds))
		rc = RUN_EXIT_THRESHOLDS;
	json_decref(events);
	engine_free(e);
out_sig:
	/* SIGINT/SIGTERM stay blocked: one arriving now must not kill us before the exit code. */
	close(sfd);
out_mb:
	mailbox_fini(&r.mb);
	close(r.efd);
out:
	for (int i = 0; i < nout; i++) {
		if (outs[i] != NULL && output_close(outs[i], &cause) != 0) {
			complain("%s", cause);
			free(cause);
			if (rc == RUN_EXIT_OK)
				rc = RUN_EXIT_FAILURE;
		}
	}
	threshold_set_free(r.thresholds);
	findings_series_free(r.findings);
	plan_free(plan);
	segment_free(segment);
	json_decref(baseline);
	json_decref(def_copy);
	report_series_free(&series);
	return rc;
}
