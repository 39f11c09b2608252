/*
 * test_fleet: the parts of engine/fleet.c that need no agent: the list of agents from config (URLs
 * checked, DNS records, sorted and without duplicates) and the agents' token file. A whole run over
 * agents is tests/integration/204-fleet.sh.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex.h>

#include "engine/fleet.h"
#include "tap.h"

/* ok() that got matches the extended regex re. */
#define like(got, re, ...) do { const char *g_ = (got); regex_t r_; \
	int m_ = g_ != NULL && regcomp(&r_, (re), REG_EXTENDED | REG_NOSUB) == 0 ? \
	    (regexec(&r_, g_, 0, NULL, 0) == 0 ? (regfree(&r_), 1) : (regfree(&r_), 0)) : 0; \
	ok(m_, __VA_ARGS__); if (!m_) printf("#   got: %s\n#   expected to match: %s\n", g_ ? g_ : "(null)", (re)); \
	} while (0)

static char *
joined(char **list, int n)
{
	static char buf[1024];
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && k < sizeof buf; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? " " : "", list[i]);
	return buf;
}

static void
test_agents(void)
{
	char *cause = NULL, **l;
	int n = -1;

	l = fleet_agents("ws://b.example:1, ws://a.example:2/ ,ws://a.example:2/,, wss://c.example:3", NULL,
	    &n, &cause);
	ok(l != NULL, "a list of URLs");
	is_str(l != NULL ? joined(l, n) : cause, "ws://a.example:2/ ws://b.example:1 wss://c.example:3",
	    "sorted, blanks and duplicates dropped");
	fleet_agents_free(l, n);

	l = fleet_agents("ws://a:1, http://b:2", NULL, &n, &cause);
	ok(l == NULL, "an http:// URL is refused");
	like(cause, "\"http://b:2\": expected a ws:// or wss:// URL", "naming it");
	free(cause);
	cause = NULL;

	l = fleet_agents(NULL, "localhost:7000", &n, &cause);
	ok(l != NULL, "a DNS name resolves to its records");
	like(l != NULL ? joined(l, n) : cause, "ws://(127\\.0\\.0\\.1|\\[::1\\]):7000/",
	    "each record an agent on the name's port");
	fleet_agents_free(l, n);

	l = fleet_agents("ws://127.0.0.1:7000/", "localhost:7000", &n, &cause);
	ok(l != NULL && n >= 1, "URLs and DNS together");
	{
		int same = 0;
		for (int i = 0; l != NULL && i < n; i++)
			same += strcmp(l[i], "ws://127.0.0.1:7000/") == 0;
		ok(l == NULL || same == 1, "an agent named both ways is one agent (%d)", same);
	}
	fleet_agents_free(l, n);

	l = fleet_agents(NULL, "no-such-agent.invalid:7000", &n, &cause);
	ok(l == NULL, "a name that does not resolve");
	like(cause, "^agents.dns \"no-such-agent.invalid:7000\": ", "is an error naming agents.dns");
	free(cause);
	cause = NULL;

	l = fleet_agents(NULL, "rampage-agents", &n, &cause);
	ok(l == NULL, "a name without a port");
	like(cause, "expected NAME:PORT", "is an error saying what is expected");
	free(cause);
	cause = NULL;

	l = fleet_agents(NULL, NULL, &n, &cause);
	ok(l == NULL && n == 0, "no agent configured");
	like(cause, "no agent is configured", "says so");
	free(cause);
}

static void
test_token(void)
{
	char path[] = "/tmp/rampage-test-fleet.XXXXXX", *cause = NULL, *tok;
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fprintf(fp, "# the agents' token\n\n   fleet-token-0123456789   \nsecond-line\n");
	fclose(fp);
	chmod(path, 0600);
	tok = fleet_read_token(path, &cause);
	is_str(tok != NULL ? tok : cause, "fleet-token-0123456789", "the first line that is not blank or a comment, trimmed");
	free(tok);

	chmod(path, 0644);
	tok = fleet_read_token(path, &cause);
	ok(tok == NULL, "a token file readable by every user is refused");
	like(cause, "readable by every user \\(chmod 600\\)", "saying how to fix it");
	free(cause);
	cause = NULL;

	chmod(path, 0600);
	fp = fopen(path, "w");
	fprintf(fp, "# only a comment\n");
	fclose(fp);
	tok = fleet_read_token(path, &cause);
	ok(tok == NULL, "a file without a token");
	like(cause, "holds no token", "says so");
	free(cause);
	cause = NULL;
	unlink(path);

	tok = fleet_read_token(path, &cause);
	ok(tok == NULL, "a missing file");
	like(cause, "No such file", "gives the system's reason");
	free(cause);
	cause = NULL;
	tok = fleet_read_token(NULL, &cause);
	ok(tok == NULL, "no token_file configured");
	like(cause, "agents.token_file is not set", "names the key");
	free(cause);
}

int
main(void)
{
	test_agents();
	test_token();
	return done_testing();
}
