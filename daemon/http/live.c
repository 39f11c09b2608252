/*
 * live: see live.h. libwebsockets runs single-threaded: everything below except live_adopt,
 * live_publish, live_clients and the first/last steps of live_start/live_stop runs on the service
 * thread. Other threads put items (an fd to adopt, a message to send) in one mailbox and wake the
 * service with lws_cancel_service; the service drains the whole mailbox in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED (which lws may coalesce and delivers to every protocol: we have
 * exactly one protocol, and draining everything each time makes extra wake-ups harmless).
 *
 * A message is allocated once, with LWS_PRE bytes of headroom for the frame header, and shared by
 * reference among the client queues it is put on (a reference count touched only by the service
 * thread). lws_write copies whatever the socket does not take at once, so a message can be freed
 * as soon as it is written.
 *
 * lws 4.1.6 rules we follow (docs/design.md, research notes): the context has no listen socket and
 * an explicit vhost that adopts the front door's fds, each behind a relay (see "the relay": 4.1.6
 * does not close on unmasked client frames, so we read the frame headers ourselves); LWS_CALLBACK_HTTP_CONFIRM_UPGRADE is never
 * handled (a use-after-free in 4.1.6 depends on it); the path is checked in
 * FILTER_PROTOCOL_CONNECTION instead, and the front door only lets websocket upgrades through.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/xmalloc.h"
#include "engine/fleet_link.h"
#include "http/live.h"
#include "runs/runq.h"
#include "security/security.h"

#define RX_MAX          4096     /* bytes of one client message */
#define STOP_GRACE_MS   1000     /* clients have this long to answer our close frame */
#define CLOSE_TRY_LATER 1013     /* RFC 6455 registry: "Try Again Later" */
#define RELAY_RX        16384    /* bytes the relay reads at once */
#define RELAY_CAP       (256 * 1024)   /* bytes the relay holds for a side that cannot take them */

enum item_kind { ITEM_ADOPT, ITEM_MESSAGE };

/* An entry of the inbox: an fd to adopt, or a message (then shared by the queues it is on). */
struct item {
	struct mailbox_msg link;      /* first: the mailbox's link */
	enum item_kind kind;
	int fd;                       /* ITEM_ADOPT */
	int refs;                     /* ITEM_MESSAGE: client queues holding it (service thread) */
	int everyone;                 /* topic NULL */
	char topic[LIVE_TOPIC_MAX];
	size_t len;
	unsigned char buf[];          /* LWS_PRE bytes for the frame header, then len bytes of JSON */
};

/* Bytes waiting for a socket that could not take them (grows to RELAY_CAP). */
struct relay_buf {
	unsigned char *data;
	size_t len, cap;
};

/* One client connection between its socket and lws (see "the relay"); service thread only. */
struct relay {
	struct live *lv;
	struct lws *outer, *inner;    /* raw: the client's socket; our end of the pair (NULL: closed) */
	int outer_fd, inner_fd;
	struct lws *ws;               /* lws's websocket on the pair (NULL once destroyed) */
	struct client *client;        /* its session, once established */
	struct sockaddr_storage local;   /* the client connection's own address (the Host check) */
	socklen_t local_len;
	struct relay_buf up, down;    /* towards lws; towards the client */
	int violation;                /* an unmasked frame came: nothing more goes up */
	int in_frames;                /* the HTTP head is over */
	size_t line_len;
	unsigned char hdr[14];        /* the frame header being read */
	int hdr_have, hdr_need;
	uint64_t payload_left;
};

/* One websocket client: lws's per-session data (zeroed by lws, freed after LWS_CALLBACK_CLOSED). */
struct client {
	struct client *prev, *next;   /* lv->clients */
	struct lws *wsi;
	struct relay *relay;          /* the relay it is behind (NULL once that is gone) */
	int listed;                   /* on lv->clients (counted against max_clients) */
	int close_code;               /* nonzero: close with it on the next WRITEABLE */
	const char *close_reason;
	struct item *q[LIVE_QUEUE_MAX];
	unsigned qhead, qlen;
	int64_t waiting_since_ns;     /* when the head of the queue started waiting */
	unsigned long long dropped;
	int ntopics;
	char topics[LIVE_TOPICS_MAX][LIVE_TOPIC_MAX];
	size_t rxlen;
	char rx[RX_MAX];
};

struct live {
	/* set by live_start, read-only afterwards */
	struct lws_context *ctx;
	struct lws_vhost *vh;
	const struct security *sec;   /* main's, immutable; NULL: only Origin-less handshakes */
	pthread_t thread;
	int heartbeat_ms, max_clients;
	struct mailbox inbox;

	/* shared */
	atomic_int nclients;
	atomic_int inbox_messages;
	atomic_int stopping;

	/* owned by the service thread */
	struct client *clients;
	int nlisted;
	int nrelays;                  /* relays not yet freed (stopping waits for them to flush) */
	lws_sorted_usec_list_t sul_beat, sul_stop;
	unsigned long long seq;
	int stop_begun, done;
	struct {
		unsigned long long adopted, adopt_failed, refused_full, dropped, stuck;
	} st;
};

/* ---- items */

/* A message item holding a copy of json. */
static struct item *
message_new(const char *topic, const char *json, size_t len)
{
	struct item *it = xmalloc(sizeof *it + LWS_PRE + len);

	memset(it, 0, sizeof *it);
	it->kind = ITEM_MESSAGE;
	it->fd = -1;
	it->everyone = topic == NULL;
	if (topic != NULL) {
		assert(strlen(topic) < sizeof it->topic);
		strcpy(it->topic, topic);
	}
	it->len = len;
	memcpy(it->buf + LWS_PRE, json, len);
	return it;
}

/* Drop a queue's reference; free the message when no queue holds it. */
static void
unref(struct item *it)
{
	assert(it->refs > 0);
	if (--it->refs == 0)
		free(it);
}

/* ---- client queues (service thread) */

/* Close a client at its next writable moment, with a code and reason. */
static void
close_soon(struct client *c, int code, const char *reason)
{
	if (c->close_code == 0) {
		c->close_code = code;
		c->close_reason = reason;
	}
	lws_callback_on_writable(c->wsi);
}

/*
 * Put a message on a client's queue: the oldest message goes if the queue is full, and a client
 * whose queue has not moved for LIVE_STUCK_MS is disconnected instead.
 */
static void
enqueue(struct live *lv, struct client *c, struct item *it, int64_t now)
{
	if (c->close_code != 0)
		return;
	if (c->qlen > 0 && now - c->waiting_since_ns > LIVE_STUCK_MS * CLOCK_NS_PER_MS) {
		lv->st.stuck++;
		log_info("live: disconnecting a client that took nothing for %d s (%llu messages dropped)",
		    LIVE_STUCK_MS / 1000, c->dropped);
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	if (c->qlen == LIVE_QUEUE_MAX) {
		unref(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % LIVE_QUEUE_MAX;
		c->qlen--;
		c->dropped++;
		lv->st.dropped++;
	}
	if (c->qlen == 0)
		c->waiting_since_ns = now;
	c->q[(c->qhead + c->qlen) % LIVE_QUEUE_MAX] = it;
	c->qlen++;
	it->refs++;
	lws_callback_on_writable(c->wsi);
}

/* Queue a message for one client only (hello, replies); frees it if it was not queued. */
static void
send_to(struct live *lv, struct client *c, struct item *it)
{
	enqueue(lv, c, it, clock_now_ns());
	if (it->refs == 0)
		free(it);
}

/* Whether a client subscribed to a topic. */
static int
subscribed(const struct client *c, const char *topic)
{
	for (int i = 0; i < c->ntopics; i++) {
		if (strcmp(c->topics[i], topic) == 0 || strcmp(c->topics[i], "*") == 0)
			return 1;
	}
	return 0;
}

/* Hand a published message to the clients that want it. */
static void
deliver(struct live *lv, struct item *it)
{
	int64_t now = clock_now_ns();

	for (struct client *c = lv->clients, *next; c != NULL; c = next) {
		next = c->next;
		if (it->everyone || subscribed(c, it->topic))
			enqueue(lv, c, it, now);
	}
	if (it->refs == 0)
		free(it);
}

/* ---- timers and the inbox (service thread) */

/* Every heartbeat_ms: a heartbeat to every client. */
static void
beat(lws_sorted_usec_list_t *sul)
{
	struct live *lv = lws_container_of(sul, struct live, sul_beat);
	char json[128];
	int n = snprintf(json, sizeof json, "{\"type\":\"heartbeat\",\"seq\":%llu,\"server_time\":%lld}",
	    ++lv->seq, (long long)clock_wall_ms());

	deliver(lv, message_new(NULL, json, (size_t)n));
	lws_sul_schedule(lv->ctx, 0, &lv->sul_beat, beat, (lws_usec_t)lv->heartbeat_ms * LWS_US_PER_MS);
}

/* The grace period for close frames is over. */
static void
stop_deadline(lws_sorted_usec_list_t *sul)
{
	struct live *lv = lws_container_of(sul, struct live, sul_stop);

	lv->done = 1;
}

/* live_stop was called: ask every client to close with 1001. */
static void
begin_stop(struct live *lv)
{
	lv->stop_begun = 1;
	lws_sul_cancel(&lv->sul_beat);
	for (struct client *c = lv->clients; c != NULL; c = c->next)
		close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "server stopping");
	if (lv->clients == NULL && lv->nrelays == 0)
		lv->done = 1;
	else
		lws_sul_schedule(lv->ctx, 0, &lv->sul_stop, stop_deadline,
		    (lws_usec_t)STOP_GRACE_MS * LWS_US_PER_MS);
}

/* ---- the relay (service thread) */

/*
 * lws 4.1.6 accepts unmasked client frames (RFC 6455 5.1 requires closing the connection; lws
 * enforces it only from 4.3) and tells its callbacks nothing about masking. So lws never gets the
 * client's socket: it gets one end of a socketpair, and the relay copies bytes between the client
 * and the other end, reading the frame headers of what the client sends (the HTTP head first,
 * passed as is). At the first unmasked frame nothing more goes up and the websocket is closed with
 * 1002. Both the client's socket and our end of the pair are lws raw sockets, so the relay runs in
 * the same service loop; a side that cannot take more pauses the other side's reading.
 */

/* Queue or send bytes towards fd; 0, or -1 if the relay must end (cap reached, socket error). */
static int
relay_push(struct lws *to, int fd, struct relay_buf *b, struct lws *from, const unsigned char *p,
    size_t n)
{
	if (b->len == 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	if (n == 0)
		return 0;
	if (n > RELAY_CAP - b->len)
		return -1;
	if (b->len + n > b->cap) {
		b->cap = b->len + n > 2 * b->cap ? b->len + n : 2 * b->cap;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	lws_rx_flow_control(from, 0);
	lws_callback_on_writable(to);
	return 0;
}

/* Send what is queued for fd; 0 when all went (the source may read again), 1 if some is left, -1. */
static int
relay_flush(int fd, struct relay_buf *b)
{
	ssize_t w;

	if (b->len == 0)
		return 0;
	w = send(fd, b->data, b->len, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
	memmove(b->data, b->data + w, b->len - (size_t)w);
	b->len -= (size_t)w;
	return b->len > 0;
}

/*
 * Read the client's bytes: the HTTP head (to its empty line, CRLF or bare LF), then frame headers,
 * skipping payloads. Returns how many of the n bytes may go up to lws: all, or those before the
 * byte that says a frame is unmasked (then r->violation is set).
 */
static size_t
relay_scan(struct relay *r, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (!r->in_frames) {
			unsigned char c = p[i++];
			if (c == '\n') {
				r->in_frames = r->line_len == 0;
				r->line_len = 0;
			} else if (c != '\r') {
				r->line_len++;
			}
			continue;
		}
		if (r->payload_left > 0) {
			size_t k = n - i < r->payload_left ? n - i : (size_t)r->payload_left;
			i += k;
			r->payload_left -= k;
			continue;
		}
		r->hdr[r->hdr_have++] = p[i];
		if (r->hdr_have == 2) {
			unsigned len7 = r->hdr[1] & 0x7f;
			if (!(r->hdr[1] & 0x80)) {
				r->violation = 1;
				return i;
			}
			r->hdr_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
		}
		i++;
		if (r->hdr_have >= 2 && r->hdr_have == r->hdr_need) {
			unsigned len7 = r->hdr[1] & 0x7f;
			uint64_t len = len7;
			if (len7 >= 126) {
				len = 0;
				for (int k = 2; k < r->hdr_need - 4; k++)
					len = len << 8 | r->hdr[k];
			}
			r->payload_left = len;
			r->hdr_have = r->hdr_need = 0;
		}
	}
	return n;
}

/* The websocket on the other end of r breaks the protocol: close it with 1002. */
static void
relay_violation(struct relay *r)
{
	static const char why[] = "unmasked client frame";

	if (r->client != NULL)
		close_soon(r->client, LWS_CLOSE_STATUS_PROTOCOL_ERR, why);
	/* else: established() sees r->violation */
}

/* Kill a raw side at lws's next chance (its RAW_CLOSE follows). */
static void
relay_kill(struct lws *wsi)
{
	if (wsi != NULL)
		lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

/* The relay protocol's callback: the client's socket (outer) and our end of the pair (inner). */
static int
relay_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct relay *r = lws_get_opaque_user_data(wsi);
	int outer;

	(void)user;
	if (r == NULL || (reason != LWS_CALLBACK_RAW_RX && reason != LWS_CALLBACK_RAW_WRITEABLE &&
	    reason != LWS_CALLBACK_RAW_CLOSE))
		return 0;
	outer = wsi == r->outer;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX:
		if (outer) {
			size_t n = r->violation ? 0 : relay_scan(r, in, len);
			if (r->violation && n < len)
				relay_violation(r);
			if (n > 0 && relay_push(r->inner, r->inner_fd, &r->up, wsi, in, n) != 0)
				return -1;
			return 0;
		}
		return relay_push(r->outer, r->outer_fd, &r->down, wsi, in, len) != 0 ? -1 : 0;
	case LWS_CALLBACK_RAW_WRITEABLE: {
		struct relay_buf *b = outer ? &r->down : &r->up;
		struct lws *from = outer ? r->inner : r->outer;
		int rc = relay_flush(outer ? r->outer_fd : r->inner_fd, b);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		if (from != NULL)
			lws_rx_flow_control(from, 1);
		else
			return -1;   /* the other side is gone and all it sent went: done */
		return 0;
	}
	case LWS_CALLBACK_RAW_CLOSE:
		lws_set_opaque_user_data(wsi, NULL);
		if (outer) {
			r->outer = NULL;
			relay_kill(r->inner);   /* lws's websocket then sees the pair close */
		} else {
			r->inner = NULL;
			if (r->outer != NULL && r->down.len == 0)
				relay_kill(r->outer);   /* else the last bytes go first (WRITEABLE) */
		}
		if (r->outer == NULL && r->inner == NULL) {
			struct live *lv = r->lv;
			if (r->client != NULL)
				r->client->relay = NULL;
			if (r->ws != NULL)   /* its handshake may still be read from the pair's buffer */
				lws_set_opaque_user_data(r->ws, NULL);
			free(r->up.data);
			free(r->down.data);
			free(r);
			lv->nrelays--;
			if (lv->stop_begun && lv->clients == NULL && lv->nrelays == 0)
				lv->done = 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Adopt a client's socket behind a relay; lws's websocket gets the other end of a socketpair. */
static void
relay_adopt(struct live *lv, int fd)
{
	struct relay *r = xcalloc(1, sizeof *r);
	int pair[2];
	struct lws *ws;

	r->lv = lv;
	r->local_len = sizeof r->local;
	if (getsockname(fd, (struct sockaddr *)&r->local, &r->local_len) != 0)
		r->local_len = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
		log_warn("live: socketpair: %s", strerror(errno));
		close(fd);
		free(r);
		lv->st.adopt_failed++;
		return;
	}
	r->outer_fd = fd;
	r->inner_fd = pair[1];
	lv->nrelays++;
	ws = lws_adopt_descriptor_vhost(lv->vh, LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP,
	    (lws_sock_file_fd_type){ .sockfd = pair[0] }, "live", NULL);
	if (ws == NULL) {   /* lws closed pair[0] */
		close(pair[1]);
		close(fd);
		free(r);
		lv->nrelays--;
		lv->st.adopt_failed++;
		return;
	}
	lws_set_opaque_user_data(ws, r);
	r->ws = ws;
	r->outer = lws_adopt_descriptor_vhost(lv->vh, LWS_ADOPT_SOCKET,
	    (lws_sock_file_fd_type){ .sockfd = fd }, "relay", NULL);
	if (r->outer != NULL)
		lws_set_opaque_user_data(r->outer, r);
	r->inner = lws_adopt_descriptor_vhost(lv->vh, LWS_ADOPT_SOCKET,
	    (lws_sock_file_fd_type){ .sockfd = pair[1] }, "relay", NULL);
	if (r->inner != NULL)
		lws_set_opaque_user_data(r->inner, r);
	if (r->outer == NULL || r->inner == NULL) {
		lws_set_opaque_user_data(ws, NULL);
		relay_kill(ws);
		relay_kill(r->outer);
		relay_kill(r->inner);
		if (r->outer != NULL)
			lws_set_opaque_user_data(r->outer, NULL);
		if (r->inner != NULL)
			lws_set_opaque_user_data(r->inner, NULL);
		free(r);
		lv->nrelays--;
		lv->st.adopt_failed++;
		return;
	}
	lv->st.adopted++;
}

/* Take everything other threads queued: adopt fds, deliver messages. */
static void
drain_inbox(struct live *lv)
{
	struct mailbox_msg *m = mailbox_take_all(&lv->inbox);

	while (m != NULL) {
		struct item *it = (struct item *)m;
		m = m->next;
		if (it->kind == ITEM_MESSAGE) {
			atomic_fetch_sub(&lv->inbox_messages, 1);
			deliver(lv, it);
			continue;
		}
		if (lv->stop_begun)
			close(it->fd);
		else
			relay_adopt(lv, it->fd);
		free(it);
	}
	if (atomic_load(&lv->stopping) && !lv->stop_begun)
		begin_stop(lv);
}

/* ---- protocol callbacks (service thread) */

/*
 * Answer a handshake (or a plain GET) with an HTTP error and a JSON body, then close: 426 with
 * Upgrade: websocket (no upgrade asked), 426 with Sec-WebSocket-Version: 13 (another version, RFC
 * 6455 4.4), or the same-origin rule's 403/421. Returns -1 (close).
 */
static int
http_refuse(struct lws *wsi, unsigned status, const char *code, const char *message, int version)
{
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
	char *body = json_dumps(j, JSON_COMPACT);
	size_t len = strlen(body);
	unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	unsigned char *out = xmalloc(LWS_PRE + len);

	json_decref(j);
	memcpy(out + LWS_PRE, body, len);
	free(body);
	if (lws_add_http_common_headers(wsi, status, "application/json", len, &p, end) == 0 &&
	    (status != 426 || version ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_UPGRADE, (const unsigned char *)"websocket", 9,
	    &p, end) == 0) &&
	    (!version || lws_add_http_header_by_token(wsi, WSI_TOKEN_VERSION,
	    (const unsigned char *)"13", 2, &p, end) == 0) &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
	    &p, end) == 0 &&
	    lws_finalize_write_http_header(wsi, start, &p, end) == 0)
		lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
	free(out);
	return -1;
}

/* A request header lws parsed (known token, or custom when token < 0): its value, or NULL. */
static const char *
header(struct lws *wsi, int token, const char *custom, char *out, int size)
{
	int n = token >= 0 ? lws_hdr_copy(wsi, out, size, (enum lws_token_indexes)token) :
	    lws_hdr_custom_copy(wsi, out, size, custom, (int)strlen(custom));

	return n >= 0 && (token < 0 || lws_hdr_total_length(wsi, (enum lws_token_indexes)token) > 0) ?
	    out : NULL;
}

/*
 * Whether a websocket handshake may proceed: our path, version 13 (RFC 6455: the only one), and
 * the same-origin rule the API applies (security_request_check): browsers apply no same-origin
 * policy to websockets, so a page may only listen in if it was served by us, through a Host that
 * names us (DNS rebinding). 0, or -1 after answering the refusal (close).
 */
static int
handshake_ok(struct live *lv, struct lws *wsi)
{
	char uri[32], version[8], host[256], origin[256], site[32], *why = NULL;
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	struct security_request rq = { .method = "GET" };
	struct relay *r;
	int status;

	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/api/live") != 0)
		return -1;   /* the front door sends only /api/live here */
	if (header(wsi, WSI_TOKEN_VERSION, NULL, version, sizeof version) == NULL ||
	    strcmp(version, "13") != 0)
		return http_refuse(wsi, 426, "upgrade_required", "Sec-WebSocket-Version: only 13 (RFC "
		    "6455) is spoken here", 1);
	rq.host = header(wsi, WSI_TOKEN_HOST, NULL, host, sizeof host);
	rq.origin = header(wsi, WSI_TOKEN_ORIGIN, NULL, origin, sizeof origin);
	rq.fetch_site = header(wsi, -1, "sec-fetch-site:", site, sizeof site);
	if (lv->sec == NULL)
		return rq.origin == NULL ? 0 : -1;
	r = lws_get_opaque_user_data(wsi);
	if (r != NULL && r->local_len > 0)
		rq.local = (struct sockaddr *)&r->local;
	else if (getsockname(lws_get_socket_fd(wsi), (struct sockaddr *)&local, &len) == 0)
		rq.local = (struct sockaddr *)&local;
	status = security_request_check(lv->sec, &rq, &why);
	if (status != 0) {
		http_refuse(wsi, (unsigned)status, status == 421 ? "misdirected_request" : "forbidden",
		    why, 0);
		free(why);
		return -1;
	}
	return 0;
}

/* A handshake completed: count the client (or refuse it) and say hello. */
static void
established(struct live *lv, struct client *c, struct lws *wsi)
{
	char json[160];
	int n;

	c->wsi = wsi;
	c->relay = lws_get_opaque_user_data(wsi);
	if (c->relay != NULL) {
		c->relay->client = c;
		if (c->relay->violation) {
			close_soon(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "unmasked client frame");
			return;
		}
	}
	if (lv->stop_begun) {
		close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "server stopping");
		return;
	}
	if (lv->nlisted >= lv->max_clients) {
		lv->st.refused_full++;
		close_soon(c, CLOSE_TRY_LATER, "too many clients");
		return;
	}
	c->listed = 1;
	c->next = lv->clients;
	if (lv->clients != NULL)
		lv->clients->prev = c;
	lv->clients = c;
	lv->nlisted++;
	atomic_fetch_add(&lv->nclients, 1);
	n = snprintf(json, sizeof json, "{\"type\":\"hello\",\"version\":\"%s\",\"server_time\":%lld,"
	    "\"heartbeat_ms\":%d}", PACKAGE_VERSION, (long long)clock_wall_ms(), lv->heartbeat_ms);
	send_to(lv, c, message_new(NULL, json, (size_t)n));
}

/* A client left: unlist it and release its queue. */
static void
closed(struct live *lv, struct client *c)
{
	if (c->listed) {
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			lv->clients = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		c->listed = 0;
		lv->nlisted--;
		atomic_fetch_sub(&lv->nclients, 1);
	}
	while (c->qlen > 0) {
		unref(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % LIVE_QUEUE_MAX;
		c->qlen--;
	}
	if (c->relay != NULL) {
		c->relay->client = NULL;
		c->relay = NULL;
	}
	if (lv->stop_begun && lv->clients == NULL && lv->nrelays == 0)
		lv->done = 1;
}

/* Answer a client with an error message. */
static void
reply_error(struct live *lv, struct client *c, const char *message)
{
	json_t *j = json_pack("{s:s, s:s}", "type", "error", "message", message);
	char *text = json_dumps(j, JSON_COMPACT);

	send_to(lv, c, message_new(NULL, text, strlen(text)));
	free(text);
	json_decref(j);
}

/* Apply a subscribe or unsubscribe message; NULL, or why it is refused. */
static const char *
apply_topics(struct client *c, json_t *topics, int add)
{
	size_t i;
	json_t *t;

	if (!json_is_array(topics))
		return "\"topics\" must be an array of strings";
	json_array_foreach(topics, i, t) {
		if (!json_is_string(t) || json_string_length(t) == 0 ||
		    json_string_length(t) >= LIVE_TOPIC_MAX)
			return "each topic must be a string of 1 to 63 bytes";
	}
	json_array_foreach(topics, i, t) {
		const char *name = json_string_value(t);
		int k;
		for (k = 0; k < c->ntopics && strcmp(c->topics[k], name) != 0; k++)
			;
		if (add && k == c->ntopics) {
			if (c->ntopics == LIVE_TOPICS_MAX)
				return "too many subscriptions";
			strcpy(c->topics[c->ntopics++], name);
		} else if (!add && k < c->ntopics) {
			memmove(c->topics[k], c->topics[k + 1], (size_t)(c->ntopics - k - 1) * LIVE_TOPIC_MAX);
			c->ntopics--;
		}
	}
	return NULL;
}

/* A complete message from a client. */
static void
on_message(struct live *lv, struct client *c, const char *text, size_t len)
{
	json_t *msg = json_loadb(text, len, 0, NULL), *list;
	const char *type = json_string_value(json_object_get(msg, "type")), *why;
	char *out;

	if (type == NULL || (strcmp(type, "subscribe") != 0 && strcmp(type, "unsubscribe") != 0)) {
		reply_error(lv, c, "expected {\"type\":\"subscribe\"|\"unsubscribe\",\"topics\":[...]}");
		json_decref(msg);
		return;
	}
	why = apply_topics(c, json_object_get(msg, "topics"), strcmp(type, "subscribe") == 0);
	json_decref(msg);
	if (why != NULL) {
		reply_error(lv, c, why);
		return;
	}
	list = json_array();
	for (int i = 0; i < c->ntopics; i++)
		json_array_append_new(list, json_string(c->topics[i]));
	msg = json_pack("{s:s, s:o}", "type", "subscribed", "topics", list);
	out = json_dumps(msg, JSON_COMPACT);
	send_to(lv, c, message_new(NULL, out, strlen(out)));
	free(out);
	json_decref(msg);
}

/* A piece of a client message. -1 closes the connection. */
static int
receive(struct live *lv, struct client *c, const void *in, size_t len)
{
	static const char too_big[] = "message too large";

	if (lws_frame_is_binary(c->wsi)) {
		close_soon(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "text messages only");
		return 0;
	}
	if (len > sizeof c->rx - c->rxlen) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)too_big,
		    sizeof too_big - 1);
		return -1;
	}
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (lws_is_final_fragment(c->wsi) && lws_remaining_packet_payload(c->wsi) == 0) {
		if (c->close_code == 0)
			on_message(lv, c, c->rx, c->rxlen);
		c->rxlen = 0;
	}
	return 0;
}

/* The socket can take more: send the next message, or the close frame. -1 closes. */
static int
writeable(struct client *c)
{
	struct item *it;
	size_t len;
	int n;

	if (c->close_code != 0) {
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	if (c->qlen == 0)
		return 0;
	it = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % LIVE_QUEUE_MAX;
	c->qlen--;
	len = it->len;
	n = lws_write(c->wsi, it->buf + LWS_PRE, len, LWS_WRITE_TEXT);
	unref(it);
	if (n < (int)len)
		return -1;
	c->waiting_since_ns = clock_now_ns();
	if (c->qlen > 0)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* The one protocol's callback. */
static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct live *lv = ctx != NULL ? lws_context_user(ctx) : NULL;
	struct client *c = user;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (lv != NULL && !lv->done)
			drain_inbox(lv);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return handshake_ok(lv, wsi) == 0 ? 0 : 1;
	case LWS_CALLBACK_ESTABLISHED:
		established(lv, c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return receive(lv, c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(c);
	case LWS_CALLBACK_CLOSED:
		closed(lv, c);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY: {   /* every wsi's, ours or the relay's, comes here */
		struct relay *r = lws_get_opaque_user_data(wsi);
		if (r != NULL && r->ws == wsi)
			r->ws = NULL;
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
	case LWS_CALLBACK_HTTP:
		return http_refuse(wsi, 426, "upgrade_required", "/api/live is a websocket endpoint", 0);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "live", callback, sizeof(struct client), RX_MAX, 0, NULL, 0 },
	{ "relay", relay_callback, 0, RELAY_RX, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Ping a client that has been silent for 30 s; hang up at 40 s. */
static const lws_retry_bo_t idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 40,
};

/* ---- the service thread */

/* The service thread: heartbeats scheduled, then lws_service until the goodbyes are done. */
static void *
service(void *arg)
{
	struct live *lv = arg;

	lws_sul_schedule(lv->ctx, 0, &lv->sul_beat, beat, (lws_usec_t)lv->heartbeat_ms * LWS_US_PER_MS);
	while (!lv->done)
		lws_service(lv->ctx, 0);
	lws_sul_cancel(&lv->sul_beat);
	lws_sul_cancel(&lv->sul_stop);
	return NULL;
}

/* The mailbox's wake hook. */
static void
wake(void *arg)
{
	struct live *lv = arg;

	lws_cancel_service(lv->ctx);
}

/* ---- any thread */

struct live *
live_start(const struct conf *cfg, const struct security *sec, size_t max_head, char **cause)
{
	struct live *lv = xcalloc(1, sizeof *lv);
	struct lws_context_creation_info info;
	int err;

	lws_set_log_level(LLL_ERR | LLL_WARN | (log_level >= LOG_DEBUG ? LLL_NOTICE : 0),
	    fleet_link_lws_log);
	lv->sec = sec;
	lv->heartbeat_ms = cfg->live_heartbeat_ms;
	lv->max_clients = cfg->live_max_clients;
	mailbox_init(&lv->inbox, wake, lv);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = lv;
	info.vhost_name = "live";
	info.timeout_secs = 5;
	info.timeout_secs_ah_idle = (unsigned)cfg->http_timeout_s;
	info.max_http_header_data = (unsigned short)max_head;
	info.retry_and_idle_policy = &idle_policy;
	lv->ctx = lws_create_context(&info);
	if (lv->ctx == NULL) {
		*cause = xstrdup("cannot create the websocket context (libwebsockets)");
		goto fail;
	}
	lv->vh = lws_create_vhost(lv->ctx, &info);
	if (lv->vh == NULL) {
		*cause = xstrdup("cannot create the websocket vhost (libwebsockets)");
		goto fail;
	}
	if ((err = pthread_create(&lv->thread, NULL, service, lv)) != 0) {
		*cause = xasprintf("live: cannot start thread: %s", strerror(err));
		goto fail;
	}
	pthread_setname_np(lv->thread, "live");
	return lv;
fail:
	if (lv->ctx != NULL)
		lws_context_destroy(lv->ctx);
	mailbox_fini(&lv->inbox);
	free(lv);
	return NULL;
}

void
live_adopt(struct live *lv, int fd)
{
	struct item *it = xcalloc(1, sizeof *it);
	struct mailbox_msg *m = &it->link;

	it->kind = ITEM_ADOPT;
	it->fd = fd;
	mailbox_give(&lv->inbox, &m);
}

int
live_publish(struct live *lv, const char *topic, const char *json, size_t len)
{
	struct mailbox_msg *m;

	if (atomic_load(&lv->stopping))
		return -1;
	if (atomic_fetch_add(&lv->inbox_messages, 1) >= LIVE_INBOX_MAX) {
		atomic_fetch_sub(&lv->inbox_messages, 1);
		return -1;
	}
	m = &message_new(topic, json, len)->link;
	mailbox_give(&lv->inbox, &m);
	return 0;
}

int
live_clients(const struct live *lv)
{
	return atomic_load(&((struct live *)lv)->nclients);
}

/* runq_publisher.publish over live_publish. */
static int
runq_publish(void *arg, const char *topic, const char *json, size_t len)
{
	return live_publish(arg, topic, json, len);
}

/* runq_publisher.clients over live_clients. */
static int
runq_clients(void *arg)
{
	return live_clients(arg);
}

void
live_runq_publisher(struct live *lv, struct runq_publisher *pub)
{
	*pub = (struct runq_publisher){ .publish = runq_publish, .clients = runq_clients, .arg = lv };
}

void
live_stop(struct live *lv)
{
	struct mailbox_msg *m;

	if (lv == NULL)
		return;
	atomic_store(&lv->stopping, 1);
	lws_cancel_service(lv->ctx);
	pthread_join(lv->thread, NULL);
	lws_context_destroy(lv->ctx);   /* closes what is left; callbacks now run on this thread */
	m = mailbox_take_all(&lv->inbox);
	while (m != NULL) {
		struct item *it = (struct item *)m;
		m = m->next;
		if (it->kind == ITEM_ADOPT)
			close(it->fd);
		free(it);
	}
	log_info("live: adopted %llu (%llu failed), refused %llu over the limit, dropped %llu messages, "
	    "disconnected %llu stuck clients", lv->st.adopted, lv->st.adopt_failed, lv->st.refused_full,
	    lv->st.dropped, lv->st.stuck);
	mailbox_fini(&lv->inbox);
	free(lv);
}
