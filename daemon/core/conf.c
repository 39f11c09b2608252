/*
 * conf: see conf.h. One table describes every key: adding a key is one line here, one field in
 * struct conf and one commented line in etc/rampage.conf (tests/integration/002-config.sh checks
 * that the two lists agree).
 */
#include <config.h>

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "core/duration.h"

enum key_type {
	KEY_STRING,
	KEY_OPTSTRING,             /* may be empty: then NULL */
	KEY_TOKENS,                /* KEY_OPTSTRING checked by checks.tokens */
	KEY_TARGETS,               /* KEY_STRING checked by checks.targets */
	KEY_ENVNAMES,              /* KEY_OPTSTRING checked by checks.env_names */
	KEY_HOSTS,                 /* KEY_OPTSTRING checked by checks.hosts */
	KEY_INT,
	KEY_BOOL,                  /* true/false, yes/no, on/off, 1/0 */
	KEY_DURATION,              /* "30s", "24h" (testdef/duration.h) into an int64_t of ns */
	KEY_LISTEN,
	KEY_LOGLEVEL,
	KEY_OPTTARGETS,            /* KEY_OPTSTRING checked by checks.targets (webhooks.allow) */
	KEY_URL,                   /* KEY_OPTSTRING: one http(s) URL (conf_check_url) */
	KEY_URLS,                  /* KEY_OPTSTRING: comma-separated http(s) URLs */
	KEY_WSURLS,                /* KEY_OPTSTRING: comma-separated ws(s) URLs (agents.urls) */
	KEY_HOSTPORT,              /* KEY_OPTSTRING: NAME:PORT (agents.dns) */
	KEY_WHEN,                  /* always, failure or change (webhooks.when) */
};

struct key {
	const char *section, *name;
	enum key_type type;
	size_t off;
	long min, max;             /* KEY_INT */
	const char *def;           /* default, as text */
	const char *help;
};

#define F(field) offsetof(struct conf, field)
static const struct key keys[] = {
	{ "server", "listen", KEY_LISTEN, F(listen_host), 0, 0, "127.0.0.1:8089",
	  "Address and port of the one HTTP port (API, dashboard, websocket). Port 0 picks a free port." },
	{ "server", "db", KEY_STRING, F(db_path), 0, 0, RAMPAGE_LOCALSTATEDIR "/lib/rampage/rampage.db",
	  "SQLite database file; created with its folder's permissions if missing." },
	{ "server", "web_root", KEY_STRING, F(web_root), 0, 0, RAMPAGE_PKGDATADIR "/web",
	  "Folder of the dashboard's static files." },
	{ "server", "log_level", KEY_LOGLEVEL, F(log_level), 0, 0, "info",
	  "One of error, warning, notice, info, debug." },
	{ "server", "allowed_hosts", KEY_HOSTS, F(allowed_hosts), 0, 0, "",
	  "Comma-separated names (and name:port) browsers may use in Host to reach this daemon, beyond "
	  "localhost, 127.0.0.1, [::1] and the listen address on its port, which are always allowed. A "
	  "name without a port matches any port. Other Host values get 421 (DNS rebinding)." },
	{ "server", "http_timeout_s", KEY_INT, F(http_timeout_s), 1, 3600, "10",
	  "Seconds an idle or stalled HTTP connection is kept." },
	{ "server", "max_connections", KEY_INT, F(max_connections), 1, 100000, "1000",
	  "Concurrent HTTP connections served by the API; beyond, a new request gets 503 with "
	  "Retry-After." },
	{ "server", "pending_timeout_ms", KEY_INT, F(pending_timeout_ms), 100, 600000, "10000",
	  "Milliseconds a new connection may take to send its whole request head." },
	{ "server", "stop_timeout_s", KEY_INT, F(stop_timeout_s), 1, 3600, "25",
	  "On SIGTERM or SIGINT, seconds the orderly shutdown may take before the process exits "
	  "anyway (exit code 3)." },
	{ "server", "public_url", KEY_URL, F(public_url), 0, 0, "",
	  "The dashboard's address as users reach it (https://rampage.example:8089, behind a proxy too); "
	  "webhook documents link a run's page under it (PUBLIC_URL/#/runs/ID). Empty: no link." },
	{ "live", "max_clients", KEY_INT, F(live_max_clients), 1, 100000, "256",
	  "Concurrent websocket clients on /api/live." },
	{ "live", "heartbeat_ms", KEY_INT, F(live_heartbeat_ms), 100, 60000, "1000",
	  "Milliseconds between heartbeat messages to websocket clients." },
	{ "runs", "max_concurrent_runs", KEY_INT, F(max_concurrent_runs), 1, 64, "1",
	  "Runs executed at the same time; the rest wait in the queue." },
	{ "runs", "workers", KEY_INT, F(workers), 0, 1024, "0",
	  "Engine worker threads; 0 means one per core." },
	{ "schedules", "enabled", KEY_BOOL, F(schedules_enabled), 0, 0, "true",
	  "Whether the scheduler fires schedules. When false, schedules can still be edited and run by "
	  "hand, and nothing fires; fires that fall due meanwhile are missed fires at the next start with "
	  "it on (catch-up)." },
	{ "schedules", "catchup_max_age", KEY_DURATION, F(catchup_max_age_ns), 0, 0, "6h",
	  "The oldest missed fire a schedule with catch-up `latest` still starts after an outage, unless "
	  "the schedule sets its own catchup_max_age." },
	{ "security", "api_tokens", KEY_TOKENS, F(api_tokens), 0, 0, "",
	  "Comma-separated API tokens (16-256 characters each, e.g. `openssl rand -hex 32`). When any "
	  "token is set, POST/PUT/PATCH/DELETE need `Authorization: Bearer <token>`. Prefer token_file: "
	  "this file is usually readable by every user." },
	{ "security", "token_file", KEY_OPTSTRING, F(token_file), 0, 0, "",
	  "File of API tokens, one per line (# comments); refused if readable by every user (chmod 600)." },
	{ "security", "protect_reads", KEY_BOOL, F(protect_reads), 0, 0, "false",
	  "Whether GET requests and /api/live need a token too (/api/health and the dashboard's static "
	  "files stay open). Websocket clients may send it as ?token= or as a \"bearer.<token>\" "
	  "Sec-WebSocket-Protocol." },
	{ "security", "allow_insecure_bind", KEY_BOOL, F(allow_insecure_bind), 0, 0, "false",
	  "Whether server.listen may be beyond loopback (127.0.0.0/8, ::1) without any API token." },
	{ "security", "allow_targets", KEY_TARGETS, F(allow_targets), 0, 0, "127.0.0.0/8, ::1, localhost",
	  "Comma-separated hosts tests may target: networks (10.0.0.0/8, fd00::/8), addresses, names and "
	  "globs (*.staging.example). Names are matched as written (no DNS at validation); when a run "
	  "connects, the address must be inside a listed network." },
	{ "security", "env_allow", KEY_ENVNAMES, F(env_allow), 0, 0, "",
	  "Comma-separated environment variables (names or globs like RAMPAGE_*) that definitions sent to "
	  "the daemon may read as {{env.NAME}}; the others read as unset. Empty: none." },
	{ "limits", "max_vus", KEY_INT, F(max_vus), 1, 100000000, "10000",
	  "Most VUs a test may use, over all its scenarios." },
	{ "limits", "max_rate", KEY_INT, F(max_rate), 1, 100000000, "100000",
	  "Most iterations per second a test's arrival-rate scenarios may ask for, together." },
	{ "limits", "max_duration", KEY_DURATION, F(max_duration_ns), 0, 0, "24h",
	  "Longest a scenario may run (startTime + duration, stages or maxDuration; and its gracefulStop)." },
	{ "limits", "max_request_body", KEY_INT, F(max_request_body), 1024, 1073741824, "1048576",
	  "Bytes of an API request body; larger bodies get 413." },
	{ "limits", "max_definition_bytes", KEY_INT, F(max_definition_bytes), 1024, 1073741824, "1048576",
	  "Bytes of a test definition." },
	{ "agents", "urls", KEY_WSURLS, F(agent_urls), 0, 0, "",
	  "Comma-separated agents (`rampage agent --listen`) this daemon may run tests over, as ws://HOST:PORT "
	  "or wss://HOST:PORT (wss checks the agent's certificate). A test asks for some with `agents: N` "
	  "or `\"all\"` (docs/scale-out.md). Empty: none." },
	{ "agents", "dns", KEY_HOSTPORT, F(agent_dns), 0, 0, "",
	  "NAME:PORT whose every A/AAAA record is an agent (a Kubernetes headless Service), resolved when "
	  "a run starts; added to urls. Empty: none." },
	{ "agents", "token_file", KEY_OPTSTRING, F(agent_token_file), 0, 0, "",
	  "File whose first line is the token the agents accept (their --token-file); refused if readable "
	  "by every user (chmod 600)." },
	{ "agents", "ca_file", KEY_OPTSTRING, F(agent_ca_file), 0, 0, "",
	  "CA bundle (PEM) that wss:// agents' certificates are checked against. Empty: the system's." },
	{ "agents", "late_ms", KEY_INT, F(agent_late_ms), 100, 60000, "2000",
	  "Milliseconds a second of a run over agents waits for a late agent's share before it is stored "
	  "without it, marked incomplete (the share still counts in the run's totals)." },
	{ "agents", "connect_timeout_ms", KEY_INT, F(agent_connect_timeout_ms), 100, 600000, "10000",
	  "Milliseconds from a run's start until every agent has connected, measured its clock and "
	  "prepared; beyond, the run ends as error naming the agent." },
	{ "webhooks", "urls", KEY_URLS, F(webhook_urls), 0, 0, "",
	  "Comma-separated http(s) URLs that get a JSON document (signed, see secret) when a run ends, "
	  "as `when` says; each must pass webhooks.allow. Saved tests may add their own (PATCH "
	  "/api/tests/{id} {\"notify\": ...}). Empty: none." },
	{ "webhooks", "secret", KEY_OPTSTRING, F(webhook_secret), 0, 0, "",
	  "HMAC-SHA256 key: each delivery carries X-Rampage-Signature-256: sha256=<hex of the HMAC of the "
	  "body>. Prefer secret_file: this file is usually readable by every user. Empty: unsigned." },
	{ "webhooks", "secret_file", KEY_OPTSTRING, F(webhook_secret_file), 0, 0, "",
	  "File holding the HMAC key (its first line); refused if readable by every user (chmod 600). "
	  "Not with secret." },
	{ "webhooks", "allow", KEY_OPTTARGETS, F(webhook_allow), 0, 0, "",
	  "Comma-separated hosts webhooks may be sent to, in security.allow_targets' syntax (networks, "
	  "addresses, names, globs); checked when a URL is configured or saved, and again at connect time "
	  "against the resolved address (so a name must resolve inside a listed network). Empty: none." },
	{ "webhooks", "when", KEY_WHEN, F(webhook_when), 0, 0, "failure",
	  "When webhooks.urls are told: always (every end), failure (failed, error, aborted, or stopped "
	  "with a failed threshold) or change (a failure after a non-failure of the same test, or back)." },
	{ "webhooks", "timeout_s", KEY_INT, F(webhook_timeout_s), 1, 300, "10",
	  "Seconds one delivery attempt may take (connect and answer)." },
	{ "webhooks", "max_attempts", KEY_INT, F(webhook_max_attempts), 1, 100, "8",
	  "Attempts of a delivery before it is failed; a non-2xx answer or no answer is retried." },
	{ "webhooks", "retry_base_ms", KEY_INT, F(webhook_retry_base_ms), 10, 3600000, "10000",
	  "The retry schedule's unit: after the Nth failed attempt the next waits 1, 3, 6, 12, 30, 60, "
	  "60... units (10 s, 30 s, 1 min, 2 min, 5 min, 10 min, 10 min... by default: 8 attempts span "
	  "about 29 minutes)." },
};
#undef F
#define NKEYS (sizeof keys / sizeof keys[0])

/* Find a key by section and name. */
static const struct key *
find(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

int
conf_parse_listen(const char *value, char **host, int *port, char **cause)
{
	const char *colon, *h = value;
	size_t hlen;
	char *end;
	long p;

	*host = NULL;
	if (value[0] == '[') {
		const char *close = strchr(value, ']');
		if (close == NULL || close[1] != ':')
			goto bad;
		h = value + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (colon == NULL || memchr(value, ':', (size_t)(colon - value)) != NULL)
			goto bad;
		hlen = (size_t)(colon - value);
	}
	if (hlen == 0 || colon[1] == '\0')
		goto bad;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 0 || p > 65535)
		goto bad;
	*host = xstrndup(h, hlen);
	*port = (int)p;
	return 0;
bad:
	*cause = xasprintf("expected ADDR:PORT like 127.0.0.1:8089 or [::1]:8089 (port 0-65535), got \"%s\"",
	    value);
	return -1;
}

int
conf_check_url(const char *url, char **why)
{
	const char *h, *end, *colon;
	size_t len = strlen(url);

	if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else {
		*why = xasprintf("\"%.80s\": expected an http:// or https:// URL", url);
		return -1;
	}
	if (len > CONF_URL_MAX) {
		*why = xasprintf("\"%.80s...\": longer than %d bytes", url, CONF_URL_MAX);
		return -1;
	}
	for (const char *p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why = xasprintf("\"%.80s\": holds a space or control character", url);
			return -1;
		}
	}
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)) != NULL) {
		*why = xasprintf("\"%.80s\": a user name or password in the URL is not allowed", url);
		return -1;
	}
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (close == NULL || close == h + 1) {
			*why = xasprintf("\"%.80s\": cannot read the host", url);
			return -1;
		}
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close + 1 != end && colon == NULL) {
			*why = xasprintf("\"%.80s\": cannot read the host", url);
			return -1;
		}
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if ((colon != NULL ? colon : end) == h) {
			*why = xasprintf("\"%.80s\": no host", url);
			return -1;
		}
	}
	if (colon != NULL) {
		long port = 0;
		const char *p = colon + 1;
		if (p == end)
			goto badport;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
				goto badport;
		}
		if (port == 0)
			goto badport;
	}
	return 0;
badport:
	*why = xasprintf("\"%.80s\": the port must be 1 to 65535", url);
	return -1;
}

/* Checks a comma-separated list of URLs (empty entries are ignored). */
static int
check_urls(const char *list, char **why)
{
	char *copy = xstrdup(list), *save = NULL;
	int n = 0, rc = 0;

	for (char *u = strtok_r(copy, ", \t", &save); u != NULL; u = strtok_r(NULL, ", \t", &save)) {
		if (++n > CONF_URLS_MAX) {
			*why = xasprintf("expected at most %d URLs", CONF_URLS_MAX);
			rc = -1;
			break;
		}
		if ((rc = conf_check_url(u, why)) != 0)
			break;
	}
	free(copy);
	return rc;
}

/* agents.urls: ws:// or wss:// URLs with a host (and an optional port and path), at most 256. */
static int
check_ws_urls(const char *list, char **why)
{
	char *copy = xstrdup(list), *save = NULL;
	int n = 0, rc = 0;

	for (char *u = strtok_r(copy, ", \t", &save); u != NULL; u = strtok_r(NULL, ", \t", &save)) {
		const char *host = strncmp(u, "ws://", 5) == 0 ? u + 5 : strncmp(u, "wss://", 6) == 0 ?
		    u + 6 : NULL;
		if (++n > 256) {
			*why = xstrdup("expected at most 256 agents");
			rc = -1;
			break;
		}
		if (host == NULL || host[0] == '\0' || host[0] == '/' || host[0] == ':' ||
		    strpbrk(u, " \"'<>\\@") != NULL) {
			*why = xasprintf("\"%s\": expected ws://HOST:PORT or wss://HOST:PORT (an agent's "
			    "--listen)", u);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* agents.dns: NAME:PORT, the port 1-65535. */
static int
check_hostport(const char *v, char **why)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (colon == NULL || colon == v || strpbrk(v, " /@") != NULL) {
		*why = xasprintf("\"%s\": expected NAME:PORT (a headless Service's name and the agents' port)",
		    v);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		*why = xasprintf("\"%s\": the port must be 1-65535", v);
		return -1;
	}
	return 0;
}

/* Parse and store one value; on error *cause says why (without the key's name). */
static int
apply(struct conf *cfg, const struct key *k, const char *value, char **cause)
{
	char *base = (char *)cfg + k->off;

	switch (k->type) {
	case KEY_STRING:
	case KEY_OPTSTRING:
	case KEY_TOKENS:
	case KEY_TARGETS:
	case KEY_ENVNAMES:
	case KEY_HOSTS:
	case KEY_OPTTARGETS:
	case KEY_URL:
	case KEY_URLS:
	case KEY_WSURLS:
	case KEY_HOSTPORT:
		if (value[0] == '\0' && (k->type == KEY_STRING || k->type == KEY_TARGETS)) {
			*cause = xstrdup("expected a non-empty value");
			return -1;
		}
		if (k->type == KEY_TOKENS && cfg->checks.tokens != NULL && cfg->checks.tokens(value, cause) != 0)
			return -1;
		if (k->type == KEY_URL && value[0] != '\0' && conf_check_url(value, cause) != 0)
			return -1;
		if (k->type == KEY_URLS && check_urls(value, cause) != 0)
			return -1;
		if (k->type == KEY_WSURLS && check_ws_urls(value, cause) != 0)
			return -1;
		if (k->type == KEY_HOSTPORT && value[0] != '\0' && check_hostport(value, cause) != 0)
			return -1;
		if ((k->type == KEY_TARGETS || (k->type == KEY_OPTTARGETS && value[0] != '\0')) &&
		    cfg->checks.targets != NULL &&
		    cfg->checks.targets(value, cause) != 0)
			return -1;
		if (k->type == KEY_HOSTS && cfg->checks.hosts != NULL && cfg->checks.hosts(value, cause) != 0)
			return -1;
		if (k->type == KEY_ENVNAMES && cfg->checks.env_names != NULL &&
		    cfg->checks.env_names(value, cause) != 0)
			return -1;
		free(*(char **)base);
		*(char **)base = value[0] == '\0' ? NULL : xstrdup(value);
		return 0;
	case KEY_WHEN:
		if (strcmp(value, "always") != 0 && strcmp(value, "failure") != 0 &&
		    strcmp(value, "change") != 0) {
			*cause = xasprintf("expected always, failure or change, got \"%s\"", value);
			return -1;
		}
		free(*(char **)base);
		*(char **)base = xstrdup(value);
		return 0;
	case KEY_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "on") == 0 ||
		    strcmp(value, "1") == 0) {
			*(int *)base = 1;
		} else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
			*(int *)base = 0;
		} else {
			*cause = xasprintf("expected true or false, got \"%s\"", value);
			return -1;
		}
		return 0;
	case KEY_DURATION: {
		int64_t ns;
		if (duration_parse(value, &ns) != DURATION_OK || ns <= 0) {
			*cause = xasprintf("expected a duration like \"30m\" or \"24h\", got \"%s\"", value);
			return -1;
		}
		*(int64_t *)base = ns;
		return 0;
	}
	case KEY_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
			*cause = xasprintf("expected an integer from %ld to %ld, got \"%s\"", k->min,
			    k->max, value);
			return -1;
		}
		*(int *)base = (int)v;
		return 0;
	}
	case KEY_LISTEN: {
		char *host;
		int port;
		if (conf_parse_listen(value, &host, &port, cause) != 0)
			return -1;
		free(cfg->listen_host);
		cfg->listen_host = host;
		cfg->listen_port = port;
		return 0;
	}
	case KEY_LOGLEVEL: {
		int saved = log_level;
		if (log_set_level(value) != 0) {
			*cause = xasprintf("expected one of error, warning, notice, info, debug; got \"%s\"",
			    value);
			return -1;
		}
		*(int *)base = log_level;
		log_level = saved;
		return 0;
	}
	}
	abort();
}

void
conf_init(struct conf *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NKEYS; i++) {
		char *cause = NULL;
		if (apply(cfg, &keys[i], keys[i].def, &cause) != 0)
			abort(); /* a bad default is a bug */
	}
}

void
conf_fini(struct conf *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type == KEY_STRING || keys[i].type == KEY_OPTSTRING ||
		    keys[i].type == KEY_TOKENS || keys[i].type == KEY_TARGETS ||
		    keys[i].type == KEY_ENVNAMES || keys[i].type == KEY_HOSTS ||
		    keys[i].type == KEY_LISTEN || keys[i].type == KEY_OPTTARGETS ||
		    keys[i].type == KEY_URL || keys[i].type == KEY_URLS || keys[i].type == KEY_WHEN ||
		    keys[i].type == KEY_WSURLS || keys[i].type == KEY_HOSTPORT) {
			char **p = (char **)((char *)cfg + keys[i].off);
			free(*p);
			*p = NULL;
		}
	}
}

struct load_state {
	struct conf *cfg;
	char *cause;               /* first error, without file:line */
};

/* inih callback: returning 0 makes ini_parse report this line. */
static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *ls = user;
	const struct key *k = find(section, name);
	char *why = NULL;

	if (ls->cause != NULL)
		return 0;
	if (k == NULL) {
		ls->cause = xasprintf("%s.%s: unknown key (see etc/rampage.conf for the list)",
		    section[0] ? section : "(no section)", name);
		return 0;
	}
	if (apply(ls->cfg, k, value, &why) != 0) {
		ls->cause = xasprintf("%s.%s: %s", section, name, why);
		free(why);
		return 0;
	}
	return 1;
}

int
conf_load(struct conf *cfg, const char *path, int must_exist, char **cause)
{
	struct load_state ls = { cfg, NULL };
	struct stat st;
	FILE *f;
	int line;

	*cause = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		*cause = xasprintf("%s: is a directory, expected an INI file", path);
		return -1;
	}
	line = ini_parse_file(f, on_ini, &ls);
	fclose(f);
	if (line == 0)
		return 0;
	if (ls.cause != NULL) {
		*cause = xasprintf("%s:%d: %s", path, line, ls.cause);
		free(ls.cause);
	} else if (line > 0) {
		*cause = xasprintf("%s:%d: syntax error (expected [section] or key = value)", path, line);
	} else {
		*cause = xasprintf("%s: could not read the file", path);
	}
	return -1;
}

int
conf_set(struct conf *cfg, const char *key, const char *value, char **cause)
{
	const char *dot = strchr(key, '.');
	char section[64];
	const struct key *k = NULL;
	char *why = NULL;

	if (dot != NULL && (size_t)(dot - key) < sizeof section) {
		memcpy(section, key, (size_t)(dot - key));
		section[dot - key] = '\0';
		k = find(section, dot + 1);
	}
	if (k == NULL) {
		*cause = xasprintf("%s: unknown key", key);
		return -1;
	}
	if (apply(cfg, k, value, &why) != 0) {
		*cause = xasprintf("%s: %s", key, why);
		free(why);
		return -1;
	}
	return 0;
}

void
conf_print_defaults(void)
{
	const char *section = "";

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section) != 0) {
			section = keys[i].section;
			printf("%s[%s]\n", i ? "\n" : "", section);
		}
		printf("# %s\n;%s =%s%s\n", keys[i].help, keys[i].name, keys[i].def[0] ? " " : "",
		    keys[i].def);
	}
}

/*
 * A daemon started from the build tree (`_build/rampage serve`, not installed) has no dashboard at
 * the default web root; the build assembles one next to the binary (`_build/webroot/`). When the web
 * root is the default and absent, that one is used, and the log says so.
 */
void
conf_find_uninstalled_web_root(struct conf *cfg)
{
	char exe[PATH_MAX], *slash, *near, *cause = NULL;
	ssize_t n;
	struct stat st;

	if (strcmp(cfg->web_root, RAMPAGE_PKGDATADIR "/web") != 0 || stat(cfg->web_root, &st) == 0)
		return;
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return;
	*slash = '\0';
	near = xasprintf("%s/webroot", exe);
	if (stat(near, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_notice("web root %s is not installed: serving the build tree's %s", cfg->web_root, near);
		if (conf_set(cfg, "server.web_root", near, &cause) != 0) {
			log_warn("%s", cause);
			free(cause);
		}
	}
	free(near);
}
