/*
 * main: subcommand dispatch. `serve` starts the daemon's modules in order and stops them in reverse;
 * every other subcommand hands over to its module. No other logic lives here (unit tests link every
 * object but this one).
 *
 * Threads of `serve`: main (config, signals via sigwait), store writer, live (lws), webhook delivery
 * (notifier), run manager (runq, plus each running run's engine threads), api (MHD), scheduler
 * (sched: it starts runs through the api layer's adapter, so it starts after the api and stops
 * after it), frontdoor (the listening socket).
 * Signals are blocked before any thread starts, so every thread inherits the mask and only
 * sigwait() here sees them.
 */
#include <config.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/compare.h"
#include "agent/agent.h"
#include "cli/merge.h"
#include "cli/run.h"
#include "cli/mark.h"
#include "cli/schedules.h"
#include "cli/validate.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/fdlimit.h"
#include "core/log.h"
#include "core/notify.h"
#include "core/opts.h"
#include "core/watchdog.h"
#include "security/security.h"
#include "core/xmalloc.h"
#include "demo/demo.h"
#include "http/api.h"
#include "http/frontdoor.h"
#include "http/live.h"
#include "runs/notifier.h"
#include "runs/runq.h"
#include "sched/sched.h"
#include "store/store.h"

#define EXIT_USAGE 2

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage <command> [options]\n"
	    "\n"
	    "commands:\n"
	    "  serve [--config PATH] [--listen ADDR:PORT] [--db PATH] [--web-root DIR] [--log-level L]\n"
	    "                       the daemon: API, dashboard and live push on one port\n"
	    "  run FILE | run --url URL [-c N] [-d DURATION] [--rate R]\n"
	    "       [--summary-export PATH] [--out csv=PATH|json=PATH] [--workers N] [--quiet]\n"
	    "                       one test in the foreground: progress, k6-style summary, exit code\n"
	    "  demo-target [--listen ADDR:PORT] [--latency-ms N] [--jitter-ms N] [--error-rate F]\n"
	    "              [--require-auth] [--node-id ID] [--threads N]\n"
	    "                       a small HTTP API to aim tests at\n"
	    "  validate FILE...     check test definitions; errors name their JSON path (exit 0 / 2)\n"
	    "  tests | runs [--test ID] [--state S] [--limit N] | show RUN | stop RUN [--force]\n"
	    "  vus RUN N [--scenario NAME]\n"
	    "                       change a running constant-vus run's VUs\n"
	    "  mark RUN NAME        mark the moment now of a running run (an event: reload, deploy)\n"
	    "  test push FILE [--id N]\n"
	    "                       save a definition as a test (creates it, or updates the test\n"
	    "                       of the same name or --id N)\n"
	    "  start TEST [--vus N] [--duration D] [--rate R] [--note TEXT] [--wait]\n"
	    "                       drive a daemon (--server URL, $RAMPAGE_TOKEN, --json); see\n"
	    "                       `rampage tests --help`\n"
	    "  compare A B [--server URL] [--json]\n"
	    "                       compare run B with run A (ids on a daemon, or two summary files\n"
	    "                       of --summary-export): exit 0, 99 a regression, 2 cannot compare\n"
	    "  agent --listen ADDR:PORT --token-file PATH [--config PATH] [--tls-cert P --tls-key P]\n"
	    "                       run shares of tests for a controller (docs/agent-protocol.md)\n"
	    "  merge A.json B.json ... [-o OUT]\n"
	    "                       merge the summaries of shares run with --execution-segment (and\n"
	    "                       --summary-histograms) into one, with exact percentiles\n"
	    "  schedules | schedule add TEST --cron EXPR [--tz ZONE] [--duration D] [--vus N]\n"
	    "       [--overlap skip|queue] | schedule pause|resume|rm|run ID\n"
	    "                       a daemon's schedules; see `rampage schedule --help`\n"
	    "  config-defaults      print every config key with its default and meaning\n"
	    "  version              print the version\n");
}

/* Block the signals main waits for; threads started later inherit the mask. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Fatal start-up error: log, exit 2. */
static void __attribute__((noreturn))
fatal_cause(char *cause)
{
	log_err("%s", cause);
	free(cause);
	exit(EXIT_USAGE);
}

static int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "web-root", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = RAMPAGE_SYSCONFDIR "/rampage/rampage.conf";
	int config_given = 0;
	struct { const char *key, *value; } overrides[8];
	int noverrides = 0;
	struct conf cfg;
	char *cause = NULL;
	sigset_t set;
	int c, sig;

	while ((c = getopt_long(argc, argv, "c:l:d:w:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; config_given = 1; break;
		case 'l': overrides[noverrides++] = (typeof(overrides[0])){ "server.listen", optarg }; break;
		case 'd': overrides[noverrides++] = (typeof(overrides[0])){ "server.db", optarg }; break;
		case 'w': overrides[noverrides++] = (typeof(overrides[0])){ "server.web_root", optarg }; break;
		case 'v': overrides[noverrides++] = (typeof(overrides[0])){ "server.log_level", optarg }; break;
		case 'h': usage(stdout); return 0;
		default:
			opts_refused(stderr, "serve", opts, "c:l:d:w:v:h", argc, argv);
			return EXIT_USAGE;
		}
		if (noverrides == (int)(sizeof overrides / sizeof overrides[0]))
			fatal_cause(xstrdup("too many options"));
	}
	if (optind != argc) {
		log_err("serve: unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}

	conf_init(&cfg);
	security_conf_checks(&cfg);
	if (conf_load(&cfg, config_path, config_given, &cause) != 0)
		fatal_cause(cause);
	for (int i = 0; i < noverrides; i++) {
		if (conf_set(&cfg, overrides[i].key, overrides[i].value, &cause) != 0) {
			char *flagged = xasprintf("command line: %s", cause);
			free(cause);
			fatal_cause(flagged);
		}
	}
	log_level = cfg.log_level;
	conf_find_uninstalled_web_root(&cfg);

	block_signals(&set);
	if (fdlimit_raise(&cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}

	/* Start in order; each later module may use the earlier ones. The security policy (tokens, target
	   allowlist, caps) is read-only once built, so every thread shares this one. */
	struct security *sec = security_new(&cfg, &cause);
	if (sec == NULL)
		fatal_cause(cause);
	struct store *store = store_open(cfg.db_path, &cause);
	if (store == NULL)
		fatal_cause(cause);
	struct live *live = live_start(&cfg, sec, FRONTDOOR_PEEK_MAX, &cause);
	if (live == NULL)
		fatal_cause(cause);
	struct notifier *notifier = notifier_start(&cfg, store, &cause);
	if (notifier == NULL)
		fatal_cause(cause);
	struct runq_publisher pub;
	live_runq_publisher(live, &pub);
	pub.ended = notifier_run_ended;
	pub.ended_arg = notifier;
	struct runq *runq = runq_start(&cfg, sec, store, &pub, &cause);
	if (runq == NULL)
		fatal_cause(cause);
	struct api *api = api_start(&cfg, sec, store, runq, &cause);
	if (api == NULL)
		fatal_cause(cause);
	struct api_sched_link link = { .runq = runq, .sec = sec, .store = store };
	struct sched_runner runner;
	struct sched_publisher spub = { .publish = pub.publish, .arg = pub.arg };
	api_sched_runner(&link, &runner);
	struct sched *sched = sched_start(&cfg, store, &runner, &spub, &cause);
	if (sched == NULL)
		fatal_cause(cause);
	api_set_sched(api, sched);
	struct frontdoor *door = frontdoor_start(&cfg, api, live, &cause);
	if (door == NULL)
		fatal_cause(cause);

	log_notice("rampage %s listening on http://%s%s%s:%d/ (db %s)", PACKAGE_VERSION,
	    strchr(cfg.listen_host, ':') ? "[" : "", cfg.listen_host,
	    strchr(cfg.listen_host, ':') ? "]" : "", frontdoor_port(door), cfg.db_path);
	char *ready = xasprintf("READY=1\nSTATUS=listening on port %d", frontdoor_port(door));
	notify_send(ready);
	free(ready);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored: restart the daemon to apply configuration changes");
			continue;
		}
		break;
	}
	log_notice("%s: stopping", strsignal(sig));
	notify_send("STOPPING=1");
	if (watchdog_arm(cfg.stop_timeout_s, "server.stop_timeout_s", &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}

	/* Stop in reverse: no new connections, then the services, then pending writes. */
	frontdoor_stop(door);
	api_stop(api);
	sched_stop(sched);
	runq_stop(runq);
	notifier_stop(notifier);
	live_stop(live);
	store_close(store);
	security_free(sec);
	conf_fini(&cfg);
	log_notice("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const commands[] = { "serve", "run", "demo-target", "validate", "tests",
		"test", "runs", "start", "stop", "vus", "show", "compare", "merge", "agent", "schedules", "schedule", "config-defaults", "version", "help", NULL };
	const char *cmd = argc > 1 ? argv[1] : NULL, *hint;

	opterr = 0;   /* every command says itself which option it refused (core/opts.h) */
	if (cmd == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "demo-target") == 0)
		return demo_main(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (strcmp(cmd, "tests") == 0) return client_tests_main(argc - 1, argv + 1);
	if (strcmp(cmd, "runs") == 0) return client_runs_main(argc - 1, argv + 1);
	if (strcmp(cmd, "test") == 0) return client_test_main(argc - 1, argv + 1);
	if (strcmp(cmd, "start") == 0) return client_start_main(argc - 1, argv + 1);
	if (strcmp(cmd, "stop") == 0) return client_stop_main(argc - 1, argv + 1);
	if (strcmp(cmd, "vus") == 0) return client_vus_main(argc - 1, argv + 1);
	if (strcmp(cmd, "mark") == 0) return client_mark_main(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0) return client_show_main(argc - 1, argv + 1);
	if (strcmp(cmd, "compare") == 0) return compare_main(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0) return merge_main(argc - 1, argv + 1);
	if (strcmp(cmd, "agent") == 0) return agent_main(argc - 1, argv + 1);
	if (strcmp(cmd, "schedules") == 0) return client_schedules_main(argc - 1, argv + 1);
	if (strcmp(cmd, "schedule") == 0) return client_schedule_main(argc - 1, argv + 1);
	if (strcmp(cmd, "validate") == 0)
		return validate_main(argc - 1, argv + 1);
	if (strcmp(cmd, "config-defaults") == 0) {
		conf_print_defaults();
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("rampage %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	hint = opts_suggest(cmd, commands);
	if (hint != NULL)
		fprintf(stderr, "rampage: unknown command \"%s\" (did you mean \"%s\"?); see rampage help\n",
		    cmd, hint);
	else
		fprintf(stderr, "rampage: unknown command \"%s\"; see rampage help\n", cmd);
	return EXIT_USAGE;
}
