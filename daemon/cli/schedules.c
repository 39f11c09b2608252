/*
 * schedules: see schedules.h. Each verb is one or two blocking REST calls; tables on a terminal or
 * in a pipe alike, the API's JSON as received with --json.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_priv.h"
#include "cli/run.h"
#include "cli/schedules.h"
#include "core/opts.h"
#include "core/xmalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage schedules [--test TEST] [common]\n"
	    "       rampage schedule add TEST --cron EXPR [--tz ZONE] [--duration D] [--vus N] [--rate R]\n"
	    "                            [--note TEXT] [--overlap skip|queue] [--catchup none|latest]\n"
	    "                            [--paused] [common]\n"
	    "       rampage schedule pause|resume|rm|run ID [common]\n"
	    "\n"
	    "TEST is a saved test's id or name. EXPR is a cron expression (five fields, or six with a\n"
	    "leading seconds field; @daily...), read in ZONE (an IANA name, default UTC), e.g.\n"
	    "  rampage schedule add orders-soak --cron '0 2 * * *' --tz Europe/Berlin --duration 8h\n"
	    "run starts a run of the schedule now; rm deletes it (the runs it started stay).\n"
	    "\n"
	    "common options:\n"
	    "  --server URL     the daemon (default http://127.0.0.1:8089)\n"
	    "  --json           print the API's JSON instead of a table\n");
}

static const char *
str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : dflt;
}

static int
bad_usage(const char *verb, const char *why)
{
	fprintf(stderr, "rampage %s: %s; see rampage %s --help\n", verb, why, verb);
	return RUN_EXIT_USAGE;
}

/* Reads the common options only; 0, or the exit code of a refusal. */
static int
common_only(struct client *c, const char *verb, int argc, char **argv)
{
	static const struct option opts[] = { CLIENT_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(RUN_EXIT_OK);
		}
		if (!client_option(c, opt)) {
			opts_refused(stderr, verb, opts, "h", argc, argv);
			return RUN_EXIT_USAGE;
		}
	}
	return 0;
}

/* The last fire, as "started run 12 (passed)" / "missed 40 fires". */
static void
fmt_last(json_t *f, char *buf, size_t size)
{
	const char *outcome = str(f, "outcome", "-");

	if (!json_is_object(f))
		snprintf(buf, size, "-");
	else if (strcmp(outcome, "started") == 0 && json_is_integer(json_object_get(f, "run_id")))
		snprintf(buf, size, "run %" JSON_INTEGER_FORMAT " %s",
		    json_integer_value(json_object_get(f, "run_id")), str(f, "run_state", ""));
	else if (strcmp(outcome, "missed") == 0)
		snprintf(buf, size, "missed %" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(f, "count")));
	else
		snprintf(buf, size, "%s", outcome);
}

/* Prints one schedule as a table row. */
static void
print_row(json_t *s)
{
	json_t *next = json_array_get(json_object_get(s, "next_fires"), 0);
	char last[64];

	fmt_last(json_object_get(s, "last_fire"), last, sizeof last);
	printf("%4" JSON_INTEGER_FORMAT "  %-18.18s  %-16s  %-20s  %-6s  %-25s  %s\n",
	    json_integer_value(json_object_get(s, "id")), str(s, "test_name", "(deleted)"),
	    str(s, "cron", ""), str(s, "timezone", ""),
	    json_is_true(json_object_get(s, "paused")) ? "paused" : "on",
	    json_is_string(next) ? json_string_value(next) :
	    json_is_true(json_object_get(s, "never_fires")) ? "never" : "-", last);
}

static void
print_header(void)
{
	printf("%4s  %-18s  %-16s  %-20s  %-6s  %-25s  %s\n", "ID", "TEST", "CRON", "ZONE", "STATE",
	    "NEXT FIRE", "LAST FIRE");
}

/* `rampage schedules [--test TEST]`. */
int
client_schedules_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "test", required_argument, NULL, 't' },
		CLIENT_COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client *c = client_new();
	const char *test = NULL;
	json_t *root, *s;
	json_int_t id = 0;
	char *path = NULL;
	size_t i;
	int opt, rc = RUN_EXIT_FAILURE;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 't') {
			test = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			client_free(c);
			return RUN_EXIT_OK;
		} else if (!client_option(c, opt)) {
			opts_refused(stderr, argv[0], opts, "h", argc, argv);
			client_free(c);
			return RUN_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		client_free(c);
		return bad_usage(argv[0], "unexpected argument");
	}
	client_connect(c);
	if (test != NULL && (id = client_test_id(c, test)) < 0)
		goto out;
	path = id > 0 ? xasprintf("/api/schedules?test=%" JSON_INTEGER_FORMAT, id) :
	    xstrdup("/api/schedules");
	if ((root = client_call(c, "GET", path, NULL)) == NULL)
		goto out;
	if (client_json_output(c)) {
		client_print_reply(c);
	} else {
		print_header();
		json_array_foreach(json_object_get(root, "schedules"), i, s)
			print_row(s);
	}
	json_decref(root);
	rc = RUN_EXIT_OK;
out:
	free(path);
	client_free(c);
	return rc;
}

/* `rampage schedule add TEST --cron EXPR ...`. */
static int
add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cron", required_argument, NULL, 'C' },
		{ "tz", required_argument, NULL, 'z' },
		{ "duration", required_argument, NULL, 'd' },
		{ "vus", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "note", required_argument, NULL, 'n' },
		{ "overlap", required_argument, NULL, 'o' },
		{ "catchup", required_argument, NULL, 'u' },
		{ "paused", no_argument, NULL, 'p' },
		CLIENT_COMMON_OPTS, { NULL, 0, NULL, 0 },
	};
	struct client *c = client_new();
	json_t *body = json_object(), *ov = json_object(), *root;
	json_int_t test;
	char *text = NULL, *end;
	int opt, rc = RUN_EXIT_USAGE;
	long long vus;
	double rate;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *key = NULL;
		json_t *target = body;
		switch (opt) {
		case 'C': key = "cron"; break;
		case 'z': key = "timezone"; break;
		case 'o': key = "overlap"; break;
		case 'u': key = "catchup"; break;
		case 'd': key = "duration"; target = ov; break;
		case 'n': key = "note"; target = ov; break;
		case 'p':
			json_object_set_new(body, "paused", json_true());
			continue;
		case 'c':
			vus = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || vus < 1) {
				rc = bad_usage("schedule add", "--vus takes a positive integer");
				goto out;
			}
			json_object_set_new(ov, "vus", json_integer(vus));
			continue;
		case 'r':
			rate = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(rate > 0)) {
				rc = bad_usage("schedule add", "--rate takes a number above 0");
				goto out;
			}
			json_object_set_new(ov, "rate", json_real(rate));
			continue;
		case 'h':
			usage(stdout);
			rc = RUN_EXIT_OK;
			goto out;
		default:
			if (!client_option(c, opt)) {
				opts_refused(stderr, "schedule add", opts, "h", argc, argv);
				goto out;
			}
			continue;
		}
		if (json_object_set_new(target, key, json_string(optarg)) != 0) {
			rc = bad_usage("schedule add", "options take UTF-8 text");
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = bad_usage("schedule add", "expected one test (id or name)");
		goto out;
	}
	if (json_object_get(body, "cron") == NULL) {
		rc = bad_usage("schedule add", "--cron is required ('0 2 * * *')");
		goto out;
	}
	rc = RUN_EXIT_FAILURE;
	client_connect(c);
	if ((test = client_test_id(c, argv[optind])) < 0)
		goto out;
	json_object_set_new(body, "test_id", json_integer(test));
	json_object_set(body, "overrides", ov);
	text = json_dumps(body, JSON_COMPACT);
	if ((root = client_call(c, "POST", "/api/schedules", text)) == NULL)
		goto out;
	if (client_json_output(c)) {
		client_print_reply(c);
	} else {
		print_header();
		print_row(root);
	}
	json_decref(root);
	rc = RUN_EXIT_OK;
out:
	free(text);
	json_decref(ov);
	json_decref(body);
	client_free(c);
	return rc;
}

/* `rampage schedule pause|resume|rm|run ID`. */
static int
on_one(const char *verb, int argc, char **argv)
{
	struct client *c = client_new();
	char *path = NULL, *end, full[32];
	json_t *root = NULL;
	long long id;
	int rc;

	snprintf(full, sizeof full, "schedule %s", verb);
	if ((rc = common_only(c, full, argc, argv)) != 0)
		goto out;
	id = optind + 1 == argc ? strtoll(argv[optind], &end, 10) : 0;
	if (optind + 1 != argc || *argv[optind] == '\0' || *end != '\0' || id < 1) {
		rc = bad_usage(full, "expected one schedule id (rampage schedules lists them)");
		goto out;
	}
	rc = RUN_EXIT_FAILURE;
	client_connect(c);
	if (strcmp(verb, "rm") == 0) {
		path = xasprintf("/api/schedules/%lld", id);
		if (client_call_empty(c, "DELETE", path) != 0)
			goto out;
		printf("schedule %lld deleted (the runs it started stay)\n", id);
	} else if (strcmp(verb, "run") == 0) {
		path = xasprintf("/api/schedules/%lld/run", id);
		if ((root = client_call(c, "POST", path, "{}")) == NULL)
			goto out;
		if (client_json_output(c))
			client_print_reply(c);
		else
			printf("run %" JSON_INTEGER_FORMAT " queued\n",
			    json_integer_value(json_object_get(root, "run_id")));
	} else {
		path = xasprintf("/api/schedules/%lld", id);
		if ((root = client_call(c, "PATCH", path, strcmp(verb, "pause") == 0 ?
		    "{\"paused\":true}" : "{\"paused\":false}")) == NULL)
			goto out;
		if (client_json_output(c)) {
			client_print_reply(c);
		} else {
			print_header();
			print_row(root);
		}
	}
	rc = RUN_EXIT_OK;
out:
	json_decref(root);
	free(path);
	client_free(c);
	return rc;
}

int
client_schedule_main(int argc, char **argv)
{
	static const char *const verbs[] = { "add", "pause", "resume", "rm", "run", NULL };
	const char *hint;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return add(argc - 1, argv + 1);
	for (int i = 1; verbs[i] != NULL; i++)
		if (argc >= 2 && strcmp(argv[1], verbs[i]) == 0)
			return on_one(verbs[i], argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return RUN_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(stderr, "rampage schedule: expected a verb: add, pause, resume, rm, run; see "
		    "rampage schedule --help\n");
		return RUN_EXIT_USAGE;
	}
	hint = opts_suggest(argv[1], verbs);
	fprintf(stderr, "rampage schedule: unknown verb \"%s\"%s%s%s; see rampage schedule --help\n",
	    argv[1], hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
	return RUN_EXIT_USAGE;
}
