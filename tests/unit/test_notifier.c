/*
 * Unit tests for runs/notifier's decision, against a real SQLite file: which targets a run's end
 * reaches (webhooks.urls by webhooks.when, the test's notify, the schedule's notify column when
 * the schedules table has one, extra targets given to notifier_enqueue), one row per URL, a
 * decision made once per run, the ended runs found undecided at start decided then, and a URL
 * outside webhooks.allow failed at once. Deliveries go to 127.0.0.1:1 (refused); the retry unit
 * is an hour, so each row is tried once at most while the test runs.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "runs/notifier.h"
#include "runs/webhook.h"
#include "security/security.h"
#include "store/store.h"
#include "tap.h"
#include "sqlq.h"

static char dir[] = "/tmp/rampage-test-notifier-XXXXXX";

static int
exec_job(sqlite3 *db, void *arg, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, arg, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xstrdup(err);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void
exec(struct store *st, const char *sql)
{
	char *cause = NULL;

	if (store_write_sync(st, exec_job, (void *)sql, &cause) != 0) {
		printf("Bail out! %s: %s\n", sql, cause);
		exit(1);
	}
}

/* Waits (10 s at most) until sql counts want rows. */
static int64_t
wait_count(sqlite3 *db, const char *sql, int64_t want)
{
	int64_t got = -1;

	for (int i = 0; i < 200 && (got = q_int(db, sql)) != want; i++)
		usleep(50000);
	return got;
}

/* The paths of a run's notification URLs (after http://127.0.0.1:1/), sorted, space-separated. */
static char *
urls_of(sqlite3 *db, int run)
{
	char sql[200];

	snprintf(sql, sizeof sql, "SELECT group_concat(u, ' ') FROM (SELECT substr(url, 20) AS u FROM "
	    "notifications WHERE run_id = %d ORDER BY u)", run);
	return q_text(db, sql);
}

#define RUN(id, sched, state, ok) "INSERT INTO runs (id, test_id, schedule_id, name, definition, state, " \
	"trigger, queued_ms, started_ms, ended_ms, thresholds) VALUES (" #id ", 1, " sched ", 'orders', '{}', '" \
	state "', 'api', 1, 2, 3, '[{\"metric\":\"http_req_failed\",\"source\":\"rate<0.01\",\"ok\":" ok ",\"value\":0}]')"

int
main(void)
{
	struct conf cfg;
	struct store *st;
	struct notifier *n;
	sqlite3 *db;
	char *cause = NULL, *path, *u;
	static const char *const keys[][2] = {
		{ "webhooks.allow", "127.0.0.1/32" }, { "webhooks.urls", "http://127.0.0.1:1/global" },
		{ "webhooks.when", "change" }, { "webhooks.retry_base_ms", "3600000" },
	};

	log_level = LOG_ERR;
	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/rampage.db", dir);
	conf_init(&cfg);
	security_conf_checks(&cfg);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (conf_set(&cfg, keys[i][0], keys[i][1], &cause) != 0) {
			printf("Bail out! %s\n", cause);
			return 1;
		}
	}
	st = store_open(path, &cause);
	ok(st != NULL, "store opens: %s", cause ? cause : "");
	db = store_open_reader(st, &cause);

	exec(st, "INSERT INTO tests (id, name, definition, created_ms, updated_ms, notify) VALUES (1, 'orders', '{}', 1, 1, "
	    "'{\"when\":\"always\",\"webhooks\":[\"http://127.0.0.1:1/test\"]}')");
	exec(st, "INSERT INTO tests (id, name, definition, created_ms, updated_ms, notify) VALUES (2, 'other', '{}', 1, 1, "
	    "'{\"when\":\"always\",\"webhooks\":[\"http://10.0.0.1/outside\"]}')");
	exec(st, "INSERT INTO schedules (id, test_id, cron, created_ms, updated_ms, notify) VALUES (1, 1, '0 2 * * *', 1, 1, "
	    "'{\"when\":\"failure\",\"webhooks\":[\"http://127.0.0.1:1/sched\"]}')");
	/* ended while no notifier ran: decided at start */
	exec(st, RUN(1, "NULL", "passed", "true"));
	exec(st, RUN(2, "1", "failed", "false"));
	exec(st, RUN(3, "NULL", "failed", "false"));
	exec(st, "INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms) VALUES "
	    "(9, 1, 'orders', '{}', 'running', 'api', 1)");

	n = notifier_start(&cfg, st, &cause);
	ok(n != NULL, "the notifier starts: %s", cause ? cause : "");
	is_int(wait_count(db, "SELECT count(*) FROM run_notify WHERE run_id IN (1, 2, 3)", 3), 3,
	    "the ended runs found undecided at start are decided");
	ok(q_int(db, "SELECT count(*) FROM run_notify WHERE run_id = 9") == 0, "a running run is not");
	is_str((u = urls_of(db, 1)), "test", "run 1 passed, first of its test: only the test's always target "
	    "(change: a first run that passes is no change)");
	free(u);
	is_str((u = urls_of(db, 2)), "global sched test", "run 2 failed after a pass: change (global), "
	    "the schedule's failure target, the test's");
	free(u);
	is_str((u = urls_of(db, 3)), "test", "run 3 failed after a failure: no change; the test's target");
	free(u);

	/* a run that ends now, with extra targets (one a repeat of the test's) */
	exec(st, RUN(4, "NULL", "failed", "false"));
	struct webhook_targets extra;
	ok(webhook_targets_from_list("http://127.0.0.1:1/extra, http://127.0.0.1:1/test", WEBHOOK_FAILURE, NULL,
	    &extra, &cause) == 0, "extra targets");
	notifier_enqueue(n, 4, &extra);
	webhook_targets_fini(&extra);
	notifier_run_ended(n, 4);   /* told again: the decision is made once */
	notifier_run_ended(n, 1);
	exec(st, "INSERT INTO runs (id, test_id, name, definition, state, trigger, queued_ms, ended_ms) VALUES "
	    "(5, 2, 'other', '{}', 'error', 'api', 1, 2)");
	notifier_run_ended(n, 5);
	is_int(wait_count(db, "SELECT count(*) FROM run_notify", 5), 5, "runs 4 and 5 are decided");
	notifier_stop(n);
	is_str((u = urls_of(db, 4)), "extra test", "run 4: the extra targets join the test's, one row per URL");
	free(u);
	is_int(q_int(db, "SELECT count(*) FROM notifications WHERE run_id IN (1, 4)"), 3,
	    "telling a decided run again adds nothing");
	is_int(q_int(db, "SELECT count(*) FROM notifications WHERE run_id = 5 AND state = 'failed' AND attempts = 0 "
	    "AND last_error LIKE '10.0.0.1 is not in webhooks.allow%'"), 1,
	    "a stored URL outside webhooks.allow fails at once, never tried");
	is_int(q_int(db, "SELECT count(*) FROM notifications WHERE state = 'pending' AND attempts <= 1"), 8,
	    "the others (run 5's global one too: an error after no run is a change) wait for their next attempt");
	is_int(q_int(db, "SELECT count(DISTINCT body) FROM notifications WHERE run_id = 2"), 1,
	    "one document per run, the same for each URL");
	u = q_text(db, "SELECT json_extract(body, '$.schedule_id') || ' ' || json_extract(body, '$.state') "
	    "FROM notifications WHERE run_id = 2 LIMIT 1");
	is_str(u, "1 failed", "the document names the schedule and the state");
	free(u);

	sqlite3_close(db);
	store_close(st);
	conf_fini(&cfg);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	free(path);
	free(cause);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
