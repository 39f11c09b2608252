/*
 * monitor: see monitor.h. Readers on the scrape thread, accumulators on the controller thread.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "metrics/monitor.h"
#include "metrics/promparse.h"
#include "metrics/tick.h"
#include "testdef/pattern.h"
#include "testdef/plan.h"

/* A Prometheus series a value selected: its previous value, for a counter's rate. */
struct series {
	char *key;                 /* NULL: a free slot */
	uint32_t hash;
	bool have_prev;
	double prev;
	int64_t prev_ns;
};

struct monitor_reader {
	const struct plan *plan;
	const struct plan_monitor *m;
	struct series *tab;        /* open addressing, cap a power of two >= 2 x max_series */
	size_t cap;
	int nseries;
	int64_t dropped;
	pcre2_match_data *md;
};

struct monitor_reader *
monitor_reader_new(const struct plan *plan, int monitor)
{
	struct monitor_reader *r = xcalloc(1, sizeof *r);

	r->plan = plan;
	r->m = &plan->monitors[monitor];
	if (r->m->kind == PLAN_MONITOR_PROMETHEUS) {
		r->cap = 16;
		while (r->cap < 2 * (size_t)r->m->max_series)
			r->cap *= 2;
		r->tab = xcalloc(r->cap, sizeof *r->tab);
		r->md = pcre2_match_data_create(1, NULL);
	}
	return r;
}

void
monitor_reader_free(struct monitor_reader *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->cap; i++)
		free(r->tab[i].key);
	free(r->tab);
	if (r->md != NULL)
		pcre2_match_data_free(r->md);
	free(r);
}

int64_t
monitor_reader_dropped(const struct monitor_reader *r)
{
	return r->dropped;
}

static uint32_t
fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The series of key (n bytes), added when new and there is room; NULL when the cap is reached. */
static struct series *
series_of(struct monitor_reader *r, const char *key, size_t n)
{
	uint32_t h = fnv(key, n);
	size_t i = h & (r->cap - 1);

	for (; r->tab[i].key != NULL; i = (i + 1) & (r->cap - 1))
		if (r->tab[i].hash == h && strlen(r->tab[i].key) == n && memcmp(r->tab[i].key, key, n) == 0)
			return &r->tab[i];
	if (r->nseries >= r->m->max_series) {
		r->dropped++;
		return NULL;
	}
	r->nseries++;
	r->tab[i].key = xstrndup(key, n);
	r->tab[i].hash = h;
	return &r->tab[i];
}

/* Whether sample s is selected by value v. */
static bool
matches(struct monitor_reader *r, const struct plan_monitor_value *v, const struct prom_sample *s)
{
	if (strcmp(s->name, v->metric) != 0)
		return false;
	for (int i = 0; i < v->nmatchers; i++) {
		const struct plan_label_matcher *mt = &v->matchers[i];
		const char *lv = prom_label_get(s, mt->label);
		bool hit;

		if (lv == NULL)
			lv = "";           /* Prometheus: a missing label matches "" */
		if (mt->op == PLAN_MATCH_EQ || mt->op == PLAN_MATCH_NE)
			hit = strcmp(lv, mt->value) == 0;
		else
			hit = pcre2_match(mt->re->code, (PCRE2_SPTR)lv, strlen(lv), 0, 0, r->md, NULL) >= 0;
		if (hit != (mt->op == PLAN_MATCH_EQ || mt->op == PLAN_MATCH_RE))
			return false;
	}
	return true;
}

/* Whether a sample counts up (its rate is what means something). */
static bool
counts_up(const struct prom_sample *s)
{
	size_t n = strlen(s->name);

	if (s->type == PROM_COUNTER)
		return true;
	if (s->type != PROM_HISTOGRAM && s->type != PROM_SUMMARY)
		return false;
	return (n > 7 && strcmp(s->name + n - 7, "_bucket") == 0) ||
	    (n > 6 && strcmp(s->name + n - 6, "_count") == 0) ||
	    (n > 4 && strcmp(s->name + n - 4, "_sum") == 0);
}

/* A sample's identity within value vi: the value, the name, the labels in order. */
static void
series_key(int vi, const struct prom_sample *s, struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
	buf_printf(b, "%d\x01%s", vi, s->name);
	for (int i = 0; i < s->nlabels; i++)
		buf_printf(b, "\x01%s=%s", s->labels[i].name, s->labels[i].value);
}

static void
read_prometheus(struct monitor_reader *r, const char *body, size_t len, int64_t now_ns,
    struct monitor_read *out)
{
	const struct plan_monitor_value *vals = &r->plan->monitor_values[r->m->first_value];
	struct prom_limits lim = { .max_samples = 100000 };
	struct prom_doc doc = { 0 };
	struct buf key;

	buf_init(&key, 1 << 20);
	promparse(body, len, &lim, &doc);
	for (int k = 0; k < doc.nsamples; k++) {
		const struct prom_sample *s = &doc.samples[k];
		for (int vi = 0; vi < r->m->nvalues; vi++) {
			struct monitor_read *o = &out[vi];
			struct series *se;

			if (!isfinite(s->value) || !matches(r, &vals[vi], s))
				continue;
			series_key(vi, s, &key);
			if ((se = series_of(r, key.p, key.len)) == NULL)
				continue;
			o->found = true;
			if (!counts_up(s)) {
				o->value += s->value;
				o->has = true;
				continue;
			}
			if (se->have_prev && now_ns > se->prev_ns) {
				double inc = s->value >= se->prev ? s->value - se->prev : s->value;
				o->value += inc / ((double)(now_ns - se->prev_ns) / 1e9);
				o->has = true;
				o->rate = true;
			}
			se->have_prev = true;
			se->prev = s->value;
			se->prev_ns = now_ns;
		}
	}
	buf_fini(&key);
	prom_doc_fini(&doc);
}

/* The value at a JSON Pointer, or NULL. */
static json_t *
resolve(json_t *doc, const struct pattern_pointer *p)
{
	for (int i = 0; i < p->ntokens && doc != NULL; i++) {
		if (json_is_object(doc))
			doc = json_object_get(doc, p->tokens[i]);
		else if (json_is_array(doc) && p->index[i] >= 0)
			doc = json_array_get(doc, (size_t)p->index[i]);
		else
			doc = NULL;
	}
	return doc;
}

int
monitor_read(struct monitor_reader *r, const char *body, size_t len, int64_t now_ns,
    struct monitor_read *out)
{
	json_t *doc;

	memset(out, 0, (size_t)r->m->nvalues * sizeof *out);
	if (r->m->kind == PLAN_MONITOR_PROMETHEUS) {
		read_prometheus(r, body, len, now_ns, out);
		return 0;
	}
	if ((doc = json_loadb(body, len, JSON_DECODE_ANY, NULL)) == NULL)
		return -1;
	for (int vi = 0; vi < r->m->nvalues; vi++) {
		json_t *v = resolve(doc, r->plan->monitor_values[r->m->first_value + vi].pointer);
		if (json_is_number(v) && isfinite(json_number_value(v))) {
			out[vi].found = out[vi].has = true;
			out[vi].value = json_number_value(v);
		}
	}
	json_decref(doc);
	return 0;
}

/* ---- the controller's accumulator */

struct acc_value {
	bool has, rate;
	double value;
	uint64_t scrapes, gaps;
};

struct monitor_acc {
	int n;
	struct acc_value *v;
};

struct monitor_acc *
monitor_acc_new(const struct plan *plan)
{
	struct monitor_acc *a = xcalloc(1, sizeof *a);

	a->n = plan->nmonitor_values;
	a->v = xcalloc((size_t)a->n + 1, sizeof *a->v);
	return a;
}

void
monitor_acc_free(struct monitor_acc *a)
{
	if (a == NULL)
		return;
	free(a->v);
	free(a);
}

void
monitor_acc_add(struct monitor_acc *a, int first, int n, const struct monitor_read *reads)
{
	for (int i = 0; i < n && first + i < a->n; i++) {
		struct acc_value *v = &a->v[first + i];

		v->scrapes++;
		if (reads == NULL || !reads[i].found) {
			v->gaps++;
			continue;
		}
		if (reads[i].has) {
			v->has = true;
			v->rate = reads[i].rate;
			v->value = reads[i].value;
		}
	}
}

void
monitor_acc_take(struct monitor_acc *a, struct tick *t, int64_t second)
{
	for (int i = 0; i < a->n && i < t->nmonitors; i++) {
		struct acc_value *v = &a->v[i];
		tick_monitor_set(&t->monitors[i], second, v->has, v->value, v->rate, v->scrapes, v->gaps);
		*v = (struct acc_value){ 0 };
	}
}
