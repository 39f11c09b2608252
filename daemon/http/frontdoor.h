/*
 * frontdoor: owns the one listening socket. Accepts, peeks at the request line (recv MSG_PEEK on
 * edge-triggered epoll, bounded in count and time) and hands each connection to its library:
 * `GET /api/live` to libwebsockets (live.h), everything else to libmicrohttpd (api.h). Runs its own
 * thread.
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

/* Bytes the front door peeks at most: a /api/live request's headers must fit (lws gets the same). */
#define FRONTDOOR_PEEK_MAX 8192

enum frontdoor_class {
	FRONTDOOR_MORE,     /* undecided: wait for more bytes */
	FRONTDOOR_HTTP,     /* hand to MHD */
	FRONTDOOR_LIVE,     /* a complete GET /api/live request head: hand to lws */
	FRONTDOOR_REFUSE,   /* GET /api/live asking for an upgrade other than websocket: 400, close */
	FRONTDOOR_REJECT,   /* not HTTP (TLS, binary) or a /api/live head too big: close */
};

/*
 * Classifies the first n bytes a client sent. A request whose line starts `GET /api/live` followed
 * by ' ' or '?' is live, once its whole head (up to the empty line) has arrived and every Upgrade
 * header in it says "websocket" (or there is none: lws then answers 426). The first byte that
 * differs from that prefix makes it HTTP. A first byte other than A-Z, CR or LF is rejected.
 */
enum frontdoor_class frontdoor_classify(const char *buf, size_t n);

#endif
