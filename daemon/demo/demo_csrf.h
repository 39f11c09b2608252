/*
 * demo_csrf: the demo target's CSRF-cookie pair of routes, for definitions that read a cookie's
 * value by name (Django's and Rails' double-submit pattern):
 *   GET  /api/csrf   {"csrf":"set"} and Set-Cookie: csrftoken=<32 hex>; Path=/
 *   POST /api/csrf   200 {"ok":true} when the X-CSRF-Token header equals the csrftoken cookie the
 *                    request sends, else 403 {"error":"csrf token missing or wrong"}
 * Stateless: the check is that the two copies agree, so any number of VUs each keep their own.
 * Neither route is counted in GET /api/stats nor takes the knobs (?delay_ms=...).
 *
 * Runs on MHD's pool threads (demo_api.c's decide calls it first).
 */
#ifndef RAMPAGE_DEMO_CSRF_H
#define RAMPAGE_DEMO_CSRF_H

struct MHD_Connection;
struct MHD_Response;

/* The answer to a request of /api/csrf: 1 with *status and *resp (the caller queues and destroys
   it), or 0 for any other path (node_id: the X-Served-By every answer carries). */
int demo_csrf_answer(struct MHD_Connection *conn, const char *url, const char *method,
    const char *node_id, unsigned *status, struct MHD_Response **resp);

#endif
