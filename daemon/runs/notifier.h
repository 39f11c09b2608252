/*
 * notifier: the webhook queue and its delivery thread. When a run's end is recorded the run manager
 * tells the notifier (notifier_run_ended), which only queues a store job and returns: the job, on
 * the store's writer thread, decides which targets are told (webhooks.urls, the test's notify
 * field, the schedule's, extra ones; each by its "when" rule, webhook.h), builds the document once
 * and inserts one `notifications` row per URL (state pending) plus the run's `run_notify` row, in
 * one transaction. A delivery thread started here, with its own libcurl easy handle and its own
 * read-only SQLite connection, POSTs the due rows one at a time and records each attempt through
 * the store's writer; nothing it does blocks a run, the run manager or the API.
 *
 * Delivery: the stored body, byte for byte, with Content-Type: application/json, X-Rampage-Event
 * (run.ended), X-Rampage-Delivery (the row's id: the same on every attempt, so a receiver can
 * drop a repeat) and X-Rampage-Signature-256: sha256=<HMAC-SHA256 of the body under
 * webhooks.secret> when a secret is set. A 2xx answer delivers; anything else (another status, no
 * answer in webhooks.timeout_s) is retried after webhook_backoff_ms until webhooks.max_attempts,
 * then the row is `failed`. Redirects are not followed. Every connection goes through a connect
 * guard (CURLOPT_OPENSOCKETFUNCTION, as the engine's transport does) that checks the resolved
 * address against webhooks.allow (security_check_addr), so neither DNS nor a redirect reaches an
 * unlisted host; a URL or address outside the list fails its row at once (a policy, not a
 * transient error). Delivery is at least once: a daemon killed between a receiver's answer and
 * the commit of that attempt sends the row again after its restart.
 *
 * Restarts: pending rows stay in SQLite and are sent when the thread starts; ended runs without a
 * run_notify row (recorded just before a crash, or turned `aborted` by store_open) are decided then.
 */
#ifndef RAMPAGE_NOTIFIER_H
#define RAMPAGE_NOTIFIER_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct conf;
struct store;
struct notifier;
struct webhook_targets;

/*
 * Builds the policy from cfg ([webhooks], server.public_url): webhooks.allow, webhooks.urls (each in
 * the allowlist), the secret (webhooks.secret or webhooks.secret_file: a regular file not readable
 * by every user; not both), opens a reader on store and starts the delivery thread, which first
 * decides the ended runs left undecided and then sends what is due. cfg and store must outlive it.
 * Main thread. NULL and *cause naming the key on failure.
 */
struct notifier *notifier_start(const struct conf *cfg, struct store *store, char **cause);
/*
 * Stops the delivery thread (an attempt in flight is abandoned and counts as not made), waits for
 * the decisions queued so far to be written, frees. Pending rows stay for the next start. Call it after
 * the run manager stopped (its last runs end `aborted` and are decided here) and before
 * store_close. NULL is a no-op. Main thread.
 */
void notifier_stop(struct notifier *n);

/*
 * A run's final state is recorded: queue the decision of its targets (config, test, schedule).
 * Returns at once. The signature of struct runq_publisher's `ended` (arg is the notifier). Any
 * thread but the store writer's.
 */
void notifier_run_ended(void *n, int64_t run_id);
/*
 * The same with extra targets (copied; NULL: none) besides the config's, the test's and the
 * schedule's: for a caller that holds targets of its own for this run. A run already decided is
 * left alone (the decision is made once per run). Any thread but the store writer's.
 */
void notifier_enqueue(struct notifier *n, int64_t run_id, const struct webhook_targets *extra);

/*
 * The notifications of a run, oldest first, as GET /api/runs/{id}/notifications shows them: an
 * array of {id, url, event, state, attempts, next_attempt_ms, last_status, last_error, created_ms,
 * delivered_ms}. On the caller's read connection. 0 and *list, or -1 and *cause.
 */
int notifier_list(sqlite3 *db, int64_t run_id, json_t **list, char **cause);

/* A write of a saved test's notify field (a store job, store_write_sync): the caller's. */
struct notifier_test_notify {
	int64_t test_id;
	const char *notify;        /* JSON text of a validated notify object; NULL clears it */
	int changes;               /* out: 0 when there is no such test */
};
/* The store job (store_write_fn) that performs a struct notifier_test_notify *. */
int notifier_test_notify_write(sqlite3 *db, void *arg, char **cause);

#endif
