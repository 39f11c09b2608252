/*
 * transport: libcurl behind the seam of transport.h. Runs on its worker's thread only.
 *
 * Shape: `nshards` CURLM handles, all registered in the worker's one epoll through their socket
 * callbacks; epoll data = TRANSPORT_EPOLL_TAG | shard << 32 | fd. Sockets are registered lazily: when
 * a transfer ends curl says CURL_POLL_REMOVE, but the keep-alive connection stays open and its next
 * transfer will ask for the same events, so the fd stays in epoll and is only marked idle. An idle fd
 * that fires (the peer closed it) is taken out of epoll; curl finds the dead connection when it next
 * tries to reuse it. Curl closes sockets through close_cb, which forgets the fd before closing it.
 * This saves two epoll_ctl calls per request (measured -16% CPU per request).
 *
 * Curl's timers: curl reports one deadline per multi (timer_cb); the worker asks for the earliest
 * and calls transport_run_timers when it is due. Curl rounds the milliseconds down, so a deadline is
 * rounded up by one millisecond rather than fire early and spin.
 *
 * Per request, libcurl 7.88 costs far more than the rest of the engine (docs/performance.md); what
 * is trimmed here from the outside: the URL goes in parsed (set_url), curl's receive buffer and our
 * body buffer start small and grow to fit (memory per VU), no proxy environment is read.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/transport.h"

struct shard {
	struct transport *t;
	CURLM *multi;
	int index;
	int64_t timer_at;          /* CLOCK_MONOTONIC ns; INT64_MAX: none */
};

/* What the transport knows about one fd of a curl connection. */
struct fdent {
	int32_t shard;
	uint8_t registered;        /* in epoll */
	uint8_t active;            /* a transfer wants it (else: an idle keep-alive connection) */
	uint32_t mask;             /* events registered */
};

struct transport {
	int epfd;
	struct shard *shards;
	int nshards;
	size_t body_cap;
	long maxage_s;
	transport_done_fn *done;
	void *arg;
	struct fdent *fds;         /* indexed by fd; grows when curl opens a higher fd */
	int nfds;
	int inflight;
	int nhandles;
	int (*allow)(void *arg, const struct sockaddr *sa);   /* connect guard, or NULL */
	int insecure;              /* new handles: CURLOPT_SSL_VERIFYPEER/HOST off */
	int no_reuse;              /* new handles: CURLOPT_FORBID_REUSE */
	void *allow_arg;
	atomic_int *blocked_logged;/* shared by the run's workers: a refusal was logged */
};

struct transport_handle {
	struct transport *t;
	struct shard *sh;
	CURL *easy;
	void *owner;
	int busy;
	int blocked;               /* the guard refused the last connection the request tried */
	int64_t sent_ns;           /* when the request was handed to libcurl (CLOCK_MONOTONIC) */
	/* What the easy handle is set to, so that unchanged options are not set again (setting a
	   URL or a custom method copies it inside curl). */
	char *url;
	size_t url_size;
	CURLU *uh;                 /* url parsed (CURLOPT_CURLU), or NULL: curl parses the string */
	enum { KIND_NONE, KIND_GET, KIND_HEAD, KIND_BODY } kind;
	char custom[32];           /* CURLOPT_CUSTOMREQUEST in effect, "" = none */
	int64_t timeout_ns;
	int max_redirects;         /* CURLOPT_MAXREDIRS in effect; 0: FOLLOWLOCATION off */
	long postredir;            /* CURLOPT_POSTREDIR in effect */
	/* Request headers: our own list nodes pointing at the caller's strings (no curl_slist_append). */
	struct curl_slist *nodes;
	int max_nodes;
	/* curl's receive buffer (CURLOPT_BUFFERSIZE): starts at RXBUF_MIN, grows to fit the largest
	   response seen, up to RXBUF_MAX. */
	long rxbuf;
	/* The response body: up to body_cap bytes kept; the buffer grows to the largest body seen. */
	char *body;
	size_t body_len, body_size;
	uint64_t body_bytes;
	char errbuf[CURL_ERROR_SIZE];  /* CURLOPT_ERRORBUFFER: libcurl empties it at each transfer's
	                                  start and writes only when one fails */
	CURLSH *share;             /* its cookie jar, shared with other handles (a VU's batch slots);
	                              NULL: none. Freed with h, after the handles that use it. */
};

static const char expect_none[] = "Expect:";

/*
 * Memory per VU. curl's receive buffer defaults to 16 KiB per easy handle (libcurl < 8.7), which
 * is most of a VU's memory when responses are small: 22.7 KB of RSS per VU at 10,000 VUs against
 * 14.3 KB with these buffers (bench/engine.sh). A buffer smaller than the response costs a recv()
 * per buffer-full (4 KiB buffers cost +20% CPU per 16 KiB response), so each handle starts at curl's
 * minimum and grows to the next power of two that holds the largest response it has seen, up to
 * curl's default; the body buffer likewise starts small.
 */
#define RXBUF_MIN 1024L
#define RXBUF_MAX 16384L
#define BODY_MIN 256

/* Make room for fd in the table. */
static struct fdent *
fd_entry(struct transport *t, curl_socket_t fd)
{
	if (fd >= t->nfds) {
		int n = t->nfds ? t->nfds : 1024;
		while (n <= fd)
			n *= 2;
		t->fds = xreallocarray(t->fds, (size_t)n, sizeof *t->fds);
		memset(t->fds + t->nfds, 0, (size_t)(n - t->nfds) * sizeof *t->fds);
		t->nfds = n;
	}
	return &t->fds[fd];
}

/* Registers fd for `mask` with shard's tag, adding or modifying as the kernel requires. */
static void
epoll_set(struct transport *t, struct fdent *e, curl_socket_t fd, int shard, uint32_t mask)
{
	struct epoll_event ev = { .events = mask };
	int op = e->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	ev.data.u64 = TRANSPORT_EPOLL_TAG | (uint64_t)(uint32_t)shard << 32 | (uint32_t)fd;
	if (epoll_ctl(t->epfd, op, fd, &ev) != 0) {
		/* The fd was closed and reused behind our back, or registered by an older incarnation. */
		op = errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
		if (epoll_ctl(t->epfd, op, fd, &ev) != 0)
			return;        /* curl's own timeout will end the transfer */
	}
	e->registered = 1;
	e->shard = shard;
	e->mask = mask;
}

/* CURLMOPT_SOCKETFUNCTION: curl tells which events a socket needs now. */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct shard *sh = userp;
	struct transport *t = sh->t;
	struct fdent *e = fd_entry(t, fd);
	uint32_t mask;

	if (what == CURL_POLL_REMOVE) {
		e->active = 0;     /* stays in epoll while the connection lives (lazy) */
		return 0;
	}
	mask = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	e->active = 1;
	if (!e->registered || e->mask != mask || e->shard != sh->index)
		epoll_set(t, e, fd, sh->index, mask);
	return 0;
}

/*
 * CURLOPT_OPENSOCKETFUNCTION, set only with a guard: refuse addresses the guard refuses (the
 * request then ends CURLE_COULDNT_CONNECT, which h->blocked turns into TICK_ERR_BLOCKED). The last
 * attempt decides: a redirect refused after a first hop that connected is blocked, while a name whose
 * listed address was tried after an unlisted one, and refused by the target, is a connect error.
 */
static curl_socket_t
open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct transport_handle *h = arg;
	struct transport *t = h->t;

	if (purpose == CURLSOCKTYPE_IPCXN) {
		h->blocked = t->allow(t->allow_arg, &a->addr) != 0;
		if (h->blocked)
			return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

void
transport_set_guard(struct transport *t, int (*allow)(void *arg, const struct sockaddr *sa),
    void *arg, atomic_int *logged)
{
	t->allow = allow;
	t->allow_arg = arg;
	t->blocked_logged = logged;
}

void
transport_set_options(struct transport *t, int insecure, int no_reuse)
{
	t->insecure = insecure;
	t->no_reuse = no_reuse;
}

/* CURLOPT_CLOSESOCKETFUNCTION: forget the fd, then close it (which also removes it from epoll). */
static int
close_cb(void *clientp, curl_socket_t fd)
{
	struct transport *t = clientp;

	if (fd < t->nfds)
		memset(&t->fds[fd], 0, sizeof t->fds[fd]);
	return close(fd);
}

/* CURLMOPT_TIMERFUNCTION: the multi's next deadline. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct shard *sh = userp;

	if (timeout_ms < 0)
		sh->timer_at = INT64_MAX;
	else if (timeout_ms == 0)
		sh->timer_at = clock_now_ns();
	else
		sh->timer_at = clock_now_ns() + (int64_t)(timeout_ms + 1) * CLOCK_NS_PER_MS;
	return 0;
}

/* CURLOPT_WRITEFUNCTION: count every byte, keep the first body_cap. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct transport_handle *h = arg;
	size_t len = size * n;
	size_t cap = h->t->body_cap;

	h->body_bytes += len;
	if (h->body_len < cap) {
		size_t keep = len < cap - h->body_len ? len : cap - h->body_len;
		if (h->body_len + keep > h->body_size) {
			size_t want = h->body_size ? h->body_size : BODY_MIN;
			while (want < h->body_len + keep)
				want *= 2;
			if (want > cap)
				want = cap;
			h->body = xrealloc(h->body, want);
			h->body_size = want;
		}
		memcpy(h->body + h->body_len, p, keep);
		h->body_len += keep;
	}
	return len;
}

/*
 * libcurl's limits on response headers (lib/http.c, MAX_HTTP_RESP_HEADER_SIZE): 300 KiB in all.
 * libcurl 7.88 reports the whole-head limit as CURLE_RECV_ERROR ("Too large response headers") and
 * one header line over 100 KiB as CURLE_OUT_OF_MEMORY; 8.6 and later say CURLE_TOO_LARGE.
 */
#define RESP_HEADERS_MAX (300 * 1024)

enum tick_error
transport_error_kind(int code, long header_bytes, int blocked)
{
	CURLcode rc = (CURLcode)code;

	if (blocked && rc != CURLE_OK)
		return TICK_ERR_BLOCKED;
	switch (rc) {
	case CURLE_OK:
	case CURLE_TOO_MANY_REDIRECTS:  /* the last redirect response is the answer, as in k6 */
		return TICK_ERR_NONE;
	case CURLE_COULDNT_CONNECT:
		return TICK_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return TICK_ERR_TIMEOUT;
	case CURLE_OUT_OF_MEMORY:       /* 7.88: one header line over 100 KiB */
	case CURLE_FILESIZE_EXCEEDED:
#if LIBCURL_VERSION_NUM >= 0x080600
	case CURLE_TOO_LARGE:
#endif
		return TICK_ERR_TOO_LARGE;
	case CURLE_RECV_ERROR:
		if (header_bytes > RESP_HEADERS_MAX)
			return TICK_ERR_TOO_LARGE;
		return TICK_ERR_RESET;
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return TICK_ERR_RESET;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return TICK_ERR_DNS;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		return TICK_ERR_TLS;
	default:
		return TICK_ERR_OTHER;
	}
}

/* Reads one cumulative time in µs; 0 (not reached) becomes `floor`, and times never go back. */
static int64_t
time_at(CURL *e, CURLINFO what, int64_t floor)
{
	curl_off_t v = 0;
	curl_easy_getinfo(e, what, &v);
	return (int64_t)v > floor ? (int64_t)v : floor;
}

/* Only for a failed request: r->error_text, from libcurl's error buffer (its generic words for the
   code when the buffer is empty), or ours for the connect guard. Out of line: only failures pay. */
static void __attribute__((noinline))
error_text(struct transport_handle *h, CURLcode rc, struct transport_result *r)
{
	if (r->error == TICK_ERR_BLOCKED) {
		char *url = NULL;
		int n;
		curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &url);
		if (url == NULL)
			url = "?";
		n = (int)strcspn(url, "/?#");          /* "http:" */
		if (strncmp(url + n, "//", 2) == 0)
			n += 2 + (int)strcspn(url + n + 2, "/?#");
		snprintf(h->errbuf, sizeof h->errbuf, "connection to %.*s refused: its address is not "
		    "in security.allow_targets", n, url);
	} else if (h->errbuf[0] == '\0') {
		snprintf(h->errbuf, sizeof h->errbuf, "%s", curl_easy_strerror(rc));
	}
	r->error_text = h->errbuf;
}

/*
 * Fills r from a transfer that finished at done_ns, as k6 splits the phases. The request's duration
 * (k6's http_req_duration = sending + waiting + receiving) is timed on our own CLOCK_MONOTONIC, from
 * handing the request to libcurl to its completion, minus the connection set-up libcurl timed
 * (name lookup, connect, TLS: stamped before anything is sent). Differences of libcurl's own stamps
 * were seen to come out up to 2.3 ms *below* a delay the server really applied, on a loaded machine
 * (PRETRANSFER stamped after the request had left); ours can only err on the long side, by the
 * worker's own scheduling delay, which the generator-health verdict reports. The slack goes to
 * waiting (TTFB), so the three phases still add up to the duration.
 */
static void
fill_result(struct transport_handle *h, CURLcode rc, int64_t done_ns, struct transport_result *r)
{
	CURL *e = h->easy;
	long status = 0, header_size = 0, request_size = 0;

	memset(r, 0, sizeof *r);
	r->done_ns = done_ns;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &header_size);
	curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &request_size);
	r->error = rc == CURLE_OK ? TICK_ERR_NONE : transport_error_kind(rc, header_size, h->blocked);
	/* No complete response, no status: a body cut after "200 OK" is a reset, not a 200. */
	r->status = r->error == TICK_ERR_NONE ? (int)status : 0;
	r->bytes_sent = (uint64_t)request_size;
	r->bytes_received = (uint64_t)header_size + h->body_bytes;

	int64_t lookup = time_at(e, CURLINFO_NAMELOOKUP_TIME_T, 0);
	int64_t connect = time_at(e, CURLINFO_CONNECT_TIME_T, lookup);
	int64_t tls = time_at(e, CURLINFO_APPCONNECT_TIME_T, connect);
	int64_t pre = time_at(e, CURLINFO_PRETRANSFER_TIME_T, tls);
#ifdef HAVE_CURLINFO_POSTTRANSFER_TIME_T   /* configure: an enum constant, #ifdef cannot see it */
	int64_t sent = time_at(e, CURLINFO_POSTTRANSFER_TIME_T, pre);
#else
	int64_t sent = pre;        /* libcurl < 8.10 cannot tell: http_req_sending is left out of every
	                              output (metric_measured) and the write counts as waiting */
#endif
	int64_t first = time_at(e, CURLINFO_STARTTRANSFER_TIME_T, sent);
	int64_t total = time_at(e, CURLINFO_TOTAL_TIME_T, first);
	if (status == 0)
		first = total;     /* no response: all of it was waiting */

	r->phase_us[TICK_PHASE_BLOCKED] = lookup;
	r->phase_us[TICK_PHASE_CONNECTING] = connect - lookup;
	r->phase_us[TICK_PHASE_TLS] = tls - connect;
	int64_t own_us = (done_ns - h->sent_ns) / CLOCK_NS_PER_US - tls;
	int64_t service = own_us > total - pre ? own_us : total - pre;
	int64_t waiting = service - (sent - pre) - (total - first);

	r->phase_us[TICK_PHASE_SENDING] = sent - pre;
	r->phase_us[TICK_PHASE_WAITING] = waiting > 0 ? waiting : 0;
	r->phase_us[TICK_PHASE_RECEIVING] = total - first;
	r->service_us = service;
	r->body = h->body;
	r->body_len = h->body_len;
	r->body_bytes = h->body_bytes;
	if (r->error != TICK_ERR_NONE)
		error_text(h, rc, r);
}

/* Gives h a receive buffer that holds `bytes` in one read next time (h is idle: curl reallocates
   the buffer now). */
static void
grow_rxbuf(struct transport_handle *h, uint64_t bytes)
{
	long n = h->rxbuf;

	if (bytes <= (uint64_t)n || n >= RXBUF_MAX)
		return;
	while ((uint64_t)n < bytes && n < RXBUF_MAX)
		n *= 2;
	h->rxbuf = n;
	curl_easy_setopt(h->easy, CURLOPT_BUFFERSIZE, n);
}

/*
 * Logs the first request of the run that the connect guard refused, naming the origin it was going
 * to (a redirect's target, typically): once per run, whatever the number of requests and workers,
 * since the counts per second already say how many.
 */
static void
log_blocked(struct transport *t, CURL *easy)
{
	char *url = NULL;
	int n;

	if (t->blocked_logged == NULL || atomic_exchange(t->blocked_logged, 1) != 0)
		return;
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	if (url == NULL)
		url = "?";
	n = (int)strcspn(url, "/?#");          /* "http:" */
	if (strncmp(url + n, "//", 2) == 0)
		n += 2 + (int)strcspn(url + n + 2, "/?#");
	log_warn("engine: a connection to %.*s was refused: its address is not in "
	    "security.allow_targets; such requests count as failure kind \"blocked\" (logged once "
	    "per run)", n, url);
}

/* Reports every finished transfer of a shard. */
static void
drain(struct shard *sh)
{
	struct transport *t = sh->t;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(sh->multi, &left)) != NULL) {
		struct transport_handle *h = NULL;
		struct transport_result r;
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&h);
		assert(h != NULL && h->easy == easy && h->busy);
		fill_result(h, rc, clock_now_ns(), &r);
		if (r.error == TICK_ERR_BLOCKED)
			log_blocked(t, easy);
		curl_multi_remove_handle(sh->multi, easy);
		grow_rxbuf(h, r.bytes_received);
		h->busy = 0;
		t->inflight--;
		t->done(h->owner, &r, t->arg);
	}
}

struct transport *
transport_new(int epfd, int nshards, int per_shard, size_t body_cap, long maxage_s,
    transport_done_fn *done, void *arg, char **cause)
{
	struct transport *t = xcalloc(1, sizeof *t);

	assert(nshards >= 1 && per_shard >= 1 && done != NULL);
	t->epfd = epfd;
	t->body_cap = body_cap;
	t->maxage_s = maxage_s;
	t->done = done;
	t->arg = arg;
	t->shards = xcalloc((size_t)nshards, sizeof *t->shards);
	for (int i = 0; i < nshards; i++) {
		struct shard *sh = &t->shards[i];
		sh->t = t;
		sh->index = i;
		sh->timer_at = INT64_MAX;
		sh->multi = curl_multi_init();
		if (sh->multi == NULL) {
			*cause = xstrdup("curl_multi_init failed");
			transport_free(t);
			return NULL;
		}
		t->nshards = i + 1;
		curl_multi_setopt(sh->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
		curl_multi_setopt(sh->multi, CURLMOPT_SOCKETDATA, sh);
		curl_multi_setopt(sh->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
		curl_multi_setopt(sh->multi, CURLMOPT_TIMERDATA, sh);
		/* The default cache size evicts live keep-alive connections; room for every VU twice
		   (a VU's closing connection and its new one). */
		curl_multi_setopt(sh->multi, CURLMOPT_MAXCONNECTS, (long)per_shard * 2);
	}
	return t;
}

void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	assert(t->nhandles == 0);
	for (int i = 0; i < t->nshards; i++)
		curl_multi_cleanup(t->shards[i].multi);   /* closes cached connections via close_cb */
	free(t->shards);
	free(t->fds);
	free(t);
}

struct transport_handle *
transport_handle_new(struct transport *t, int shard, int max_headers, void *owner, char **cause)
{
	struct transport_handle *h;
	CURL *e;

	assert(shard >= 0 && shard < t->nshards && max_headers >= 0);
	e = curl_easy_init();
	if (e == NULL) {
		*cause = xstrdup("curl_easy_init failed");
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	h->t = t;
	h->sh = &t->shards[shard];
	h->easy = e;
	h->owner = owner;
	h->max_nodes = max_headers + 1;    /* + "Expect:" */
	h->nodes = xcalloc((size_t)h->max_nodes, sizeof *h->nodes);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	if (t->allow != NULL) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
	}
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, t);
	curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, t->maxage_s);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "rampage/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_PROXY, "");   /* never an *_proxy from the environment */
	curl_easy_setopt(e, CURLOPT_NOPROXY, "");  /* nor no_proxy: curl reads it on every request */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (t->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->no_reuse)
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	/* When a request follows redirects: only to http and https (curl 7.88 would also follow ftp);
	   nor any other scheme first (a url rendered from a variable is checked, this is the backstop). */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	h->rxbuf = RXBUF_MIN;
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, h->rxbuf);
	t->nhandles++;
	return h;
}

void
transport_handle_free(struct transport_handle *h)
{
	if (h == NULL)
		return;
	transport_cancel(h);
	curl_easy_cleanup(h->easy);
	if (h->share != NULL)
		curl_share_cleanup(h->share);   /* the handles sharing it were freed before */
	curl_url_cleanup(h->uh);
	h->t->nhandles--;
	free(h->nodes);
	free(h->url);
	free(h->body);
	free(h);
}

/*
 * Points h at h->url. Given a string, curl parses it and assembles it back into a string on every
 * transfer; given a parsed URL (CURLOPT_CURLU) it only copies it: 16% fewer instructions per
 * request in libcurl 7.88 (callgrind, 10 VUs, a 3-byte response). The string is set too, so that
 * curl's own idea of the URL stays right (effective URL, messages). A fresh CURLU each time: setting
 * a URL on a used one would resolve a relative URL against the old. A URL that our parse refuses
 * goes to curl as a string alone, so the transfer fails exactly as it did before.
 */
static void
set_url(struct transport_handle *h)
{
	curl_url_cleanup(h->uh);
	h->uh = curl_url();
	if (h->uh != NULL && curl_url_set(h->uh, CURLUPART_URL, h->url,
	    CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(h->uh);
		h->uh = NULL;
	}
	curl_easy_setopt(h->easy, CURLOPT_CURLU, h->uh);
	curl_easy_setopt(h->easy, CURLOPT_URL, h->url);
}

/* Sets the custom method (curl copies it: only when it changes). NULL = none. */
static void
set_custom(struct transport_handle *h, const char *method)
{
	if (method == NULL) {
		if (h->custom[0] != '\0') {
			curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, (char *)NULL);
			h->custom[0] = '\0';
		}
		return;
	}
	if (strcmp(h->custom, method) != 0) {
		curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, method);
		snprintf(h->custom, sizeof h->custom, "%s", method);
	}
}

void
transport_send(struct transport_handle *h, const struct transport_request *req)
{
	CURL *e = h->easy;
	struct curl_slist *list = NULL, **tail = &list;
	int body = req->body != NULL;

	assert(!h->busy);
	assert(req->nheaders + 1 <= h->max_nodes);

	if (h->url == NULL || strcmp(h->url, req->url) != 0) {
		size_t n = strlen(req->url) + 1;
		if (n > h->url_size) {
			h->url = xrealloc(h->url, n);
			h->url_size = n;
		}
		memcpy(h->url, req->url, n);
		set_url(h);
	}

	if (strcmp(req->method, "HEAD") == 0) {
		if (h->kind != KIND_HEAD)
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		set_custom(h, NULL);
		h->kind = KIND_HEAD;
	} else if (body) {
		if (h->kind == KIND_HEAD)
			curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		int custom = strcmp(req->method, "POST") != 0;
		set_custom(h, custom ? req->method : NULL);
		/* On a 301/302/303 libcurl turns a POST into a GET without its body (as browsers do), but
		   it keeps a custom method, and would send that PUT or PATCH on without its body: keep
		   the body with it. */
		long postredir = custom ? CURL_REDIR_POST_ALL : 0;
		if (postredir != h->postredir) {
			curl_easy_setopt(e, CURLOPT_POSTREDIR, postredir);
			h->postredir = postredir;
		}
		h->kind = KIND_BODY;
	} else {
		if (h->kind != KIND_GET)
			curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);  /* also clears NOBODY and POST */
		set_custom(h, strcmp(req->method, "GET") == 0 ? NULL : req->method);
		h->kind = KIND_GET;
	}

	for (int i = 0; i < req->nheaders; i++) {
		h->nodes[i].data = (char *)req->headers[i];
		*tail = &h->nodes[i];
		tail = &h->nodes[i].next;
	}
	if (body) {
		h->nodes[req->nheaders].data = (char *)expect_none;
		*tail = &h->nodes[req->nheaders];
		tail = &h->nodes[req->nheaders].next;
	}
	*tail = NULL;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);

	if (req->max_redirects != h->max_redirects) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, req->max_redirects > 0 ? 1L : 0L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)req->max_redirects);
		h->max_redirects = req->max_redirects;
	}
	if (req->timeout_ns != h->timeout_ns) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
		    (long)((req->timeout_ns + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS));
		h->timeout_ns = req->timeout_ns;
	}

	h->body_len = 0;
	h->body_bytes = 0;
	h->blocked = 0;
	h->busy = 1;
	h->t->inflight++;
	h->sent_ns = clock_now_ns();
	curl_multi_add_handle(h->sh->multi, e);
}

void
transport_cancel(struct transport_handle *h)
{
	if (!h->busy)
		return;
	curl_multi_remove_handle(h->sh->multi, h->easy);
	h->busy = 0;
	h->t->inflight--;
}

int
transport_busy(const struct transport_handle *h)
{
	return h->busy;
}

void
transport_event(struct transport *t, uint64_t data, uint32_t events)
{
	curl_socket_t fd = (curl_socket_t)(uint32_t)data;
	int shard = (int)((data & ~TRANSPORT_EPOLL_TAG) >> 32);
	struct fdent *e;
	int flags = 0, running;

	assert(data & TRANSPORT_EPOLL_TAG);
	assert(shard >= 0 && shard < t->nshards);
	e = fd_entry(t, fd);
	if (!e->active) {
		/* An idle keep-alive connection woke up: the peer closed it (or sent junk). Stop
		   watching it; curl's reuse check will find it dead and close it. */
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, fd, NULL);
		e->registered = 0;
		e->mask = 0;
		return;
	}
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(t->shards[shard].multi, fd, flags, &running);
	drain(&t->shards[shard]);
}

int64_t
transport_deadline_ns(const struct transport *t)
{
	int64_t at = INT64_MAX;

	for (int i = 0; i < t->nshards; i++)
		if (t->shards[i].timer_at < at)
			at = t->shards[i].timer_at;
	return at;
}

void
transport_run_timers(struct transport *t, int64_t now_ns)
{
	for (int i = 0; i < t->nshards; i++) {
		struct shard *sh = &t->shards[i];
		int running;

		if (sh->timer_at > now_ns)
			continue;
		sh->timer_at = INT64_MAX;
		curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		if (sh->timer_at == INT64_MAX) {
			/* curl skips the callback when its next deadline did not change. */
			long ms = -1;
			curl_multi_timeout(sh->multi, &ms);
			if (ms >= 0)
				timer_cb(sh->multi, ms, sh);
		}
		drain(sh);
	}
}

int
transport_inflight(const struct transport *t)
{
	return t->inflight;
}

void
transport_handle_cookies(struct transport_handle *h)
{
	curl_easy_setopt(h->easy, CURLOPT_COOKIEFILE, "");
}

int
transport_handle_share_cookies(struct transport_handle *h, struct transport_handle *with)
{
	if (with->share == NULL) {
		if ((with->share = curl_share_init()) == NULL ||
		    curl_share_setopt(with->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK ||
		    curl_easy_setopt(with->easy, CURLOPT_SHARE, with->share) != CURLE_OK) {
			curl_share_cleanup(with->share);
			with->share = NULL;
			return -1;
		}
		curl_easy_setopt(with->easy, CURLOPT_COOKIEFILE, "");
	}
	if (h != with) {
		if (curl_easy_setopt(h->easy, CURLOPT_SHARE, with->share) != CURLE_OK)
			return -1;
		curl_easy_setopt(h->easy, CURLOPT_COOKIEFILE, "");
	}
	return 0;
}

void
transport_handle_clear_cookies(struct transport_handle *h)
{
	assert(!h->busy);
	curl_easy_setopt(h->easy, CURLOPT_COOKIELIST, "ALL");
}

const char *
transport_cookie(struct transport_handle *h, const char *name, size_t *len)
{
#if LIBCURL_VERSION_NUM >= 0x075400
	struct curl_header *hdr;
	const char *found = NULL;
	size_t nlen = strlen(name), amount = 1;

	for (size_t i = 0; i < amount; i++) {
		const char *v;
		if (curl_easy_header(h->easy, "Set-Cookie", i, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
			break;
		amount = hdr->amount;
		for (v = hdr->value; *v == ' ' || *v == '\t'; v++)
			;
		if (strncmp(v, name, nlen) != 0)
			continue;
		for (v += nlen; *v == ' ' || *v == '\t'; v++)
			;
		if (*v != '=')
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		found = v;
		*len = strcspn(v, ";");
		while (*len > 0 && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
			(*len)--;
	}
	return found;
#else
	(void)h;
	(void)name;
	(void)len;
	return NULL;
#endif
}

const char *
transport_effective_url(struct transport_handle *h)
{
	char *url = NULL;

	curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &url);
	return url;
}

const char *
transport_protocol(struct transport_handle *h)
{
	long v = 0;

	curl_easy_getinfo(h->easy, CURLINFO_HTTP_VERSION, &v);
	switch (v) {
	case CURL_HTTP_VERSION_1_0: return "HTTP/1.0";
	case CURL_HTTP_VERSION_1_1: return "HTTP/1.1";
	case CURL_HTTP_VERSION_2_0: return "HTTP/2.0";
#ifdef CURL_HTTP_VERSION_3
	case CURL_HTTP_VERSION_3: return "HTTP/3.0";
#endif
	default: return NULL;
	}
}

const char *
transport_header(struct transport_handle *h, const char *name, size_t *len)
{
#if LIBCURL_VERSION_NUM >= 0x075400
	struct curl_header *hdr;

	if (curl_easy_header(h->easy, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
		return NULL;
	*len = strlen(hdr->value);
	return hdr->value;
#else
	(void)h;
	(void)name;
	(void)len;
	return NULL;
#endif
}
