/*
 * fleet_link: see fleet_link.h. A client context of its own per link (lws contexts are not shared
 * between threads), served by the thread that calls fleet_link_run; fleet_link_wake is the one call from
 * elsewhere (lws_cancel_service is lws's one thread-safe call).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/fleet_link.h"

#define RX_CAP (16u * 1024 * 1024) /* a message over this closes the connection (ticks of many
                                      endpoints are big; the agent's own cap is 4 MiB inbound) */
#define RX_KEEP (256u * 1024)     /* a receive buffer larger than this is freed after its message */
#define TIMER_US (100 * LWS_US_PER_MS)

struct out {
	struct out *next;
	size_t len;
	unsigned char buf[];       /* LWS_PRE bytes, then the message */
};

struct conn {
	struct fleet_link *l;
	int index;
	struct lws *wsi;
	bool open, closed_told;
	char *url_copy;            /* lws_parse_uri cuts it up: address and path point into it */
	char *path;
	struct out *head, *tail;
	char *rx;
	size_t rxlen, rxcap;
	int close_code;
	char why[160];
};

struct fleet_link {
	struct lws_context *ctx;
	struct fleet_link_ops ops;
	char **urls;
	int n;
	char *auth;                /* "Bearer <token>" */
	struct conn *c;
	lws_sorted_usec_list_t sul;
	volatile int quit;
};

int64_t
fleet_link_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Tells the owner once that connection c ended. */
static void
told_closed(struct conn *c, const char *why)
{
	struct fleet_link *l = c->l;

	c->wsi = NULL;
	c->open = false;
	if (c->closed_told)
		return;
	c->closed_told = true;
	while (c->head != NULL) {
		struct out *o = c->head;
		c->head = o->next;
		free(o);
	}
	c->tail = NULL;
	if (c->why[0] == '\0')
		snprintf(c->why, sizeof c->why, "%s", why);
	if (!l->quit)              /* after fleet_link_quit (and in fleet_link_free) the owner is not listening */
		l->ops.on_close(l->ops.arg, c->index, c->close_code, c->why);
}

/* A whole message arrived on c. */
static void
got_message(struct conn *c, int64_t t)
{
	struct fleet_link *l = c->l;
	json_error_t je;
	json_t *msg = json_loadb(c->rx, c->rxlen, 0, &je);

	c->rxlen = 0;
	if (c->rxcap > RX_KEEP) {
		/* one big message does not keep its buffer for the rest of the run */
		free(c->rx);
		c->rx = NULL;
		c->rxcap = 0;
	}
	if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "type"))) {
		snprintf(c->why, sizeof c->why, "the agent sent something that is not a protocol message%s%.60s",
		    msg == NULL ? ": " : "", msg == NULL ? je.text : "");
		json_decref(msg);
		fleet_link_close(l, c->index);
		return;
	}
	l->ops.on_message(l->ops.arg, c->index, msg, t);
	json_decref(msg);
}

/* Why lws's certificate check refused the last peer on this thread ("self-signed certificate"), from
   its log line; "" when none since the last connection error. */
static __thread char tls_refusal[64];

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct fleet_link *l = ctx != NULL ? lws_context_user(ctx) : NULL;
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (l != NULL && !l->quit)
			l->ops.on_timer(l->ops.arg);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		if (c == NULL || lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
		    (const unsigned char *)l->auth, (int)strlen(l->auth), p, end) != 0)
			return -1;
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c != NULL) {
			char why[sizeof c->why];
			/* lws's own text for a refused certificate is OpenSSL's bare error code; its log
			   line from the verification (just before, on this thread) says why */
			if (tls_refusal[0] != '\0')
				snprintf(why, sizeof why, "cannot connect: the agent's TLS certificate was "
				    "refused (%s; agents.ca_file)", tls_refusal);
			else
				snprintf(why, sizeof why, "cannot connect: %s",
				    in != NULL && len > 0 ? (const char *)in : "no answer");
			tls_refusal[0] = '\0';
			told_closed(c, why);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (c == NULL || l->quit)
			return -1;
		c->open = true;
		l->ops.on_open(l->ops.arg, c->index);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE: {
		int64_t t = fleet_link_wall_ns();
		if (c == NULL || !c->open)
			return -1;
		if (lws_frame_is_binary(wsi)) {
			snprintf(c->why, sizeof c->why, "the agent sent a binary frame");
			return -1;
		}
		if (len > RX_CAP - c->rxlen) {
			snprintf(c->why, sizeof c->why, "the agent sent a message over %u bytes", RX_CAP);
			return -1;
		}
		if (c->rxlen + len > c->rxcap) {
			c->rxcap = (c->rxlen + len) * 2 > RX_CAP ? RX_CAP : (c->rxlen + len) * 2;
			c->rx = xrealloc(c->rx, c->rxcap);
		}
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0 && !l->quit)
			got_message(c, t);
		return c->wsi == NULL ? -1 : 0;
	}
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		struct out *o;
		int n;
		if (c == NULL || c->wsi == NULL)
			return -1;
		if ((o = c->head) == NULL)
			return 0;
		c->head = o->next;
		if (c->head == NULL)
			c->tail = NULL;
		n = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
		free(o);
		if (n < 0)
			return -1;
		if (c->head != NULL)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (c != NULL && len >= 2) {
			const unsigned char *b = in;
			c->close_code = b[0] << 8 | b[1];
			/* lws 4.1.6's client reports the agent's 1013 (Try Again Later) as 1002; the agent's
			   reason for it begins with "busy" (docs/agent-protocol.md) */
			if (c->close_code == 1002 && len >= 6 && memcmp(b + 2, "busy", 4) == 0)
				c->close_code = 1013;
			snprintf(c->why, sizeof c->why, "closed by the agent (%d %.*s)", c->close_code,
			    (int)(len - 2 > 120 ? 120 : len - 2), (const char *)b + 2);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c != NULL)
			told_closed(c, "the connection closed");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c != NULL && c->wsi == wsi)
			told_closed(c, "the connection closed");
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "rampage-fleet", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* The 100 ms timer. */
static void
timer(lws_sorted_usec_list_t *sul)
{
	struct fleet_link *l = lws_container_of(sul, struct fleet_link, sul);

	if (l->quit)
		return;
	l->ops.on_timer(l->ops.arg);
	if (!l->quit)
		lws_sul_schedule(l->ctx, 0, &l->sul, timer, TIMER_US);
}

static void
note_tls_refusal(const char *line, size_t n)
{
	/* "SSL error: self-signed certificate (preverify_ok=0;err=18;depth=0)" */
	const char *e = strstr(line, "SSL error: ");
	size_t k;

	if (e == NULL || e >= line + n)
		return;
	e += strlen("SSL error: ");
	for (k = 0; e + k < line + n && e[k] != '(' && k + 1 < sizeof tls_refusal; k++)
		;
	while (k > 0 && e[k - 1] == ' ')
		k--;
	snprintf(tls_refusal, sizeof tls_refusal, "%.*s", (int)k, e);
}

void
fleet_link_lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	note_tls_refusal(line, n);
	if (level & LLL_ERR)
		log_warn("libwebsockets: %.*s", (int)n, line);
	else
		log_debug("libwebsockets: %.*s", (int)n, line);
}

struct fleet_link *
fleet_link_new(char **urls, int n, const char *token, const char *ca_file, const struct fleet_link_ops *ops,
    char **cause)
{
	struct lws_context_creation_info info;
	struct fleet_link *l = xcalloc(1, sizeof *l);

	l->ops = *ops;
	l->urls = urls;
	l->n = n;
	l->auth = xasprintf("Bearer %s", token != NULL ? token : "");
	l->c = xcalloc((size_t)(n > 0 ? n : 1), sizeof *l->c);
	for (int i = 0; i < n; i++) {
		l->c[i].l = l;
		l->c[i].index = i;
	}
	/* lws's log level and routing are process-wide: the daemon's live stream (http/live.c) set
	   them, and its lines name no module; not set again here */
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = l;
	info.timeout_secs = 10;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca_file;
	if ((l->ctx = lws_create_context(&info)) == NULL) {
		*cause = xstrdup("libwebsockets cannot start a client context");
		fleet_link_free(l);
		return NULL;
	}
	return l;
}

void
fleet_link_connect(struct fleet_link *l, int i)
{
	tls_refusal[0] = '\0';
	{
		struct conn *c = &l->c[i];
		struct lws_client_connect_info ci;
		const char *prot, *ads, *path;
		int port;

		if (c->wsi != NULL)
			return;
		memset(&ci, 0, sizeof ci);
		free(c->url_copy);
		c->url_copy = xstrdup(l->urls[i]);
		c->closed_told = false;
		c->why[0] = '\0';
		c->close_code = 0;
		if (lws_parse_uri(c->url_copy, &prot, &ads, &port, &path) != 0) {
			told_closed(c, "not a ws:// or wss:// URL");
			return;
		}
		free(c->path);
		c->path = xasprintf("/%s", path);
		ci.context = l->ctx;
		ci.address = ads;
		ci.port = port;
		ci.path = c->path;
		ci.host = ads;
		ci.origin = ads;
		ci.ssl_connection = strcmp(prot, "wss") == 0 ? LCCSCF_USE_SSL : 0;
		ci.local_protocol_name = "rampage-fleet";
		ci.userdata = c;
		ci.pwsi = &c->wsi;
		if (lws_client_connect_via_info(&ci) == NULL && !c->closed_told)
			told_closed(c, "cannot connect");
	}
}

void
fleet_link_connect_all(struct fleet_link *l)
{
	for (int i = 0; i < l->n; i++)
		fleet_link_connect(l, i);
	lws_sul_schedule(l->ctx, 0, &l->sul, timer, TIMER_US);
}

void
fleet_link_run(struct fleet_link *l)
{
	while (!l->quit)
		if (lws_service(l->ctx, 0) < 0)
			break;
}

void
fleet_link_quit(struct fleet_link *l)
{
	l->quit = 1;
	lws_cancel_service(l->ctx);
}

void
fleet_link_wake(struct fleet_link *l)
{
	lws_cancel_service(l->ctx);
}

void
fleet_link_send(struct fleet_link *l, int agent, json_t *msg)
{
	struct conn *c = &l->c[agent];
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t n = text != NULL ? strlen(text) : 0;
	struct out *o;

	json_decref(msg);
	if (text == NULL || !c->open || c->wsi == NULL) {
		free(text);
		return;
	}
	o = xmalloc(sizeof *o + LWS_PRE + n);
	o->next = NULL;
	o->len = n;
	memcpy(o->buf + LWS_PRE, text, n);
	free(text);
	if (c->tail != NULL)
		c->tail->next = o;
	else
		c->head = o;
	c->tail = o;
	lws_callback_on_writable(c->wsi);
}

void
fleet_link_close(struct fleet_link *l, int agent)
{
	struct conn *c = &l->c[agent];

	if (c->wsi != NULL) {
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		return;
	}
	told_closed(c, "closed");
}

bool
fleet_link_open(const struct fleet_link *l, int agent)
{
	return l->c[agent].open;
}

void
fleet_link_free(struct fleet_link *l)
{
	if (l == NULL)
		return;
	l->quit = 1;
	if (l->ctx != NULL) {
		lws_sul_cancel(&l->sul);
		lws_context_destroy(l->ctx);   /* closes every connection; the owner is not told (quit) */
	}
	for (int i = 0; i < l->n; i++) {
		struct conn *c = &l->c[i];
		while (c->head != NULL) {
			struct out *o = c->head;
			c->head = o->next;
			free(o);
		}
		free(c->url_copy);
		free(c->path);
		free(c->rx);
	}
	free(l->c);
	free(l->auth);
	free(l);
}
