/*
 * sched: see sched.h.
 *
 * DESIGN. One thread owns the schedules' in-memory copies (parsed expression, zone, cursor) and is
 * the only one that handles fires; the API writes schedules through the store and then tells it
 * (sched_changed: a message), and it reads the row again, so its copy is never ahead of the database.
 * The cursor (schedules.next_fire_ms) is the next due time not yet handled. Handling a fire is one
 * store transaction: insert the run (through the run manager, with our record as the insert's hook),
 * record the fire, and move the cursor with a compare-and-set (WHERE next_fire_ms = due): if the API
 * changed the schedule meanwhile, the whole transaction rolls back, run included, and the scheduler
 * reads the schedule again. UNIQUE (schedule_id, due_ms) in schedule_fires is the second guard.
 *
 * Time: fire times are wall-clock instants (cron), waits are monotonic (mailbox_wait). The thread
 * sleeps until the earliest due fire, at most a minute, so a wall clock set forward is noticed within
 * a minute (its fires are then late, hence missed, hence catch-up) and one set back only delays the
 * next fire (the cursor never moves back, so nothing fires twice).
 */
#include <config.h>

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/duration.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "sched/schedule.h"
#include "store/store.h"

#define WAKE_MAX_MS   60000          /* re-read the wall clock at least this often */
#define RETRY_MS      1000           /* after a database failure */
#define COUNT_MAX     1000000        /* missed fires counted one by one; beyond, "at least" */

struct entry {
	int64_t id, test_id;
	struct cron *cron;
	struct cron_zone *zone;
	char *tz;
	int64_t next_ms;           /* the cursor: next due time not handled; -1: never fires again */
	int64_t retry_ms;          /* a failed attempt: not before this (wall ms); 0: none */
	bool queue;                /* overlap queue (else skip) */
	bool latest;               /* catch-up latest (else none) */
	int64_t max_age_ms;
	json_t *overrides;
};

enum msg_kind { MSG_CHANGED, MSG_QUIT };

struct msg {
	struct mailbox_msg link;   /* first */
	enum msg_kind kind;
	int64_t id;
	bool deleted;
};

struct sched {
	bool enabled;
	pthread_t thread;
	struct mailbox mb;
	struct store *store;
	struct sched_runner runner;
	struct sched_publisher pub;
	int64_t default_max_age_ms;
	/* owned by the scheduler thread */
	sqlite3 *db;
	struct entry *v;
	int n, cap;
	/* shared, under lock */
	pthread_mutex_t lock;
	int held;
	int64_t handled;
};

/* ---- entries */

static void
entry_fini(struct entry *e)
{
	cron_free(e->cron);
	cron_zone_free(e->zone);
	free(e->tz);
	json_decref(e->overrides);
}

static struct entry *
find(struct sched *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

static void
remove_entry(struct sched *s, int64_t id)
{
	struct entry *e = find(s, id);

	if (e == NULL)
		return;
	entry_fini(e);
	*e = s->v[--s->n];
}

/* The fire after t_ms (ms), or -1. */
static int64_t
next_after(const struct entry *e, int64_t t_ms)
{
	int64_t t;

	return cron_next(e->cron, e->zone, t_ms / 1000, &t) ? t * 1000 : -1;
}

/* Reads the enabled schedules (id 0: all; else that one) into entries; -1 on a database failure. */
static int
load(struct sched *s, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (id != 0)
		remove_entry(s, id);
	if (sqlite3_prepare_v2(s->db, "SELECT id, test_id, cron, timezone, next_fire_ms, overlap, catchup, "
	    "catchup_max_age_s, overrides FROM schedules WHERE enabled = 1 AND (?1 = 0 OR id = ?1) "
	    "ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		log_err("sched: reading schedules: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *tz = (const char *)sqlite3_column_text(st, 3);
		char *cause = NULL;
		struct entry e = {
			.id = sqlite3_column_int64(st, 0),
			.test_id = sqlite3_column_int64(st, 1),
			.tz = xstrdup(tz != NULL ? tz : "UTC"),
			.next_ms = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4),
			.queue = strcmp((const char *)sqlite3_column_text(st, 5), "queue") == 0,
			.latest = strcmp((const char *)sqlite3_column_text(st, 6), "latest") == 0,
			.max_age_ms = sqlite3_column_type(st, 7) == SQLITE_NULL ? s->default_max_age_ms :
			    sqlite3_column_int64(st, 7) * 1000,
		};
		const char *ov = (const char *)sqlite3_column_text(st, 8);

		e.cron = cron_parse((const char *)sqlite3_column_text(st, 2), &cause);
		if (e.cron != NULL)
			e.zone = cron_zone_new(e.tz, &cause);
		if (e.cron == NULL || e.zone == NULL) {
			/* the API validated it; a zone can vanish with a tzdata upgrade */
			log_err("sched: schedule %lld cannot fire: %s", (long long)e.id, cause);
			free(cause);
			entry_fini(&e);
			continue;
		}
		e.overrides = json_loads(ov != NULL ? ov : "{}", 0, NULL);
		if (!json_is_object(e.overrides)) {
			json_decref(e.overrides);
			e.overrides = json_object();
		}
		if (e.next_ms < 0)   /* a cursor never set (or never firing): the next fire from now */
			e.next_ms = next_after(&e, clock_wall_ms());
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->v = xreallocarray(s->v, (size_t)s->cap, sizeof *s->v);
		}
		s->v[s->n++] = e;
	}
	if (rc != SQLITE_DONE)
		log_err("sched: reading schedules: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_lock(&s->lock);
	s->held = s->n;
	pthread_mutex_unlock(&s->lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- recording */

/* What one handled fire writes, in one transaction. */
struct fire_job {
	struct schedule_fire missed;   /* count 0: none */
	struct schedule_fire fire;     /* outcome "started", "skipped" or "missed" (count 0: none) */
	int64_t cursor_ms, next_ms, last_ms;
	int64_t missed_id, fire_id;    /* out: the records' ids */
	char *why;                     /* the fire.reason commit wrote (xmalloc'd), or NULL */
};

/* Records the job's fires and moves the cursor (in the caller's transaction). */
static int
record(sqlite3 *db, struct fire_job *j, char **cause)
{
	bool cas_done = false;

	if (j->missed.count > 0) {
		if (schedule_fire_record(db, &j->missed, j->cursor_ms, j->next_ms, j->last_ms, cause) != 0)
			return -1;
		cas_done = true;
		j->missed_id = sqlite3_last_insert_rowid(db);
	}
	if (j->fire.count > 0) {
		if (schedule_fire_record(db, &j->fire, cas_done ? -1 : j->cursor_ms, j->next_ms, j->last_ms,
		    cause) != 0)
			return -1;
		j->fire_id = sqlite3_last_insert_rowid(db);
	}
	return 0;
}

/* runq_new's hook: the started fire gets its run. */
static int
with_run(sqlite3 *db, int64_t run_id, void *arg, char **cause)
{
	struct fire_job *j = arg;

	j->fire.run_id = run_id;
	return record(db, j, cause);
}

/* store_write_fn: a fire without a run. */
static int
record_job(sqlite3 *db, void *arg, char **cause)
{
	return record(db, arg, cause);
}

/* Publishes a record on topic "schedules". */
static void
publish_fire(struct sched *s, const struct schedule_fire *f, int64_t fire_id, const char *tz)
{
	json_t *m;
	char *text;

	if (s->pub.publish == NULL || fire_id == 0)
		return;
	m = json_pack("{s:s, s:I, s:o}", "type", "schedule_fire", "schedule_id", (json_int_t)f->schedule_id,
	    "fire", schedule_fire_json(f, fire_id, tz, f->run_id > 0 ? "queued" : NULL));
	text = json_dumps(m, JSON_COMPACT);
	s->pub.publish(s->pub.arg, "schedules", text, strlen(text));
	free(text);
	json_decref(m);
}

/* The schedule's latest run (0: none). */
static int64_t
last_run(struct sched *s, int64_t id)
{
	sqlite3_stmt *st;
	int64_t run = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT MAX(id) FROM runs WHERE schedule_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		run = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return run;
}

/*
 * Writes j: with a run (start) or alone. A run that cannot start (no test, a definition the policy
 * now refuses) turns the fire into a skipped one with the reason (j->why). 0 done; -1 failed (the
 * entry is read again; when its cursor did not move, it is tried again in RETRY_MS).
 */
static int
commit(struct sched *s, struct entry *e, struct fire_job *j, bool start, int64_t now)
{
	char *cause = NULL;
	int64_t id = e->id, due = j->cursor_ms, run_id = 0;
	int rc;

	if (start) {
		rc = s->runner.start(s->runner.arg, s->db, e->test_id, e->id, e->overrides, with_run, j,
		    &run_id, &cause);
		if (rc == 1) {
			j->why = xasprintf("could not start: %s", cause);
			free(cause);
			cause = NULL;
			j->fire.outcome = "skipped";
			j->fire.reason = j->why;
			j->fire.run_id = 0;
			rc = store_write_sync(s->store, record_job, j, &cause);
			if (rc == 0)
				log_warn("sched: schedule %lld: the fire due %lld was skipped: %s", (long long)id,
				    (long long)due, j->why);
		}
	} else {
		rc = store_write_sync(s->store, record_job, j, &cause);
	}
	if (rc != 0) {
		log_warn("sched: schedule %lld: the fire due %lld not handled: %s", (long long)id,
		    (long long)due, cause);
		free(cause);
		load(s, id);
		if ((e = find(s, id)) != NULL && e->next_ms == due)
			e->retry_ms = now + RETRY_MS;
		return -1;
	}
	e->next_ms = j->next_ms;
	e->retry_ms = 0;
	pthread_mutex_lock(&s->lock);
	s->handled += (j->missed.count > 0) + (j->fire.count > 0);
	pthread_mutex_unlock(&s->lock);
	if (j->missed.count > 0)
		publish_fire(s, &j->missed, j->missed_id, e->tz);
	if (j->fire.count > 0)
		publish_fire(s, &j->fire, j->fire_id, e->tz);
	return 0;
}

/* The due times of e from its cursor up to limit: first, last, the one before last, how many. */
static void
span(const struct entry *e, int64_t limit, int64_t *last, int64_t *before_last, int64_t *count)
{
	int64_t t = e->next_ms, nx;

	*last = t;
	*before_last = -1;
	*count = 1;
	while ((nx = next_after(e, t)) >= 0 && nx <= limit) {
		if (*count == COUNT_MAX) {
			/* too many to count one by one: find the last by widening windows back from limit */
			int64_t w = 60000, x;
			while ((x = next_after(e, limit - w)) < 0 || x > limit)
				w *= 2;
			for (t = x; (nx = next_after(e, t)) >= 0 && nx <= limit; t = nx)
				*before_last = t;
			*last = t;
			return;
		}
		*before_last = t;
		t = nx;
		*last = t;
		(*count)++;
	}
}

/* Handles e's fire that is due (e->next_ms <= now). */
static void
handle_due(struct sched *s, struct entry *e, int64_t now)
{
	struct fire_job j = { .cursor_ms = e->next_ms };
	int64_t due = e->next_ms, run, last, before_last, count;
	char *reason = NULL, *mreason = NULL, age[DURATION_FMT_SIZE];
	bool busy, start;

	run = last_run(s, e->id);
	busy = run > 0 && s->runner.active(s->runner.arg, run);
	if (now - due <= SCHEDULE_LATE_MS) {
		/* on time */
		j.next_ms = next_after(e, due);
		j.last_ms = due;
		j.fire = (struct schedule_fire){ .schedule_id = e->id, .due_ms = due, .count = 1,
			.outcome = "started", .now_ms = now };
		start = !busy || e->queue;
		if (!start) {
			j.fire.outcome = "skipped";
			j.fire.reason = reason = xasprintf("overlap skip: the previous run %lld is still queued "
			    "or running", (long long)run);
		}
		commit(s, e, &j, start, now);
		goto out;
	}
	/* late: every fire more than a minute late is missed; catch-up may start the latest */
	span(e, now - SCHEDULE_LATE_MS, &last, &before_last, &count);
	j.next_ms = next_after(e, last);
	j.last_ms = last;
	duration_format(e->max_age_ms * 1000000, age);
	start = e->latest && now - last <= e->max_age_ms && (!busy || e->queue);
	if (start) {
		j.fire = (struct schedule_fire){ .schedule_id = e->id, .due_ms = last, .count = 1,
			.outcome = "started", .now_ms = now,
			.reason = reason = xasprintf("catch-up: started %llds after its due time",
			    (long long)((now - last) / 1000)) };
		count--;
		last = before_last;
	}
	if (count > 0) {
		char why[160];
		if (start)
			snprintf(why, sizeof why, "catch-up started the latest");
		else if (!e->latest)
			snprintf(why, sizeof why, "catch-up is none");
		else if (busy && !e->queue)
			snprintf(why, sizeof why, "catch-up skipped: the previous run %lld is still queued or "
			    "running", (long long)run);
		else
			snprintf(why, sizeof why, "the latest is older than catchup_max_age (%s)", age);
		mreason = xasprintf("not handled within a minute of its due time (the daemon was down or the "
		    "clock jumped); %s", why);
		if (count >= COUNT_MAX) {
			char *more = xasprintf("%s; at least %d fires", mreason, COUNT_MAX);
			free(mreason);
			mreason = more;
		}
		j.missed = (struct schedule_fire){ .schedule_id = e->id, .due_ms = due, .count = count,
			.last_due_ms = count > 1 ? last : 0, .outcome = "missed", .reason = mreason,
			.now_ms = now };
	}
	log_info("sched: schedule %lld: %lld missed fire%s recorded%s", (long long)e->id, (long long)count,
	    count == 1 ? "" : "s", start ? ", catch-up starts the latest" : "");
	commit(s, e, &j, start, now);
out:
	free(reason);
	free(mreason);
	free(j.why);
}

/* ---- the thread */

static void
publish_changed(struct sched *s, int64_t id, bool deleted)
{
	char text[96];

	if (s->pub.publish == NULL)
		return;
	snprintf(text, sizeof text, "{\"type\":\"schedule_changed\",\"schedule_id\":%lld,\"deleted\":%s}",
	    (long long)id, deleted ? "true" : "false");
	s->pub.publish(s->pub.arg, "schedules", text, strlen(text));
}

static void *
run(void *arg)
{
	struct sched *s = arg;
	bool quit = false;
	int64_t t0 = clock_now_ns();

	load(s, 0);
	log_info("sched: %d schedule%s loaded, their next fires computed in %.1f ms", s->n,
	    s->n == 1 ? "" : "s", (double)(clock_now_ns() - t0) / 1e6);
	while (!quit) {
		int64_t now = clock_wall_ms(), earliest = -1, wait_ms;
		struct mailbox_msg *m;

		for (int i = 0; i < s->n; i++) {
			struct entry *e = &s->v[i];
			if (e->next_ms >= 0 && e->next_ms <= now && e->retry_ms <= now)
				handle_due(s, e, now);
		}
		for (int i = 0; i < s->n; i++) {
			int64_t at = s->v[i].next_ms;
			if (at < 0)
				continue;
			if (s->v[i].retry_ms > at)
				at = s->v[i].retry_ms;
			if (earliest < 0 || at < earliest)
				earliest = at;
		}
		wait_ms = earliest < 0 ? WAKE_MAX_MS : earliest - now;
		if (wait_ms > WAKE_MAX_MS)
			wait_ms = WAKE_MAX_MS;
		if (wait_ms < 0)
			wait_ms = 0;
		m = wait_ms > 0 ? mailbox_wait(&s->mb, clock_now_ns() + wait_ms * 1000000) :
		    mailbox_take_all(&s->mb);
		while (m != NULL) {
			struct msg *msg = (struct msg *)m;
			m = m->next;
			if (msg->kind == MSG_QUIT) {
				quit = true;
			} else {
				if (msg->deleted)
					remove_entry(s, msg->id);
				else
					load(s, msg->id);
				pthread_mutex_lock(&s->lock);
				s->held = s->n;
				pthread_mutex_unlock(&s->lock);
				publish_changed(s, msg->id, msg->deleted);
			}
			free(msg);
		}
	}
	return NULL;
}

struct sched *
sched_start(const struct conf *cfg, struct store *store, const struct sched_runner *runner,
    const struct sched_publisher *pub, char **cause)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->enabled = cfg->schedules_enabled;
	s->store = store;
	s->runner = *runner;
	if (pub != NULL)
		s->pub = *pub;
	s->default_max_age_ms = cfg->catchup_max_age_ns / 1000000;
	pthread_mutex_init(&s->lock, NULL);
	mailbox_init(&s->mb, NULL, NULL);
	if (!s->enabled) {
		log_info("sched: schedules.enabled is false: no schedule fires");
		return s;
	}
	if ((s->db = store_open_reader(store, cause)) == NULL)
		goto fail;
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		*cause = xstrdup("sched: cannot start the scheduler thread");
		sqlite3_close(s->db);
		goto fail;
	}
	return s;
fail:
	mailbox_fini(&s->mb);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

static void
give(struct sched *s, enum msg_kind kind, int64_t id, bool deleted)
{
	struct msg *m = xcalloc(1, sizeof *m);
	struct mailbox_msg *link = &m->link;

	m->kind = kind;
	m->id = id;
	m->deleted = deleted;
	mailbox_give(&s->mb, &link);
}

void
sched_stop(struct sched *s)
{
	if (s == NULL)
		return;
	if (s->enabled) {
		give(s, MSG_QUIT, 0, false);
		pthread_join(s->thread, NULL);
		sqlite3_close(s->db);
	}
	for (int i = 0; i < s->n; i++)
		entry_fini(&s->v[i]);
	free(s->v);
	mailbox_fini(&s->mb);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void
sched_changed(struct sched *s, int64_t id, bool deleted)
{
	if (s != NULL && s->enabled)
		give(s, MSG_CHANGED, id, deleted);
}

void
sched_counts(struct sched *s, int *held, int64_t *handled)
{
	pthread_mutex_lock(&s->lock);
	*held = s->held;
	*handled = s->handled;
	pthread_mutex_unlock(&s->lock);
}
