/*
 * testdef: a JSON test definition in, a validated immutable plan (plan.h) out, or the list of every
 * error found, each naming its JSON path ("scenarios.browse.stages[1].duration: expected a duration
 * like \"30s\", got \"30 seconds\""). docs/test-definition.md describes the format and
 * docs/test-definition.schema.json is its JSON Schema.
 *
 * Runs on whichever thread receives a definition (the API thread, `rampage run`'s main thread); it
 * touches no shared state. testdef_parse never crashes on any JSON value: every input is either a
 * plan or errors.
 */
#ifndef RAMPAGE_TESTDEF_H
#define RAMPAGE_TESTDEF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "testdef/plan.h"

/* One validation error. path is "" for the definition as a whole (printed as "definition"). */
struct testdef_error {
	char *path;                /* "scenarios.browse.stages[1].duration" */
	char *message;             /* "expected a duration like \"30s\", got \"30 seconds\"" */
};

/* The errors of one parse, in document order. Fill with testdef_errors_init; free with _fini. */
struct testdef_errors {
	struct testdef_error *v;
	int n;
	int max;                   /* at most this many are kept (init: 100) ... */
	int dropped;               /* ... and this many more were found */
};

/* Limits and hooks; zeroed fields take the defaults in brackets. */
struct testdef_options {
	int max_scenarios;         /* [100] */
	int max_tasks;             /* tasks over all scenarios [1000] */
	int max_steps;             /* steps per task [100] */
	int max_stages;            /* stages per scenario [1000] */
	int max_vus;               /* the plan's max_vus [1000000] */
	double max_rate;           /* iterations per second over all arrival-rate scenarios [no cap] */
	int64_t max_duration_ns;   /* startTime + duration (stages, maxDuration) of any scenario, and any
	                              gracefulStop above the 30 s default [no cap] */
	/* Config section of the three caps above ("limits"): errors then name the key
	   ("limits.max_vus"), and VU counts are checked against max_vus as one total (a single message
	   naming the key) rather than field by field. NULL: not named. */
	const char *limits_name;
	/* Folder that relative feed file names ("csv": "users.csv") resolve against: the definition's
	   own folder. NULL: CSV files are refused (a definition from the network must not read the
	   daemon's files); inline "rows" still work. */
	const char *base_dir;
	int max_feed_rows;         /* rows per feed [1000000] */
	size_t max_feed_bytes;     /* bytes of a feed's CSV file [64 MiB] */
	size_t max_var_bytes;      /* bytes kept of an extracted variable's value [4096]: plan->var_cap */
	/* Value of {{env.NAME}}, or NULL when unset. NULL: getenv(3). The daemon should pass a lookup
	   that exposes only what an operator allowed, since definitions may come from the network. */
	const char *(*env)(void *arg, const char *name);
	/* Target allowlist hook: called once per absolute URL origin ("http://127.0.0.1:8000") the
	   plan would send to. Return 0 to allow, or -1 and a reason in *why (caller frees; may be NULL),
	   reported as an error at the URL's path. NULL: every http/https target is allowed. */
	int (*check_target)(void *arg, const char *origin, char **why);
	void *arg;
};

/* Largest definition the loaders accept, in bytes. */
#define TESTDEF_MAX_BYTES (1024 * 1024)

/* Prepares an empty error list. */
void testdef_errors_init(struct testdef_errors *errs);
/* Frees the errors (not errs itself); errs is empty and reusable afterwards. */
void testdef_errors_fini(struct testdef_errors *errs);
/* Adds an error (used by the loaders; the path is copied, message is printf-formatted). */
void testdef_errors_add(struct testdef_errors *errs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints one "path: message" line per error (and "... and N more errors") to f, each prefixed
   with prefix when it is not NULL ("file.json: "). */
void testdef_errors_print(const struct testdef_errors *errs, FILE *f, const char *prefix);

/*
 * Validates a definition and builds its plan. Returns the plan (caller frees with plan_free; it
 * holds a reference to def), or NULL with at least one error added to errs. opt may be NULL.
 */
/* Whether s (n bytes) is a valid event name (a marker of a run: the definition's `events`, and
   POST /api/runs/{id}/events): 1-64 bytes, no control characters. 0, or -1 and *why (static). Pure. */
int testdef_event_name_check(const char *s, size_t n, const char **why);

struct plan *testdef_parse(json_t *def, const struct testdef_options *opt, struct testdef_errors *errs);
/*
 * Decodes a definition from text (an API request body): at most max_bytes (0 = TESTDEF_MAX_BYTES),
 * duplicate object keys rejected. Returns a new reference, or NULL with an error added to errs
 * ("definition: invalid JSON at line 3, column 5: ...").
 */
json_t *testdef_load_string(const char *text, size_t len, size_t max_bytes, struct testdef_errors *errs);
/* The same for a file ("-" reads standard input). */
json_t *testdef_load_file(const char *path, size_t max_bytes, struct testdef_errors *errs);
/* The folder of a definition file, for testdef_options.base_dir: "dir" of "dir/x.json", "." for
   "x.json" and "-" (standard input: the working folder). Caller frees. */
char *testdef_base_dir(const char *path);


#endif
