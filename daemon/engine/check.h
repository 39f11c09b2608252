/*
 * check: k6's checks on a step's response (status, body text, a JSON value, a header, the response
 * time). A check is a measurement: it is counted as a pass or a fail per check name in the worker's
 * tick (k6's `checks` rate), and fails the request only when the definition says "failRequest".
 *
 * Thread: a worker's. Nothing here allocates except Jansson parsing the body for a JSON check (once
 * per response, shared with extraction and groupBy through struct extract_response).
 */
#ifndef RAMPAGE_CHECK_H
#define RAMPAGE_CHECK_H

#include <jansson.h>

struct extract_response;
struct plan_check;

/* Evaluates check c against the response: 1 passed, 0 failed. */
int check_eval(const struct plan_check *c, struct extract_response *r);
/* Whether two JSON values are equal, numbers by value (1 equals 1.0). */
int check_json_equal(json_t *a, json_t *b);

#endif
