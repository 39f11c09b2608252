/*
 * Unit tests for runs/run_plan: a definition judged under the daemon's policy. The caps named
 * "limits", the target allowlist (literal and env-derived hosts), the environment allowlist, and
 * feed files refused.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "runs/run_plan.h"
#include "security/security.h"
#include "testdef/testdef.h"
#include "tap.h"

static int
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* A policy over defaults and the given keys ("key", "value", ..., NULL). */
static struct security *
sec_with(const char *key, ...)
{
	struct conf cfg;
	struct security *sec;
	const char *k, *v;
	char *cause = NULL;
	va_list ap;

	conf_init(&cfg);
	va_start(ap, key);
	for (k = key; k != NULL; k = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		if (conf_set(&cfg, k, v, &cause) != 0) {
			printf("# conf_set %s=%s: %s\n", k, v, cause);
			free(cause);
			cause = NULL;
		}
	}
	va_end(ap);
	if ((sec = security_new(&cfg, &cause)) == NULL) {
		printf("# security_new: %s\n", cause);
		exit(1);
	}
	conf_fini(&cfg);
	return sec;
}

/* The errors of a parse, one "path: message" line each ("" when it gave a plan). */
static char *
errors_of(json_t *def, struct plan *p, struct testdef_errors *errs)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	testdef_errors_print(errs, f, NULL);
	fclose(f);
	if ((p != NULL) == (errs->n > 0))
		printf("# a plan and errors, or neither!\n");
	plan_free(p);
	json_decref(def);
	testdef_errors_fini(errs);
	return out;
}

/* Parses text under sec (run_plan_new); returns the errors joined. */
static char *
parse(const char *text, const struct security *sec)
{
	struct testdef_errors errs;
	json_t *def = json_loads(text, 0, NULL);

	testdef_errors_init(&errs);
	return errors_of(def, run_plan_new(sec, def, &errs), &errs);
}

/* Parses text with plain options (no policy), as rampage run does. */
static char *
parse_with(const char *text, const struct testdef_options *opt)
{
	struct testdef_errors errs;
	json_t *def = json_loads(text, 0, NULL);

	testdef_errors_init(&errs);
	return errors_of(def, testdef_parse(def, opt, &errs), &errs);
}

/* {{env.NAME}} sees only what env_allow lists; what it sees is still checked as a target. */
static void
test_env(void)
{
	struct security *sec;
	char *e;

	setenv("RAMPAGE_T_HOST", "http://10.9.9.9:80", 1);
	setenv("RAMPAGE_T_PATH", "/p", 1);
	setenv("RAMPAGE_SECRET", "hunter2", 1);
	sec = sec_with("security.env_allow", "RAMPAGE_T_*, HOME", NULL);
	e = parse("{\"baseUrl\":\"{{env.RAMPAGE_T_HOST}}\",\"tasks\":[{\"path\":\"{{env.RAMPAGE_T_PATH}}\"}]}", sec);
	ok(contains(e, "baseUrl: target http://10.9.9.9:80 is not allowed: 10.9.9.9 is not in "
	    "security.allow_targets"), "a host from an allowed variable is still checked (%s)", e);
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"tasks\":[{\"path\":\"/\",\"headers\":"
	    "{\"X\":\"{{env.RAMPAGE_SECRET}}\"}}]}", sec);
	ok(contains(e, "environment variable \"RAMPAGE_SECRET\" is not set"),
	    "an unlisted variable cannot be sent anywhere (%s)", e);
	free(e);
	security_free(sec);
}

/* A definition from the network reads no file of the daemon's. */
static void
test_feed_files(void)
{
	struct security *sec = sec_with(NULL);
	char *e;

	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"feeds\":{\"u\":{\"csv\":\"/etc/passwd\"}},"
	    "\"tasks\":[{\"path\":\"/{{feed.u}}\"}]}", sec);
	ok(contains(e, "CSV and JSON files are read only from definitions given as files"),
	    "a CSV feed is refused (%s)", e);
	free(e);
	security_free(sec);
}

static void
test_caps_and_targets(void)
{
	struct security *sec;
	struct testdef_options opt;
	char *e;

	setenv("RAMPAGE_T_GOOD", "http://127.0.0.1:9", 1);
	setenv("RAMPAGE_T_EVIL", "http://10.9.8.7:80", 1);
	setenv("RAMPAGE_T_EVILHOST", "metadata.evil.example", 1);
	sec = sec_with("limits.max_vus", "10", "limits.max_rate", "50", "limits.max_duration", "1h",
	    "security.env_allow", "RAMPAGE_T_*", NULL);

	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"vus\":5,\"duration\":\"10m\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "", "within every cap");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"vus\":11,\"duration\":\"1s\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "vus: expected at most 10 VUs over all scenarios (limits.max_vus), got up to 11\n",
	    "max_vus: one message naming the key");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"stages\":[{\"duration\":\"1s\",\"target\":500000}],"
	    "\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "vus: expected at most 10 VUs over all scenarios (limits.max_vus), got up to 500000\n",
	    "a stage target over the cap");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"scenarios\":{"
	    "\"a\":{\"executor\":\"constant-arrival-rate\",\"rate\":30,\"duration\":\"1s\",\"preAllocatedVUs\":1,"
	    "\"tasks\":[{\"path\":\"/\"}]},"
	    "\"b\":{\"executor\":\"ramping-arrival-rate\",\"timeUnit\":\"1m\",\"stages\":[{\"duration\":\"1s\","
	    "\"target\":1260}],\"preAllocatedVUs\":1,\"tasks\":[{\"path\":\"/\"}]}}}", sec);
	is_str(e, "scenarios: expected at most 50 iterations per second over all arrival-rate scenarios "
	    "(limits.max_rate), got up to 51\n", "max_rate sums scenarios, per second (30/s + 1260/min)");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"scenarios\":{"
	    "\"a\":{\"executor\":\"constant-arrival-rate\",\"rate\":50,\"duration\":\"1s\",\"preAllocatedVUs\":1,"
	    "\"tasks\":[{\"path\":\"/\"}]}}}", sec);
	is_str(e, "", "a rate at the cap");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"duration\":\"61m\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "definition: expected startTime + duration to be at most 1h0m0s (limits.max_duration), "
	    "got 1h1m0s\n", "max_duration");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"scenarios\":{\"s\":{\"executor\":\"ramping-vus\","
	    "\"startTime\":\"30m\",\"stages\":[{\"duration\":\"20m\",\"target\":1},{\"duration\":\"20m\",\"target\":1}],"
	    "\"gracefulStop\":\"2h\",\"tasks\":[{\"path\":\"/\"}]}}}", sec);
	is_str(e, "scenarios.s: expected startTime + the stages' durations to be at most 1h0m0s "
	    "(limits.max_duration), got 1h10m0s\nscenarios.s.gracefulStop: expected at most 1h0m0s "
	    "(limits.max_duration), got 2h0m0s\n", "startTime counts; so does a long gracefulStop");
	free(e);
	e = parse("{\"baseUrl\":\"http://127.0.0.1:9\",\"scenarios\":{\"s\":{\"executor\":\"per-vu-iterations\","
	    "\"maxDuration\":\"2h\",\"tasks\":[{\"path\":\"/\"}]}}}", sec);
	ok(contains(e, "scenarios.s: expected startTime + maxDuration to be at most 1h0m0s"),
	    "maxDuration of iteration executors (%s)", e);
	free(e);

	/* The allowlist, literal and env-derived hosts. */
	e = parse("{\"baseUrl\":\"http://10.0.0.1\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "baseUrl: target http://10.0.0.1 is not allowed: 10.0.0.1 is not in "
	    "security.allow_targets (127.0.0.0/8, ::1, localhost)\n", "a literal target outside the list");
	free(e);
	e = parse("{\"baseUrl\":\"{{env.RAMPAGE_T_GOOD}}\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	is_str(e, "", "an env-derived baseUrl inside the list");
	free(e);
	e = parse("{\"baseUrl\":\"{{env.RAMPAGE_T_EVIL}}\",\"tasks\":[{\"path\":\"/\"}]}", sec);
	ok(contains(e, "baseUrl: target http://10.9.8.7:80 is not allowed: 10.9.8.7 is not in"),
	    "an env-derived baseUrl outside it is checked too (%s)", e);
	free(e);
	e = parse("{\"tasks\":[{\"url\":\"http://{{env.RAMPAGE_T_EVILHOST}}:8080/x\"}]}", sec);
	ok(contains(e, "tasks[0].url: target http://metadata.evil.example:8080 is not allowed"),
	    "an env-derived host inside a url (%s)", e);
	free(e);
	e = parse("{\"tasks\":[{\"url\":\"http://localhost:1/{{env.RAMPAGE_T_EVILHOST}}\"}]}", sec);
	is_str(e, "", "env after the host does not matter");
	free(e);
	security_free(sec);

	/* Without the policy (rampage run, validate) caps keep their per-field messages. */
	memset(&opt, 0, sizeof opt);
	opt.max_vus = 10;
	e = parse_with("{\"baseUrl\":\"http://h\",\"vus\":11,\"duration\":\"1s\",\"tasks\":[{\"path\":\"/\"}]}", &opt);
	is_str(e, "vus: expected an integer from 1 to 10, got 11\n", "unnamed caps keep per-field errors");
	free(e);
}


int
main(void)
{
	test_env();
	test_caps_and_targets();
	test_feed_files();
	return done_testing();
}
