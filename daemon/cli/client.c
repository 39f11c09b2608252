/*
 * client: `rampage tests|runs|start|stop|show`, a thin command-line client of the REST API
 * (docs/api.md), so that CI can drive a shared daemon without curl and jq.
 *
 * Threads: only the process's main thread; every call is a blocking libcurl easy transfer. Replies
 * are read into a buffer capped at MAX_REPLY, parsed with Jansson, and printed as aligned tables, or
 * printed as received with --json. `start --wait` polls GET /api/runs/{id} once a second (a
 * progress line on a terminal) and exits the way `rampage run` does.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cli/client.h"
#include "cli/client_priv.h"
#include "cli/run.h"
#include "core/opts.h"
#include "core/xmalloc.h"
#include "runs/run_state.h"
#include "testdef/metric.h"

#define DEFAULT_SERVER "http://127.0.0.1:8089"
#define MAX_REPLY (64u << 20)      /* a reply larger than this is refused, not buffered */
#define TIMEOUT_S 30L
#define POLL_INTERVAL_US 1000000
#define MAX_DEFINITION (64u << 20)  /* a definition file larger is refused before sending */

struct client {
	char *server;              /* without a trailing slash */
	bool json;                 /* --json: print replies as received */
	CURL *curl;
	struct curl_slist *headers;
	char *buf;                 /* the last reply's body, NUL-terminated */
	size_t len, cap;
};

/* The options every verb takes. */
#define COMMON_OPTS \
	{ "server", required_argument, NULL, 'S' }, \
	{ "json", no_argument, NULL, 'J' }, \
	{ "help", no_argument, NULL, 'h' }

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage tests [common]\n"
	    "       rampage runs [--test ID] [--state S[,S...]] [--limit N] [common]\n"
	    "       rampage start TEST [--vus N] [--duration D] [--rate R] [--iterations N]\n"
	    "                     [--note TEXT] [--wait] [common]\n"
	    "       rampage stop RUN [--force] [common]\n"
	    "       rampage vus RUN N [--scenario NAME] [common]\n"
	    "       rampage show RUN [common]\n"
	    "       rampage test push FILE [--id N] [common]\n"
	    "\n"
	    "common options:\n"
	    "  --server URL     the daemon (default " DEFAULT_SERVER ")\n"
	    "  --json           print the API's JSON instead of a table\n"
	    "\n"
	    "The token in $RAMPAGE_TOKEN, if set, is sent as `Authorization: Bearer`.\n"
	    "test push saves a definition (FILE, or - for standard input) as a saved test: it updates\n"
	    "test N with --id N, else the one test of the definition's name, else creates one.\n"
	    "start --wait follows the run and exits 0 passed or finished (no thresholds),\n"
	    "99 failed (thresholds), 1 stopped/cancelled/aborted/error; any command exits 1\n"
	    "on an HTTP error, 2 on bad usage.\n");
}

/* Handles a common option; 1 if it was one, 0 otherwise. Exits on --help. */
static int
common_opt(struct client *c, int opt)
{
	switch (opt) {
	case 'S':
		free(c->server);
		c->server = xstrdup(optarg);
		return 1;
	case 'J':
		c->json = true;
		return 1;
	case 'h':
		usage(stdout);
		exit(0);
	}
	return 0;
}

/* Appends a chunk of the reply; refusing it past MAX_REPLY makes libcurl fail the transfer. */
static size_t
on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct client *c = arg;
	size_t add = size * n;

	if (c->len + add + 1 > MAX_REPLY)
		return 0;
	if (c->len + add + 1 > c->cap) {
		while (c->len + add + 1 > c->cap)
			c->cap = c->cap ? c->cap * 2 : 4096;
		c->buf = xrealloc(c->buf, c->cap);
	}
	memcpy(c->buf + c->len, ptr, add);
	c->len += add;
	c->buf[c->len] = '\0';
	return add;
}

/* Sets up the handle and headers; the server defaults to DEFAULT_SERVER. */
static void
client_init(struct client *c)
{
	memset(c, 0, sizeof *c);
	c->server = xstrdup(DEFAULT_SERVER);
}

/* Finishes the set-up once the options are known. */
static void
client_open(struct client *c)
{
	const char *token = getenv("RAMPAGE_TOKEN");
	size_t n = strlen(c->server);

	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		fprintf(stderr, "rampage: could not create a libcurl handle\n");
		exit(RUN_EXIT_FAILURE);
	}
	/* the daemon takes state-changing requests only with one of these (security_request_check) */
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "X-Rampage-Client: cli");
	if (token != NULL && *token != '\0') {
		char *h = xasprintf("Authorization: Bearer %s", token);
		c->headers = curl_slist_append(c->headers, h);
		free(h);
	}
}

static void
client_fini(struct client *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	curl_global_cleanup();
	free(c->server);
	free(c->buf);
}

/*
 * Makes one request (body: NULL for none). Returns the HTTP status and leaves the reply in c->buf,
 * or -1 + *cause when no answer came (refused, timeout, reply too large).
 */
static long
request(struct client *c, const char *method, const char *path, const char *body, char **cause)
{
	char *url = xasprintf("%s%s", c->server, path);
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = -1;
	CURLcode rc;

	c->len = 0;
	if (c->buf != NULL)
		c->buf[0] = '\0';
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
		*cause = xasprintf("cannot reach the daemon at %s (is `rampage serve` running?)", c->server);
		goto out;
	}
	if (rc != CURLE_OK) {
		*cause = xasprintf("%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (c->buf == NULL)
		on_data((char *)"", 0, 0, c);
out:
	free(url);
	return status;
}

/* Prints an HTTP error: the API's message and each JSON-path error, or the status alone. */
static void
print_http_error(struct client *c, long status)
{
	json_t *root = json_loads(c->buf != NULL ? c->buf : "", 0, NULL);
	json_t *err = json_object_get(root, "error");
	const char *msg = json_string_value(json_object_get(err, "message"));
	json_t *errors = json_object_get(err, "errors"), *e;
	size_t i;

	if (msg == NULL) {
		fprintf(stderr, "rampage: %s answered HTTP %ld\n", c->server, status);
		json_decref(root);
		return;
	}
	fprintf(stderr, "rampage: %s (HTTP %ld)\n", msg, status);
	json_array_foreach(errors, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *m = json_string_value(json_object_get(e, "message"));
		fprintf(stderr, "  %s: %s\n", p != NULL && *p ? p : "(document)", m != NULL ? m : "?");
	}
	json_decref(root);
}

/*
 * Makes a request expecting 2xx JSON. Returns the parsed reply (caller frees), or NULL after
 * printing why (unreachable, HTTP error, not JSON).
 */
static json_t *
call(struct client *c, const char *method, const char *path, const char *body)
{
	char *cause = NULL;
	long status = request(c, method, path, body, &cause);
	json_error_t jerr;
	json_t *root;

	if (status < 0) {
		fprintf(stderr, "rampage: %s\n", cause);
		free(cause);
		return NULL;
	}
	if (status < 200 || status > 299) {
		print_http_error(c, status);
		return NULL;
	}
	root = json_loads(c->buf, 0, &jerr);
	if (root == NULL)
		fprintf(stderr, "rampage: %s%s: the reply is not JSON: %s\n", c->server, path, jerr.text);
	return root;
}

/* Prints the last reply as received. */
static void
print_raw(struct client *c)
{
	fputs(c->buf, stdout);
	if (c->len == 0 || c->buf[c->len - 1] != '\n')
		putchar('\n');
}

/* Formats a wall-clock time in ms since the epoch as local time, or "-" for null. */
static const char *
fmt_time(json_t *v, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (!json_is_integer(v))
		return "-";
	t = (time_t)(json_integer_value(v) / 1000);
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* Formats the run's length (end or now minus start), or "-" before it started. */
static const char *
fmt_length(json_t *run, char *buf, size_t size)
{
	json_t *start = json_object_get(run, "started_ms"), *end = json_object_get(run, "ended_ms");
	int64_t ms;

	if (!json_is_integer(start))
		return "-";
	if (json_is_integer(end))
		ms = json_integer_value(end) - json_integer_value(start);
	else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - json_integer_value(start);
	}
	if (ms < 0)
		ms = 0;
	snprintf(buf, size, "%" PRId64 ".%" PRId64 "s", ms / 1000, ms % 1000 / 100);
	return buf;
}

static double
num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *
str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : dflt;
}

/* The run's figures: its final stats, or its live ones while it runs. NULL when it has neither. */
static json_t *
run_stats(json_t *run)
{
	json_t *s = json_object_get(run, "stats");

	if (json_is_object(s))
		return s;
	s = json_object_get(run, "live");
	return json_is_object(s) ? s : NULL;
}

/* Parses a positive id argument; 0 if it is not one. */
static json_int_t
parse_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 0 ? (json_int_t)v : 0;
}

/* Prints the usage error and returns the usage exit code. */
static int
bad_usage(const char *verb, const char *why)
{
	fprintf(stderr, "rampage %s: %s; see rampage %s --help\n", verb, why, verb);
	return RUN_EXIT_USAGE;
}

/* An option getopt_long refused: one line saying which and why (core/opts.h), exit 2. */
static int
refused(const struct option *opts, int argc, char **argv)
{
	opts_refused(stderr, argv[0], opts, "h", argc, argv);
	return RUN_EXIT_USAGE;
}

/* `rampage tests`: every saved test, with its number of runs and last run. */
int
client_tests_main(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, { NULL, 0, NULL, 0 } };
	struct client c;
	json_t *root, *t;
	size_t i;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if (!common_opt(&c, opt)) {
			client_fini(&c);
			return refused(opts, argc, argv);
		}
	if (optind != argc) {
		client_fini(&c);
		return bad_usage(argv[0], "unexpected argument");
	}
	client_open(&c);
	if ((root = call(&c, "GET", "/api/tests", NULL)) == NULL)
		goto out;
	if (c.json)
		print_raw(&c);
	else {
		printf("%6s  %5s  %-24s  %-9s  %s\n", "ID", "RUNS", "LAST RUN", "STATE", "NAME");
		json_array_foreach(json_object_get(root, "tests"), i, t) {
			json_t *last = json_object_get(t, "last_run");
			char when[32], lastid[32] = "-";
			if (json_is_object(last))
				snprintf(lastid, sizeof lastid, "%" JSON_INTEGER_FORMAT,
				    json_integer_value(json_object_get(last, "id")));
			fmt_time(json_object_get(last, "queued_ms"), when, sizeof when);
			printf("%6" JSON_INTEGER_FORMAT "  %5" JSON_INTEGER_FORMAT "  %-5s %-18s  %-9s  %s\n",
			    json_integer_value(json_object_get(t, "id")),
			    json_integer_value(json_object_get(t, "runs")), lastid,
			    json_is_object(last) ? when : "", str(last, "state", "-"), str(t, "name", ""));
		}
	}
	json_decref(root);
	rc = RUN_EXIT_OK;
out:
	client_fini(&c);
	return rc;
}

/* Prints one row of the runs table. */
static void
print_run_row(json_t *run)
{
	json_t *s = run_stats(run);
	char when[32], len[32], testid[32] = "-", rps[32] = "-", p95[32] = "-", err[32] = "-", reqs[32] = "-";
	json_t *test = json_object_get(run, "test_id");
	const char *note = str(run, "note", NULL);

	if (json_is_integer(test))
		snprintf(testid, sizeof testid, "%" JSON_INTEGER_FORMAT, json_integer_value(test));
	if (s != NULL) {
		json_t *r = json_object_get(s, "total_requests");
		snprintf(reqs, sizeof reqs, "%.0f", r != NULL ? json_number_value(r) : num(s, "requests"));
		snprintf(rps, sizeof rps, "%.1f", num(s, "rps"));
		snprintf(p95, sizeof p95, "%.2f", num(s, "p95_us") / 1000.0);
		snprintf(err, sizeof err, "%.2f%%", num(s, "error_rate") * 100.0);
	}
	printf("%6" JSON_INTEGER_FORMAT "  %5s  %-9s  %-7s  %-19s  %8s  %10s  %9s  %8s  %7s  %s%s%s\n",
	    json_integer_value(json_object_get(run, "id")),
	    testid, str(run, "state", "?"), str(run, "verdict", "-"), fmt_time(json_object_get(run, "queued_ms"), when, sizeof when),
	    fmt_length(run, len, sizeof len), reqs, rps, p95, err, str(run, "name", ""),
	    note != NULL && *note ? "  # " : "", note != NULL ? note : "");
}

/* `rampage runs`: the newest runs, filtered by test and state. */
int
client_runs_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "test", required_argument, NULL, 't' },
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	const char *test = NULL, *state = NULL, *limit = NULL;
	struct client c;
	json_t *root = NULL, *run;
	char *path = NULL;
	size_t i;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 't': test = optarg; break;
		case 's': state = optarg; break;
		case 'n': limit = optarg; break;
		default:
			if (!common_opt(&c, opt)) {
				client_fini(&c);
				return refused(opts, argc, argv);
			}
		}
	}
	if (optind != argc || (test != NULL && parse_id(test) == 0) ||
	    (limit != NULL && parse_id(limit) == 0)) {
		client_fini(&c);
		return bad_usage(argv[0], optind != argc ? "unexpected argument" :
		    "--test and --limit take a positive integer");
	}
	client_open(&c);
	{
		char *st = state != NULL ? curl_easy_escape(c.curl, state, 0) : NULL;
		path = xasprintf("/api/runs?%s%s%s%s%s%s", test ? "test=" : "", test ? test : "",
		    st ? "&state=" : "", st ? st : "", limit ? "&limit=" : "", limit ? limit : "");
		curl_free(st);
	}
	/* No empty parameter: drop a '&' right after the '?', or a '?' with nothing after it. */
	if (path[10] == '&')
		memmove(path + 10, path + 11, strlen(path + 11) + 1);
	if (path[10] == '\0')
		path[9] = '\0';
	if ((root = call(&c, "GET", path, NULL)) == NULL)
		goto out;
	if (c.json)
		print_raw(&c);
	else {
		printf("%6s  %5s  %-9s  %-7s  %-19s  %8s  %10s  %9s  %8s  %7s  %s\n", "ID", "TEST", "STATE",
		    "VERDICT", "QUEUED", "LENGTH", "REQUESTS", "RPS", "P95 ms", "ERRORS", "NAME");
		json_array_foreach(json_object_get(root, "runs"), i, run)
			print_run_row(run);
		if (json_is_string(json_object_get(root, "next_cursor")))
			printf("(more runs: raise --limit)\n");
	}
	rc = RUN_EXIT_OK;
out:
	json_decref(root);
	free(path);
	client_fini(&c);
	return rc;
}

/*
 * A threshold's observed value in its metric's unit, as the text summary prints it: a rate as a
 * percentage (0.0123 -> 1.23%), a time in ms, a counter's rate per second, bytes as bytes.
 */
static const char *
fmt_threshold_value(json_t *t, double v, char *buf, size_t size)
{
	const char *name = str(t, "metric", ""), *agg = str(t, "aggregation", "");
	int id = metric_find(name, strcspn(name, "{"));
	const struct metric *m = id >= 0 ? metric_get((enum metric_id)id) : NULL;

	if (m != NULL && m->type == METRIC_RATE)
		snprintf(buf, size, "%.2f%%", v * 100.0);
	else if (m != NULL && strcmp(m->contains, "time") == 0)
		snprintf(buf, size, "%.3f ms", v);
	else if (m != NULL && m->type == METRIC_COUNTER && strcmp(agg, "rate") == 0)
		snprintf(buf, size, "%.2f/s", v);
	else if (m != NULL && strcmp(m->contains, "data") == 0)
		snprintf(buf, size, "%.0f B", v);
	else
		snprintf(buf, size, "%g", v);
	return buf;
}

/* Prints a run in detail: state, times, figures, thresholds. */
static void
print_run(json_t *run)
{
	json_t *s = run_stats(run), *th = json_object_get(run, "thresholds"), *t, *pos;
	char b1[32], b2[32];
	const char *note = str(run, "note", NULL), *error = str(run, "error", NULL);
	const char *state = str(run, "state", "?");
	size_t i;

	printf("run %" JSON_INTEGER_FORMAT "  %s\n", json_integer_value(json_object_get(run, "id")),
	    str(run, "name", ""));
	printf("  %-10s %s", "state", state);
	/* the verdict where the state does not say it already (a stopped or aborted run) */
	if (json_is_string(json_object_get(run, "verdict")) && strcmp(state, "passed") != 0 &&
	    strcmp(state, "failed") != 0)
		printf(" (thresholds %s)", str(run, "verdict", "?"));
	else if (strcmp(state, "finished") == 0)
		printf(" (no thresholds: no verdict)");
	else if (strcmp(state, "cancelled") == 0)
		printf(" (before it started: it sent no load)");
	if (json_is_integer(pos = json_object_get(run, "position")))
		printf(" (position %" JSON_INTEGER_FORMAT ")", json_integer_value(pos));
	if (json_is_true(json_object_get(run, "stop_requested")))
		printf(" (stop requested)");
	putchar('\n');
	if (json_is_integer(json_object_get(run, "test_id")))
		printf("  %-10s %" JSON_INTEGER_FORMAT "\n", "test",
		    json_integer_value(json_object_get(run, "test_id")));
	printf("  %-10s %s\n", "queued", fmt_time(json_object_get(run, "queued_ms"), b1, sizeof b1));
	printf("  %-10s %s\n", "started", fmt_time(json_object_get(run, "started_ms"), b1, sizeof b1));
	printf("  %-10s %s  (%s)\n", "ended", fmt_time(json_object_get(run, "ended_ms"), b1, sizeof b1),
	    fmt_length(run, b2, sizeof b2));
	if (note != NULL && *note)
		printf("  %-10s %s\n", "note", note);
	if (error != NULL)
		printf("  %-10s %s\n", "error", error);
	if (s != NULL) {
		json_t *r = json_object_get(s, "total_requests");
		printf("  %-10s %.0f\n", "requests", r != NULL ? json_number_value(r) : num(s, "requests"));
		printf("  %-10s %.1f/s\n", "rps", num(s, "rps"));
		printf("  %-10s %.3f ms\n", "p95", num(s, "p95_us") / 1000.0);
		printf("  %-10s %.2f%%\n", "errors", num(s, "error_rate") * 100.0);
	}
	if (json_array_size(th) > 0) {
		printf("  thresholds\n");
		json_array_foreach(th, i, t) {
			json_t *v = json_object_get(t, "value");
			printf("    %s %s: %s", json_is_true(json_object_get(t, "ok")) ? "\u2713" : "\u2717",
			    str(t, "metric", "?"), str(t, "source", "?"));
			if (json_is_number(v))
				printf("  (%s)", fmt_threshold_value(t, json_number_value(v), b1, sizeof b1));
			if (json_is_true(json_object_get(t, "aborted")))
				printf("  (aborted the run)");
			putchar('\n');
		}
	}
	json_t *changes = json_object_get(run, "changes"), *c;
	if (json_array_size(changes) > 0) {
		/* the definition alone does not describe the run: say what was changed while it ran */
		printf("  changes\n");
		json_array_foreach(changes, i, c)
			printf("    at %.1f s: %s %.0f -> %.0f VUs (%s)\n", num(c, "at_ms") / 1000.0,
			    str(c, "scenario", "?"), num(c, "from"), num(c, "to"), str(c, "trigger", "?"));
	}
	json_t *events = json_object_get(run, "events");
	if (json_array_size(events) > 0) {
		/* the moments marked (docs/api.md, "Events"); their findings are in the summary */
		printf("  events\n");
		json_array_foreach(events, i, c) {
			printf("    at %.1f s: %s (%s)", num(c, "at_ms") / 1000.0, str(c, "name", "?"),
			    json_is_string(json_object_get(c, "trigger")) ? str(c, "trigger", "?") : "timed");
			if (json_is_integer(json_object_get(c, "status")))
				printf(" HTTP %.0f", num(c, "status"));
			else if (json_is_string(json_object_get(c, "error")))
				printf(" request failed: %s", str(c, "error", "?"));
			putchar('\n');
		}
	}
}

/* Parses the single id argument of stop/show/start; 0 when it is not one. */
static json_int_t
run_arg(int argc, char **argv)
{
	if (optind + 1 != argc)
		return 0;
	return parse_id(argv[optind]);
}

/* `rampage show RUN`. */
int
client_show_main(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, { NULL, 0, NULL, 0 } };
	struct client c;
	json_t *root;
	json_int_t id;
	char *path;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if (!common_opt(&c, opt)) {
			client_fini(&c);
			return refused(opts, argc, argv);
		}
	if ((id = run_arg(argc, argv)) == 0) {
		client_fini(&c);
		return bad_usage(argv[0], "expected one run id");
	}
	client_open(&c);
	path = xasprintf("/api/runs/%" JSON_INTEGER_FORMAT, id);
	if ((root = call(&c, "GET", path, NULL)) != NULL) {
		if (c.json)
			print_raw(&c);
		else
			print_run(root);
		json_decref(root);
		rc = RUN_EXIT_OK;
	}
	free(path);
	client_fini(&c);
	return rc;
}

/* `rampage stop RUN [--force]`. */
int
client_stop_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client c;
	bool force = false;
	json_t *root;
	json_int_t id;
	char *path;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'f')
			force = true;
		else if (!common_opt(&c, opt)) {
			client_fini(&c);
			return refused(opts, argc, argv);
		}
	}
	if ((id = run_arg(argc, argv)) == 0) {
		client_fini(&c);
		return bad_usage(argv[0], "expected one run id");
	}
	client_open(&c);
	path = xasprintf("/api/runs/%" JSON_INTEGER_FORMAT "/stop%s", id, force ? "?force=true" : "");
	if ((root = call(&c, "POST", path, "")) != NULL) {
		if (c.json)
			print_raw(&c);
		else
			printf("run %" JSON_INTEGER_FORMAT " %s\n", id, str(root, "state", "?"));
		json_decref(root);
		rc = RUN_EXIT_OK;
	}
	free(path);
	client_fini(&c);
	return rc;
}

/* `rampage vus RUN N [--scenario NAME]`: a running run's constant-vus scenario runs N VUs from now
   on (PATCH /api/runs/{id}). */
int
client_vus_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client c;
	const char *scenario = NULL;
	json_t *root, *body;
	json_int_t id, vus;
	char *path, *text, *end;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 's')
			scenario = optarg;
		else if (!common_opt(&c, opt)) {
			client_fini(&c);
			return refused(opts, argc, argv);
		}
	}
	if (optind + 2 != argc || (id = parse_id(argv[optind])) == 0) {
		client_fini(&c);
		return bad_usage(argv[0], "expected a run id and a number of VUs");
	}
	errno = 0;
	vus = strtoll(argv[optind + 1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[optind + 1] || vus < 1) {
		client_fini(&c);
		return bad_usage(argv[0], "expected the number of VUs as a whole number >= 1");
	}
	body = json_pack("{s:I}", "vus", vus);
	if (scenario != NULL)
		json_object_set_new(body, "scenario", json_string(scenario));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	client_open(&c);
	path = xasprintf("/api/runs/%" JSON_INTEGER_FORMAT, id);
	if ((root = call(&c, "PATCH", path, text)) != NULL) {
		json_t *changes = json_object_get(root, "changes");
		json_t *last = json_array_get(changes, json_array_size(changes) - 1);
		if (c.json)
			print_raw(&c);
		else
			printf("run %" JSON_INTEGER_FORMAT " %s: %s %.0f -> %.0f VUs at second %.0f\n", id,
			    str(root, "state", "?"), str(last, "scenario", "?"), num(last, "from"),
			    num(last, "to"), num(last, "second"));
		json_decref(root);
		rc = RUN_EXIT_OK;
	}
	free(text);
	free(path);
	client_fini(&c);
	return rc;
}

/* The exit code of a run that ended, as `rampage run` would exit; -1 while it has not ended. */
static int
ended_exit(const char *state)
{
	int s = run_state_from_name(state);

	if (s < 0 || !run_state_final((enum run_state)s))
		return -1;
	if (s == RUN_PASSED || s == RUN_FINISHED)   /* k6: the exit code is about thresholds only */
		return RUN_EXIT_OK;
	if (s == RUN_FAILED)
		return RUN_EXIT_THRESHOLDS;
	return RUN_EXIT_FAILURE;                      /* stopped, cancelled, aborted, error */
}

/* Whether the early warning that every request fails has fired for run id; prints it on stderr
   once (said: already printed). Quiet when the daemon cannot tell: the warning is a courtesy. */
static void
say_alarm(struct client *c, json_int_t id, bool progress, bool *said)
{
	char *path = xasprintf("/api/runs/%" JSON_INTEGER_FORMAT "/failures", id), *cause = NULL;
	long status = request(c, "GET", path, NULL, &cause);
	json_t *root = status == 200 ? json_loads(c->buf, 0, NULL) : NULL;
	json_t *alarm = json_object_get(root, "alarm");

	if (json_is_object(alarm)) {
		if (progress)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "rampage: WARNING: run %" JSON_INTEGER_FORMAT ": %s\n", id,
		    str(alarm, "text", "every request fails"));
		*said = true;
	}
	json_decref(root);
	free(cause);
	free(path);
}

/* Follows a run until it ends; prints it and returns the exit code. Takes ownership of run. */
static int
follow(struct client *c, json_t *run, bool progress)
{
	json_int_t id = json_integer_value(json_object_get(run, "id"));
	char *path = xasprintf("/api/runs/%" JSON_INTEGER_FORMAT, id);
	const char *state;
	bool alarm_said = false;
	int rc, alarm_polls = 0;

	for (;;) {
		state = str(run, "state", "?");
		if ((rc = ended_exit(state)) >= 0)
			break;
		if (progress) {
			json_t *s = run_stats(run);
			char len[32];
			fprintf(stderr, "\r\033[Krun %" JSON_INTEGER_FORMAT " %-8s %8s", id, state,
			    fmt_length(run, len, sizeof len));
			if (s != NULL)
				fprintf(stderr, "  vus %.0f  requests %.0f  rps %.0f  p95 %.2f ms  errors %.2f%%",
				    num(s, "vus"), num(s, "total_requests"), num(s, "rps"),
				    num(s, "p95_us") / 1000.0, num(s, "error_rate") * 100.0);
			fflush(stderr);
		}
		/* the early warning, judged in the run's first seconds (so asked for in its first 30
		   polls): before the run's GET, whose reply is the one printed at the end */
		if (!alarm_said && strcmp(state, "running") == 0 && alarm_polls++ < 30)
			say_alarm(c, id, progress, &alarm_said);
		usleep(POLL_INTERVAL_US);
		json_decref(run);
		if ((run = call(c, "GET", path, NULL)) == NULL) {
			if (progress)
				fputc('\n', stderr);
			free(path);
			return RUN_EXIT_FAILURE;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	if (c->json)
		print_raw(c);
	else
		print_run(run);
	/* a run that ended before a poll caught its alarm: said at the end, once */
	if (!alarm_said)
		say_alarm(c, id, false, &alarm_said);
	if (strcmp(state, "failed") == 0)
		fprintf(stderr, "rampage: run %" JSON_INTEGER_FORMAT " failed: a threshold failed\n", id);
	else if (rc != RUN_EXIT_OK)
		fprintf(stderr, "rampage: run %" JSON_INTEGER_FORMAT " ended %s%s%s\n", id, state,
		    json_is_string(json_object_get(run, "error")) ? ": " : "", str(run, "error", ""));
	json_decref(run);
	free(path);
	return rc;
}

/* `rampage start TEST [overrides] [--wait]`. */
int
client_start_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vus", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "note", required_argument, NULL, 'n' },
		{ "wait", no_argument, NULL, 'w' },
		COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client c;
	json_t *body = json_object(), *root;
	json_int_t id;
	char *path = NULL, *text = NULL, *end;
	bool wait = false;
	int opt, rc = RUN_EXIT_FAILURE;
	double rate;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if ((id = parse_id(optarg)) == 0) {
				rc = bad_usage(argv[0], "--vus takes a positive integer");
				goto out;
			}
			json_object_set_new(body, "vus", json_integer(id));
			break;
		case 'i':
			if ((id = parse_id(optarg)) == 0) {
				rc = bad_usage(argv[0], "--iterations takes a positive integer");
				goto out;
			}
			json_object_set_new(body, "iterations", json_integer(id));
			break;
		case 'd':
		case 'n':
			/* json_string refuses text that is not UTF-8 */
			if (json_object_set_new(body, opt == 'd' ? "duration" : "note", json_string(optarg)) != 0) {
				rc = bad_usage(argv[0], "--duration and --note take UTF-8 text");
				goto out;
			}
			break;
		case 'r':
			rate = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(rate > 0)) {
				rc = bad_usage(argv[0], "--rate takes a number above 0");
				goto out;
			}
			json_object_set_new(body, "rate", json_real(rate));
			break;
		case 'w':
			wait = true;
			break;
		default:
			if (!common_opt(&c, opt)) {
				rc = refused(opts, argc, argv);
				goto out;
			}
		}
	}
	if ((id = run_arg(argc, argv)) == 0) {
		rc = bad_usage(argv[0], "expected one test id");
		goto out;
	}
	client_open(&c);
	path = xasprintf("/api/tests/%" JSON_INTEGER_FORMAT "/runs", id);
	text = json_dumps(body, JSON_COMPACT);
	if ((root = call(&c, "POST", path, text)) == NULL)
		goto out;
	if (wait)
		rc = follow(&c, root, isatty(STDERR_FILENO));
	else {
		if (c.json)
			print_raw(&c);
		else
			printf("run %" JSON_INTEGER_FORMAT " %s\n",
			    json_integer_value(json_object_get(root, "id")), str(root, "state", "?"));
		json_decref(root);
		rc = RUN_EXIT_OK;
	}
out:
	free(text);
	free(path);
	json_decref(body);
	client_fini(&c);
	return rc;
}

/* Reads FILE ("-": standard input) whole, at most MAX_DEFINITION bytes; NULL after saying why. */
static char *
read_definition(const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "rampage test push: %s: %s\n", file, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			text = xrealloc(text, cap + 1);
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0 && len <= MAX_DEFINITION);
	if (ferror(f) || len > MAX_DEFINITION) {
		fprintf(stderr, "rampage test push: %s: %s\n", file,
		    ferror(f) ? strerror(errno) : "larger than 64 MiB");
		free(text);
		text = NULL;
	} else {
		text[len] = '\0';
	}
	if (f != stdin)
		fclose(f);
	return text;
}

/*
 * The id of the one saved test named name: 0 when there is none, -1 after saying why when the
 * list cannot be read or several tests have that name (then --id has to say which).
 */
static json_int_t
test_by_name(struct client *c, const char *name)
{
	json_t *root = call(c, "GET", "/api/tests", NULL), *t;
	json_int_t found = 0;
	size_t i, k = 0;

	if (root == NULL)
		return -1;
	json_array_foreach(json_object_get(root, "tests"), i, t) {
		if (strcmp(str(t, "name", ""), name) != 0)
			continue;
		if (k++ == 0)
			found = json_integer_value(json_object_get(t, "id"));
	}
	json_decref(root);
	if (k > 1) {
		fprintf(stderr, "rampage test push: %zu saved tests are named \"%s\"; say which with --id N "
		    "(rampage tests lists them)\n", k, name);
		return -1;
	}
	return found;
}

/* `rampage test push FILE [--id N]`: saves a definition as a test, for CI without curl. */
static int
test_push(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client c;
	json_t *def = NULL, *root;
	json_error_t jerr;
	json_int_t id = 0;
	char *text = NULL, *path = NULL;
	const char *name;
	int opt, rc = RUN_EXIT_FAILURE;

	client_init(&c);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'i') {
			if ((id = parse_id(optarg)) == 0) {
				rc = bad_usage("test push", "--id takes a positive integer");
				goto out;
			}
		} else if (!common_opt(&c, opt)) {
			opts_refused(stderr, "test push", opts, "h", argc, argv);
			rc = RUN_EXIT_USAGE;
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = bad_usage("test push", optind == argc ? "expected a definition file (or -)" :
		    "expected one definition file");
		goto out;
	}
	if ((text = read_definition(argv[optind])) == NULL)
		goto out;
	/* Parsed here only for its name and to point at a JSON syntax error by line; the daemon
	   validates the definition itself and its errors are printed with their JSON paths. */
	if ((def = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		fprintf(stderr, "rampage test push: %s:%d:%d: not JSON: %s\n", argv[optind], jerr.line,
		    jerr.column, jerr.text);
		rc = RUN_EXIT_USAGE;
		goto out;
	}
	name = json_is_string(json_object_get(def, "name")) ?
	    json_string_value(json_object_get(def, "name")) : "unnamed";
	client_open(&c);
	if (id == 0 && (id = test_by_name(&c, name)) < 0)
		goto out;
	path = id > 0 ? xasprintf("/api/tests/%" JSON_INTEGER_FORMAT, id) : xstrdup("/api/tests");
	if ((root = call(&c, id > 0 ? "PUT" : "POST", path, text)) == NULL)
		goto out;
	if (c.json)
		print_raw(&c);
	else
		printf("%s test %" JSON_INTEGER_FORMAT " \"%s\"\n", id > 0 ? "updated" : "created",
		    json_integer_value(json_object_get(root, "id")), str(root, "name", ""));
	json_decref(root);
	rc = RUN_EXIT_OK;
out:
	free(path);
	free(text);
	json_decref(def);
	client_fini(&c);
	return rc;
}

int
client_test_main(int argc, char **argv)
{
	static const char *const verbs[] = { "push", NULL };
	const char *hint;

	if (argc >= 2 && strcmp(argv[1], "push") == 0)
		return test_push(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return RUN_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(stderr, "rampage test: expected a verb: push; see rampage test --help\n");
		return RUN_EXIT_USAGE;
	}
	hint = opts_suggest(argv[1], verbs);
	fprintf(stderr, "rampage test: unknown verb \"%s\"%s%s%s; see rampage test --help\n", argv[1],
	    hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
	return RUN_EXIT_USAGE;
}

json_t *
client_get(const char *server, const char *path)
{
	struct client c;
	json_t *root;

	client_init(&c);
	if (server != NULL) {
		free(c.server);
		c.server = xstrdup(server);
	}
	client_open(&c);
	root = call(&c, "GET", path, NULL);
	client_fini(&c);
	return root;
}

/* ---- for the other client verbs (cli/client_priv.h) */

struct client *
client_new(void)
{
	struct client *c = xmalloc(sizeof *c);

	client_init(c);
	return c;
}

int
client_option(struct client *c, int opt)
{
	return common_opt(c, opt);
}

void
client_connect(struct client *c)
{
	client_open(c);
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	client_fini(c);
	free(c);
}

json_t *
client_call(struct client *c, const char *method, const char *path, const char *body)
{
	return call(c, method, path, body);
}

int
client_call_empty(struct client *c, const char *method, const char *path)
{
	char *cause = NULL;
	long status = request(c, method, path, NULL, &cause);

	if (status < 0) {
		fprintf(stderr, "rampage: %s\n", cause);
		free(cause);
		return -1;
	}
	if (status < 200 || status > 299) {
		print_http_error(c, status);
		return -1;
	}
	return 0;
}

bool
client_json_output(const struct client *c)
{
	return c->json;
}

void
client_print_reply(struct client *c)
{
	print_raw(c);
}

json_int_t
client_test_id(struct client *c, const char *arg)
{
	json_int_t id = parse_id(arg);

	if (id > 0)
		return id;
	if ((id = test_by_name(c, arg)) == 0)
		fprintf(stderr, "rampage: no saved test is named \"%s\" (rampage tests lists them)\n", arg);
	return id > 0 ? id : -1;
}
