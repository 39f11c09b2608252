/*
 * frontdoor: the daemon's one HTTP port (see frontdoor.h). One thread, one epoll set:
 *
 *   - the listening socket, level-triggered: accept4 in a bounded loop;
 *   - an eventfd that frontdoor_stop writes to;
 *   - every accepted connection whose request head is not complete (nor wrong) yet, registered
 *     EPOLLIN|EPOLLRDHUP|EPOLLET. We only peek (recv MSG_PEEK): the bytes stay in the kernel for the
 *     library that gets the socket, so the fd stays readable and only an edge says "more arrived".
 *
 * Right after accept4 we peek once: most clients' whole request head is already there, and such a
 * connection never touches the pending list. Otherwise it waits until its bytes decide
 * (frontdoor_judge checks the head as it arrives): to MHD via api_add_connection, to lws via
 * live_adopt, a JSON error written here (a malformed head: MHD 0.9.75's own error pages are HTML;
 * 503 when api_add_connection says MHD has no room, which MHD itself must never reach), or closed.
 * So slow and idle clients wait here, never in MHD: in a FIFO list with one shared timeout
 * (server.pending_timeout_ms, for the whole head), so the oldest is the next to expire and the epoll
 * timeout is the head's deadline; the list has a fixed number of slots (min(1024, RLIMIT_NOFILE/4))
 * and a new connection evicts the oldest when it is full. Slow bodies are MHD's (its timeout).
 *
 * When the process runs out of fds (EMFILE), a listening socket that stays readable would spin:
 * a reserve fd on /dev/null is closed to accept and drop one client, then reopened. If even that
 * fails, accepting pauses for a moment.
 */
#include <config.h>

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "security/security.h"
#include "core/xmalloc.h"
#include "http/api.h"
#include "http/frontdoor.h"
#include "http/live.h"

#define PENDING_MAX     1024    /* upper bound of the pending list's slots */
#define PENDING_MIN     16
#define ACCEPT_BATCH    256     /* accepts per wake-up, so pending clients are served too */
#define EVENTS_MAX      256
#define PAUSE_MS        100     /* accepting pauses this long when no fd can be freed to shed */
#define LISTEN_BACKLOG  511

#define CLS_GONE        (-1)    /* beside enum frontdoor_class: the peer closed or failed */
#define CLS_NO_TOKEN    (-2)    /* ... a /api/live head without a valid token (protect_reads) */
#define TAG_LISTEN      UINT64_MAX
#define TAG_WAKE        (UINT64_MAX - 1)

static const char live_prefix[] = "GET /api/live";

/* A connection that has not decided yet (or a free slot: fd -1). */
struct pending {
	struct pending *prev, *next;  /* the FIFO (oldest first), or the free list (next only) */
	int fd;
	uint32_t gen;                 /* bumped at each reuse: events of a previous fd are ignored */
	int64_t deadline_ns;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct frontdoor {
	/* set by frontdoor_start, read-only afterwards */
	struct api *api;
	struct live *live;
	const struct security *sec;
	int lfd, epfd, evfd;
	int port;
	int max_connections;          /* server.max_connections, for messages (api.c counts) */
	int64_t timeout_ns;
	pthread_t thread;

	/* owned by the frontdoor thread */
	int reserve_fd;
	int64_t paused_until_ns;      /* 0, or accepting is paused until then */
	struct pending *slots;
	uint32_t nslots;
	struct pending *free;
	struct pending *head, *tail;
	struct {
		unsigned long long accepted, to_api, to_live, refused, rejected, timed_out, evicted,
		    gone, shed, no_token, bad_head, busy;
	} st;
};

/* ---- classification (pure) */

/* Whether the bytes are a prefix of s (or s itself). */
static int
is_prefix_of(const char *b, size_t n, const char *s, size_t slen)
{
	return memcmp(b, s, n < slen ? n : slen) == 0;
}

/* Check every Upgrade header of a complete head: 0 if none or all say websocket, -1 if not. */
static int
check_upgrade(const char *b, size_t n)
{
	const char *line = memchr(b, '\n', n), *end = b + n;

	while (line != NULL && ++line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((eol ? eol : end) - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (len > 8 && strncasecmp(line, "upgrade:", 8) == 0) {
			const char *v = line + 8, *ve = line + len;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - v != 9 || strncasecmp(v, "websocket", 9) != 0)
				return -1;
		} else if (len == 8 && strncasecmp(line, "upgrade:", 8) == 0) {
			return -1;
		}
		line = eol;
	}
	return 0;
}

/* Set v to an error answer; always returns -1. */
static int
verdict_error(struct frontdoor_verdict *v, unsigned status, const char *message)
{
	v->cls = FRONTDOOR_ERROR;
	v->status = status;
	switch (status) {
	case 405: v->code = "method_not_allowed"; break;
	case 413: v->code = "payload_too_large"; break;
	case 414: v->code = "uri_too_long"; break;
	case 431: v->code = "header_too_large"; break;
	case 501: v->code = "not_implemented"; break;
	case 505: v->code = "http_version_not_supported"; break;
	default: v->code = "bad_request"; break;
	}
	v->message = message;
	return -1;
}

/* A tchar of RFC 9110 (header names, methods). */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Check a request line (without its line end): 0 if well formed, else -1 with v set. A partial
 * line (complete == 0) is checked as far as it goes, so junk is answered before its end arrives.
 */
static int
check_request_line(const char *l, size_t len, int complete, struct frontdoor_verdict *v)
{
	size_t i = 0, t0, t1;

	while (i < len && l[i] != ' ') {
		if (!(l[i] >= 'A' && l[i] <= 'Z'))
			return verdict_error(v, l[i] >= 'a' && l[i] <= 'z' ? 405 : 400, l[i] >= 'a' &&
			    l[i] <= 'z' ? "the method must be upper case (methods are case-sensitive: GET, "
			    "POST, ...)" : "malformed request line: the method must be an upper-case token");
		if (++i > 16)
			return verdict_error(v, 400, "malformed request line: the method is too long");
	}
	if (i == len)
		return complete ? verdict_error(v, 400, "malformed request line: expected METHOD "
		    "TARGET HTTP/1.1") : 0;
	if (i == 0)
		return verdict_error(v, 400, "malformed request line: no method");
	t0 = ++i;
	while (i < len && l[i] != ' ') {
		if ((unsigned char)l[i] < 0x21 || (unsigned char)l[i] == 0x7f)
			return verdict_error(v, 400, "malformed request line: a control byte or white "
			    "space in the target");
		i++;
	}
	t1 = i;
	if (i == len) {
		if (!complete)
			return 0;
		return verdict_error(v, 400, t1 == t0 ? "malformed request line: no target" :
		    "malformed request line: no HTTP version (HTTP/0.9 is not supported)");
	}
	if (t1 == t0)
		return verdict_error(v, 400, "malformed request line: no target");
	i++;
	if (!complete) {
		/* what has come of the version must be a prefix of HTTP/ */
		if (!is_prefix_of(l + i, len - i, "HTTP/", 5))
			return verdict_error(v, 400, "malformed request line: the version must be "
			    "HTTP/1.1 or HTTP/1.0");
		return 0;
	}
	if (len - i == 8 && (memcmp(l + i, "HTTP/1.1", 8) == 0 || memcmp(l + i, "HTTP/1.0", 8) == 0))
		return 0;
	if (len - i == 8 && memcmp(l + i, "HTTP/", 5) == 0 && l[i + 5] >= '0' && l[i + 5] <= '9' &&
	    l[i + 6] == '.' && l[i + 7] >= '0' && l[i + 7] <= '9')
		return verdict_error(v, 505, l[i + 5] == '2' ? "HTTP/2 is not supported here (use "
		    "HTTP/1.1)" : "only HTTP/1.1 and HTTP/1.0 are supported");
	return verdict_error(v, 400, "malformed request line: the version must be HTTP/1.1 or HTTP/1.0");
}

/* Trim spaces and tabs around [*v, *ve). */
static void
trim(const char **v, const char **ve)
{
	while (*v < *ve && (**v == ' ' || **v == '\t'))
		(*v)++;
	while (*ve > *v && ((*ve)[-1] == ' ' || (*ve)[-1] == '\t'))
		(*ve)--;
}

/* The state of the header checks over one head. */
struct head_scan {
	int cl_seen, te_seen;
	unsigned long long cl;
};

/* Check one header line (without its line end): 0 if acceptable, else -1 with v set. */
static int
check_header(const char *l, size_t len, struct head_scan *hs, struct frontdoor_verdict *v)
{
	const char *colon, *val, *ve = l + len;
	size_t nlen;

	if (l[0] == ' ' || l[0] == '\t')
		return verdict_error(v, 400, "obsolete line folding (a header line starting with white "
		    "space) is not accepted");
	colon = memchr(l, ':', len);
	if (colon == NULL)
		return verdict_error(v, 400, "a header line without a colon");
	nlen = (size_t)(colon - l);
	if (nlen == 0)
		return verdict_error(v, 400, "a header line with an empty name");
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return verdict_error(v, 400, "a header name with a character that is not allowed "
			    "(white space before the colon?)");
	for (const char *c = colon + 1; c < ve; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return verdict_error(v, 400, "a control byte in a header value");
	val = colon + 1;
	trim(&val, &ve);
	if (nlen == 14 && strncasecmp(l, "content-length", 14) == 0) {
		unsigned long long n = 0;
		size_t digits = (size_t)(ve - val);
		if (digits == 0)
			return verdict_error(v, 400, "malformed Content-Length: empty");
		for (const char *c = val; c < ve; c++)
			if (*c < '0' || *c > '9')
				return verdict_error(v, 400, "malformed Content-Length: digits only (no "
				    "sign, hex, spaces or lists)");
		if (digits > 18)
			return verdict_error(v, 413, "Content-Length is beyond any body this API takes "
			    "(limits.max_request_body)");
		for (const char *c = val; c < ve; c++)
			n = n * 10 + (unsigned)(*c - '0');
		if (hs->cl_seen && n != hs->cl)
			return verdict_error(v, 400, "two Content-Length headers with different values");
		hs->cl_seen = 1;
		hs->cl = n;
	} else if (nlen == 17 && strncasecmp(l, "transfer-encoding", 17) == 0) {
		if (ve - val != 7 || strncasecmp(val, "chunked", 7) != 0 || hs->te_seen)
			return verdict_error(v, 501, "Transfer-Encoding: only a single chunked is "
			    "supported");
		hs->te_seen = 1;
	}
	if (hs->cl_seen && hs->te_seen)
		return verdict_error(v, 400, "Content-Length and Transfer-Encoding together");
	return 0;
}

/*
 * Check the lines of a head as far as they have arrived: 0 if nothing is wrong so far, else -1 with
 * v set. *head_len is set when the empty line that ends the head is there.
 */
static int
check_head(const char *b, size_t n, size_t *head_len, struct frontdoor_verdict *v)
{
	struct head_scan hs = { 0 };
	size_t pos = 0, blank = 0;
	int line_no = 0;

	*head_len = 0;
	/* one empty line before the request line is tolerated (RFC 9112 2.2); more is junk */
	while (pos < n && (b[pos] == '\r' || b[pos] == '\n')) {
		if (b[pos] == '\r' && pos + 1 < n && b[pos + 1] != '\n')
			return verdict_error(v, 400, "a bare CR: lines must end with CRLF");
		if (b[pos] == '\n' && ++blank > 1)
			return verdict_error(v, 400, "empty lines before the request line");
		pos++;
	}
	while (pos < n) {
		const char *l = b + pos, *lf = memchr(l, '\n', n - pos);
		size_t len = lf != NULL ? (size_t)(lf - l) : n - pos;
		const char *cr = memchr(l, '\r', len);

		if (cr != NULL && (size_t)(cr - l) + 1 < len)   /* a CR not just before the LF (or the end) */
			return verdict_error(v, 400, "a bare CR: lines must end with CRLF");
		if (lf == NULL) {   /* a partial line: check what it can already show */
			if (line_no == 0)
				return check_request_line(l, len, 0, v);
			return 0;
		}
		if (len > 0 && l[len - 1] == '\r')
			len--;
		if (line_no == 0) {
			if (check_request_line(l, len, 1, v) != 0)
				return -1;
		} else if (len == 0) {
			*head_len = (size_t)(lf - b) + 1;
			return 0;
		} else if (check_header(l, len, &hs, v) != 0) {
			return -1;
		}
		line_no++;
		pos = (size_t)(lf - b) + 1;
	}
	return 0;
}

void
frontdoor_judge(const char *b, size_t n, struct frontdoor_verdict *v)
{
	const size_t plen = sizeof live_prefix - 1;
	size_t end;

	memset(v, 0, sizeof *v);
	v->cls = FRONTDOOR_MORE;
	if (n == 0)
		return;
	if (!((b[0] >= 'A' && b[0] <= 'Z') || (b[0] >= 'a' && b[0] <= 'z')) && b[0] != '\r' &&
	    b[0] != '\n') {
		v->cls = FRONTDOOR_REJECT;
		return;
	}
	if (check_head(b, n, &end, v) != 0)
		return;
	if (end == 0) {
		if (n < FRONTDOOR_PEEK_MAX)
			return;
		if (memchr(b, '\n', n) == NULL)
			verdict_error(v, 414, "the request line is longer than the 8192 bytes accepted");
		else
			verdict_error(v, 431, "the request head is longer than the 8192 bytes accepted");
		return;
	}
	v->head_len = end;
	if (n > plen && memcmp(b, live_prefix, plen) == 0 && (b[plen] == ' ' || b[plen] == '?'))
		v->cls = check_upgrade(b, end) == 0 ? FRONTDOOR_LIVE : FRONTDOOR_REFUSE;
	else
		v->cls = FRONTDOOR_HTTP;
}

enum frontdoor_class
frontdoor_classify(const char *b, size_t n)
{
	struct frontdoor_verdict v;

	frontdoor_judge(b, n, &v);
	return v.cls;
}

/* ---- the pending list (frontdoor thread) */

/* The epoll tag of a slot: its generation and index. */
static uint64_t
tag_of(const struct frontdoor *door, const struct pending *p)
{
	return (uint64_t)p->gen << 32 | (uint64_t)(p - door->slots);
}

/* Take a slot off the FIFO and stop watching its fd (the fd stays open). */
static void
unlink_pending(struct frontdoor *door, struct pending *p)
{
	epoll_ctl(door->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		door->head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		door->tail = p->prev;
	p->fd = -1;
	p->prev = NULL;
	p->next = door->free;
	door->free = p;
}

/* Close a pending connection and free its slot. */
static void
drop_pending(struct frontdoor *door, struct pending *p)
{
	int fd = p->fd;

	unlink_pending(door, p);
	close(fd);
}

/* Queue a freshly accepted connection, evicting the oldest if every slot is taken. */
static void
add_pending(struct frontdoor *door, int fd, const struct sockaddr_storage *ss, socklen_t sl)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	struct pending *p;

	if (door->free == NULL) {
		drop_pending(door, door->head);
		door->st.evicted++;
	}
	p = door->free;
	door->free = p->next;
	p->fd = fd;
	p->gen++;
	p->deadline_ns = clock_now_ns() + door->timeout_ns;
	memcpy(&p->addr, ss, sl);
	p->addrlen = sl;
	p->next = NULL;
	p->prev = door->tail;
	if (door->tail != NULL)
		door->tail->next = p;
	else
		door->head = p;
	door->tail = p;
	ev.data.u64 = tag_of(door, p);
	if (epoll_ctl(door->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		drop_pending(door, p);   /* ENOMEM: nothing better to do with it */
}

/*
 * Answer with a JSON error and close. The bytes peeked so far (consume) are read first, so that
 * close sends a FIN rather than a reset that could destroy the answer in the client's buffers.
 * extra is more header lines (each ending CRLF) or "".
 */
static void
answer(int fd, size_t consume, unsigned status, const char *reason, const char *extra,
    const char *code, const char *message)
{
	char body[512], resp[1024], sink[FRONTDOOR_PEEK_MAX];
	int bn = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code,
	    message);
	int n = snprintf(resp, sizeof resp, "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", status,
	    reason, extra, bn, body);

	assert(bn > 0 && (size_t)bn < sizeof body && n > 0 && (size_t)n < sizeof resp);
	if (consume > sizeof sink)
		consume = sizeof sink;
	if (consume > 0)
		(void)!recv(fd, sink, consume, MSG_DONTWAIT);
	(void)!send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* The reason phrase of a status the front door answers. */
static const char *
reason_of(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/*
 * Peek at what a connection sent so far and judge it; CLS_GONE if it closed or failed (or stopped
 * sending before its head was complete), CLS_NO_TOKEN for a /api/live head without a token when
 * reads are protected. *peeked is the number of bytes seen.
 */
static int
peek(const struct frontdoor *door, int fd, uint32_t events, struct frontdoor_verdict *v,
    size_t *peeked)
{
	char buf[FRONTDOOR_PEEK_MAX];
	ssize_t r = recv(fd, buf, sizeof buf, MSG_PEEK);

	*peeked = 0;
	if (r == 0)
		return CLS_GONE;
	if (r < 0) {
		if ((errno == EAGAIN || errno == EINTR) && !(events & (EPOLLERR | EPOLLHUP)))
			return FRONTDOOR_MORE;
		return CLS_GONE;
	}
	*peeked = (size_t)r;
	frontdoor_judge(buf, (size_t)r, v);
	if (v->cls == FRONTDOOR_MORE && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return CLS_GONE;   /* it will never complete */
	if (v->cls == FRONTDOOR_LIVE && security_protect_reads(door->sec) &&
	    !security_head_ok(door->sec, buf, v->head_len))
		return CLS_NO_TOKEN;
	return v->cls;
}

/* Act on a decided connection (not on the pending list): hand it on, answer it, or close it. */
static void
dispatch(struct frontdoor *door, int fd, int cls, const struct frontdoor_verdict *v, size_t peeked,
    struct sockaddr_storage *ss, socklen_t sl)
{
	switch (cls) {
	case CLS_GONE:
		door->st.gone++;
		close(fd);
		return;
	case FRONTDOOR_REJECT:
		door->st.rejected++;
		close(fd);
		return;
	case FRONTDOOR_ERROR:
		door->st.bad_head++;
		answer(fd, peeked, v->status, reason_of(v->status), v->status == 405 ?
		    "Allow: GET, HEAD, POST, PUT, PATCH, DELETE\r\n" : "", v->code, v->message);
		return;
	case FRONTDOOR_REFUSE:
		door->st.refused++;
		answer(fd, v->head_len, 400, "Bad Request", "", "bad_upgrade",
		    "only websocket upgrades are accepted");
		return;
	case CLS_NO_TOKEN:
		door->st.no_token++;
		answer(fd, v->head_len, 401, "Unauthorized", "WWW-Authenticate: Bearer realm=\"rampage\"\r\n",
		    "unauthorized", "/api/live needs an API token: ?token=<token>, Authorization: Bearer "
		    "<token>, or a Sec-WebSocket-Protocol entry bearer.<token> (security.protect_reads)");
		return;
	case FRONTDOOR_LIVE:
		door->st.to_live++;
		live_adopt(door->live, fd);
		return;
	case FRONTDOOR_HTTP:
		if (api_add_connection(door->api, fd, (struct sockaddr *)ss, sl) != 0) {
			if (door->st.busy++ % 1000 == 0)
				log_warn("frontdoor: server.max_connections (%d) HTTP connections are open; "
				    "answering 503 (%llu so far)", door->max_connections,
				    door->st.busy);
			answer(fd, peeked, 503, "Service Unavailable", "Retry-After: 1\r\n", "unavailable",
			    "too many open connections (server.max_connections); retry shortly");
			return;
		}
		door->st.to_api++;
		return;
	}
	assert(!"undecided connection dispatched");
}

/* A pending connection became readable (a new edge): decide if its bytes allow. */
static void
on_readable(struct frontdoor *door, struct pending *p, uint32_t events)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct frontdoor_verdict v;
	size_t peeked;
	int fd = p->fd, cls = peek(door, fd, events, &v, &peeked);

	if (cls == FRONTDOOR_MORE)
		return;   /* the next segment brings a new edge */
	ss = p->addr;
	sl = p->addrlen;
	unlink_pending(door, p);
	dispatch(door, fd, cls, &v, peeked, &ss, sl);
}

/* Close every pending connection whose deadline has passed (the FIFO is in deadline order). */
static void
expire(struct frontdoor *door, int64_t now)
{
	while (door->head != NULL && door->head->deadline_ns <= now) {
		door->st.timed_out++;
		drop_pending(door, door->head);
	}
}

/* ---- accepting (frontdoor thread) */

/* Stop or resume watching the listening socket. */
static void
watch_listen(struct frontdoor *door, int on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.u64 = TAG_LISTEN };

	epoll_ctl(door->epfd, EPOLL_CTL_MOD, door->lfd, &ev);
}

/*
 * Out of fds: use the reserve fd to accept and drop one waiting client. 1 if one was dropped, 0 if
 * none was waiting (accept4 reports EMFILE even with an empty backlog) or accepting had to pause.
 */
static int
shed(struct frontdoor *door)
{
	int fd = -1;

	if (door->reserve_fd >= 0) {
		close(door->reserve_fd);
		fd = accept4(door->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		door->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (door->reserve_fd < 0) {
		door->paused_until_ns = clock_now_ns() + PAUSE_MS * CLOCK_NS_PER_MS;
		watch_listen(door, 0);
	}
	if (fd < 0)
		return 0;
	if (door->st.shed++ % 1000 == 0)
		log_warn("frontdoor: out of file descriptors; dropping new connections (%llu so far)",
		    door->st.shed);
	return 1;
}

/* Accept what the backlog holds, up to a batch. */
static void
accept_some(struct frontdoor *door)
{
	for (int i = 0; i < ACCEPT_BATCH && door->paused_until_ns == 0; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(door->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			struct frontdoor_verdict v;
			size_t peeked;
			int cls = peek(door, fd, 0, &v, &peeked);   /* often the whole head is already here */
			door->st.accepted++;
			if (cls == FRONTDOOR_MORE)
				add_pending(door, fd, &ss, sl);
			else
				dispatch(door, fd, cls, &v, peeked, &ss, sl);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case EPERM:
			continue;
		case EMFILE:
		case ENFILE:
			if (!shed(door))
				return;
			continue;
		default:   /* EAGAIN, or ENOBUFS/ENOMEM: try again on the next wake-up */
			return;
		}
	}
}

/* Milliseconds until the next deadline (pending head or pause), -1 if none. */
static int
next_timeout_ms(const struct frontdoor *door, int64_t now)
{
	int64_t due = INT64_MAX;

	if (door->head != NULL)
		due = door->head->deadline_ns;
	if (door->paused_until_ns != 0 && door->paused_until_ns < due)
		due = door->paused_until_ns;
	if (due == INT64_MAX)
		return -1;
	if (due <= now)
		return 0;
	return (int)((due - now + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS);
}

/* The thread: wait, dispatch events, expire, until the eventfd says stop. */
static void *
run(void *arg)
{
	struct frontdoor *door = arg;
	struct epoll_event evs[EVENTS_MAX];
	int stop = 0;

	while (!stop) {
		int n = epoll_wait(door->epfd, evs, EVENTS_MAX, next_timeout_ms(door, clock_now_ns()));
		if (n < 0) {
			assert(errno == EINTR);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == TAG_WAKE) {
				stop = 1;
			} else if (tag == TAG_LISTEN) {
				accept_some(door);
			} else {
				struct pending *p = &door->slots[(uint32_t)tag];
				if (p->fd >= 0 && p->gen == (uint32_t)(tag >> 32))
					on_readable(door, p, evs[i].events);
			}
		}
		int64_t now = clock_now_ns();
		if (door->paused_until_ns != 0 && door->paused_until_ns <= now) {
			door->paused_until_ns = 0;
			watch_listen(door, 1);
		}
		expire(door, now);
	}
	while (door->head != NULL)
		drop_pending(door, door->head);
	return NULL;
}

/* ---- start and stop (main thread) */

/* Format "host:port" or "[v6]:port" for messages. */
static void
format_addr(char *buf, size_t size, const char *host, int port)
{
	int v6 = strchr(host, ':') != NULL;
	snprintf(buf, size, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* Create, bind and listen; -1 and *cause naming the address on failure. */
static int
open_listener(const char *host, int port, int *bound_port, char **cause)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	char name[128];
	int fd = -1, one = 1;

	memset(&ss, 0, sizeof ss);
	format_addr(name, sizeof name, host, port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof *sin6;
	} else {
		*cause = xasprintf("cannot listen on %s: \"%s\" is not an IPv4 or IPv6 address", name,
		    host);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
		goto fail;
	sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	*bound_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
fail:
	*cause = xasprintf("cannot listen on %s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The pending list's size: min(1024, RLIMIT_NOFILE/4), at least a few. */
static uint32_t
pending_slots(void)
{
	struct rlimit rl;
	rlim_t n = PENDING_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < n)
		n = rl.rlim_cur / 4;
	return n < PENDING_MIN ? PENDING_MIN : (uint32_t)n;
}

struct frontdoor *
frontdoor_start(const struct conf *cfg, struct api *api, struct live *live, char **cause)
{
	struct frontdoor *door = xcalloc(1, sizeof *door);
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	door->api = api;
	door->live = live;
	door->sec = api_security(api);
	door->lfd = door->epfd = door->evfd = door->reserve_fd = -1;
	door->timeout_ns = (int64_t)cfg->pending_timeout_ms * CLOCK_NS_PER_MS;
	door->max_connections = cfg->max_connections;
	door->lfd = open_listener(cfg->listen_host, cfg->listen_port, &door->port, cause);
	if (door->lfd < 0)
		goto fail;
	/* After the bind, so that a bad or foreign address gets the system's reason; nothing is
	   accepted before the policy says yes. */
	switch (security_check_bind(cfg, cause)) {
	case 0:
		break;
	case 1:
		log_warn("listening beyond loopback without API tokens (security.allow_insecure_bind): "
		    "anyone who reaches %s can start load tests", cfg->listen_host);
		break;
	default:
		goto fail;
	}
	door->epfd = epoll_create1(EPOLL_CLOEXEC);
	door->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	door->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (door->epfd < 0 || door->evfd < 0 || door->reserve_fd < 0) {
		*cause = xasprintf("frontdoor: %s", strerror(errno));
		goto fail;
	}
	ev.data.u64 = TAG_LISTEN;
	epoll_ctl(door->epfd, EPOLL_CTL_ADD, door->lfd, &ev);
	ev.data.u64 = TAG_WAKE;
	epoll_ctl(door->epfd, EPOLL_CTL_ADD, door->evfd, &ev);

	door->nslots = pending_slots();
	door->slots = xcalloc(door->nslots, sizeof *door->slots);
	for (uint32_t i = door->nslots; i-- > 0;) {
		door->slots[i].fd = -1;
		door->slots[i].next = door->free;
		door->free = &door->slots[i];
	}
	if ((err = pthread_create(&door->thread, NULL, run, door)) != 0) {
		*cause = xasprintf("frontdoor: cannot start thread: %s", strerror(err));
		goto fail;
	}
	pthread_setname_np(door->thread, "frontdoor");
	log_debug("frontdoor: %u pending slots, pending timeout %d ms", door->nslots,
	    cfg->pending_timeout_ms);
	return door;
fail:
	if (door->lfd >= 0)
		close(door->lfd);
	if (door->epfd >= 0)
		close(door->epfd);
	if (door->evfd >= 0)
		close(door->evfd);
	if (door->reserve_fd >= 0)
		close(door->reserve_fd);
	free(door->slots);
	free(door);
	return NULL;
}

int
frontdoor_port(const struct frontdoor *door)
{
	return door->port;
}

void
frontdoor_stop(struct frontdoor *door)
{
	uint64_t one = 1;

	if (door == NULL)
		return;
	(void)!write(door->evfd, &one, sizeof one);
	pthread_join(door->thread, NULL);
	log_info("frontdoor: accepted %llu: %llu to api, %llu to live; refused %llu, rejected %llu, "
	    "timed out %llu, evicted %llu, gone %llu, shed %llu, live without token %llu, "
	    "bad request head %llu, busy (503) %llu",
	    door->st.accepted, door->st.to_api, door->st.to_live, door->st.refused, door->st.rejected,
	    door->st.timed_out, door->st.evicted, door->st.gone, door->st.shed, door->st.no_token,
	    door->st.bad_head, door->st.busy);
	close(door->lfd);
	close(door->epfd);
	close(door->evfd);
	if (door->reserve_fd >= 0)
		close(door->reserve_fd);
	free(door->slots);
	free(door);
}
