/*
 * Unit test for http/live: real websocket clients on loopback TCP sockets, adopted by the live
 * module directly (no front door). It checks that live_publish never blocks, that messages reach
 * only subscribers, that a client that does not read has its queue bounded (oldest dropped, newest
 * kept) without slowing a reading client, that a client stuck for LIVE_STUCK_MS is disconnected,
 * and that live_stop sends close 1001. Takes about 12 s (the stuck timeout).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "http/frontdoor.h"
#include "http/live.h"
#include "tap.h"

#define N 3000                /* messages published in the burst */
#define PAD 4000              /* bytes of padding per message */

static int listener;

/* A connected loopback pair: *cli is ours, *srv goes to live. rcvbuf > 0 shrinks the client side. */
static void
tcp_pair(int *srv, int *cli, int rcvbuf)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;

	getsockname(listener, (struct sockaddr *)&sin, &sl);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (rcvbuf > 0)
		setsockopt(*cli, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(*cli, (struct sockaddr *)&sin, sl) != 0)
		abort();
	*srv = accept(listener, NULL, NULL);
	if (rcvbuf > 0)
		setsockopt(*srv, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
}

/* Read exactly n bytes within timeout_ms; 0, or -1 on EOF, error or timeout. */
static int
read_exact(int fd, void *buf, size_t n, int timeout_ms)
{
	size_t got = 0;
	int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - clock_now_ns()) / CLOCK_NS_PER_MS);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Read one server frame; its opcode, or -1. *payload is malloc'd and NUL-terminated. */
static int
read_frame(int fd, char **payload, size_t *len, int timeout_ms)
{
	unsigned char h[2], ext[8];
	uint64_t n;

	if (read_exact(fd, h, 2, timeout_ms) != 0)
		return -1;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (read_exact(fd, ext, 2, timeout_ms) != 0)
			return -1;
		n = (uint64_t)ext[0] << 8 | ext[1];
	} else if (n == 127) {
		if (read_exact(fd, ext, 8, timeout_ms) != 0)
			return -1;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | ext[i];
	}
	*payload = malloc(n + 1);
	if (read_exact(fd, *payload, n, timeout_ms) != 0) {
		free(*payload);
		*payload = NULL;
		return -1;
	}
	(*payload)[n] = '\0';
	*len = n;
	return h[0] & 0x0f;
}

/* Send a masked text frame (clients must mask). */
static void
send_text(int fd, const char *s)
{
	unsigned char f[256];
	size_t n = strlen(s);
	static const unsigned char mask[4] = { 1, 2, 3, 4 };

	f[0] = 0x81;
	f[1] = 0x80 | (unsigned char)n;
	memcpy(f + 2, mask, 4);
	for (size_t i = 0; i < n; i++)
		f[6 + i] = (unsigned char)s[i] ^ mask[i % 4];
	(void)!write(fd, f, 6 + n);
}

/* Handshake on the client side; 0 if the server answered 101. Reads exactly the response head. */
static int
handshake(int fd)
{
	static const char req[] = "GET /api/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	char head[1024];
	size_t n = 0;

	(void)!write(fd, req, sizeof req - 1);
	while (n < sizeof head - 1) {
		if (read_exact(fd, head + n, 1, 3000) != 0)
			return -1;
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[n] = '\0';
	return strncmp(head, "HTTP/1.1 101", 12) == 0 ? 0 : -1;
}

/* Read frames until one whose text contains want; 0 if found. */
static int
wait_for(int fd, const char *want)
{
	char *p;
	size_t len;

	for (;;) {
		int op = read_frame(fd, &p, &len, 3000);
		if (op < 0)
			return -1;
		int found = strstr(p, want) != NULL;
		free(p);
		if (found)
			return 0;
	}
}

/* Bytes received on fd and not read yet. */
static int
unread(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

/* The burst's watchdog: a publish that blocked. Async-signal-safe: write and _exit only. */
static void
publish_hung(int sig)
{
	static const char msg[] = "not ok - live_publish blocked on a client that does not read\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof msg - 1);
	_exit(1);
}

/* What a client saw of the burst: how many, the last n, whether in order, EOF reached. */
struct seen {
	int count, last, ordered, eof, close_code, marker;
};

/* The reading client's newest message so far, for pacing the burst (written by its reader thread). */
static struct seen *paced;
static atomic_int paced_last = -1;

/* Read frames until quiet for quiet_ms (or EOF), tallying burst messages {"n":...}. */
static void
tally(int fd, struct seen *s, int quiet_ms, int until_last)
{
	char *p;
	size_t len;
	int op;

	s->ordered = 1;
	s->last = -1;
	while ((op = read_frame(fd, &p, &len, quiet_ms)) >= 0) {
		const char *k = strstr(p, "\"n\":");
		if (op == 8) {
			s->close_code = len >= 2 ? ((unsigned char)p[0] << 8 | (unsigned char)p[1]) : 0;
			free(p);
			break;
		}
		if (strstr(p, "marker") != NULL)
			s->marker = 1;
		if (k != NULL) {
			int n = atoi(k + 4);
			if (n <= s->last)
				s->ordered = 0;
			s->last = n;
			s->count++;
			if (s == paced)
				atomic_store(&paced_last, n);
		}
		free(p);
		if (until_last && s->last == N - 1)
			return;
	}
	if (op < 0) {
		char c;
		s->eof = read(fd, &c, 1) == 0;
	}
}

struct reader {
	int fd;
	struct seen seen;
};

static void *
read_all(void *arg)
{
	struct reader *r = arg;

	tally(r->fd, &r->seen, 5000, 1);
	return NULL;
}

/* Read until the close frame (or 20 s of silence). */
static void *
read_to_close(void *arg)
{
	struct reader *r = arg;

	tally(r->fd, &r->seen, 20000, 0);
	return NULL;
}

int
main(void)
{
	struct conf cfg;
	struct live *lv;
	char *cause = NULL, *msg;
	int good_srv, good, deaf1_srv, deaf1, deaf2_srv, deaf2, fails = 0;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct reader rd, rd1;
	pthread_t th, th1;
	int64_t t0, dt;
	struct seen s1 = { 0 }, s2 = { 0 };

	log_level = LOG_WARNING;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	bind(listener, (struct sockaddr *)&sin, sizeof sin);
	listen(listener, 16);

	conf_init(&cfg);
	cfg.live_heartbeat_ms = 100;
	lv = live_start(&cfg, NULL, FRONTDOOR_PEEK_MAX, &cause);
	ok(lv != NULL, "live_start: %s", cause ? cause : "ok");
	if (lv == NULL)
		return done_testing();

	tcp_pair(&good_srv, &good, 0);
	tcp_pair(&deaf1_srv, &deaf1, 4096);
	tcp_pair(&deaf2_srv, &deaf2, 4096);
	live_adopt(lv, good_srv);
	live_adopt(lv, deaf1_srv);
	live_adopt(lv, deaf2_srv);
	ok(handshake(good) == 0 && handshake(deaf1) == 0 && handshake(deaf2) == 0,
	    "three adopted sockets complete the websocket handshake");
	ok(wait_for(good, "\"type\":\"hello\"") == 0, "hello arrives");
	send_text(good, "{\"type\":\"subscribe\",\"topics\":[\"burst\"]}");
	send_text(deaf1, "{\"type\":\"subscribe\",\"topics\":[\"burst\"]}");
	send_text(deaf2, "{\"type\":\"subscribe\",\"topics\":[\"*\"]}");
	ok(wait_for(good, "\"subscribed\"") == 0, "subscribe is answered");
	ok(wait_for(deaf1, "\"subscribed\"") == 0 && wait_for(deaf2, "\"subscribed\"") == 0,
	    "the deaf clients' subscriptions are applied too");
	is_int(live_clients(lv), 3, "live_clients counts three");

	/* A message on another topic goes to "*" only; NULL goes to everyone. */
	ok(live_publish(lv, "other", "{\"marker\":1}", 12) == 0, "publish to a topic nobody but * wants");
	/* Read by the * client before the burst (else drop-oldest would rightly discard it). */
	ok(wait_for(deaf2, "\"marker\"") == 0, "the client subscribed to * gets the other topic's message");

	/* The burst: N messages of ~4 KB, far more than the deaf clients' buffers and queues hold. */
	msg = malloc(PAD + 64);
	rd.fd = good;
	memset(&rd.seen, 0, sizeof rd.seen);
	pthread_create(&th, NULL, read_all, &rd);
	/* A publish that waited for a client would never return here (the deaf ones do not read): the
	   watchdog turns that hang into a failure. */
	signal(SIGALRM, publish_hung);
	alarm(60);
	paced = &rd.seen;
	t0 = clock_now_ns();
	for (int i = 0; i < N; i++) {
		int n = snprintf(msg, 64, "{\"n\":%d,\"pad\":\"", i);
		/* Paced to the reading client (at most half its queue ahead of what it has read, waiting
		   at most 5 s each time), so on a slow machine too it must get every message; the deaf
		   ones are far behind either way. */
		for (int64_t until = clock_now_ns() + 5000 * CLOCK_NS_PER_MS;
		    i - atomic_load(&paced_last) > LIVE_QUEUE_MAX / 2 && clock_now_ns() < until;)
			clock_sleep_until_ns(clock_now_ns() + CLOCK_NS_PER_MS);
		memset(msg + n, 'x', PAD);
		memcpy(msg + n + PAD, "\"}", 3);
		fails += live_publish(lv, "burst", msg, (size_t)n + PAD + 2) != 0;
	}
	dt = clock_now_ns() - t0;
	alarm(0);
	free(msg);
	is_int(fails, 0, "every publish was accepted");
	/* the live thread writes to the deaf clients as it goes; wait (bounded) for it to have reached them */
	for (int64_t until = clock_now_ns() + 5000 * CLOCK_NS_PER_MS;
	    (unread(deaf1) <= 0 || unread(deaf2) <= 0) && clock_now_ns() < until;)
		clock_sleep_until_ns(clock_now_ns() + 10 * CLOCK_NS_PER_MS);
	ok(unread(deaf1) > 0 && unread(deaf2) > 0, "publishing %d messages returned (%lld ms) while both deaf "
	    "clients had unread data waiting", N, (long long)(dt / CLOCK_NS_PER_MS));
	pthread_join(th, NULL);
	is_int(rd.seen.last, N - 1, "the reading client got the newest message");
	ok(rd.seen.ordered, "in order");
	is_int(rd.seen.count, N, "and, paced to it, all of the burst");
	ok(!rd.seen.marker, "but not the other topic's message");

	/* deaf1 starts reading now that the burst is through (the reading client has its last message):
	   its queue kept the newest, dropped the oldest. */
	tally(deaf1, &s1, 1000, 1);
	is_int(s1.last, N - 1, "a client that did not read during the burst then gets the newest message");
	ok(s1.ordered, "in order");
	ok(s1.count < N, "but not all: the oldest were dropped (%d of %d kept)", s1.count, N);
	rd1.fd = deaf1;   /* from now on it reads everything */
	memset(&rd1.seen, 0, sizeof rd1.seen);
	pthread_create(&th1, NULL, read_to_close, &rd1);

	/* deaf2 never reads: after LIVE_STUCK_MS it is disconnected, while the good one carries on. Wait
	   for the count to drop (bounded: three times the limit), not for a fixed time. */
	for (int64_t until = clock_now_ns() + 3LL * LIVE_STUCK_MS * CLOCK_NS_PER_MS;
	    live_clients(lv) > 2 && clock_now_ns() < until;)
		clock_sleep_until_ns(clock_now_ns() + 50 * CLOCK_NS_PER_MS);
	ok(wait_for(good, "\"heartbeat\"") == 0, "the reading client still gets heartbeats");
	tally(deaf2, &s2, 1000, 0);
	ok(s2.eof, "a client stuck for %d s was disconnected (%d messages had reached it)",
	    LIVE_STUCK_MS / 1000, s2.count);
	is_int(live_clients(lv), 2, "live_clients counts two");

	/* Stop: the others get close 1001. */
	live_stop(lv);
	memset(&s1, 0, sizeof s1);
	tally(good, &s1, 2000, 0);
	is_int(s1.close_code, 1001, "live_stop closes the reading client with 1001");
	pthread_join(th1, NULL);
	is_int(rd1.seen.close_code, 1001, "and the formerly deaf one too");

	close(good);
	close(deaf1);
	close(deaf2);
	close(listener);
	conf_fini(&cfg);
	return done_testing();
}
