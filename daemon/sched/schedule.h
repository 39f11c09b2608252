/*
 * schedule: the schedule object (the `schedules` and `schedule_fires` tables, sql/009-schedules.sql):
 * what the API accepts (validated field by field, every error naming its field), the store jobs that
 * write schedules and fires, and the reads that show them as JSON with their next fire times.
 *
 * A schedule belongs to a saved test: a cron expression (cron.h) read in an IANA zone, paused or
 * not, overrides for its runs (vus, duration, rate, tags, note: judged by runs/saved_start.h, not
 * here), an overlap policy (skip | queue), a catch-up policy (none | latest) with its max age, and
 * its own notification targets ({"when": "always|failure|change", "webhooks": [urls]}), stored for
 * the webhooks module, which delivers them.
 *
 * The parse functions are pure; the store jobs run on the store's writer thread (store_write_sync);
 * the reads run on the caller's thread with its read-only connection.
 */
#ifndef RAMPAGE_SCHEDULE_H
#define RAMPAGE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct testdef_errors;

/* How many next fire times a schedule object shows. */
#define SCHEDULE_NEXT_SHOWN 5
/* A fire found due more than this late is missed (goes through catch-up). */
#define SCHEDULE_LATE_MS 60000
/* Webhooks per schedule. */
#define SCHEDULE_WEBHOOKS_MAX 8

/* A schedule's settings, as given or as stored. */
struct schedule_in {
	int64_t test_id;
	char *cron;
	char *timezone;
	bool paused;
	json_t *overrides;         /* an object (maybe empty); checked by runs/saved_start.h */
	char *overlap;             /* "skip" | "queue" */
	char *catchup;             /* "none" | "latest" */
	int64_t catchup_max_age_s; /* 0: the configuration's (schedules.catchup_max_age) */
	json_t *notify;            /* {"when", "webhooks"} or NULL */
};

/* Fills in with the defaults (UTC, skip, latest, not paused, no overrides). */
void schedule_in_init(struct schedule_in *in);
void schedule_in_fini(struct schedule_in *in);
/*
 * Reads body (a JSON object) over in: every key present replaces in's (PATCH: in holds the stored
 * schedule; POST and PUT: schedule_in_init's defaults, and test_id and cron are required). Checks
 * every field but the overrides' contents and the test's existence; each problem goes to errs at
 * its field's path ("cron", "timezone", "notify.webhooks[1]"), with cron.h's messages for cron.
 * 0, or -1 with errors.
 */
int schedule_in_parse(json_t *body, bool partial, struct schedule_in *in, struct testdef_errors *errs);
/* Loads schedule id's settings: 1 and *in (init'ed by the caller), 0 when there is none, -1 and *cause. */
int schedule_in_load(sqlite3 *db, int64_t id, struct schedule_in *in, char **cause);

/*
 * The first fire of cron in zone tz after after_ms (wall clock ms), in ms; -1 when it never fires
 * again or cannot be read (schedule_in_parse has judged both).
 */
int64_t schedule_next_ms(const char *cron, const char *tz, int64_t after_ms);

/* ---- store jobs (store_write_fn; arg: struct schedule_write, borrowed) */

enum schedule_op { SCHEDULE_INSERT, SCHEDULE_UPDATE, SCHEDULE_DELETE };

struct schedule_write {
	enum schedule_op op;
	int64_t id;                /* UPDATE, DELETE; INSERT: out */
	const struct schedule_in *in;  /* INSERT, UPDATE */
	bool reset_next;           /* UPDATE: set next_fire_ms (timing changed or resumed); else keep it */
	int64_t next_fire_ms;      /* INSERT, UPDATE with reset_next: -1 = NULL */
	int64_t now_ms;
	int changes;               /* out: rows changed (0: no such schedule) */
};
int schedule_write(sqlite3 *db, void *arg, char **cause);

/* One record of schedule_fires. */
struct schedule_fire {
	int64_t schedule_id;
	int64_t due_ms;
	int64_t last_due_ms;       /* missed: the outage's last; 0: NULL */
	int64_t count;             /* >= 1 */
	const char *outcome;       /* "started" | "skipped" | "missed" */
	const char *reason;        /* NULL: none */
	int64_t run_id;            /* 0: NULL */
	int64_t now_ms;
};
/*
 * In a store job: inserts f and moves the schedule's cursor from due_ms (which must still be its
 * next_fire_ms, and the schedule enabled: else -1 "schedule N changed") to next_ms (-1: NULL),
 * setting last_fire_ms to last_ms; cursor_ms -1: only the insert. The caller's job decides whether
 * a run goes with it.
 */
int schedule_fire_record(sqlite3 *db, const struct schedule_fire *f, int64_t cursor_ms, int64_t next_ms,
    int64_t last_ms, char **cause);

/* ---- reads (JSON, as docs/api.md shows them) */

/* One schedule: 0 and *out (NULL: none), or -1 and *cause. now_ms: the wall clock, for next fires. */
int schedule_get(sqlite3 *db, int64_t id, int64_t now_ms, json_t **out, char **cause);
/* Every schedule (test_id 0) or a test's, in id order: 0 and *out (an array), or -1 and *cause. */
int schedule_list(sqlite3 *db, int64_t test_id, int64_t now_ms, json_t **out, char **cause);
/*
 * A schedule's fires, newest first, at most limit with ids below before_id (0: from the newest),
 * each with its run's state: 0, *out (an array) and *more (a next page exists), or -1 and *cause.
 */
int schedule_fires(sqlite3 *db, int64_t id, int64_t before_id, int limit, json_t **out, bool *more,
    char **cause);
/* The fire's JSON as the list and the live stream show it (due times in zone tz). */
json_t *schedule_fire_json(const struct schedule_fire *f, int64_t id, const char *tz,
    const char *run_state);

#endif
