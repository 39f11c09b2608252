/*
 * test_metric: the one table of k6 metrics that the summary (JSON and text) and the thresholds
 * read. Names, types and what the values contain are k6's (a typo here would change the summary
 * export and which thresholds a definition may write); lookups by name and by timing phase agree.
 */
#include <config.h>

#include <string.h>

#include "testdef/metric.h"
#include "metrics/tick.h"
#include "tap.h"

int
main(void)
{
	int unique = 1, found = 1, time_ok = 1, per_request_ok = 1;

	is_int(METRIC_N, 19, "19 metrics: the summary's 17, group_duration (k6's, shown with groups) and "
	    "availability (Rampage's, shown when a threshold names it)");
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = metric_get(i);
		found &= metric_find(m->name, strlen(m->name)) == i;
		for (int j = 0; j < i; j++)
			unique &= strcmp(m->name, metric_get(j)->name) != 0;
		/* k6: trends of times contain "time"; nothing else does */
		time_ok &= (m->type == METRIC_TREND) == (strcmp(m->contains, "time") == 0);
		per_request_ok &= m->per_request == (strncmp(m->name, "http_req", 8) == 0 ||
		    strncmp(m->name, "data_", 5) == 0 || i == METRIC_AVAILABILITY);
	}
	ok(found, "every metric is found by its own name");
	ok(unique, "names are unique");
	ok(time_ok, "exactly the trends contain \"time\"");
	ok(per_request_ok, "exactly http_req*, data_* and availability are recorded per request (sub-metrics by tag)");

	is_int(metric_find("http_req_duration", 17), METRIC_HTTP_REQ_DURATION, "find http_req_duration");
	is_int(metric_find("http_req_duration{name:x}", 17), METRIC_HTTP_REQ_DURATION,
	    "find reads only the n bytes given (the name before its tags)");
	is_int(metric_find("http_req", 8), -1, "a prefix is not a metric");
	is_int(metric_find("http_reqss", 10), -1, "nor a longer name");
	is_int(metric_find("", 0), -1, "nor an empty one");

	is_str(metric_type_name(metric_get(METRIC_HTTP_REQS)->type), "counter", "http_reqs is a counter");
	is_str(metric_type_name(metric_get(METRIC_HTTP_REQ_FAILED)->type), "rate", "http_req_failed is a rate");
	is_str(metric_type_name(metric_get(METRIC_CHECKS)->type), "rate", "checks is a rate");
	is_str(metric_type_name(metric_get(METRIC_ITERATION_DURATION)->type), "trend",
	    "iteration_duration is a trend");
	is_str(metric_type_name(metric_get(METRIC_VUS_MAX)->type), "gauge", "vus_max is a gauge");
	is_str(metric_get(METRIC_DATA_RECEIVED)->contains, "data", "data_received contains data");
	is_str(metric_get(METRIC_DROPPED_ITERATIONS)->contains, "default", "dropped_iterations: default");

	is_str(metric_get(metric_of_phase(TICK_PHASE_WAITING))->name, "http_req_waiting", "phase waiting");
	is_str(metric_get(metric_of_phase(TICK_PHASE_TLS))->name, "http_req_tls_handshaking", "phase tls");
	is_str(metric_get(metric_of_phase(TICK_PHASE_BLOCKED))->name, "http_req_blocked", "phase blocked");
	int phases = 0, round = 1;
	for (int i = 0; i < METRIC_N; i++)
		if (metric_get(i)->phase >= 0) {
			phases++;
			round &= metric_of_phase(metric_get(i)->phase) == (enum metric_id)i;
		}
	is_int(phases, TICK_NPHASE, "one metric per timing phase");
	ok(round, "metric_of_phase finds each phase's metric");

	is_int(metric_get(METRIC_HTTP_REQS)->section, METRIC_SECTION_HTTP, "http_reqs: HTTP section");
	is_int(metric_get(METRIC_VUS)->section, METRIC_SECTION_EXECUTION, "vus: EXECUTION section");
	is_int(metric_get(METRIC_DATA_SENT)->section, METRIC_SECTION_NETWORK, "data_sent: NETWORK section");
	is_int(metric_get(METRIC_CHECKS)->section, METRIC_SECTION_CHECKS, "checks: with the CHECKS block");
	return done_testing();
}
