/*
 * step_tags: a request's own tags (`"tags": {"kind": "write"}`), k6's per-request tags: fixed
 * strings that thresholds select by (`http_req_duration{kind:write}`), alongside the built-in
 * name, method, scenario, group, status and expected_response. Private to testdef.
 *
 * Runs on the thread that parses a definition.
 */
#ifndef RAMPAGE_STEP_TAGS_H
#define RAMPAGE_STEP_TAGS_H

#include <jansson.h>

struct walk;
struct plan_step;
struct plan;

#define STEP_TAGS_MAX 16           /* tags per request */
#define STEP_TAG_NAME_MAX 64       /* bytes */
#define STEP_TAG_VALUE_MAX 256     /* bytes */

/* Parses obj's "tags" (if any) into st->tags, errors at "tags.NAME". */
void step_tags_parse(struct walk *c, json_t *obj, struct plan_step *st);
/* Frees st's tags. */
void step_tags_fini(struct plan_step *st);
/* Whether a built-in tag has that name (a request may not set it). */
int step_tags_builtin(const char *name);
/* The value st has for tag name, or NULL. */
const char *step_tags_get(const struct plan_step *st, const char *name);
/* Whether some request of p has tag name (with value, when value is not NULL). */
int step_tags_used(const struct plan *p, const char *name, const char *value);

#endif
