/* Unit tests for core/conf: defaults, INI loading, errors naming file:line: key: why. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/xmalloc.h"
#include "core/log.h"
#include "tap.h"

static char path[] = "/tmp/rampage-test-config-XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Load text into a fresh config and return the cause (NULL on success). */
static char *
load(struct conf *cfg, const char *text)
{
	char *cause = NULL;
	write_file(text);
	conf_fini(cfg);
	conf_init(cfg);
	if (conf_load(cfg, path, 1, &cause) == 0)
		return NULL;
	return cause;
}

static int
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* A list check that refuses everything. */
static int
refuse_all(const char *list, char **why)
{
	(void)list;
	*why = xstrdup("refused by the check");
	return -1;
}

int
main(void)
{
	struct conf cfg;
	char *cause = NULL;
	int fd = mkstemp(path);
	close(fd);

	conf_init(&cfg);
	is_str(cfg.listen_host, "127.0.0.1", "default listen host is loopback");
	is_int(cfg.listen_port, 8089, "default port");
	is_int(cfg.max_concurrent_runs, 1, "default max_concurrent_runs");
	is_int(cfg.log_level, LOG_INFO, "default log level");

	cause = load(&cfg, "; comment\n[server]\nlisten = [::1]:0\nlog_level = debug\n[runs]\nmax_concurrent_runs = 3\n");
	ok(cause == NULL, "a valid file loads (%s)", cause ? cause : "");
	is_str(cfg.listen_host, "::1", "IPv6 listen host");
	is_int(cfg.listen_port, 0, "port 0");
	is_int(cfg.log_level, LOG_DEBUG, "log level by name");
	is_int(cfg.max_concurrent_runs, 3, "integer key");
	free(cause);

	cause = load(&cfg, "[server]\nlisten = 127.0.0.1:8089\n\nmax_connections = lots\n");
	ok(contains(cause, ":4: server.max_connections: expected an integer from 1 to 100000, got \"lots\""),
	    "a bad integer names file:line: key: why (%s)", cause);
	ok(contains(cause, path), "and the file");
	free(cause);

	cause = load(&cfg, "[server]\nlistn = 1\n");
	ok(contains(cause, ":2: server.listn: unknown key"), "an unknown key is an error (%s)", cause);
	free(cause);

	cause = load(&cfg, "[server]\nlisten = 127.0.0.1:99999\n");
	ok(contains(cause, "server.listen: expected ADDR:PORT"), "a port out of range (%s)", cause);
	free(cause);

	cause = load(&cfg, "[runs]\nmax_concurrent_runs = 0\n");
	ok(contains(cause, "from 1 to 64"), "below the minimum (%s)", cause);
	free(cause);

	cause = load(&cfg, "[server]\nthis line has no equals sign\n");
	ok(contains(cause, ":2: syntax error"), "an INI syntax error names the line (%s)", cause);
	free(cause);

	cause = load(&cfg, "[server]\nlog_level = loud\n");
	ok(contains(cause, "server.log_level: expected one of error"), "bad log level (%s)", cause);
	is_int(log_level, LOG_INFO, "a rejected level leaves the global level alone");
	free(cause);

	conf_fini(&cfg);
	conf_init(&cfg);
	int rc;
	ok(conf_load(&cfg, "/nonexistent/rampage.conf", 0, &cause) == 0, "a missing default file is fine");
	rc = conf_load(&cfg, "/nonexistent/rampage.conf", 1, &cause);
	ok(rc != 0 && contains(cause, "No such file"), "a missing explicit file is an error (%s)", cause);
	free(cause);

	ok(conf_set(&cfg, "server.db", "/tmp/x.db", &cause) == 0, "set by dotted key");
	is_str(cfg.db_path, "/tmp/x.db", "value stored");
	rc = conf_set(&cfg, "server.nope", "1", &cause);
	ok(rc != 0 && contains(cause, "server.nope: unknown key"), "set of an unknown key fails (%s)", cause);
	free(cause);
	rc = conf_set(&cfg, "server.listen", "localhost", &cause);
	ok(rc != 0 && contains(cause, "server.listen: expected ADDR:PORT"), "listen without a port fails (%s)", cause);
	free(cause);

	/* Checks installed by a higher module (security_conf_checks) run on the lists; without them a
	   list is taken as written. */
	rc = conf_set(&cfg, "security.allow_targets", "not a target", &cause);
	ok(rc == 0, "without installed checks a target list is taken as written");
	cfg.checks.targets = refuse_all;
	rc = conf_set(&cfg, "security.allow_targets", "10.0.0.1", &cause);
	ok(rc != 0 && contains(cause, "security.allow_targets: refused by the check"),
	    "an installed check refuses, and the error names the key (%s)", cause);
	free(cause);
	is_str(cfg.allow_targets, "not a target", "and the value before it stays");

	/* [webhooks] and server.public_url: URLs, the when word, webhooks.allow by the same check */
	static const char *const bad[][3] = {
		{ "server.public_url", "rampage.example", "server.public_url: \"rampage.example\": expected an http:// or https:// URL" },
		{ "server.public_url", "http://:8089/", "server.public_url: \"http://:8089/\": no host" },
		{ "webhooks.urls", "http://a.example/x, ftp://b.example/", "webhooks.urls: \"ftp://b.example/\": expected an http" },
		{ "webhooks.urls", "http://u:p@a.example/x", "webhooks.urls: \"http://u:p@a.example/x\": a user name or password" },
		{ "webhooks.urls", "http://a.example:0/x", "webhooks.urls: \"http://a.example:0/x\": the port must be 1 to 65535" },
		{ "webhooks.urls", "http://a.example/x y", "webhooks.urls: \"y\": expected an http" },
		{ "webhooks.when", "sometimes", "webhooks.when: expected always, failure or change, got \"sometimes\"" },
		{ "webhooks.max_attempts", "0", "webhooks.max_attempts: expected an integer from 1 to 100" },
		{ "webhooks.allow", "10.0.0.1", "webhooks.allow: refused by the check" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = conf_set(&cfg, bad[i][0], bad[i][1], &cause);
		ok(rc != 0 && contains(cause, bad[i][2]), "%s = %s is refused, naming the key (%s)", bad[i][0],
		    bad[i][1], rc != 0 ? cause : "accepted");
		if (rc != 0)
			free(cause);
	}
	is_str(cfg.webhook_when, "failure", "webhooks.when defaults to failure");
	ok(cfg.webhook_allow == NULL && cfg.webhook_urls == NULL && cfg.public_url == NULL,
	    "no webhook destination and no public URL by default");
	ok(conf_set(&cfg, "webhooks.allow", "", &cause) == 0, "an empty webhooks.allow is not checked (nothing allowed)");
	ok(conf_set(&cfg, "server.public_url", "https://[::1]:8089/", &cause) == 0 &&
	    strcmp(cfg.public_url, "https://[::1]:8089/") == 0, "an IPv6 public_url is read");
	ok(conf_set(&cfg, "webhooks.urls", "https://hooks.example/a,http://127.0.0.1:9000/b", &cause) == 0,
	    "a list of two URLs is read");

	conf_fini(&cfg);
	unlink(path);
	return done_testing();
}
