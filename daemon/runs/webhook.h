/*
 * webhook: what a webhook is told when a run ends, and whether it is told at all. Pure functions:
 * the targets ({"when": ..., "webhooks": [...]}: webhooks.urls + webhooks.when in the config, a
 * saved test's `notify` field, a schedule's), the "when" rule, the JSON document and its `text`
 * line, the HMAC-SHA256 signature and the retry schedule. runs/notifier.h queues and delivers.
 *
 * No clock reads, no I/O, no shared state: any thread may call everything here.
 */
#ifndef RAMPAGE_WEBHOOK_H
#define RAMPAGE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct security;

/* When a set of targets is told that a run ended. */
enum webhook_when {
	WEBHOOK_ALWAYS,            /* every end */
	WEBHOOK_FAILURE,           /* a failure (webhook_is_failure) */
	WEBHOOK_CHANGE,            /* the run's class (failure or not) differs from the test's previous run */
};

/* "always", "failure", "change". */
const char *webhook_when_name(enum webhook_when w);
/* The value of a name, or -1. */
int webhook_when_from_name(const char *name);

/* Targets: a rule and the URLs it applies to. */
struct webhook_targets {
	enum webhook_when when;
	char **urls;               /* owned */
	int nurls;
};

/* Frees what t holds (not t); leaves it empty. */
void webhook_targets_fini(struct webhook_targets *t);
/*
 * Reads a comma-separated list of URLs (webhooks.urls; NULL: none) with rule `when` into *t. Each
 * URL must pass allow (security_allowlist_new; NULL: not checked). 0, or -1 and *why naming the URL
 * (caller frees) and t left empty.
 */
int webhook_targets_from_list(const char *list, enum webhook_when when, const struct security *allow,
    struct webhook_targets *t, char **why);
/*
 * Reads a notify object {"when": "always|failure|change", "webhooks": ["https://...", ...]} (when
 * defaults to failure; at most CONF_URLS_MAX URLs, each a URL conf_check_url accepts that passes
 * allow; no other key) into *t. 0; or -1, *field (the JSON path under `prefix`, "notify.webhooks[1]")
 * and *why (both for the caller to free), t left empty.
 */
int webhook_targets_parse(const json_t *notify, const char *prefix, const struct security *allow,
    struct webhook_targets *t, char **field, char **why);
/* t as a notify object (a new reference). */
json_t *webhook_targets_json(const struct webhook_targets *t);

/*
 * Whether a run that ended in `state` with `verdict` (NULL: none) is a failure, in the team's run
 * words: state failed, error or aborted, or stopped with verdict failed.
 */
bool webhook_is_failure(const char *state, const char *verdict);
/*
 * Whether targets with rule w are told of a run: failure is the run's class; previous is the class
 * of the same test's previous ended run (1 failure, 0 not, -1 none: counts as not a failure, so a
 * first run that fails is a change).
 */
bool webhook_when_matches(enum webhook_when w, bool failure, int previous);
/*
 * The verdict of a run from its stored threshold results (runs.thresholds: [{ok, ...}, ...]; NULL or
 * empty: none): "failed" if one failed, "passed" if every one held, NULL without thresholds.
 */
const char *webhook_verdict(const char *thresholds_json);

/*
 * The retry schedule: milliseconds to wait after the attempt-th failed attempt (1 = the first), in
 * units of base_ms: 1, 3, 6, 12, 30, 60, then 60 for every later one (10 s, 30 s, 1 min, 2 min,
 * 5 min, 10 min, 10 min... with the default 10000).
 */
int64_t webhook_backoff_ms(int base_ms, int attempt);

/* The signature of len bytes of body under key (klen bytes): HMAC-SHA256 in lower-case hex, as
   X-Rampage-Signature-256 carries it after "sha256=" (GitHub's X-Hub-Signature-256). */
void webhook_sign(const void *key, size_t klen, const char *body, size_t len, char hex[65]);

/* What the document says of a run: its row (runs), borrowed. */
struct webhook_run {
	int64_t id;
	int64_t test_id;           /* 0: none (an inline run, or its test was deleted) */
	int64_t schedule_id;       /* 0: none */
	const char *name;
	const char *state;
	const char *trigger;
	const char *thresholds;    /* JSON text of runs.thresholds, or NULL */
	const char *summary;       /* JSON text of runs.summary, or NULL */
	const char *error;         /* runs.error, or NULL */
	int64_t started_ms;        /* 0: never started */
	int64_t ended_ms;
};

/*
 * The document POSTed for a run (a new reference): run id, link (public_url + "/#/runs/<id>", or null
 * without public_url), test id and name, schedule id, trigger, state, verdict, failure, the failed
 * thresholds (metric, expression, observed value), requests, error rate, p95 (ms), duration (ms),
 * start and end, error, and `text`: one line for Slack and Mattermost incoming webhooks.
 */
json_t *webhook_document(const struct webhook_run *run, const char *public_url);

#endif
