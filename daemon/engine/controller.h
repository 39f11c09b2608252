/*
 * controller: the one thread per run that owns the schedule and the per-second clock. Every ≤ 10 ms
 * it asks the pure sched functions how many VUs each closed-model scenario should have and sends
 * each worker its share when it changes; it collects the workers' per-second ticks, merges them into
 * that second's tick and the whole-run tick, adds generator health (process CPU per second), and
 * calls the sink. It ends the run when every scenario has finished on every worker.
 *
 * Open-model and iteration executors need no messages: each worker runs its own share from the plan.
 */
#ifndef RAMPAGE_CONTROLLER_H
#define RAMPAGE_CONTROLLER_H

#include <stdint.h>

struct segment;
#include "engine/sink.h"

struct controller;
struct evwin;
struct mailbox;
struct plan;
struct tick;
struct worker;

/* Creates a controller (not started) for plan, reporting to sink (copied). Caller's thread. */
struct controller *controller_new(const struct plan *plan, const struct segment *seg,
    const struct engine_sink *sink);
/* Its inbox: where workers and controller_stop send messages. */
struct mailbox *controller_inbox(struct controller *c);
/* Starts the thread that runs the workers (already started at t0_ns; borrowed until
   controller_free). It joins them before on_done. 0, or -1 + *cause. */
int controller_start(struct controller *c, struct worker **workers, int nworkers, int64_t t0_ns,
    char **cause);
/* Asks for a graceful or forced stop. Any thread, the controller's own (a sink callback) included. */
void controller_stop(struct controller *c, int force);
/* Gives constant-vus scenario `vus` VUs from now on (engine_set_vus checked it); VUs beyond it finish
   their iteration within its gracefulStop. Any thread. */
void controller_set_vus(struct controller *c, int scenario, int64_t vus);
/* A marker of the run (strings copied): the controller adds it to the run's events (metrics/evwin.h:
   its finding, from the seconds around it) and, for a timed one (source "definition"), tells the
   sink's on_event. Events after the run's end are dropped. Any thread. */
void controller_event(struct controller *c, const struct engine_event *ev);
/* One scrape of a monitor (engine/scrape.h) whose values are plan->monitor_values[first .. +n):
   its readings (copied), or NULL when it failed (a gap). They go into the second being gathered
   (metrics/monitor.h). Any thread. */
struct monitor_read;
void controller_monitor(struct controller *c, int first, int n, const struct monitor_read *reads);
/* The side sink (engine/side.h) that gives the scrape and timed threads' reports to
   controller_monitor and controller_event, and tells them controller_state. */
struct side_sink;
void controller_side(struct controller *c, struct side_sink *out);
/* The run's events and their findings (after controller_join). */
const struct evwin *controller_events(const struct controller *c);
/* Waits until the thread has ended (the run is over, on_done called). */
void controller_join(struct controller *c);
/* Runs fn(arg) on the controller thread after every worker has joined and before the sink's
   on_done (the run's teardown). Before controller_start. */
void controller_set_teardown(struct controller *c, void (*fn)(void *arg), void *arg);
/* Ends a run that never started (its setup failed or was stopped): the state becomes done and
   the sink's on_done is called with the empty whole-run tick, on the caller's thread. Only when
   controller_start was not called. */
void controller_finish(struct controller *c);
/* RUNNING, STOPPING (a stop was asked for) or DONE. Any thread. */
enum engine_state controller_state(const struct controller *c);
/* The whole-run tick (complete, with phase histograms, once DONE). */
const struct tick *controller_totals(const struct controller *c);
/* When the run ended (CLOCK_MONOTONIC ns), 0 while it runs. Any thread. */
int64_t controller_end_ns(const struct controller *c);
/* Frees the controller (after controller_join, or if never started). NULL is a no-op. */
void controller_free(struct controller *c);

#endif
