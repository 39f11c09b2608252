/*
 * notifier: see notifier.h. Three threads touch it:
 *   - any thread (the run manager's) calls notifier_run_ended / notifier_enqueue: they hand a
 *     decision job to the store and count it (under lock) so notifier_stop can wait for it;
 *   - the store's writer thread runs the decision job (decide) inside its transaction and tells the
 *     delivery thread through its mailbox;
 *   - the delivery thread (deliver_main) owns the libcurl easy handle and a read-only connection:
 *     it reads what is due, sends it, and records the attempt with store_write_sync.
 * Everything else in struct notifier is set at start and read-only afterwards.
 */
#include <config.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "runs/notifier.h"
#include "runs/webhook.h"
#include "security/security.h"
#include "store/store.h"

#define SECRET_MAX 4096            /* bytes of webhooks.secret_file */
#define WAIT_MAX_MS 60000          /* the thread looks at the queue (and the wall clock) this often */
#define RECORD_RETRY_MS 1000       /* after an attempt could not be recorded */
#define ERROR_SHOWN 300            /* bytes of an error kept in last_error */

enum msg_kind { MSG_WAKE, MSG_QUIT };

struct nmsg {
	struct mailbox_msg m;
	enum msg_kind kind;
};

struct notifier {
	/* set at start, read-only afterwards */
	const struct conf *cfg;
	struct store *store;
	struct security *allow;            /* webhooks.allow */
	struct webhook_targets global;     /* webhooks.urls with webhooks.when */
	char *secret;                      /* NULL: deliveries are not signed */
	size_t secret_len;
	pthread_t thread;
	struct mailbox mb;                 /* the delivery thread's */
	atomic_bool quitting;              /* an attempt in flight gives up (the progress callback) */
	/* shared, under lock: decision jobs given to the store and not told yet */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int deciding;
	/* owned by the delivery thread */
	sqlite3 *db;
	CURL *curl;
};

/* ---- deciding (the store's writer thread) */

struct decide {
	struct notifier *n;
	int64_t run_id;
	struct webhook_targets extra;      /* owned; empty: none */
	bool has_extra;
};

/* Gives the delivery thread a message. Any thread. */
static void
tell(struct notifier *n, enum msg_kind kind)
{
	struct nmsg *m = xcalloc(1, sizeof *m);
	struct mailbox_msg *mm = &m->m;

	m->kind = kind;
	mailbox_give(&n->mb, &mm);
}

/* A column's text, copied (NULL stays NULL). */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* Whether a run was decided already. -1 on a database error. */
static int
decided(sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM run_notify WHERE run_id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The class of the test's ended run before run_id: 1 failure, 0 not, -1 none. */
static int
previous_class(sqlite3 *db, int64_t test_id, int64_t run_id)
{
	sqlite3_stmt *st;
	int c = -1;

	if (test_id <= 0 || sqlite3_prepare_v2(db, "SELECT state, thresholds FROM runs WHERE test_id = ?1 "
	    "AND id < ?2 AND state NOT IN ('queued', 'running', 'stopping', 'cancelled') "
	    "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, test_id);
	sqlite3_bind_int64(st, 2, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		c = webhook_is_failure((const char *)sqlite3_column_text(st, 0),
		    webhook_verdict((const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return c;
}

/*
 * The schedule's own targets, if the schedules table has a `notify` column (the schedules module
 * owns it: {"when", "webhooks"} as a test's). 0 and *t filled (empty when none), or -1 (no such
 * column: then there are none).
 */
static int
schedule_targets(sqlite3 *db, int64_t schedule_id, struct webhook_targets *t)
{
	sqlite3_stmt *st;
	char *field = NULL, *why = NULL;

	*t = (struct webhook_targets){ 0 };
	if (schedule_id <= 0 ||
	    sqlite3_prepare_v2(db, "SELECT notify FROM schedules WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, schedule_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
		json_t *j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (j != NULL && webhook_targets_parse(j, "notify", NULL, t, &field, &why) != 0)
			log_warn("schedule %lld: its notify field is unreadable: %s: %s",
			    (long long)schedule_id, field, why);
		json_decref(j);
	}
	sqlite3_finalize(st);
	free(field);
	free(why);
	return 0;
}

/* Adds t's URLs to chosen (without repeats) if its rule tells this run. */
static void
choose(const struct webhook_targets *t, bool failure, int previous, struct webhook_targets *chosen)
{
	if (!webhook_when_matches(t->when, failure, previous))
		return;
	for (int i = 0; i < t->nurls; i++) {
		int dup = 0;
		for (int j = 0; j < chosen->nurls && !dup; j++)
			dup = strcmp(chosen->urls[j], t->urls[i]) == 0;
		if (!dup) {
			chosen->urls = xreallocarray(chosen->urls, (size_t)chosen->nurls + 1, sizeof *chosen->urls);
			chosen->urls[chosen->nurls++] = xstrdup(t->urls[i]);
		}
	}
}

/* Inserts one notifications row. */
static int
insert_row(sqlite3 *db, int64_t run_id, const char *url, const char *body, const char *blocked,
    int64_t now, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO notifications (run_id, url, body, state, next_attempt_ms, "
	    "last_error, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("notifications: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, blocked != NULL ? "failed" : "pending", -1, SQLITE_STATIC);
	if (blocked == NULL)
		sqlite3_bind_int64(st, 5, now);
	else
		sqlite3_bind_null(st, 5);
	if (blocked != NULL)
		sqlite3_bind_text(st, 6, blocked, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("notifications: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* The decision job (store_write_fn): see notifier.h. Frees arg. */
static int
decide(sqlite3 *db, void *arg, char **cause)
{
	struct decide *d = arg;
	struct notifier *n = d->n;
	struct webhook_targets chosen = { 0 }, test = { 0 }, sched = { 0 };
	struct webhook_run run = { .id = d->run_id };
	sqlite3_stmt *st = NULL;
	char *name = NULL, *state = NULL, *trigger = NULL, *thresholds = NULL, *summary = NULL,
	    *error = NULL, *notify = NULL, *body = NULL;
	int rc = -1, previous = -1;
	int64_t now = clock_wall_ms();
	bool failure;

	if ((rc = decided(db, d->run_id)) != 0) {
		if (rc < 0)
			*cause = xasprintf("run_notify: %s", sqlite3_errmsg(db));
		rc = rc < 0 ? -1 : 0;
		goto out;
	}
	rc = -1;
	if (sqlite3_prepare_v2(db, "SELECT r.test_id, r.schedule_id, r.name, r.state, r.trigger, "
	    "r.thresholds, r.summary, r.error, r.started_ms, r.ended_ms, t.notify "
	    "FROM runs r LEFT JOIN tests t ON t.id = r.test_id WHERE r.id = ?", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("runs: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, d->run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = 0;                    /* deleted meanwhile: nobody to tell about */
		goto out;
	}
	run.test_id = sqlite3_column_int64(st, 0);
	run.schedule_id = sqlite3_column_int64(st, 1);
	run.name = name = col_dup(st, 2);
	run.state = state = col_dup(st, 3);
	run.trigger = trigger = col_dup(st, 4);
	run.thresholds = thresholds = col_dup(st, 5);
	run.summary = summary = col_dup(st, 6);
	run.error = error = col_dup(st, 7);
	run.started_ms = sqlite3_column_int64(st, 8);
	run.ended_ms = sqlite3_column_int64(st, 9);
	notify = col_dup(st, 10);
	sqlite3_finalize(st);
	st = NULL;
	if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0 || strcmp(state, "stopping") == 0) {
		rc = 0;                    /* not ended: told again when it is */
		goto out;
	}

	failure = webhook_is_failure(state, webhook_verdict(thresholds));
	previous = previous_class(db, run.test_id, d->run_id);
	choose(&n->global, failure, previous, &chosen);
	if (notify != NULL) {
		json_t *j = json_loads(notify, 0, NULL);
		char *field = NULL, *why = NULL;
		if (j != NULL && webhook_targets_parse(j, "notify", NULL, &test, &field, &why) == 0)
			choose(&test, failure, previous, &chosen);
		free(field);
		free(why);
		json_decref(j);
	}
	if (schedule_targets(db, run.schedule_id, &sched) == 0)
		choose(&sched, failure, previous, &chosen);
	if (d->has_extra)
		choose(&d->extra, failure, previous, &chosen);

	if (chosen.nurls > 0) {
		json_t *doc = webhook_document(&run, n->cfg->public_url);
		body = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
	}
	for (int i = 0; i < chosen.nurls; i++) {
		char *why = NULL;
		security_check_target(n->allow, chosen.urls[i], &why);
		if (insert_row(db, d->run_id, chosen.urls[i], body, why, now, cause) != 0) {
			free(why);
			goto out;
		}
		if (why != NULL)
			log_warn("run %lld: webhook %s: %s", (long long)d->run_id, chosen.urls[i], why);
		free(why);
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO run_notify (run_id, decided_ms) VALUES (?, ?)", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("run_notify: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, d->run_id);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		*cause = xasprintf("run_notify: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (chosen.nurls > 0)
		log_info("run %lld: %d webhook%s queued", (long long)d->run_id, chosen.nurls,
		    chosen.nurls == 1 ? "" : "s");
	rc = 0;
out:
	sqlite3_finalize(st);
	free(name);
	free(state);
	free(trigger);
	free(thresholds);
	free(summary);
	free(error);
	free(notify);
	free(body);
	webhook_targets_fini(&chosen);
	webhook_targets_fini(&test);
	webhook_targets_fini(&sched);
	webhook_targets_fini(&d->extra);
	free(d);
	return rc;
}

/* The decision's fate (store_done_fn, on the writer thread): wake the delivery thread. */
static void
decided_told(void *arg, int rc, const char *cause)
{
	struct notifier *n = arg;

	if (rc != 0)
		log_err("webhooks: cannot queue a run's notifications: %s", cause);
	else
		tell(n, MSG_WAKE);
	pthread_mutex_lock(&n->lock);
	if (--n->deciding == 0)
		pthread_cond_broadcast(&n->idle);
	pthread_mutex_unlock(&n->lock);
}

void
notifier_enqueue(struct notifier *n, int64_t run_id, const struct webhook_targets *extra)
{
	struct decide *d = xcalloc(1, sizeof *d);

	d->n = n;
	d->run_id = run_id;
	if (extra != NULL) {
		d->has_extra = true;
		d->extra.when = extra->when;
		for (int i = 0; i < extra->nurls; i++) {
			d->extra.urls = xreallocarray(d->extra.urls, (size_t)d->extra.nurls + 1,
			    sizeof *d->extra.urls);
			d->extra.urls[d->extra.nurls++] = xstrdup(extra->urls[i]);
		}
	}
	pthread_mutex_lock(&n->lock);
	n->deciding++;
	pthread_mutex_unlock(&n->lock);
	store_write_then(n->store, decide, d, decided_told, n);
}

void
notifier_run_ended(void *arg, int64_t run_id)
{
	notifier_enqueue(arg, run_id, NULL);
}

/* ---- delivering (the delivery thread) */

/* One row to send. */
struct due {
	int64_t id;
	char *url;
	char *event;
	char *body;
	int attempts;              /* made so far */
};

/* What an attempt came to, recorded by the store job `record`. */
struct attempt {
	int64_t id;
	const char *state;         /* "delivered", "pending", "failed" */
	int attempts;
	int64_t next_ms;           /* pending */
	long status;               /* 0: none */
	const char *error;         /* NULL after a delivery */
	int64_t now_ms;
};

static int
record(sqlite3 *db, void *arg, char **cause)
{
	struct attempt *a = arg;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE notifications SET state = ?2, attempts = ?3, "
	    "next_attempt_ms = ?4, last_status = ?5, last_error = ?6, delivered_ms = ?7 WHERE id = ?1",
	    -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("notifications: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, a->state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->attempts);
	if (strcmp(a->state, "pending") == 0)
		sqlite3_bind_int64(st, 4, a->next_ms);
	else
		sqlite3_bind_null(st, 4);
	if (a->status > 0)
		sqlite3_bind_int64(st, 5, a->status);
	else
		sqlite3_bind_null(st, 5);
	if (a->error != NULL)
		sqlite3_bind_text(st, 6, a->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if (strcmp(a->state, "delivered") == 0)
		sqlite3_bind_int64(st, 7, a->now_ms);
	else
		sqlite3_bind_null(st, 7);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("notifications: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Ended runs without a decision: decide them now (after a crash, or runs store_open aborted). */
static void
decide_leftovers(struct notifier *n)
{
	sqlite3_stmt *st;
	int count = 0;

	if (sqlite3_prepare_v2(n->db, "SELECT id FROM runs WHERE state NOT IN ('queued', 'running', "
	    "'stopping') AND NOT EXISTS (SELECT 1 FROM run_notify WHERE run_id = runs.id) ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK) {
		log_err("webhooks: reading undecided runs: %s", sqlite3_errmsg(n->db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		notifier_enqueue(n, sqlite3_column_int64(st, 0), NULL);
		count++;
	}
	sqlite3_finalize(st);
	if (count > 0)
		log_notice("webhooks: deciding the notifications of %d run%s that ended undecided", count,
		    count == 1 ? "" : "s");
}

/*
 * The next due row (0 and *d), or none: 1 and *wait_ms until the earliest pending one (-1: none
 * pending). -1 on a database error.
 */
static int
next_due(struct notifier *n, int64_t now, struct due *d, int64_t *wait_ms)
{
	sqlite3_stmt *st;
	int rc;

	*wait_ms = -1;
	if (sqlite3_prepare_v2(n->db, "SELECT id, url, event, body, attempts, next_attempt_ms "
	    "FROM notifications WHERE state = 'pending' ORDER BY next_attempt_ms, id LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 5) <= now) {
		d->id = sqlite3_column_int64(st, 0);
		d->url = col_dup(st, 1);
		d->event = col_dup(st, 2);
		d->body = col_dup(st, 3);
		d->attempts = sqlite3_column_int(st, 4);
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		*wait_ms = sqlite3_column_int64(st, 5) - now;
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* CURLOPT_OPENSOCKETFUNCTION: the connect guard (as the engine's transport), webhooks.allow. */
struct guard {
	struct notifier *n;
	char *why;                 /* the refusal of the last connection refused */
};

static curl_socket_t
open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct guard *g = arg;

	if (purpose == CURLSOCKTYPE_IPCXN) {
		free(g->why);
		g->why = NULL;
		if (security_check_addr(g->n->allow, &a->addr, &g->why) != 0)
			return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* CURLOPT_XFERINFOFUNCTION: give up an attempt when the daemon stops. */
static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct notifier *n = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&n->quitting) ? 1 : 0;
}

/* CURLOPT_WRITEFUNCTION: the answer's body is not kept. */
static size_t
discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p, (void)arg;
	return size * nmemb;
}

/* Sends d once. *status (0: no answer), *error (caller frees; NULL after a 2xx); returns 1 if the
   attempt is final whatever the retries left (refused by webhooks.allow). */
static int
send_one(struct notifier *n, const struct due *d, long *status, char **error)
{
	struct curl_slist *h = NULL;
	struct guard g = { .n = n };
	char line[160], errbuf[CURL_ERROR_SIZE] = "", *why = NULL;
	CURLcode code;
	int final = 0;

	*status = 0;
	*error = NULL;
	if (security_check_target(n->allow, d->url, &why) != 0) {
		*error = why;
		return 1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: rampage/" PACKAGE_VERSION);
	h = curl_slist_append(h, "Expect:");
	snprintf(line, sizeof line, "X-Rampage-Event: %s", d->event);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "X-Rampage-Delivery: %lld", (long long)d->id);
	h = curl_slist_append(h, line);
	if (n->secret != NULL) {
		char hex[65];
		webhook_sign(n->secret, n->secret_len, d->body, strlen(d->body), hex);
		snprintf(line, sizeof line, "X-Rampage-Signature-256: sha256=%s", hex);
		h = curl_slist_append(h, line);
	}
	curl_easy_reset(n->curl);
	curl_easy_setopt(n->curl, CURLOPT_URL, d->url);
	curl_easy_setopt(n->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(n->curl, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(n->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->body));
	curl_easy_setopt(n->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(n->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(n->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(n->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(n->curl, CURLOPT_TIMEOUT_MS, (long)n->cfg->webhook_timeout_s * 1000L);
	curl_easy_setopt(n->curl, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	curl_easy_setopt(n->curl, CURLOPT_OPENSOCKETDATA, &g);
	curl_easy_setopt(n->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(n->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(n->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(n->curl, CURLOPT_XFERINFODATA, n);
	curl_easy_setopt(n->curl, CURLOPT_ERRORBUFFER, errbuf);
	code = curl_easy_perform(n->curl);
	if (code == CURLE_OK) {
		curl_easy_getinfo(n->curl, CURLINFO_RESPONSE_CODE, status);
		if (*status < 200 || *status > 299)
			*error = xasprintf("HTTP %ld%s", *status, *status >= 300 && *status < 400 ?
			    " (redirects are not followed)" : "");
	} else if (g.why != NULL) {
		*error = xasprintf("blocked: %.*s", ERROR_SHOWN, g.why);
		final = 1;
	} else {
		*error = xasprintf("%.*s", ERROR_SHOWN, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code));
	}
	curl_easy_setopt(n->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(n->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	free(g.why);
	return final;
}

/* Sends one due row and records the attempt. 0, or -1 when the attempt could not be recorded. */
static int
attempt(struct notifier *n, struct due *d)
{
	struct attempt a = { .id = d->id, .attempts = d->attempts + 1 };
	char *error = NULL, *cause = NULL;
	int final = send_one(n, d, &a.status, &error), rc = 0;

	if (atomic_load(&n->quitting))
		goto out;                  /* abandoned: not an attempt */
	a.now_ms = clock_wall_ms();
	a.error = error;
	if (error == NULL)
		a.state = "delivered";
	else if (final || a.attempts >= n->cfg->webhook_max_attempts)
		a.state = "failed";
	else {
		a.state = "pending";
		a.next_ms = a.now_ms + webhook_backoff_ms(n->cfg->webhook_retry_base_ms, a.attempts);
	}
	if (error == NULL)
		log_info("webhook %lld (run notification) delivered to %s", (long long)d->id, d->url);
	else
		log_notice("webhook %lld to %s: attempt %d: %s%s", (long long)d->id, d->url, a.attempts, error,
		    strcmp(a.state, "failed") == 0 ? "; given up" : "");
	if (store_write_sync(n->store, record, &a, &cause) != 0) {
		log_err("webhook %lld: cannot record its attempt: %s", (long long)d->id, cause);
		free(cause);
		rc = -1;
	}
out:
	free(error);
	return rc;
}

static void *
deliver_main(void *arg)
{
	struct notifier *n = arg;
	bool quit = false;

	decide_leftovers(n);
	while (!quit) {
		struct due d = { 0 };
		int64_t wait_ms = -1;
		int r = next_due(n, clock_wall_ms(), &d, &wait_ms);
		struct mailbox_msg *all;

		if (r == 0) {
			if (attempt(n, &d) != 0)
				wait_ms = RECORD_RETRY_MS;
			free(d.url);
			free(d.event);
			free(d.body);
			if (wait_ms < 0) {
				all = mailbox_take_all(&n->mb);
				goto messages;
			}
		} else if (r < 0) {
			log_err("webhooks: reading the queue: %s", sqlite3_errmsg(n->db));
			wait_ms = RECORD_RETRY_MS;
		}
		if (wait_ms < 0 || wait_ms > WAIT_MAX_MS)
			wait_ms = WAIT_MAX_MS;
		all = mailbox_wait(&n->mb, clock_now_ns() + (wait_ms > 0 ? wait_ms : 1) * CLOCK_NS_PER_MS);
messages:
		while (all != NULL) {
			struct nmsg *m = (struct nmsg *)all;
			all = all->next;
			quit |= m->kind == MSG_QUIT;
			free(m);
		}
	}
	return NULL;
}

/* ---- start and stop */

/* Reads webhooks.secret_file into n. 0, or -1 and *cause naming the key and the file. */
static int
read_secret(struct notifier *n, const char *path, char **cause)
{
	char buf[SECRET_MAX + 1];
	struct stat sb;
	ssize_t got;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*cause = xasprintf("webhooks.secret_file: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("webhooks.secret_file: %s: not a regular file", path);
		goto fail;
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH)) {
		*cause = xasprintf("webhooks.secret_file: %s: %s by every user (mode %04o); run chmod 600 %s",
		    path, sb.st_mode & S_IWOTH ? "writable" : "readable", (unsigned)(sb.st_mode & 07777), path);
		goto fail;
	}
	got = read(fd, buf, sizeof buf);
	if (got < 0 || got > SECRET_MAX) {
		*cause = xasprintf("webhooks.secret_file: %s: %s", path, got < 0 ? strerror(errno) :
		    "larger than 4096 bytes");
		goto fail;
	}
	len = strcspn(buf, "\r\n");
	if ((size_t)got < len)
		len = (size_t)got;
	buf[len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		*cause = xasprintf("webhooks.secret_file: %s: no secret on its first line", path);
		goto fail;
	}
	n->secret = xstrndup(buf, len);
	n->secret_len = len;
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return 0;
fail:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return -1;
}

static void
notifier_free(struct notifier *n)
{
	webhook_targets_fini(&n->global);
	security_free(n->allow);
	if (n->secret != NULL)
		explicit_bzero(n->secret, n->secret_len);
	free(n->secret);
	if (n->db != NULL)
		sqlite3_close(n->db);
	if (n->curl != NULL) {
		curl_easy_cleanup(n->curl);
		curl_global_cleanup();
	}
	mailbox_fini(&n->mb);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->idle);
	free(n);
}

struct notifier *
notifier_start(const struct conf *cfg, struct store *store, char **cause)
{
	struct notifier *n = xcalloc(1, sizeof *n);
	char *why = NULL;
	int rc;

	*cause = NULL;
	n->cfg = cfg;
	n->store = store;
	mailbox_init(&n->mb, NULL, NULL);
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->idle, NULL);
	atomic_init(&n->quitting, false);
	if ((n->allow = security_allowlist_new(cfg->webhook_allow, "webhooks.allow", cause)) == NULL)
		goto fail;
	if (webhook_targets_from_list(cfg->webhook_urls, (enum webhook_when)webhook_when_from_name(
	    cfg->webhook_when), n->allow, &n->global, &why) != 0) {
		*cause = xasprintf("webhooks.urls: %s", why);
		free(why);
		goto fail;
	}
	if (cfg->webhook_secret != NULL && cfg->webhook_secret_file != NULL) {
		*cause = xstrdup("webhooks.secret_file: set either webhooks.secret or webhooks.secret_file");
		goto fail;
	}
	if (cfg->webhook_secret != NULL) {
		n->secret = xstrdup(cfg->webhook_secret);
		n->secret_len = strlen(n->secret);
	} else if (cfg->webhook_secret_file != NULL && read_secret(n, cfg->webhook_secret_file, cause) != 0) {
		goto fail;
	}
	if ((n->db = store_open_reader(store, cause)) == NULL)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (n->curl = curl_easy_init()) == NULL) {
		*cause = xstrdup("webhooks: curl_easy_init failed");
		goto fail;
	}
	if ((rc = pthread_create(&n->thread, NULL, deliver_main, n)) != 0) {
		*cause = xasprintf("webhooks: cannot start the delivery thread: %s", strerror(rc));
		goto fail;
	}
	if (n->global.nurls > 0)
		log_info("webhooks: %d URL%s told on %s", n->global.nurls, n->global.nurls == 1 ? "" : "s",
		    cfg->webhook_when);
	return n;
fail:
	notifier_free(n);
	return NULL;
}

void
notifier_stop(struct notifier *n)
{
	if (n == NULL)
		return;
	atomic_store(&n->quitting, true);
	tell(n, MSG_QUIT);
	pthread_join(n->thread, NULL);
	/* After the join: the thread's own decisions (decide_leftovers) are given by then, and their
	   store jobs tell n when they are done. */
	pthread_mutex_lock(&n->lock);
	while (n->deciding > 0)
		pthread_cond_wait(&n->idle, &n->lock);
	pthread_mutex_unlock(&n->lock);
	for (struct mailbox_msg *m = mailbox_take_all(&n->mb); m != NULL; ) {
		struct mailbox_msg *next = m->next;
		free(m);
		m = next;
	}
	notifier_free(n);
}

/* ---- the API's reads and writes */

int
notifier_list(sqlite3 *db, int64_t run_id, json_t **list, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*list = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, url, event, state, attempts, next_attempt_ms, last_status, "
	    "last_error, created_ms, delivered_ms FROM notifications WHERE run_id = ? ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run_id);
	*list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		static const char *const names[] = { "id", "url", "event", "state", "attempts",
		    "next_attempt_ms", "last_status", "last_error", "created_ms", "delivered_ms" };
		for (int i = 0; i < 10; i++) {
			json_t *v;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				v = json_null();
				break;
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(st, i));
				break;
			default:
				v = json_string((const char *)sqlite3_column_text(st, i));
				if (v == NULL)
					v = json_string("?");   /* not UTF-8 (a URL is checked, an error may not be) */
			}
			json_object_set_new(o, names[i], v);
		}
		json_array_append_new(*list, o);
	}
	if (rc != SQLITE_DONE) {
		*cause = xstrdup(sqlite3_errmsg(db));
		json_decref(*list);
		*list = NULL;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
notifier_test_notify_write(sqlite3 *db, void *arg, char **cause)
{
	struct notifier_test_notify *w = arg;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE tests SET notify = ?2 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, w->test_id);
	if (w->notify != NULL)
		sqlite3_bind_text(st, 2, w->notify, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	w->changes = sqlite3_changes(db);
	return 0;
}
