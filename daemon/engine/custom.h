/*
 * custom: a step's `record` entries (testdef/plan.h, struct plan_record): after a response, each
 * entry reads its value (a constant, a variable, the body's JSON, a header, a timing phase, a check's
 * outcome) and adds it to its custom metric's series in the worker's live tick (tick_custom_add).
 *
 * Runs on a worker thread, from vu.c's inspection of a response, only for steps that have record
 * entries: a definition without `metrics` never comes here. No allocation (a JSON body is parsed
 * once per response, as for extract).
 */
#ifndef RAMPAGE_CUSTOM_H
#define RAMPAGE_CUSTOM_H

#include <stdint.h>

#include "engine/extract.h"
#include "engine/transport.h"
#include "testdef/plan.h"
#include "testdef/template.h"

struct tick;

/*
 * Adds the values of st's record entries to t: resp is the response as extract sees it, r its
 * timings, vars the VU's variables (after this step's extract), check_ok bit i set when st's check
 * i passed, now_ns the time (gauges keep the latest value). A value that cannot be read counts as
 * `missing` in each of the entry's series. Worker thread.
 */
void custom_record(struct tick *t, const struct plan_step *st, struct extract_response *resp,
    const struct transport_result *r, const struct tmpl_var *vars, uint64_t check_ok, int64_t now_ns);

#endif
