/*
 * monitor: what a monitor's answer says (the definition's `monitors`, testdef/plan.h), and the
 * per-second accumulation of those readings into a tick.
 *
 * A reader belongs to one monitor and keeps what a Prometheus counter's rate needs: the previous
 * value of each series it selected, at most the monitor's maxSeries of them (a series beyond is
 * dropped and counted, so an exporter that invents series cannot grow our memory). Each named value
 * sums the series its selector matches (PromQL's sum()): a counter's series as per-second rates
 * (the increase over the time between two scrapes; a value below the previous is a reset, counted
 * from 0), a gauge's (and an untyped one's) as read. A JSON monitor's values are the numbers its
 * JSON Pointers find. No I/O, no clock: the caller gives the scrape's time, so the unit test drives
 * it with literal texts.
 *
 * Threads: a reader is used by the scrape thread that owns it (engine/scrape.c); an accumulator by
 * the controller thread (or a fleet's, for a run over agents).
 */
#ifndef RAMPAGE_MONITOR_H
#define RAMPAGE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan;
struct tick;
struct monitor_reader;

/* One named value as one scrape read it. */
struct monitor_read {
	bool found;                /* the selector matched a series / the pointer a number */
	bool has;                  /* value is known (a counter's first scrape has none: no rate yet) */
	bool rate;                 /* value is a counter's per-second rate */
	double value;
};

/* A reader for monitor `monitor` of plan (borrowed: it must outlive the reader). */
struct monitor_reader *monitor_reader_new(const struct plan *plan, int monitor);
/* NULL is a no-op. */
void monitor_reader_free(struct monitor_reader *r);
/*
 * Reads one successful answer (body, len bytes) scraped at now_ns (CLOCK_MONOTONIC) into out[i],
 * i over the monitor's values (plan->monitors[monitor].nvalues, in order). Returns 0, or -1 when
 * the body cannot be read at all (JSON that does not parse): the scrape is then a gap.
 */
int monitor_read(struct monitor_reader *r, const char *body, size_t len, int64_t now_ns,
    struct monitor_read *out);
/* Prometheus series dropped so far because maxSeries were kept already. */
int64_t monitor_reader_dropped(const struct monitor_reader *r);

/* The readings given since the last second was taken, per named value of the plan. */
struct monitor_acc;

struct monitor_acc *monitor_acc_new(const struct plan *plan);
/* NULL is a no-op. */
void monitor_acc_free(struct monitor_acc *a);
/* One scrape of the monitor whose values are plan->monitor_values[first .. first + n): its
   readings, or NULL when the scrape failed (every value gets a gap). A value not found is a gap
   too; a later reading in the same second replaces an earlier one. */
void monitor_acc_add(struct monitor_acc *a, int first, int n, const struct monitor_read *reads);
/* Puts what was given into t->monitors as second `second`'s values, and starts empty again. */
void monitor_acc_take(struct monitor_acc *a, struct tick *t, int64_t second);

#endif
