/*
 * run_window: see run_window.h. Called once per stored second on the reader's thread; the window's
 * histogram is allocated once and reset between windows.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "metrics/hist.h"
#include "runs/run_window.h"

void
run_window_init(struct run_window *w)
{
	memset(w, 0, sizeof *w);
	w->h = hist_new();
}

void
run_window_fini(struct run_window *w)
{
	hist_free(w->h);
	w->h = NULL;
}

void
run_window_reset(struct run_window *w, int64_t start)
{
	struct hist *h = w->h;

	if (w->n > 0 || hist_count(h) > 0)
		hist_reset(h);
	memset(w, 0, sizeof *w);
	w->h = h;
	w->start = start;
}

void
run_window_add(struct run_window *w, const struct run_row *row, const void *blob, size_t blob_len)
{
	int64_t req = row->v[RUN_COL_REQUESTS];

	w->n++;
	for (int c = 0; c < RUN_NCOLS; c++) {
		if (row->null[c])
			continue;
		switch (run_cols[c].kind) {
		case RUN_COL_SUM:
			w->v[c] += row->v[c];
			break;
		case RUN_COL_MAX:
			if (run_cols[c].real) {
				if (!w->have[c] || row->cpu_pct > w->cpu)
					w->cpu = row->cpu_pct;
			} else if (!w->have[c] || row->v[c] > w->v[c]) {
				w->v[c] = row->v[c];
			}
			w->have[c] = true;
			break;
		case RUN_COL_MEAN:
			if (req > 0) {
				w->wsum[c] += (double)row->v[c] * (double)req;
				w->wn[c] += req;
				w->have[c] = true;
			}
			break;
		case RUN_COL_PCT:
			break;     /* from the histogram */
		}
	}
	if (blob != NULL)
		hist_merge_blob(w->h, blob, blob_len, NULL);
}

void
run_window_row(const struct run_window *w, struct run_row *row)
{
	uint64_t count = hist_count(w->h);

	memset(row, 0, sizeof *row);
	for (int c = 0; c < RUN_NCOLS; c++) {
		switch (run_cols[c].kind) {
		case RUN_COL_SUM:
			row->v[c] = w->v[c];
			break;
		case RUN_COL_MAX:
			row->null[c] = !w->have[c];
			row->v[c] = w->v[c];
			row->cpu_pct = run_cols[c].real ? w->cpu : row->cpu_pct;
			break;
		case RUN_COL_MEAN:
			row->null[c] = !w->have[c];
			row->v[c] = w->wn[c] > 0 ? llround(w->wsum[c] / (double)w->wn[c]) : 0;
			break;
		case RUN_COL_PCT:
			row->null[c] = count == 0;
			break;
		}
	}
	if (count > 0) {
		row->v[RUN_COL_LAT_MEAN] = llround(hist_mean(w->h));
		row->v[RUN_COL_LAT_P50] = (int64_t)hist_percentile(w->h, 50);
		row->v[RUN_COL_LAT_P90] = (int64_t)hist_percentile(w->h, 90);
		row->v[RUN_COL_LAT_P95] = (int64_t)hist_percentile(w->h, 95);
		row->v[RUN_COL_LAT_P99] = (int64_t)hist_percentile(w->h, 99);
	}
}
