/*
 * bench_fleet_merge: the daemon's cost of merging agents' seconds (engine/fleet.c), without
 * sockets: for each of A agents, one second of a plan with E endpoints at R requests per endpoint
 * per second (log-normal latencies, a few errors), encoded as the agent encodes it (agent_msg_tick,
 * then the text) once; then, S times over, what the fleet thread does with each agent's message
 * of a second: parse the text (json_loads), read it into a scratch tick (agent_msg_tick_add) and
 * add that into the second's sum (agent_msg_tick_sum), then merge the second into the whole run
 * (tick_merge). Prints the bytes of
 * one message, the CPU per agent-second (CLOCK_THREAD_CPUTIME_ID: the fleet thread's own time) and
 * the most agents whose seconds one daemon merges within its one-second budget.
 *
 *   bench_fleet_merge [AGENTS=16] [ENDPOINTS=10] [RPS_PER_ENDPOINT=1000] [SECONDS=30]
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/agent_msg.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "testdef/testdef.h"

static uint64_t rng = 88172645463325252ULL;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	int na = argc > 1 ? atoi(argv[1]) : 16;
	int nep = argc > 2 ? atoi(argv[2]) : 10;
	int rps = argc > 3 ? atoi(argv[3]) : 1000;
	int secs = argc > 4 ? atoi(argv[4]) : 30;
	struct testdef_errors errs;
	struct plan *plan;
	struct tick *t, *acc, *whole, *scratch;
	char **texts;
	size_t len = 0, cap = 1 << 16, bytes = 0;
	char *def_text;
	int64_t t0, parse_ns = 0, add_ns = 0, merge_ns = 0;

	if (na < 1 || nep < 1 || rps < 1 || secs < 1) {
		fprintf(stderr, "usage: bench_fleet_merge [AGENTS=16] [ENDPOINTS=10] [RPS_PER_ENDPOINT=1000] "
		    "[SECONDS=30]\n");
		return 2;
	}
	log_level = LOG_WARNING;
	def_text = xmalloc(cap);
	len += (size_t)snprintf(def_text + len, cap - len, "{\"name\":\"bench\",\"baseUrl\":\"http://127.0.0.1:9\","
	    "\"vus\":10,\"duration\":\"%ds\",\"tasks\":[", secs);
	for (int i = 0; i < nep; i++)
		len += (size_t)snprintf(def_text + len, cap - len, "%s{\"name\":\"endpoint %d\",\"path\":\"/e/%d\"}",
		    i ? "," : "", i + 1, i + 1);
	snprintf(def_text + len, cap - len, "]}");
	testdef_errors_init(&errs);
	json_t *def = testdef_load_string(def_text, strlen(def_text), 0, &errs);
	plan = def != NULL ? testdef_parse(def, NULL, &errs) : NULL;
	json_decref(def);
	if (plan == NULL) {
		testdef_errors_print(&errs, stderr, "bench: ");
		return 1;
	}
	testdef_errors_fini(&errs);

	/* each agent's second: its own latencies (log-normal around 20 ms), encoded once */
	t = tick_new(plan, 0);
	texts = xcalloc((size_t)na, sizeof *texts);
	for (int a = 0; a < na; a++) {
		json_t *msg;
		tick_reset(t);
		for (int e = 0; e < nep; e++) {
			struct tick_endpoint *ep = &t->endpoints[e];
			for (int r = 0; r < rps; r++) {
				double u1 = uniform() + 1e-12, u2 = uniform();
				double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
				hist_record(ep->duration, (uint64_t)(20000 * exp(0.6 * z) * (1 + (double)e / 4)));
			}
			ep->requests = (uint64_t)rps;
			ep->failed = (uint64_t)(rps / 200);
			ep->status[200] = ep->requests - ep->failed;
			ep->status[503] = ep->failed;
			ep->bytes_sent = (uint64_t)rps * 120;
			ep->bytes_received = (uint64_t)rps * 900;
		}
		tick_sum_total(t);
		t->vus = 10;
		msg = agent_msg_tick(plan, t);
		texts[a] = json_dumps(msg, JSON_COMPACT);
		json_decref(msg);
		bytes += strlen(texts[a]);
	}
	tick_free(t);

	acc = tick_new(plan, 0);
	scratch = tick_new(plan, 0);
	whole = tick_new(plan, 1);
	for (int s = 0; s < secs; s++) {
		tick_reset(acc);
		for (int a = 0; a < na; a++) {
			char *cause = NULL;
			json_t *msg;
			t0 = cpu_ns();
			msg = json_loads(texts[a], 0, NULL);
			parse_ns += cpu_ns() - t0;
			t0 = cpu_ns();
			tick_reset(scratch);
			if (agent_msg_tick_add(plan, msg, scratch, &cause) != 0) {
				fprintf(stderr, "bench: %s\n", cause);
				return 1;
			}
			agent_msg_tick_sum(acc, scratch);
			add_ns += cpu_ns() - t0;
			json_decref(msg);
		}
		t0 = cpu_ns();
		tick_merge(whole, acc);
		merge_ns += cpu_ns() - t0;
	}
	{
		double n = (double)na * secs;
		double per = (double)(parse_ns + add_ns) / n + (double)merge_ns / secs / na;
		printf("agents %d, endpoints %d, %d requests per endpoint per second, %d seconds\n", na, nep,
		    rps, secs);
		printf("message: %.1f KB per agent per second\n", (double)bytes / na / 1000);
		printf("per agent-second: parse %.1f us, add %.1f us; per second: merge into the run %.1f us\n",
		    (double)parse_ns / n / 1000, (double)add_ns / n / 1000, (double)merge_ns / secs / 1000);
		printf("merge cost: %.1f us of the fleet thread per agent per second\n", per / 1000);
		printf("agents merged within a 1 s budget: about %.0f\n", 1e9 / per);
		printf("whole run: %llu requests\n", (unsigned long long)whole->total.requests);
	}
	for (int a = 0; a < na; a++)
		free(texts[a]);
	free(texts);
	free(def_text);
	tick_free(acc);
	tick_free(scratch);
	tick_free(whole);
	plan_free(plan);
	return 0;
}
