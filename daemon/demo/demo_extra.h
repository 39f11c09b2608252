/*
 * demo_extra: routes of the demo target that tests of particular definition features need, kept
 * apart from the core API (demo_api.c):
 *   GET  /api/csrf   {"csrf":"set"} and Set-Cookie: csrftoken=<32 hex>; Path=/ (a cookie's value
 *                    read by name: Django's and Rails' double-submit pattern)
 *   POST /api/csrf   200 {"ok":true} when the X-CSRF-Token header equals the csrftoken cookie the
 *                    request sends, else 403 {"error":"csrf token missing or wrong"}
 *   POST /api/echo   200 with the request's body as it came when it is JSON (so a check can see
 *                    whether a value arrived as a number or a string), else 400
 * Stateless: the CSRF check is that the two copies agree, so any number of VUs keep their own.
 * None of these routes is counted in GET /api/stats nor takes the knobs (?delay_ms=...).
 *
 * Runs on MHD's pool threads (demo_api.c's decide calls it first).
 */
#ifndef RAMPAGE_DEMO_EXTRA_H
#define RAMPAGE_DEMO_EXTRA_H

struct MHD_Connection;
struct MHD_Response;

#include <stddef.h>

/* The answer to a request of one of these routes (body, len: the request's body): 1 with *status
   and *resp (the caller queues and destroys it), or 0 for any other path (node_id: the
   X-Served-By every answer carries). */
int demo_extra_answer(struct MHD_Connection *conn, const char *url, const char *method,
    const char *body, size_t len, const char *node_id, unsigned *status, struct MHD_Response **resp);

#endif
