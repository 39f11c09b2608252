/*
 * metric: see metric.h. The table is built from METRIC_LIST; lookups are linear scans of 17
 * entries, made when a definition is parsed or a summary is written, never per request.
 */
#include <config.h>

#include <assert.h>
#include <string.h>

#include "testdef/metric.h"

static const struct metric table[METRIC_N] = {
#define METRIC_ROW(id, name, type, contains, per_request, phase, section) \
	[METRIC_##id] = { name, METRIC_##type, contains, per_request, phase, METRIC_SECTION_##section },
	METRIC_LIST(METRIC_ROW)
#undef METRIC_ROW
};

static const char *const type_names[] = {
	[METRIC_COUNTER] = "counter",
	[METRIC_GAUGE] = "gauge",
	[METRIC_RATE] = "rate",
	[METRIC_TREND] = "trend",
};

const struct metric *
metric_get(enum metric_id id)
{
	assert(id >= 0 && id < METRIC_N);
	return &table[id];
}

int
metric_find(const char *name, size_t n)
{
	for (int i = 0; i < METRIC_N; i++)
		if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0)
			return i;
	return -1;
}

bool
metric_measured(enum metric_id id)
{
#ifdef HAVE_CURLINFO_POSTTRANSFER_TIME_T
	(void)id;
	return true;
#else
	return id != METRIC_HTTP_REQ_SENDING;
#endif
}

enum metric_id
metric_of_phase(int phase)
{
	assert(phase >= 0 && phase < METRIC_NPHASE);
	for (int i = 0; i < METRIC_N; i++)
		if (table[i].phase == phase)
			return (enum metric_id)i;
	assert(!"not a timing phase");
	return METRIC_N;
}

const char *
metric_type_name(enum metric_type type)
{
	assert(type >= 0 && type <= METRIC_TREND);
	return type_names[type];
}
