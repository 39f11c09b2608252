/*
 * conf: the daemon's settings. Defaults, then /etc/rampage/rampage.conf (INI, parsed by libinih),
 * then command-line flags. Every key lives in one table in conf.c with its type, range, default
 * and help text; etc/rampage.conf documents the same keys. Loaded by the main thread before any other
 * thread starts; read-only afterwards, so every thread may read it without locks.
 */
#ifndef RAMPAGE_CONF_H
#define RAMPAGE_CONF_H

#include <stdint.h>

/*
 * Checks of values whose grammar belongs to a module above core: security's token, target,
 * environment-name and allowed-host lists. Security installs them (security_conf_checks) before a file or flag is
 * read; a check left NULL accepts any value. Each returns 0, or -1 and *why.
 */
struct conf_checks {
	int (*tokens)(const char *list, char **why);
	int (*targets)(const char *list, char **why);
	int (*env_names)(const char *list, char **why);
	int (*hosts)(const char *list, char **why);
};

struct conf {
	struct conf_checks checks;
	/* [server] */
	char *listen_host;         /* "127.0.0.1", "::1", "0.0.0.0" */
	int listen_port;           /* 0 = any free port (logged) */
	char *db_path;
	char *web_root;
	char *allowed_hosts;       /* comma-separated Host names beyond loopback's, or NULL */
	int log_level;             /* syslog priority */
	int http_timeout_s;        /* idle HTTP connection timeout (MHD) */
	int max_connections;       /* concurrent HTTP connections handed to MHD (the front door counts) */
	int pending_timeout_ms;    /* a connection that has not sent its whole request head is closed after this */
	int stop_timeout_s;        /* SIGTERM: the process ends within this, orderly or not */
	/* [live] */
	int live_max_clients;      /* concurrent websocket clients */
	int live_heartbeat_ms;     /* heartbeat period */
	/* [runs] */
	int max_concurrent_runs;
	int workers;               /* engine worker threads; 0 = one per core */
	/* [schedules] (see sched/sched.h) */
	int schedules_enabled;     /* the scheduler fires schedules */
	int64_t catchup_max_age_ns;/* default max age of a missed fire that catch-up `latest` starts */
	/* [security] (see core/security.h) */
	char *api_tokens;          /* comma-separated tokens, or NULL */
	char *token_file;          /* one token per line, or NULL */
	int protect_reads;         /* GETs and /api/live need a token too */
	int allow_insecure_bind;   /* listen beyond loopback without tokens */
	char *allow_targets;       /* comma-separated CIDRs, IPs, names, globs */
	char *env_allow;           /* environment variables definitions may read ({{env.NAME}}), or NULL */
	/* [limits] */
	int max_vus;               /* VUs over all scenarios of a definition */
	int max_rate;              /* iterations per second over all arrival-rate scenarios */
	int64_t max_duration_ns;   /* startTime + duration of a scenario, and its gracefulStop */
	int max_request_body;      /* bytes of an API request body (beyond: 413) */
	int max_definition_bytes;  /* bytes of a test definition */
	/* [server] public_url and [webhooks] (see runs/webhook.h) */
	char *public_url;          /* the dashboard's base URL for links, or NULL */
	char *webhook_urls;        /* comma-separated URLs told when a run ends, or NULL */
	char *webhook_secret;      /* HMAC-SHA256 key, or NULL */
	char *webhook_secret_file; /* a file holding it, or NULL */
	char *webhook_allow;       /* allowlist of webhook hosts (allow_targets' syntax), or NULL: none */
	char *webhook_when;        /* "always", "failure" or "change" */
	int webhook_timeout_s;     /* one attempt */
	int webhook_max_attempts;
	int webhook_retry_base_ms; /* the unit of the retry schedule */
	/* [agents] (see engine/fleet.h) */
	char *agent_urls;          /* comma-separated ws(s):// URLs, or NULL */
	char *agent_dns;           /* NAME:PORT, or NULL */
	char *agent_token_file;    /* the agents' token, or NULL */
	char *agent_ca_file;       /* wss: CA bundle, or NULL: the system's */
	int agent_late_ms;
	int agent_connect_timeout_ms;
};

#define CONF_URL_MAX 2048          /* bytes of a webhook or public URL */
#define CONF_URLS_MAX 32           /* URLs of a list (webhooks.urls, a test's webhooks) */

/* Whether url is an http:// or https:// URL with a host, an optional port 1-65535, no user name,
   no space or control character and at most CONF_URL_MAX bytes: 0, or -1 and *why (caller frees). */
int conf_check_url(const char *url, char **why);

/* Fills cfg with the defaults. */
void conf_init(struct conf *cfg);
/* Frees what cfg holds (not cfg itself). */
void conf_fini(struct conf *cfg);
/*
 * Reads an INI file over cfg. A missing file is an error only if `must_exist`. On error returns -1
 * and sets *cause to "file:line: section.key: why" (caller frees); cfg keeps the values read so far.
 */
int conf_load(struct conf *cfg, const char *path, int must_exist, char **cause);
/*
 * Sets one key ("server.listen") from a string, as the command line does. -1 and *cause
 * ("server.listen: why") on a bad key or value.
 */
int conf_set(struct conf *cfg, const char *key, const char *value, char **cause);
/* Parses "ADDR:PORT" ("127.0.0.1:8089", "[::1]:0"); -1 and *cause on error. *host is allocated. */
int conf_parse_listen(const char *value, char **host, int *port, char **cause);
/* Prints every key with its default and help, in the format of etc/rampage.conf. */
void conf_print_defaults(void);

/* When web_root is the default and absent (a daemon run from the build tree, not installed) and a
   `webroot/` folder stands next to the running binary (the build assembles one), use that; logged. */
void conf_find_uninstalled_web_root(struct conf *cfg);

#endif
