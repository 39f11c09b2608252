/*
 * fuzz_testdef: a libFuzzer harness for the definition parser. Each input is fed as an API request
 * body would be: testdef_load_string, then a parse, then plan_free. Inputs of even length are parsed
 * the way the daemon parses them (run_plan_new under a default config but for env_allow: caps named
 * "limits", the target allowlist), odd ones the way `rampage run` does (testdef_parse: no caps, no
 * allowlist), so both paths are covered. {{env.NAME}} sees a fixed, fake environment (never the
 * real one): the daemon's path through env_allow, which lists only the fake names, set at start.
 *
 * The invariant checked beyond "no crash, no leak, no UB": a parse gives a plan or errors, never
 * both and never neither.
 *
 * Built two ways: by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined, and into
 * tests/fuzz/replay_testdef by `make check` (with tests/fuzz/replay.c as main) to replay the corpus.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "runs/run_plan.h"
#include "security/security.h"
#include "testdef/testdef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf cfg;
static struct security *sec;

/* A fixed environment: some values are URLs, some hosts, some odd bytes. */
static const char *const vars[][2] = {
	{ "HOST", "http://127.0.0.1:8080" },
	{ "EVIL", "http://10.0.0.1" },
	{ "NAME", "api.internal" },
	{ "PORT", "8080" },
	{ "EMPTY", "" },
	{ "CRLF", "a\r\nX-Injected: 1" },
	{ "BRACES", "{{vu}}" },
	{ "LONG", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
};
#define NVARS (sizeof vars / sizeof vars[0])

/* testdef_options.env of the `rampage run` path: the same fixed environment. */
static const char *
fake_env(void *arg, const char *name)
{
	(void)arg;
	for (size_t i = 0; i < NVARS; i++) {
		if (strcmp(name, vars[i][0]) == 0)
			return vars[i][1];
	}
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct testdef_options opt;
	struct testdef_errors errs;
	struct plan *plan;
	json_t *def;

	if (sec == NULL) {
		char *cause = NULL, names[256] = "";
		conf_init(&cfg);
		for (size_t i = 0; i < NVARS; i++) {
			setenv(vars[i][0], vars[i][1], 1);
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			    i > 0 ? "," : "", vars[i][0]);
		}
		if (conf_set(&cfg, "security.env_allow", names, &cause) != 0 ||
		    (sec = security_new(&cfg, &cause)) == NULL)
			abort();
	}
	memset(&opt, 0, sizeof opt);
	opt.env = fake_env;
	testdef_errors_init(&errs);
	def = testdef_load_string((const char *)data, size, 0, &errs);
	if (def != NULL) {
		plan = size % 2 == 0 ? run_plan_new(sec, def, &errs) : testdef_parse(def, &opt, &errs);
		if ((plan != NULL) == (errs.n + errs.dropped > 0))
			abort();   /* a plan and errors, or neither */
		plan_free(plan);
		json_decref(def);
	} else if (errs.n == 0) {
		abort();       /* not loaded, yet no error */
	}
	testdef_errors_fini(&errs);
	return 0;
}
