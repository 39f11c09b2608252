/*
 * frontdoor: owns the one listening socket. Accepts, peeks at the request head (recv MSG_PEEK on
 * edge-triggered epoll, bounded in count and time), answers a malformed one with a JSON error itself
 * and hands each good connection to its library: `GET /api/live` to libwebsockets (live.h),
 * everything else to libmicrohttpd (api.h) while it has room (503 when not). Runs its own thread.
 */
#ifndef RAMPAGE_FRONTDOOR_H
#define RAMPAGE_FRONTDOOR_H

#include <stddef.h>

struct api;
struct conf;
struct live;
struct frontdoor;

/*
 * Binds cfg's listen address (an IPv4 or IPv6 literal; port 0 picks a free port) and starts the
 * accept thread. Main thread, after live_start and api_start. NULL and *cause on failure; a bind
 * error names the address and the system's reason ("cannot listen on 127.0.0.1:8089: Address
 * already in use"). An address beyond loopback without API tokens is refused unless
 * security.allow_insecure_bind (security_check_bind). With security.protect_reads, a /api/live
 * handshake without a valid token (security_head_ok) gets 401 here and never reaches lws.
 */
struct frontdoor *frontdoor_start(const struct conf *cfg, struct api *api, struct live *live,
    char **cause);
/* The bound port (useful with port 0). Any thread. */
int frontdoor_port(const struct frontdoor *fd);
/* Stops accepting, closes pending connections, joins the thread, frees. NULL is a no-op. Main. */
void frontdoor_stop(struct frontdoor *fd);

/* ---- Pure functions, exported for tests/unit/test_http.c. */

/* Bytes the front door peeks at most: every request head must fit (431 beyond; lws gets the same). */
#define FRONTDOOR_PEEK_MAX 8192

enum frontdoor_class {
	FRONTDOOR_MORE,     /* undecided: wait for more bytes */
	FRONTDOOR_HTTP,     /* a complete, well-formed request head: hand to MHD */
	FRONTDOOR_LIVE,     /* a complete GET /api/live request head: hand to lws */
	FRONTDOOR_REFUSE,   /* GET /api/live asking for an upgrade other than websocket: 400, close */
	FRONTDOOR_REJECT,   /* not HTTP at all (TLS, binary): close without an answer */
	FRONTDOOR_ERROR,    /* a malformed or oversized request head: the JSON error in the verdict */
};

/* What the front door decided about the bytes a client sent so far. */
struct frontdoor_verdict {
	enum frontdoor_class cls;
	size_t head_len;      /* bytes of the request head up to its empty line; 0 if incomplete */
	unsigned status;      /* FRONTDOOR_ERROR: 400, 405, 413, 414, 431, 501 or 505 */
	const char *code;     /* FRONTDOOR_ERROR: the JSON error code ("bad_request"...); static */
	const char *message;  /* FRONTDOOR_ERROR: what is wrong, naming the header or part; static */
};

/*
 * Classifies the first n bytes a client sent (pure; the caller keeps the bytes). A first byte other
 * than a letter, CR or LF is rejected (TLS, binary). Otherwise the bytes are checked as an HTTP/1.x
 * request head as they arrive, so a malformed one is answered as soon as it shows: the request line
 * (an upper-case method token, one target without controls, HTTP/1.0 or HTTP/1.1: 400, 505 for other
 * versions and PRI * HTTP/2.0), CR only before LF, no more than one empty line before the request
 * line, header lines `name: value` without folding or control bytes, Content-Length digits only
 * (once, or repeated with one value; 413 beyond 18 digits), Transfer-Encoding `chunked` only (501)
 * and never with Content-Length, the request line within the peek buffer (414) and the whole head
 * too (431). A complete, well-formed head whose line starts `GET /api/live` followed by ' ' or '?'
 * is live when every Upgrade header in it says "websocket" (or there is none: lws then answers
 * 426), refused if not; any other complete head is HTTP.
 */
void frontdoor_judge(const char *buf, size_t n, struct frontdoor_verdict *v);
/* frontdoor_judge's class alone. */
enum frontdoor_class frontdoor_classify(const char *buf, size_t n);

#endif
