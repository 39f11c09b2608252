/*
 * metric: the k6 metrics Rampage reports, in one table: each one's name, k6 type (trend, rate,
 * counter, gauge), what its values hold ("time", "data", "default"), whether it is recorded per
 * request (so a threshold may select it by tag), which timing phase it is, and the section of the
 * text summary it is printed in. The summary's JSON document (in table order, as k6 writes them),
 * its text (by section, names sorted as k6 sorts them) and the thresholds (which names and
 * aggregations a definition may use) all read this table, so a metric is added in one place.
 *
 * An X-macro list makes the enum and the table from the same lines. Immutable: any thread.
 */
#ifndef RAMPAGE_METRIC_H
#define RAMPAGE_METRIC_H

#include <stdbool.h>
#include <stddef.h>

/* k6's metric types. */
enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_RATE,
	METRIC_TREND,
};

/* Where the text summary prints a metric. */
enum metric_section {
	METRIC_SECTION_CHECKS,     /* with the CHECKS block, above the others */
	METRIC_SECTION_HTTP,
	METRIC_SECTION_EXECUTION,
	METRIC_SECTION_NETWORK,
};

/*
 * X(ID, name, type, contains, per_request, phase, section): phase is an enum tick_phase
 * (metrics/tick.h) for the six timing phases, else -1; TICK_PHASE_* names are only expanded in
 * metric.c.
 */
#define METRIC_LIST(X) \
	X(HTTP_REQS, "http_reqs", COUNTER, "default", true, -1, HTTP) \
	X(HTTP_REQ_DURATION, "http_req_duration", TREND, "time", true, -1, HTTP) \
	X(HTTP_REQ_FAILED, "http_req_failed", RATE, "default", true, -1, HTTP) \
	X(HTTP_REQ_BLOCKED, "http_req_blocked", TREND, "time", true, TICK_PHASE_BLOCKED, HTTP) \
	X(HTTP_REQ_CONNECTING, "http_req_connecting", TREND, "time", true, TICK_PHASE_CONNECTING, HTTP) \
	X(HTTP_REQ_TLS_HANDSHAKING, "http_req_tls_handshaking", TREND, "time", true, TICK_PHASE_TLS, HTTP) \
	X(HTTP_REQ_SENDING, "http_req_sending", TREND, "time", true, TICK_PHASE_SENDING, HTTP) \
	X(HTTP_REQ_WAITING, "http_req_waiting", TREND, "time", true, TICK_PHASE_WAITING, HTTP) \
	X(HTTP_REQ_RECEIVING, "http_req_receiving", TREND, "time", true, TICK_PHASE_RECEIVING, HTTP) \
	X(ITERATIONS, "iterations", COUNTER, "default", false, -1, EXECUTION) \
	X(ITERATION_DURATION, "iteration_duration", TREND, "time", false, -1, EXECUTION) \
	X(DROPPED_ITERATIONS, "dropped_iterations", COUNTER, "default", false, -1, EXECUTION) \
	X(VUS, "vus", GAUGE, "default", false, -1, EXECUTION) \
	X(VUS_MAX, "vus_max", GAUGE, "default", false, -1, EXECUTION) \
	X(DATA_SENT, "data_sent", COUNTER, "data", true, -1, NETWORK) \
	X(DATA_RECEIVED, "data_received", COUNTER, "data", true, -1, NETWORK) \
	X(CHECKS, "checks", RATE, "default", false, -1, CHECKS)

enum metric_id {
#define METRIC_ID(id, name, type, contains, per_request, phase, section) METRIC_##id,
	METRIC_LIST(METRIC_ID)
#undef METRIC_ID
	METRIC_N,
};

struct metric {
	const char *name;          /* k6's: "http_req_duration" */
	enum metric_type type;
	const char *contains;      /* "time" (values in ms), "data" (bytes) or "default" */
	bool per_request;          /* recorded per request: sub-metrics by tag exist */
	int phase;                 /* enum tick_phase, or -1 */
	enum metric_section section;
};

/* The metric with this id. */
const struct metric *metric_get(enum metric_id id);
/* The id of the metric named by the n bytes at name (not NUL-terminated), or -1. */
int metric_find(const char *name, size_t n);
/* The id of the metric of a timing phase (an enum tick_phase). */
enum metric_id metric_of_phase(int phase);
/* k6's word for a type: "counter", "gauge", "rate", "trend". */
const char *metric_type_name(enum metric_type type);

#endif
