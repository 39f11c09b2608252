/*
 * bench_run_store: the per-second write path of a daemon run at the size the schema was designed
 * for (docs/performance.md). It builds a plan with N endpoints, feeds H hours of fake ticks
 * (log-normal latencies, R requests per endpoint per second, a few errors) through exactly what the
 * run manager uses -- run_tick_new on the "controller" side, the run_store_tick job on the store's
 * writer thread -- then the end-of-run job (whole-run histograms and status codes), and prints
 * what it measured. No network, no engine: only the copy and the database.
 *
 *   bench_run_store DB [HOURS=8] [ENDPOINTS=10] [RPS_PER_ENDPOINT=1000]
 *
 * Each tick is given with store_write_sync, so the time measured per tick includes its commit
 * (the daemon gives it with store_write and never waits; the writer's work is the same). The
 * database is left in place for bench/run-store.sh to query through a real daemon.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/tick.h"
#include "runs/run_store.h"
#include "store/store.h"
#include "testdef/testdef.h"

static uint64_t rng = 88172645463325252ULL;

/* xorshift64: fast and good enough for fake latencies. */
static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	double hours = argc > 2 ? atof(argv[2]) : 8;
	int nep = argc > 3 ? atoi(argv[3]) : 10;
	int rps = argc > 4 ? atoi(argv[4]) : 1000;
	int64_t seconds = (int64_t)(hours * 3600);
	struct testdef_errors errs;
	struct store *st;
	struct plan *plan;
	struct tick *t, *whole;
	char *cause = NULL, *text;
	size_t len = 0, cap = 1 << 16;
	int64_t *write_ns, copy_ns = 0, t0, blob_bytes = 0;
	struct stat sb;
	double table[4096];

	if (path == NULL || seconds < 1 || nep < 1 || rps < 1) {
		fprintf(stderr, "usage: bench_run_store DB [HOURS=8] [ENDPOINTS=10] [RPS_PER_ENDPOINT=1000]\n");
		return 2;
	}
	log_level = LOG_WARNING;
	unlink(path);

	/* a plan with nep endpoints, parsed like any definition */
	text = xmalloc(cap);
	len += (size_t)snprintf(text + len, cap - len, "{\"name\":\"bench\",\"baseUrl\":\"http://127.0.0.1:9\","
	    "\"vus\":10,\"duration\":\"%llds\",\"tasks\":[", (long long)seconds);
	for (int i = 0; i < nep; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s{\"name\":\"endpoint %d\",\"path\":\"/e/%d\"}",
		    i ? "," : "", i + 1, i + 1);
	snprintf(text + len, cap - len, "]}");
	testdef_errors_init(&errs);
	json_t *def = testdef_load_string(text, strlen(text), 0, &errs);
	plan = def != NULL ? testdef_parse(def, NULL, &errs) : NULL;
	json_decref(def);
	if (plan == NULL) {
		testdef_errors_print(&errs, stderr, "bench: ");
		return 1;
	}
	testdef_errors_fini(&errs);

	if ((st = store_open(path, &cause)) == NULL) {
		fprintf(stderr, "bench: %s\n", cause);
		return 1;
	}
	struct run_store_insert in = { .name = "bench 8h", .definition = text, .trigger = "api",
	    .queued_ms = clock_wall_ms() - seconds * 1000 - 10 };
	if (store_write_sync(st, run_store_insert, &in, &cause) != 0) {
		fprintf(stderr, "bench: %s\n", cause);
		return 1;
	}
	struct run_store_state start = { .run_id = in.id, .state = "running", .plan = plan,
	    .started_ms = in.queued_ms + 10 };
	if (store_write_sync(st, run_store_state, &start, &cause) != 0) {
		fprintf(stderr, "bench: %s\n", cause);
		return 1;
	}

	/* log-normal latencies around 20 ms (sigma 0.6), as a table to sample from */
	for (int i = 0; i < 4096; i++) {
		double u1 = uniform() + 1e-12, u2 = uniform();
		double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		table[i] = 20000 * exp(0.6 * z);
	}
	t = tick_new(plan, 0);
	whole = tick_new(plan, 1);
	write_ns = xcalloc((size_t)seconds, sizeof *write_ns);
	for (int64_t s = 0; s < seconds; s++) {
		tick_reset(t);
		for (int e = 0; e < nep; e++) {
			struct tick_endpoint *ep = &t->endpoints[e];
			double slow = 1 + (double)e / 4;   /* endpoints differ */
			for (int r = 0; r < rps; r++)
				hist_record(ep->duration, (uint64_t)(table[(rng = rng * 6364136223846793005ULL +
				    1442695040888963407ULL) >> 52] * slow));
			ep->requests = (uint64_t)rps;
			ep->failed = (uint64_t)(rps / 200);
			ep->status[200] = ep->requests - ep->failed;
			ep->status[503] = ep->failed;
			ep->bytes_sent = (uint64_t)rps * 120;
			ep->bytes_received = (uint64_t)rps * 900;
			for (int p = 0; p < TICK_NPHASE; p++)
				ep->phase_sum_us[p] = (int64_t)rps * (p == TICK_PHASE_WAITING ? 18000 : 40);
		}
		tick_sum_total(t);
		t->second = s;
		t->vus = 10;
		t->iterations = (uint64_t)rps * (uint64_t)nep;
		t->cpu_pct = 35;
		t->loop_lag_max_us = 800;
		tick_merge(whole, t);

		t0 = clock_now_ns();
		struct run_tick *rt = run_tick_new(in.id, plan, t);
		copy_ns += clock_now_ns() - t0;
		for (int i = 0; i < rt->nrows; i++)
			blob_bytes += (int64_t)rt->rows[i].blob_len;
		t0 = clock_now_ns();
		if (store_write_sync(st, run_store_tick, rt, &cause) != 0) {
			fprintf(stderr, "bench: second %lld: %s\n", (long long)s, cause);
			return 1;
		}
		write_ns[s] = clock_now_ns() - t0;
		if (s % 3600 == 3599)
			fprintf(stderr, "bench: %lld h written\n", (long long)(s + 1) / 3600);
	}
	t0 = clock_now_ns();
	struct run_store_state end = { .run_id = in.id, .state = "passed", .whole = whole,
	    .ended_ms = start.started_ms + seconds * 1000 };
	if (store_write_sync(st, run_store_state, &end, &cause) != 0) {
		fprintf(stderr, "bench: %s\n", cause);
		return 1;
	}
	int64_t end_ns = clock_now_ns() - t0;
	store_close(st);

	qsort(write_ns, (size_t)seconds, sizeof *write_ns, cmp_i64);
	double sum = 0;
	for (int64_t s = 0; s < seconds; s++)
		sum += (double)write_ns[s];
	stat(path, &sb);
	printf("run_id: %lld\n", (long long)in.id);
	printf("seconds: %lld, endpoints: %d, requests/s per endpoint: %d\n", (long long)seconds, nep, rps);
	printf("samples rows: %lld (+ as many sample_histograms rows)\n", (long long)seconds * (nep + 1));
	printf("histogram blob bytes: %lld (%.0f per row)\n", (long long)blob_bytes,
	    (double)blob_bytes / (double)(seconds * (nep + 1)));
	printf("database size: %.1f MB\n", (double)sb.st_size / 1e6);
	printf("copy per tick (controller thread): %.1f us\n", (double)copy_ns / (double)seconds / 1e3);
	printf("write + commit per tick: mean %.0f us, p50 %.0f us, p99 %.0f us, max %.0f us\n",
	    sum / (double)seconds / 1e3, (double)write_ns[seconds / 2] / 1e3,
	    (double)write_ns[seconds * 99 / 100] / 1e3, (double)write_ns[seconds - 1] / 1e3);
	printf("end of run (whole-run histograms, status codes): %.1f ms\n", (double)end_ns / 1e6);
	free(write_ns);
	free(text);
	tick_free(t);
	tick_free(whole);
	plan_free(plan);
	return 0;
}
