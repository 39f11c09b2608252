/*
 * frontdoor: the daemon's one HTTP port (see frontdoor.h). One thread, one epoll set:
 *
 *   - the listening socket, level-triggered: accept4 in a bounded loop;
 *   - an eventfd that frontdoor_stop writes to;
 *   - every accepted connection that has not yet shown enough of its request line, registered
 *     EPOLLIN|EPOLLRDHUP|EPOLLET. We only peek (recv MSG_PEEK): the bytes stay in the kernel for the
 *     library that gets the socket, so the fd stays readable and only an edge says "more arrived".
 *
 * Right after accept4 we peek once: most clients' request line is already there, and such a
 * connection never touches the pending list. Otherwise it leaves as soon as its first bytes decide
 * (frontdoor_classify): to MHD via api_add_connection, to lws via live_adopt, or closed. Slow HTTP
 * clients are therefore MHD's problem (its connection timeout), and only idle clients or clients
 * inside the /api/live prefix and head wait here. Those wait in a FIFO list with one shared timeout, so the oldest is the next to expire
 * and the epoll timeout is the head's deadline; the list has a fixed number of slots
 * (min(1024, RLIMIT_NOFILE/4)) and a new connection evicts the oldest when it is full.
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
		    gone, shed, no_token;
	} st;
};

/* ---- classification (pure) */

/* Whether the bytes are a prefix of s (or s itself). */
static int
is_prefix_of(const char *b, size_t n, const char *s, size_t slen)
{
	return memcmp(b, s, n < slen ? n : slen) == 0;
}

/* Find the end of a request head: the index just past the empty line, or 0 if not there yet. */
static size_t
head_end(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < n && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
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
		if (line[0] == ' ' || line[0] == '\t')
			return -1;    /* obsolete line folding could hide a value from us */
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

enum frontdoor_class
frontdoor_classify(const char *b, size_t n)
{
	const size_t plen = sizeof live_prefix - 1;
	size_t end;

	if (n == 0)
		return FRONTDOOR_MORE;
	if (!(b[0] >= 'A' && b[0] <= 'Z') && b[0] != '\r' && b[0] != '\n')
		return FRONTDOOR_REJECT;
	if (!is_prefix_of(b, n, live_prefix, plen))
		return FRONTDOOR_HTTP;
	if (n <= plen)
		return FRONTDOOR_MORE;
	if (b[plen] != ' ' && b[plen] != '?')
		return FRONTDOOR_HTTP;
	end = head_end(b, n);
	if (end == 0)
		return n >= FRONTDOOR_PEEK_MAX ? FRONTDOOR_REJECT : FRONTDOOR_MORE;
	return check_upgrade(b, end) == 0 ? FRONTDOOR_LIVE : FRONTDOOR_REFUSE;
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

/* Answer a refused upgrade with 400 and close; the head is consumed first so close sends no RST. */
static void
refuse(int fd, size_t head_len)
{
	static const char body[] =
	    "{\"error\":{\"code\":\"bad_upgrade\",\"message\":\"only websocket upgrades are accepted\"}}";
	char resp[256], sink[FRONTDOOR_PEEK_MAX];
	int n = snprintf(resp, sizeof resp, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof body - 1, body);

	if (recv(fd, sink, head_len, 0) > 0 && n > 0)
		(void)!send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/*
 * Answer a websocket handshake that lacks a valid token with 401 and close (the head is consumed
 * first so close sends no RST).
 */
static void
unauthorized(int fd, size_t head_len)
{
	static const char body[] = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"/api/live needs "
	    "an API token: ?token=<token>, Authorization: Bearer <token>, or a Sec-WebSocket-Protocol "
	    "entry bearer.<token> (security.protect_reads)\"}}";
	char resp[512], sink[FRONTDOOR_PEEK_MAX];
	int n = snprintf(resp, sizeof resp, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
	    "WWW-Authenticate: Bearer realm=\"rampage\"\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", sizeof body - 1, body);

	if (recv(fd, sink, head_len, 0) > 0 && n > 0 && (size_t)n < sizeof resp)
		(void)!send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/*
 * Peek at what a connection sent so far and classify it; CLS_GONE if it closed or failed,
 * CLS_NO_TOKEN for a /api/live head without a token when reads are protected. *head_len is set
 * for FRONTDOOR_REFUSE and CLS_NO_TOKEN.
 */
static int
peek(const struct frontdoor *door, int fd, uint32_t events, size_t *head_len)
{
	char buf[FRONTDOOR_PEEK_MAX];
	ssize_t r = recv(fd, buf, sizeof buf, MSG_PEEK);
	enum frontdoor_class c;

	if (r == 0)
		return CLS_GONE;
	if (r < 0) {
		if ((errno == EAGAIN || errno == EINTR) && !(events & (EPOLLERR | EPOLLHUP)))
			return FRONTDOOR_MORE;
		return CLS_GONE;
	}
	c = frontdoor_classify(buf, (size_t)r);
	if (c == FRONTDOOR_MORE && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return CLS_GONE;   /* it will never complete */
	if (c == FRONTDOOR_REFUSE)
		*head_len = head_end(buf, (size_t)r);
	if (c == FRONTDOOR_LIVE && security_protect_reads(door->sec)) {
		*head_len = head_end(buf, (size_t)r);
		if (!security_head_ok(door->sec, buf, *head_len))
			return CLS_NO_TOKEN;
	}
	return c;
}

/* Act on a decided connection (not on the pending list): hand it on, or close it. */
static void
dispatch(struct frontdoor *door, int fd, int cls, size_t head_len, struct sockaddr_storage *ss,
    socklen_t sl)
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
	case FRONTDOOR_REFUSE:
		door->st.refused++;
		refuse(fd, head_len);
		return;
	case CLS_NO_TOKEN:
		door->st.no_token++;
		unauthorized(fd, head_len);
		return;
	case FRONTDOOR_LIVE:
		door->st.to_live++;
		live_adopt(door->live, fd);
		return;
	case FRONTDOOR_HTTP:
		door->st.to_api++;
		api_add_connection(door->api, fd, (struct sockaddr *)ss, sl);
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
	size_t head_len = 0;
	int fd = p->fd, cls = peek(door, fd, events, &head_len);

	if (cls == FRONTDOOR_MORE)
		return;   /* the next segment brings a new edge */
	ss = p->addr;
	sl = p->addrlen;
	unlink_pending(door, p);
	dispatch(door, fd, cls, head_len, &ss, sl);
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
			size_t head_len = 0;
			int cls = peek(door, fd, 0, &head_len);   /* often the request line is already here */
			door->st.accepted++;
			if (cls == FRONTDOOR_MORE)
				add_pending(door, fd, &ss, sl);
			else
				dispatch(door, fd, cls, head_len, &ss, sl);
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
	    "timed out %llu, evicted %llu, gone %llu, shed %llu, live without token %llu",
	    door->st.accepted, door->st.to_api, door->st.to_live, door->st.refused, door->st.rejected,
	    door->st.timed_out, door->st.evicted, door->st.gone, door->st.shed, door->st.no_token);
	close(door->lfd);
	close(door->epfd);
	close(door->evfd);
	if (door->reserve_fd >= 0)
		close(door->reserve_fd);
	free(door->slots);
	free(door);
}
