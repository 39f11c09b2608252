/*
 * metric: the k6 metrics a definition may name (its thresholds), as the summary reports them:
 * each one's name, k6 type (trend, rate, counter, gauge), what its values hold ("time", "data",
 * "default"), whether it is recorded per request (so a threshold may select it by tag), which
 * timing phase it is, and the section of the text summary it is printed in. Threshold parsing
 * (testdef/threshold_plan.c) checks names and aggregations against it; evaluation
 * (metrics/threshold.c) reads the type and phase of what was parsed; the summary's JSON document
 * (in table order, as k6 writes them) and its text (by section, names sorted as k6 sorts them) are
 * written from it. A metric is added in one place.
 *
 * It lives in testdef, not metrics, because the definition's vocabulary must be known where the
 * definition is parsed, and testdef includes nothing above it. An X-macro list makes the enum and
 * the table from the same lines. Immutable: any thread.
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

/* Timing phases, numbered as the ticks' per-phase arrays are (enum tick_phase, metrics/tick.h). */
#define METRIC_NPHASE 6

/*
 * X(ID, name, type, contains, per_request, phase, section): phase is the timing phase's index in the ticks'
 * per-phase arrays (enum tick_phase in metrics/tick.h, which testdef cannot include: blocked 0,
 * connecting 1, tls 2, sending 3, waiting 4, receiving 5; test_threshold checks they agree), else -1.
 */
#define METRIC_LIST(X) \
	X(HTTP_REQS, "http_reqs", COUNTER, "default", true, -1, HTTP) \
	X(HTTP_REQ_DURATION, "http_req_duration", TREND, "time", true, -1, HTTP) \
	X(HTTP_REQ_FAILED, "http_req_failed", RATE, "default", true, -1, HTTP) \
	X(HTTP_REQ_BLOCKED, "http_req_blocked", TREND, "time", true, 0, HTTP) \
	X(HTTP_REQ_CONNECTING, "http_req_connecting", TREND, "time", true, 1, HTTP) \
	X(HTTP_REQ_TLS_HANDSHAKING, "http_req_tls_handshaking", TREND, "time", true, 2, HTTP) \
	X(HTTP_REQ_SENDING, "http_req_sending", TREND, "time", true, 3, HTTP) \
	X(HTTP_REQ_WAITING, "http_req_waiting", TREND, "time", true, 4, HTTP) \
	X(HTTP_REQ_RECEIVING, "http_req_receiving", TREND, "time", true, 5, HTTP) \
	X(ITERATIONS, "iterations", COUNTER, "default", false, -1, EXECUTION) \
	X(ITERATION_DURATION, "iteration_duration", TREND, "time", false, -1, EXECUTION) \
	X(GROUP_DURATION, "group_duration", TREND, "time", false, -1, EXECUTION) \
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
	int phase;                 /* timing phase (see METRIC_LIST), or -1 */
	enum metric_section section;
};

/* The metric with this id. */
const struct metric *metric_get(enum metric_id id);
/* The id of the metric named by the n bytes at name (not NUL-terminated), or -1. */
int metric_find(const char *name, size_t n);
/* The id of the metric of a timing phase (0 <= phase < METRIC_NPHASE). */
enum metric_id metric_of_phase(int phase);
/*
 * Whether this build measures the metric. http_req_sending (k6: the time to write the request) needs
 * libcurl's CURLINFO_POSTTRANSFER_TIME_T (8.10; Debian 12 has 7.88): without it libcurl only stamps
 * "about to send" (PRETRANSFER) and "first byte back" (STARTTRANSFER), so the write cannot be told
 * from the wait. Such a metric is left out of every output (summary JSON and text, the samples'
 * sending_us is null, the dashboard) and a threshold on it is refused: never a constant 0.
 */
bool metric_measured(enum metric_id id);
/* k6's word for a type: "counter", "gauge", "rate", "trend". */
const char *metric_type_name(enum metric_type type);

#endif
