/*
 * demo_extra: see demo_extra.h. MHD's pool threads; no shared state.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <microhttpd.h>

#include <jansson.h>

#include "demo/demo_extra.h"

#define CSRF_BYTES 16              /* 32 hex digits */

/* A JSON answer over a copy of body. */
static struct MHD_Response *
json_answer(const char *body, const char *node_id)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, "X-Served-By", node_id);
	return r;
}

/* POST /api/echo: the body back when it is JSON. */
static int
echo(const char *method, const char *body, size_t len, const char *node_id, unsigned *status,
    struct MHD_Response **resp)
{
	json_t *v = strcmp(method, "POST") == 0 && body != NULL ?
	    json_loadb(body, len, JSON_DECODE_ANY, NULL) : NULL;

	if (v == NULL) {
		*resp = json_answer("{\"error\":\"POST a JSON body\"}", node_id);
		*status = MHD_HTTP_BAD_REQUEST;
		return 1;
	}
	json_decref(v);
	*resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(*resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(*resp, "X-Served-By", node_id);
	*status = MHD_HTTP_OK;
	return 1;
}

int
demo_extra_answer(struct MHD_Connection *conn, const char *url, const char *method,
    const char *body, size_t len, const char *node_id, unsigned *status, struct MHD_Response **resp)
{
	if (strcmp(url, "/api/echo") == 0)
		return echo(method, body, len, node_id, status, resp);
	if (strcmp(url, "/api/csrf") != 0)
		return 0;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		unsigned char raw[CSRF_BYTES];
		char cookie[2 * CSRF_BYTES + 64];
		int n = snprintf(cookie, sizeof cookie, "csrftoken=");

		if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
			memset(raw, 0x5a, sizeof raw);   /* never on Linux >= 3.17 for 16 bytes */
		for (size_t i = 0; i < sizeof raw; i++)
			n += snprintf(cookie + n, sizeof cookie - (size_t)n, "%02x", raw[i]);
		snprintf(cookie + n, sizeof cookie - (size_t)n, "; Path=/; SameSite=Strict");
		*resp = json_answer("{\"csrf\":\"set\"}", node_id);
		MHD_add_response_header(*resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
		*status = MHD_HTTP_OK;
	} else if (strcmp(method, "POST") == 0) {
		const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "csrftoken");
		const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
		int good = c != NULL && h != NULL && strlen(c) == 2 * CSRF_BYTES && strcmp(c, h) == 0;

		*resp = json_answer(good ? "{\"ok\":true}" : "{\"error\":\"csrf token missing or wrong\"}",
		    node_id);
		*status = good ? MHD_HTTP_OK : MHD_HTTP_FORBIDDEN;
	} else {
		*resp = json_answer("{\"error\":\"method not allowed\"}", node_id);
		MHD_add_response_header(*resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
		*status = MHD_HTTP_METHOD_NOT_ALLOWED;
	}
	return 1;
}
