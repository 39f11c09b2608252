/*
 * demo: `rampage demo-target`, the HTTP API that the README's first run and every test aim load at.
 * This file is the main thread's part: flags, the listening socket (opened here so that a busy port
 * is a clear error), signals, start and stop. The routes live in demo_api.c; see demo_priv.h for the
 * map of the module.
 *
 * Routes (JSON):
 *   GET  /api/health         {"status":"ok"}
 *   GET  /api/health/worker  {"node_id":"..."}; every answer also carries X-Served-By: <node id>
 *   GET  /api/users          the 20 seed users [{"id","name","email"}...]
 *   GET  /api/users/{id}     users 1..20 and every id POST /api/users handed out (the last 4096
 *                            keep their name and email; older ones answer "User N"); 404 otherwise
 *   POST /api/users          {"name","email"} (strings of 1..128 bytes, email with an @), as
 *                            application/json → 201 + Location; 400 otherwise, 413 past 64 KiB
 *   POST /api/auth/login     {"username":"test","password":"password"} → {"token":"<32 hex>"}; else 401
 *   POST /api/tasks          202 {"task_id":N,"status":"queued"}
 *   GET  /api/stats          counters per route and status class, tokens seen (never auth-gated)
 *   POST /api/stats/reset    zeroes the counters (issued tokens stay valid)
 *   ANY  /api/redirect/{n}   n = 1..20: 302 to /api/redirect/{n-1}, the last one to /api/health
 *                            (a redirect chain; ?status=301|303|307|308 picks another code)
 *   POST /admin/reload       202; then for --reload-ms the other routes (but /api/stats) have their
 *                            connections dropped, or answer 503 with --reload-mode 503
 *   GET  /metrics            Prometheus text of its own: RSS, requests, task queue depth, ...
 * (demo_misbehave.c: those two, leak mode and the task worker.)
 *   GET  /api/csrf           {"csrf":"set"} + Set-Cookie: csrftoken=<32 hex> (demo_extra.c)
 *   POST /api/csrf           200 when X-CSRF-Token equals the csrftoken cookie, else 403
 *   POST /api/echo           200 with the JSON body as sent (demo_extra.c); 400 when not JSON
 * With --require-auth the users and tasks routes answer 401 without "Authorization: Bearer <token>"
 * of a token this process issued; those routes count requests per token whether or not it is set.
 * Knobs on every route: ?delay_ms=0..60000, ?jitter_ms=0..60000 (uniform 0..N more), ?status=100..599
 * (forced; 1xx, 204 and 304 get an empty body), ?bytes=0..16777216 (body of exactly N bytes); a bad
 * value is a 400 naming the parameter. --latency-ms, --jitter-ms and --error-rate apply to every route
 * but /api/health, /api/health/worker and /api/stats(/reset).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/opts.h"
#include "core/xmalloc.h"
#include "demo/demo.h"
#include "demo/demo_priv.h"

#define EXIT_USAGE 2
#define DEFAULT_LISTEN "127.0.0.1:8090"
#define NODE_ID_MAX 128

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage demo-target [--listen ADDR:PORT] [--latency-ms N] [--jitter-ms N]\n"
	    "                           [--error-rate F] [--require-auth] [--node-id ID] [--threads N]\n"
	    "                           [--reload-ms N] [--reload-mode drop|503] [--leak-bytes N]\n"
	    "                           [--leak-cap-mb N] [--task-rate N]\n"
	    "\n"
	    "  --listen ADDR:PORT  where to listen (default " DEFAULT_LISTEN "; port 0 picks a free one)\n"
	    "  --latency-ms N      add N ms to every answer but health and stats (0-60000)\n"
	    "  --jitter-ms N       add a uniform 0..N ms more (0-60000)\n"
	    "  --error-rate F      answer this fraction of requests 500 (0-1)\n"
	    "  --require-auth      users and tasks routes need a token from POST /api/auth/login\n"
	    "  --node-id ID        name in /api/health/worker and X-Served-By (default: the host name)\n"
	    "  --threads N         HTTP threads (default: one per core)\n"
	    "  --reload-ms N       after POST /admin/reload, disturb the other routes for N ms\n"
	    "                      (default 2000; 0-600000)\n"
	    "  --reload-mode M     drop: close their connections unanswered (default); 503: answer 503\n"
	    "  --leak-bytes N      leak mode: keep N bytes more per request (0-1048576; default 0: off)\n"
	    "  --leak-cap-mb N     leak mode stops growing at N MiB (1-4096; default 64)\n"
	    "  --task-rate N       a worker runs N queued tasks (POST /api/tasks) a second (0-1000000;\n"
	    "                      default 0: tasks are queued and never run)\n"
	    "GET /metrics: Prometheus text of the target itself (RSS, requests, task queue depth)\n"
	    "per request: ?delay_ms=N ?jitter_ms=N ?status=CODE ?bytes=N on any route\n");
}

/* Parse an integer flag in [min, max]; -1 after printing why. */
static int
int_flag(const char *flag, const char *value, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "rampage demo-target: --%s: expected an integer from %ld to %ld, got \"%s\"\n",
		    flag, min, max, value);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Whether a node id can go into a header and a log line as it is. */
static int
valid_node_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > NODE_ID_MAX)
		return 0;
	for (; *id != '\0'; id++) {
		if (*id < 0x20 || *id > 0x7e)
			return 0;
	}
	return 1;
}

/* Parse the command line into o; EXIT_USAGE after printing why, 0 to go on, -1 for --help. */
static int
parse_flags(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "latency-ms", required_argument, NULL, 'L' },
		{ "jitter-ms", required_argument, NULL, 'J' },
		{ "error-rate", required_argument, NULL, 'e' },
		{ "require-auth", no_argument, NULL, 'a' },
		{ "node-id", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "reload-ms", required_argument, NULL, 'R' },
		{ "reload-mode", required_argument, NULL, 'M' },
		{ "leak-bytes", required_argument, NULL, 'B' },
		{ "leak-cap-mb", required_argument, NULL, 'C' },
		{ "task-rate", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = DEFAULT_LISTEN;
	char *cause, *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'L':
			if (int_flag("latency-ms", optarg, 0, DEMO_MAX_DELAY_MS, &o->latency_ms) != 0)
				return EXIT_USAGE;
			break;
		case 'J':
			if (int_flag("jitter-ms", optarg, 0, DEMO_MAX_DELAY_MS, &o->jitter_ms) != 0)
				return EXIT_USAGE;
			break;
		case 'e':
			errno = 0;
			o->error_rate = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !isfinite(o->error_rate) ||
			    o->error_rate < 0 || o->error_rate > 1) {
				fprintf(stderr, "rampage demo-target: --error-rate: expected a number from 0 to 1, "
				    "got \"%s\"\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			o->require_auth = 1;
			break;
		case 'n':
			if (!valid_node_id(optarg)) {
				fprintf(stderr, "rampage demo-target: --node-id: expected 1 to %d printable ASCII "
				    "characters, got \"%s\"\n", NODE_ID_MAX, optarg);
				return EXIT_USAGE;
			}
			free(o->node_id);
			o->node_id = xstrdup(optarg);
			break;
		case 't':
			if (int_flag("threads", optarg, 1, 1024, &o->threads) != 0)
				return EXIT_USAGE;
			break;
		case 'R':
			if (int_flag("reload-ms", optarg, 0, 600000, &o->reload_ms) != 0)
				return EXIT_USAGE;
			break;
		case 'M':
			if (strcmp(optarg, "drop") != 0 && strcmp(optarg, "503") != 0) {
				fprintf(stderr, "rampage demo-target: --reload-mode: expected drop or 503, got "
				    "\"%s\"\n", optarg);
				return EXIT_USAGE;
			}
			o->reload_503 = strcmp(optarg, "503") == 0;
			break;
		case 'B':
			if (int_flag("leak-bytes", optarg, 0, 1048576, &o->leak_bytes) != 0)
				return EXIT_USAGE;
			break;
		case 'C':
			if (int_flag("leak-cap-mb", optarg, 1, 4096, &o->leak_cap_mb) != 0)
				return EXIT_USAGE;
			break;
		case 'T':
			if (int_flag("task-rate", optarg, 0, 1000000, &o->task_rate) != 0)
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			opts_refused(stderr, "demo-target", opts, "h", argc, argv);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rampage demo-target: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (conf_parse_listen(listen, &o->listen_host, &o->listen_port, &cause) != 0) {
		fprintf(stderr, "rampage demo-target: --listen: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	return 0;
}

/* Open a non-blocking listening socket on host:port; the bound port goes to *bound. -1 and *cause. */
static int
open_listener(const char *host, int port, int *bound, char **cause)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char service[16];
	int fd = -1, err = 0, one = 1;

	snprintf(service, sizeof service, "%d", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		*cause = xasprintf("cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*cause = xasprintf("cannot listen on %s:%d: %s", host, port, strerror(err));
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		*cause = xasprintf("getsockname: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Raise the soft fd limit to the hard one: each connection is a descriptor. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("could not raise the open-file limit to %llu", (unsigned long long)rl.rlim_max);
	}
}

int
demo_main(int argc, char **argv)
{
	struct demo_opts o = { .threads = 0, .reload_ms = 2000, .leak_cap_mb = 64 };
	char host[256], *cause = NULL;
	struct demo_api *api;
	sigset_t set;
	int rc, fd, port, sig;

	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	o.threads = cores > 0 ? (int)(cores < 1024 ? cores : 1024) : 1;
	if (gethostname(host, sizeof host) == 0 && (host[sizeof host - 1] = '\0', valid_node_id(host)))
		o.node_id = xstrdup(host);
	else
		o.node_id = xstrdup("demo-1");

	rc = parse_flags(argc, argv, &o);
	if (rc != 0) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}

	/* Block the signals main waits for before any thread starts; the threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	fd = open_listener(o.listen_host, o.listen_port, &port, &cause);
	if (fd < 0) {
		log_err("demo-target: %s", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	api = demo_api_start(&o, fd, &cause);
	if (api == NULL) {
		log_err("demo-target: %s", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	int v6 = strchr(o.listen_host, ':') != NULL;
	log_notice("listening on http://%s%s%s:%d", v6 ? "[" : "", o.listen_host, v6 ? "]" : "", port);

	while (sigwait(&set, &sig) != 0)
		;
	log_notice("%s: stopping", strsignal(sig));
	demo_api_stop(api);
	rc = 0;
out:
	free(cause);
	free(o.listen_host);
	free(o.node_id);
	return rc;
}
