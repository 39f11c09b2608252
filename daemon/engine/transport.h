/*
 * transport: the narrow seam between VUs and the HTTP client. A VU hands over a rendered request on
 * its own handle (which keeps its keep-alive connection, as a real user's browser does) and gets back
 * one result: status, transport error kind, bytes, k6's timing phases and the first body_cap bytes of
 * the body. Today the only implementation is libcurl's multi interface (socket_action driven by the
 * worker's epoll); a native HTTP/1.1 path can replace it behind this header without touching VUs or
 * metrics.
 *
 * Thread: one transport per worker, used only by that worker's thread (it owns the curl multis and
 * easy handles). Nothing here allocates, locks or logs per request in steady state.
 *
 * libcurl rules applied (see docs/design.md, measured): socket_action + one epoll; one easy handle per
 * VU reused for every request; sockets registered lazily and dropped from epoll only when curl closes
 * them (CURLOPT_CLOSESOCKETFUNCTION); VUs sharded over several multis (connection reuse is a linear
 * scan); CURLMOPT_MAXCONNECTS >= VUs per multi; CURLOPT_NOSIGNAL; CURLOPT_MAXAGE_CONN above the run.
 */
#ifndef RAMPAGE_TRANSPORT_H
#define RAMPAGE_TRANSPORT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "metrics/tick.h"

struct transport;
struct transport_handle;

/* A rendered request. Every pointer must stay valid until the result arrives (the VU's buffers). */
struct transport_request {
	const char *method;        /* upper case */
	const char *url;           /* absolute, query included, NUL-terminated */
	const char *const *headers;/* "Name: value" lines */
	int nheaders;              /* <= the handle's max_headers */
	const char *body;          /* NULL: no body */
	size_t body_len;
	int64_t timeout_ns;        /* whole request, redirects included; 0 = none */
	int max_redirects;         /* redirects followed (http and https only); 0: none. Past the
	                              limit the last redirect response is the result (as k6) */
};

/* What happened to one request. Valid only during the done callback. */
struct transport_result {
	enum tick_error error;     /* TICK_ERR_NONE when a complete response arrived */
	int status;                /* HTTP status; 0 when there was no complete response (error set),
	                              even if a status line came before the failure */
	uint64_t bytes_sent;       /* request line, headers and body */
	uint64_t bytes_received;   /* response headers and body (all of it, kept or not) */
	int64_t phase_us[TICK_NPHASE]; /* k6's http_req_blocked ... _receiving */
	int64_t service_us;        /* k6's http_req_duration: sending + waiting + receiving, timed on
	                              our CLOCK_MONOTONIC (never shorter than libcurl's own figure) */
	int64_t done_ns;           /* CLOCK_MONOTONIC when the transfer completed */
	const char *body;          /* the first min(body_bytes, body_cap) bytes */
	size_t body_len;
	uint64_t body_bytes;       /* the whole body's size */
	const char *error_text;    /* error set: libcurl's words for it ("Failed to connect to
	                              127.0.0.1 port 9 after 0 ms: Couldn't connect to server"), or
	                              ours for blocked; NULL when error is not set */
};

/* Called on the worker thread when a request ends (never for a cancelled one). It may send the
   next request on the same handle, or any other. */
typedef void transport_done_fn(void *owner, const struct transport_result *r, void *arg);

/* Epoll data values whose top bit is set belong to the transport (the worker owns the others). */
#define TRANSPORT_EPOLL_TAG (1ULL << 63)

/*
 * Creates the transport of one worker: `nshards` curl multis of up to `per_shard` handles each, all
 * driven through the worker's epoll `epfd`. Response bodies keep at most body_cap bytes per handle;
 * idle connections live at least `maxage_s` seconds. NULL + *cause when curl refuses.
 */
struct transport *transport_new(int epfd, int nshards, int per_shard, size_t body_cap,
    long maxage_s, transport_done_fn *done, void *arg, char **cause);
/*
 * Sets a connect guard for the handles created from now on: libcurl's CURLOPT_OPENSOCKETFUNCTION
 * asks allow(arg, address) before each new connection and a non-zero answer refuses it: the
 * request ends with error TICK_ERR_BLOCKED. The first such request logs one warning naming the
 * origin, unless *logged (shared by every transport of the run, may be NULL) is already set.
 * Owner thread, before transport_handle_new.
 */
void transport_set_guard(struct transport *t, int (*allow)(void *arg, const struct sockaddr *sa),
    void *arg, atomic_int *logged);
/*
 * The failure kind of a transfer that ended with libcurl's CURLcode `code`, having received
 * header_bytes of response headers, blocked if the connect guard refused one of its connections:
 * TICK_ERR_NONE for a complete response (CURLE_OK, or too many redirects: the last redirect is the
 * answer). Pure; any thread.
 */
enum tick_error transport_error_kind(int code, long header_bytes, int blocked);
/* Options for the handles created from now on (the test's k6 options): `insecure` skips the
   certificate and host name checks of https targets (insecureSkipTLSVerify); `no_reuse` closes each
   connection after its request (noConnectionReuse). Owner thread, before transport_handle_new. */
void transport_set_options(struct transport *t, int insecure, int no_reuse);
/* Frees the transport: every handle must have been freed. NULL is a no-op. Owner thread. */
void transport_free(struct transport *t);
/* Creates a handle (one curl easy handle) on shard `shard`, for requests of up to max_headers
   headers, reporting to `owner`. NULL + *cause when curl refuses. Owner thread. */
struct transport_handle *transport_handle_new(struct transport *t, int shard, int max_headers,
    void *owner, char **cause);
/* Frees a handle, cancelling its request if one is in flight. NULL is a no-op. */
void transport_handle_free(struct transport_handle *h);
/* Starts a request; the handle must be idle. The result arrives through the done callback. */
void transport_send(struct transport_handle *h, const struct transport_request *req);
/* Cancels the request in flight, if any (its connection is closed); no callback follows. */
void transport_cancel(struct transport_handle *h);
/* Whether a request is in flight on h. */
int transport_busy(const struct transport_handle *h);
/* Gives h its own cookie jar (CURLOPT_COOKIEFILE ""): cookies the target sets are sent back on h
   only, as a browser would. Once, before h's first request. */
void transport_handle_cookies(struct transport_handle *h);
/* Makes h use the cookie jar of `with` (h == with: gives `with` a jar that others can share, before
   its first request): a VU's batch handles send and keep the same cookies as the VU's own. `with`
   must be freed after every handle that shares its jar. 0, or -1 when curl refuses. Owner thread. */
int transport_handle_share_cookies(struct transport_handle *h, struct transport_handle *with);
/* Empties h's cookie jar (a VU starting a new session). h must be idle. */
void transport_handle_clear_cookies(struct transport_handle *h);
/* The first response header called name (any case) of h's last request: its value (NUL-terminated,
   owned by curl) and length, or NULL. Valid in the done callback, until the next call or request
   on h. Needs libcurl >= 7.84 (curl_easy_header); older ones always say NULL. */
const char *transport_header(struct transport_handle *h, const char *name, size_t *len);
/* The value of the cookie called name that h's last response sets (its last Set-Cookie header of
   that name; quotes around the value kept, as RFC 6265 does), not NUL-terminated: *len bytes, valid
   as transport_header's answer; NULL when it sets none. */
const char *transport_cookie(struct transport_handle *h, const char *name, size_t *len);
/* The last request's final URL, after the redirects it followed (owned by curl; valid as
   transport_header's answer), or NULL. */
const char *transport_effective_url(struct transport_handle *h);
/* The protocol of the last response, in k6's words ("HTTP/1.1", "HTTP/2.0"), or NULL. */
const char *transport_protocol(struct transport_handle *h);

/* Handles an epoll event whose data has TRANSPORT_EPOLL_TAG. Completions are reported from here. */
void transport_event(struct transport *t, uint64_t data, uint32_t events);
/* Earliest instant (CLOCK_MONOTONIC ns) curl wants to be called back; INT64_MAX if never. */
int64_t transport_deadline_ns(const struct transport *t);
/* Runs the curl timers that are due at `now_ns`. Completions are reported from here. */
void transport_run_timers(struct transport *t, int64_t now_ns);
/* Requests in flight. */
int transport_inflight(const struct transport *t);

#endif
