/*
 * Unit tests for security: token syntax, parsing and comparison, the token file's permission check,
 * the bind policy, the websocket head parser, the target allowlist (CIDRs incl. IPv6 and
 * IPv4-mapped, globs, resolver-style numeric hosts, origins), the run-time address check, the
 * environment allowlist, the caps and the config keys. How a definition is judged under the policy
 * is tests/unit/test_run_plan.c.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "security/security.h"
#include "tap.h"

#define TOK_A "aaaaaaaaaaaaaaaaaaaa"              /* 20 characters */
#define TOK_B "0123456789abcdef0123456789abcdef"  /* 32 */

static char dir[] = "/tmp/rampage-test-security-XXXXXX";

static int
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* A config with defaults and the given security/limits keys ("key", "value", ..., NULL). */
static void
cfg_with(struct conf *cfg, ...)
{
	va_list ap;
	const char *k, *v;
	char *cause = NULL;

	conf_init(cfg);
	security_conf_checks(cfg);
	va_start(ap, cfg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (conf_set(cfg, k, v, &cause) != 0) {
			printf("# config_set %s=%s: %s\n", k, v, cause);
			free(cause);
			cause = NULL;
		}
	}
	va_end(ap);
}

/* security_new over a config; NULL and *cause on failure. */
static struct security *
sec_with_cfg(const struct conf *cfg, char **cause)
{
	*cause = NULL;
	return security_new(cfg, cause);
}

/* A policy whose allowlist is `targets` (and no tokens). */
static struct security *
sec_targets(const char *targets)
{
	struct conf cfg;
	struct security *sec;
	char *cause = NULL;

	cfg_with(&cfg, "security.allow_targets", targets, NULL);
	sec = security_new(&cfg, &cause);
	if (sec == NULL)
		printf("# security_new: %s\n", cause);
	free(cause);
	conf_fini(&cfg);
	return sec;
}

/* Whether origin is allowed; keeps the last refusal for inspection. */
static char last_why[512];

static int
allowed(struct security *sec, const char *origin)
{
	char *why = NULL;
	int r = security_check_target(sec, origin, &why);

	snprintf(last_why, sizeof last_why, "%s", why ? why : "");
	free(why);
	return r == 0;
}

/* Writes a file with a mode; returns its path (static buffer). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void
test_token_syntax(void)
{
	char *why = NULL;
	int r;

	ok(security_tokens_check("", &why) == 0, "an empty list is fine (no tokens)");
	ok(security_tokens_check(" , ,", &why) == 0, "so are empty entries");
	ok(security_tokens_check(TOK_A ", " TOK_B, &why) == 0, "two tokens, spaces trimmed");
	ok(security_tokens_check("abc-DEF_123.~+/xyz==", &why) == 0, "b64token characters and = padding");
	r = security_tokens_check("short", &why);
	ok(r != 0 && contains(why, "16 to 256 characters") && contains(why, "openssl rand"),
	    "a short token is refused with advice (%s)", why);
	free(why);
	why = NULL;
	r = security_tokens_check("aaaaaaaaaaaaaaaa=a", &why);
	ok(r != 0 && contains(why, "only letters"), "= only at the end (%s)", why);
	free(why);
	why = NULL;
	ok(security_tokens_check("aaaaaaaa aaaaaaaaaaaa", &why) != 0, "no inner space");
	free(why);
	why = NULL;
	ok(security_tokens_check("aaaaaaaaaaaaaaaa\"x", &why) != 0, "no quote");
	free(why);
	why = NULL;
	{
		char big[300];
		memset(big, 'a', 257);
		big[257] = '\0';
		ok(security_tokens_check(big, &why) != 0, "257 characters is too long");
		free(why);
		why = NULL;
		big[256] = '\0';
		ok(security_tokens_check(big, &why) == 0, "256 is fine");
	}
}

static void
test_tokens(void)
{
	struct conf cfg;
	struct security *sec;
	char *cause;

	cfg_with(&cfg, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL && !security_has_tokens(sec) && !security_protect_reads(sec),
	    "defaults: no tokens, reads open");
	ok(!security_bearer_ok(sec, "Bearer " TOK_A), "no token matches when none is set");
	security_free(sec);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.api_tokens", " " TOK_A " ," TOK_B, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL && security_has_tokens(sec), "tokens from api_tokens");
	ok(security_token_ok(sec, TOK_A, strlen(TOK_A)), "the first token");
	ok(security_token_ok(sec, TOK_B, strlen(TOK_B)), "the second token");
	ok(!security_token_ok(sec, TOK_A, strlen(TOK_A) - 1), "a prefix is not the token");
	ok(!security_token_ok(sec, TOK_A "a", strlen(TOK_A) + 1), "nor a longer string");
	ok(!security_token_ok(sec, "aaaaaaaaaaaaaaaaaaab", 20), "one character off");
	ok(!security_token_ok(sec, "", 0), "the empty string");
	ok(!security_token_ok(sec, TOK_A "\0", strlen(TOK_A) + 1), "a NUL after the token counts");
	ok(security_bearer_ok(sec, "Bearer " TOK_A), "Authorization: Bearer <token>");
	ok(security_bearer_ok(sec, "bearer   " TOK_B "  "), "scheme case and blanks do not matter");
	ok(!security_bearer_ok(sec, "Bearer" TOK_A), "the scheme needs a blank after it");
	ok(!security_bearer_ok(sec, "Basic " TOK_A), "Basic is not Bearer");
	ok(!security_bearer_ok(sec, TOK_A), "a bare token is not a Bearer header");
	ok(!security_bearer_ok(sec, "Bearer " TOK_A " " TOK_B), "two tokens are not one");
	ok(!security_bearer_ok(sec, NULL), "no header");
	ok(!security_protect_reads(sec), "reads stay open without protect_reads");
	security_free(sec);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.protect_reads", "true", NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "security.protect_reads: needs a token"),
	    "protect_reads without a token is refused (%s)", cause);
	free(cause);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.protect_reads", "yes", "security.api_tokens", TOK_A, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL && security_protect_reads(sec), "protect_reads with a token");
	security_free(sec);
	conf_fini(&cfg);
}

static void
test_token_file(void)
{
	struct conf cfg;
	struct security *sec;
	const char *path;
	char *cause;

	path = write_file("tokens", "# API tokens\n\n  " TOK_A "  \r\n" TOK_B "\n", 0600);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL, "a 0600 token file loads (%s)", cause ? cause : "ok");
	ok(sec != NULL && security_token_ok(sec, TOK_A, strlen(TOK_A)) &&
	    security_token_ok(sec, TOK_B, strlen(TOK_B)), "both tokens (comments, blanks, CRLF skipped)");
	ok(sec != NULL && !security_token_ok(sec, "# API tokens", 12), "a comment is not a token");
	security_free(sec);
	conf_fini(&cfg);

	path = write_file("tokens-640", TOK_A "\n", 0640);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL, "0640 (a group) is fine");
	security_free(sec);
	conf_fini(&cfg);

	path = write_file("tokens-644", TOK_A "\n", 0644);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL, "a world-readable token file is refused");
	ok(contains(cause, "security.token_file: ") && contains(cause, "tokens-644: readable by every "
	    "user (mode 0644)") && contains(cause, "chmod 600"), "naming key, file, mode and fix (%s)",
	    cause);
	free(cause);
	conf_fini(&cfg);

	path = write_file("tokens-602", TOK_A "\n", 0602);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "writable by every user"), "so is a world-writable one (%s)",
	    cause);
	free(cause);
	conf_fini(&cfg);

	path = write_file("tokens-empty", "# nothing yet\n\n", 0600);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "no token in it"), "a file without tokens is refused (%s)",
	    cause);
	free(cause);
	conf_fini(&cfg);

	path = write_file("tokens-bad", TOK_A "\nshort\n", 0600);
	cfg_with(&cfg, "security.token_file", path, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "tokens-bad:2: a token must be"), "a bad line is named "
	    "file:line (%s)", cause);
	free(cause);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.token_file", dir, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "not a regular file"), "a directory is refused (%s)", cause);
	free(cause);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.token_file", "/nonexistent/tokens", NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec == NULL && contains(cause, "/nonexistent/tokens: No such file"), "a missing file (%s)",
	    cause);
	free(cause);
	conf_fini(&cfg);

	/* Tokens from both places add up. */
	path = write_file("tokens2", TOK_B "\n", 0600);
	cfg_with(&cfg, "security.token_file", path, "security.api_tokens", TOK_A, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL && security_token_ok(sec, TOK_A, strlen(TOK_A)) &&
	    security_token_ok(sec, TOK_B, strlen(TOK_B)), "api_tokens and token_file together");
	security_free(sec);
	conf_fini(&cfg);
}

static void
test_bind(void)
{
	static const char *const loop[] = { "127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1" };
	static const char *const wide[] = { "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::2" };
	struct conf cfg;
	char *cause = NULL;

	for (size_t i = 0; i < sizeof loop / sizeof loop[0]; i++) {
		cfg_with(&cfg, NULL);
		free(cfg.listen_host);
		cfg.listen_host = strdup(loop[i]);
		ok(security_check_bind(&cfg, &cause) == 0, "%s is loopback: no token needed", loop[i]);
		conf_fini(&cfg);
	}
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
		cfg_with(&cfg, NULL);
		free(cfg.listen_host);
		cfg.listen_host = strdup(wide[i]);
		cause = NULL;
		ok(security_check_bind(&cfg, &cause) != 0 && contains(cause, "security.api_tokens") &&
		    contains(cause, "security.allow_insecure_bind = true"), "%s without tokens is refused, "
		    "naming the keys", wide[i]);
		free(cause);
		conf_fini(&cfg);
	}
	cfg_with(&cfg, "server.listen", "0.0.0.0:8089", NULL);
	cause = NULL;
	security_check_bind(&cfg, &cause);
	ok(contains(cause, "refusing to listen on 0.0.0.0:8089"), "the message names the address (%s)",
	    cause);
	free(cause);
	conf_fini(&cfg);
	cfg_with(&cfg, "server.listen", "[::]:0", NULL);
	cause = NULL;
	security_check_bind(&cfg, &cause);
	ok(contains(cause, "[::]:0"), "IPv6 in brackets (%s)", cause);
	free(cause);
	conf_fini(&cfg);
	cfg_with(&cfg, "server.listen", "0.0.0.0:0", "security.api_tokens", " , ", NULL);
	cause = NULL;
	ok(security_check_bind(&cfg, &cause) != 0, "an api_tokens of only commas has no token");
	free(cause);
	conf_fini(&cfg);

	cfg_with(&cfg, "server.listen", "0.0.0.0:0", "security.api_tokens", TOK_A, NULL);
	ok(security_check_bind(&cfg, &cause) == 0, "0.0.0.0 with a token is fine");
	conf_fini(&cfg);
	cfg_with(&cfg, "server.listen", "0.0.0.0:0", "security.token_file", "/x", NULL);
	ok(security_check_bind(&cfg, &cause) == 0, "so with a token file (security_new reads it)");
	conf_fini(&cfg);
	cfg_with(&cfg, "server.listen", "[::]:0", "security.allow_insecure_bind", "true", NULL);
	ok(security_check_bind(&cfg, &cause) == 1, "allow_insecure_bind accepts the risk (1: warn)");
	conf_fini(&cfg);
}

static void
test_head(void)
{
	struct conf cfg;
	struct security *sec;
	char *cause;
	const char *h;

	cfg_with(&cfg, "security.api_tokens", TOK_A "," TOK_B, "security.protect_reads", "on", NULL);
	sec = sec_with_cfg(&cfg, &cause);
#define HEAD_OK(text) security_head_ok(sec, (text), strlen(text))
	ok(HEAD_OK("GET /api/live?token=" TOK_A " HTTP/1.1\r\nHost: x\r\n\r\n"), "?token=");
	ok(HEAD_OK("GET /api/live?a=1&token=" TOK_B "&b=2 HTTP/1.1\r\n\r\n"), "among other arguments");
	ok(HEAD_OK("GET /api/live?token=%61aaaaaaaaaaaaaaaaaa%61 HTTP/1.1\r\n\r\n"), "percent-encoded");
	ok(!HEAD_OK("GET /api/live?token=%6 HTTP/1.1\r\n\r\n"), "a broken escape is no token");
	ok(!HEAD_OK("GET /api/live?xtoken=" TOK_A " HTTP/1.1\r\n\r\n"), "xtoken= is not token=");
	ok(!HEAD_OK("GET /api/live?token=" TOK_A "x HTTP/1.1\r\n\r\n"), "a longer value is not the token");
	ok(!HEAD_OK("GET /api/live?token= HTTP/1.1\r\n\r\n"), "an empty value");
	ok(!HEAD_OK("GET /api/live HTTP/1.1\r\nHost: x\r\n\r\n"), "no token at all");
	ok(HEAD_OK("GET /api/live HTTP/1.1\r\nHost: x\r\nauthorization: Bearer " TOK_A "\r\n\r\n"),
	    "an Authorization header (any case)");
	ok(!HEAD_OK("GET /api/live HTTP/1.1\r\nAuthorization: Basic " TOK_A "\r\n\r\n"), "not Basic");
	ok(HEAD_OK("GET /api/live HTTP/1.1\r\nSec-WebSocket-Protocol: live, bearer." TOK_B "\r\n\r\n"),
	    "a bearer.<token> subprotocol");
	ok(HEAD_OK("GET /api/live HTTP/1.1\nSec-WebSocket-Protocol:bearer." TOK_A ",live\n\n"),
	    "first in the list, LF line ends");
	ok(!HEAD_OK("GET /api/live HTTP/1.1\r\nSec-WebSocket-Protocol: live, " TOK_A "\r\n\r\n"),
	    "a bare token is not a bearer. entry");
	ok(!HEAD_OK("GET /api/live HTTP/1.1\r\nSec-WebSocket-Protocol: bearer.nope\r\n\r\n"),
	    "a wrong subprotocol token");
	ok(!HEAD_OK("GET /api/live HTTP/1.1\r\nHost: x\r\n\r\nAuthorization: Bearer " TOK_A "\r\n"),
	    "a header after the head does not count");
	h = "GET /api/live HTTP/1.1\r\nAuthorization: Bearer " TOK_A "\r\n\r\n";
	ok(!security_head_ok(sec, h, 20), "only the given bytes are read");
	ok(!HEAD_OK(""), "nothing");
	ok(!HEAD_OK("GET"), "no line end");
#undef HEAD_OK
	security_free(sec);
	conf_fini(&cfg);
}

static void
test_targets_syntax(void)
{
	static const char *const good[] = {
		"127.0.0.0/8, ::1, localhost", "10.0.0.0/8", "fd00::/8", "::/0", "0.0.0.0/0", "*",
		"*.internal.example", "api-1.staging_x.example.", "10.1.2.3", "::ffff:0:0/96",
		"10.1.2.3/8", "a?c.example",
	};
	static const char *const bad[][2] = {
		{ "10.0.0.0/33", "prefix length must be 0 to 32" },
		{ "::1/129", "0 to 128" },
		{ "10.0.0.0/", "prefix length" },
		{ "10.0.0.0/x", "prefix length" },
		{ "10.0.0.0/-1", "prefix length" },
		{ "example.com/8", "expected a network" },
		{ "10.0.0", "not a valid IPv4 address" },
		{ "1.2.3.4.5", "not a valid IPv4 address" },
		{ "http://x.example", "without scheme or port" },
		{ "x.example:80", "without scheme or port" },
		{ "a..b", "expected a network" },
		{ ".a", "expected a network" },
		{ "a b", "expected a network" },
		{ "", "at least one" },
		{ " , ", "at least one" },
	};
	struct conf cfg;
	char *why = NULL, *cause = NULL;
	int r;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ok(security_targets_check(good[i], &why) == 0, "allow_targets \"%s\" is valid (%s)", good[i],
		    why ? why : "ok");
		free(why);
		why = NULL;
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = security_targets_check(bad[i][0], &why);
		ok(r != 0 && contains(why, bad[i][1]), "allow_targets \"%s\" is refused: %s", bad[i][0], why);
		free(why);
		why = NULL;
	}
	{
		char list[2000] = "";
		for (int i = 0; i < SECURITY_TARGETS_MAX + 1; i++)
			strcat(list, "a,");
		ok(security_targets_check(list, &why) != 0 && contains(why, "at most"),
		    "at most %d entries", SECURITY_TARGETS_MAX);
		free(why);
		why = NULL;
	}
	/* Through the config, with file:line. */
	conf_init(&cfg);
	security_conf_checks(&cfg);
	r = conf_set(&cfg, "security.allow_targets", "10.0.0.0/40", &cause);
	ok(r != 0 && contains(cause, "security.allow_targets: \"10.0.0.0/40\": the prefix length"),
	    "config_set names the key (%s)", cause);
	free(cause);
	cause = NULL;
	r = conf_set(&cfg, "security.api_tokens", "tiny", &cause);
	ok(r != 0 && contains(cause, "security.api_tokens: a token must be"), "a bad token too (%s)", cause);
	free(cause);
	cause = NULL;
	r = conf_set(&cfg, "security.protect_reads", "maybe", &cause);
	ok(r != 0 && contains(cause, "expected true or false"), "booleans (%s)", cause);
	free(cause);
	cause = NULL;
	r = conf_set(&cfg, "limits.max_duration", "forever", &cause);
	ok(r != 0 && contains(cause, "limits.max_duration: expected a duration"), "durations (%s)", cause);
	free(cause);
	cause = NULL;
	ok(conf_set(&cfg, "limits.max_duration", "0s", &cause) != 0, "a zero max_duration");
	free(cause);
	cause = NULL;
	ok(cfg.max_duration_ns == 86400LL * 1000000000, "default max_duration 24h");
	ok(conf_set(&cfg, "limits.max_duration", "1h30m", &cause) == 0 &&
	    cfg.max_duration_ns == 5400LL * 1000000000, "1h30m");
	ok(conf_set(&cfg, "security.api_tokens", "", &cause) == 0 && cfg.api_tokens == NULL,
	    "an empty api_tokens means none");
	ok(conf_set(&cfg, "security.allow_targets", "", &cause) != 0, "an empty allow_targets is refused");
	free(cause);
	cause = NULL;
	is_int(cfg.max_vus, 10000, "default limits.max_vus");
	is_int(cfg.max_rate, 100000, "default limits.max_rate");
	is_int(cfg.max_request_body, 1048576, "default limits.max_request_body");
	is_int(cfg.max_definition_bytes, 1048576, "default limits.max_definition_bytes");
	is_str(cfg.allow_targets, "127.0.0.0/8, ::1, localhost", "default allow_targets");
	conf_fini(&cfg);
}

static void
test_targets(void)
{
	struct security *sec = sec_targets("127.0.0.0/8, ::1, localhost");

	ok(sec != NULL, "the default allowlist");
	ok(allowed(sec, "http://127.0.0.1:8080"), "127.0.0.1");
	ok(allowed(sec, "https://127.255.255.254"), "the whole 127/8");
	ok(!allowed(sec, "http://128.0.0.1"), "128.0.0.1 is outside");
	ok(contains(last_why, "128.0.0.1 is not in security.allow_targets (127.0.0.0/8, ::1, localhost)"),
	    "the refusal names host, key and list (%s)", last_why);
	ok(!allowed(sec, "http://10.0.0.1:80"), "10.0.0.1");
	ok(!allowed(sec, "http://0.0.0.0:80"), "0.0.0.0 (which would reach loopback) is not listed");
	ok(allowed(sec, "http://[::1]:8080"), "[::1]");
	ok(allowed(sec, "http://[0:0:0:0:0:0:0:1]"), "[::1] written in full");
	ok(!allowed(sec, "http://[::2]"), "[::2]");
	ok(!allowed(sec, "http://[::]"), "[::]");
	ok(allowed(sec, "http://[::ffff:127.0.0.1]"), "IPv4-mapped loopback is loopback");
	ok(!allowed(sec, "http://[::ffff:10.0.0.1]"), "IPv4-mapped 10.0.0.1 is 10.0.0.1");
	ok(!allowed(sec, "http://[fe80::1%25eth0]"), "a zone id is not an address we allow");
	ok(allowed(sec, "http://localhost:3000"), "localhost");
	ok(allowed(sec, "http://LocalHost."), "any case, trailing dot");
	ok(allowed(sec, "http://127.0.0.1.:8080/x"), "127.0.0.1. (the DNS root's dot) is 127.0.0.1");
	ok(allowed(sec, "https://127.0.0.1."), "127.0.0.1. without a port");
	ok(!allowed(sec, "http://10.0.0.1.:80"), "10.0.0.1. is 10.0.0.1, refused");
	ok(contains(last_why, "10.0.0.1 is not in security.allow_targets"),
	    "and named without the dot (%s)", last_why);
	ok(!allowed(sec, "http://127.0.0.1..") && contains(last_why, "cannot read a host"),
	    "two trailing dots are no host (%s)", last_why);
	ok(!allowed(sec, "http://localhost.evil.example"), "localhost.evil.example");
	ok(contains(last_why, "DNS is not consulted"), "a refused name says DNS is not used (%s)",
	    last_why);
	ok(!allowed(sec, "http://evil-localhost"), "evil-localhost");
	ok(allowed(sec, "http://127.1"), "127.1 is 127.0.0.1 to the resolver");
	ok(allowed(sec, "http://0x7f000001"), "so is 0x7f000001");
	ok(allowed(sec, "http://2130706433:80"), "and 2130706433");
	ok(!allowed(sec, "http://0x0a000001"), "0x0a000001 is 10.0.0.1");
	ok(!allowed(sec, "http://167772161"), "167772161 is 10.0.0.1");
	ok(!allowed(sec, "ftp://127.0.0.1"), "only http(s)");
	ok(!allowed(sec, "http://user@127.0.0.1"), "no userinfo");
	ok(!allowed(sec, "http://"), "no host");
	ok(!allowed(sec, "http://[::1"), "an unclosed bracket");
	ok(!allowed(sec, "http://a_b!c"), "a name with a bad character");
	ok(!allowed(sec, "http://.localhost"), "a name starting with a dot");
	security_free(sec);

	sec = sec_targets("10.0.0.0/8, fd00::/8, *.internal.example, api.local, b?.example, "
	    "192.168.1.128/25, 172.16.5.5/12");
	ok(sec != NULL, "a custom list");
	ok(allowed(sec, "http://10.255.1.1"), "inside 10/8");
	ok(!allowed(sec, "http://11.0.0.1"), "outside 10/8");
	ok(!allowed(sec, "http://127.0.0.1"), "loopback is only allowed when listed");
	ok(!allowed(sec, "http://localhost"), "so is localhost");
	ok(allowed(sec, "http://[fd12:3456::1]:8443"), "inside fd00::/8");
	ok(!allowed(sec, "http://[fe80::1]"), "outside fd00::/8");
	ok(allowed(sec, "http://a.internal.example"), "*.internal.example: one label");
	ok(allowed(sec, "http://a.b.internal.example"), "several labels");
	ok(!allowed(sec, "http://internal.example"), "not the bare domain");
	ok(!allowed(sec, "http://xinternal.example"), "not a name merely ending the same");
	ok(!allowed(sec, "http://a.internal.example.evil"), "not a longer name");
	ok(allowed(sec, "https://API.local:443"), "an exact name, any case");
	ok(!allowed(sec, "http://api.local.evil"), "an exact name is exact");
	ok(allowed(sec, "http://b1.example") && !allowed(sec, "http://b12.example"), "? is one character");
	ok(!allowed(sec, "http://192.168.1.127") && allowed(sec, "http://192.168.1.128") &&
	    allowed(sec, "http://192.168.1.255"), "a /25 boundary");
	ok(allowed(sec, "http://172.31.0.1") && !allowed(sec, "http://172.32.0.1"),
	    "host bits of 172.16.5.5/12 are ignored");
	security_free(sec);

	sec = sec_targets("0.0.0.0/0");
	ok(allowed(sec, "http://8.8.8.8") && allowed(sec, "http://[::ffff:8.8.8.8]") &&
	    !allowed(sec, "http://[2001:db8::1]") && !allowed(sec, "http://example.com"),
	    "0.0.0.0/0: every IPv4 address, no IPv6, no name");
	security_free(sec);
	sec = sec_targets("::/0, *");
	ok(allowed(sec, "http://8.8.8.8") && allowed(sec, "http://[2001:db8::1]") &&
	    allowed(sec, "http://example.com"), "::/0 and *: everything");
	security_free(sec);
	sec = sec_targets("::ffff:0:0/96");
	ok(allowed(sec, "http://1.2.3.4") && !allowed(sec, "http://[::1]"), "::ffff:0:0/96 is all IPv4");
	security_free(sec);
}

static void
test_addr(void)
{
	struct security *sec = sec_targets("127.0.0.0/8, ::1, localhost, *.corp.example");
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	char *why = NULL;
	int r;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ok(security_check_addr(sec, (struct sockaddr *)&sin, &why) == 0 && why == NULL,
	    "127.0.0.1 may be connected to");
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	ok(security_check_addr(sec, (struct sockaddr *)&sin, NULL) != 0, "10.1.2.3 may not (why NULL)");
	r = security_check_addr(sec, (struct sockaddr *)&sin, &why);
	ok(r != 0 && contains(why, "10.1.2.3 is not in security.allow_targets") &&
	    contains(why, "must resolve inside a listed network"), "and says why (%s)", why);
	free(why);
	why = NULL;
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	ok(security_check_addr(sec, (struct sockaddr *)&sin6, NULL) == 0, "::1");
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr);
	ok(security_check_addr(sec, (struct sockaddr *)&sin6, NULL) == 0, "::ffff:127.0.0.2 (mapped)");
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &sin6.sin6_addr);
	r = security_check_addr(sec, (struct sockaddr *)&sin6, &why);
	ok(r != 0 && contains(why, "10.0.0.1 "),
	    "::ffff:10.0.0.1 is judged and shown as 10.0.0.1 (%s)", why);
	free(why);
	why = NULL;
	{
		struct sockaddr sa = { .sa_family = AF_UNIX };
		ok(security_check_addr(sec, &sa, NULL) != 0, "other families are refused");
	}
	ok(security_check_ip(sec, "127.3.3.3", NULL) == 0, "check_ip 127.3.3.3");
	ok(security_check_ip(sec, "192.168.0.1", &why) != 0 && why != NULL, "check_ip 192.168.0.1");
	free(why);
	why = NULL;
	r = security_check_ip(sec, "not-an-ip", &why);
	ok(r != 0 && contains(why, "not an IP address"), "check_ip of a name (%s)", why);
	free(why);
	security_free(sec);
}

/* env_allow: which variables definitions may read. */
static void
test_env(void)
{
	struct conf cfg;
	struct security *sec;
	char *cause = NULL;
	int r;

	setenv("RAMPAGE_T_HOST", "http://10.9.9.9:80", 1);
	setenv("RAMPAGE_T_PATH", "/p", 1);
	setenv("RAMPAGE_SECRET", "hunter2", 1);
	cfg_with(&cfg, NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(security_env(sec, "RAMPAGE_T_HOST") == NULL && security_env(sec, "PATH") == NULL,
	    "by default definitions see no environment variable");
	security_free(sec);
	conf_fini(&cfg);

	cfg_with(&cfg, "security.env_allow", "RAMPAGE_T_*, HOME", NULL);
	sec = sec_with_cfg(&cfg, &cause);
	is_str(security_env(sec, "RAMPAGE_T_HOST"), "http://10.9.9.9:80", "a glob lets RAMPAGE_T_HOST in");
	is_str(security_env(sec, "HOME"), getenv("HOME"), "an exact name");
	ok(security_env(sec, "RAMPAGE_SECRET") == NULL, "RAMPAGE_SECRET is not listed: unset");
	ok(security_env(sec, "rampage_t_host") == NULL, "names are case-sensitive");
	ok(security_env(sec, "RAMPAGE_T_NOT_SET") == NULL, "a listed but unset variable is unset");
	security_free(sec);
	conf_fini(&cfg);

	conf_init(&cfg);
	security_conf_checks(&cfg);
	r = conf_set(&cfg, "security.env_allow", "PATH, A-B", &cause);
	ok(r != 0 && contains(cause, "\"A-B\": expected a variable name"), "env_allow syntax (%s)", cause);
	free(cause);
	conf_fini(&cfg);
}

static void
test_caps(void)
{
	struct conf cfg;
	struct security *sec;
	const struct security_caps *caps;
	char *cause;

	cfg_with(&cfg, "limits.max_vus", "10", "limits.max_rate", "50", "limits.max_duration", "1h", NULL);
	sec = sec_with_cfg(&cfg, &cause);
	caps = security_caps(sec);
	ok(caps->max_vus == 10 && caps->max_rate == 50 && caps->max_duration_ns == 3600LL * 1000000000,
	    "security_caps holds limits.max_vus, max_rate and max_duration");
	security_free(sec);
	conf_fini(&cfg);
}

/* security_request_check's status for a request (frees the reason). */
static int
check(const struct security *sec, struct security_request rq)
{
	char *why = NULL;
	int st = security_request_check(sec, &rq, &why);

	if ((st == 0) != (why == NULL))
		st = -1;   /* a refusal always says why, an acceptance never */
	free(why);
	return st;
}

static void
test_same_origin(void)
{
	struct conf cfg;
	struct security *sec;
	char *cause = NULL, *why = NULL;
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(8089) };
	struct sockaddr_in lan = { .sin_family = AF_INET, .sin_port = htons(8089) };
	const struct sockaddr *sa = (struct sockaddr *)&local;
	const char *json = "application/json";

	inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
	inet_pton(AF_INET, "192.168.1.5", &lan.sin_addr);
	cfg_with(&cfg, "server.listen", "127.0.0.1:8089", "server.allowed_hosts",
	    "rampage.test, proxy.test:443", NULL);
	sec = sec_with_cfg(&cfg, &cause);
	ok(sec != NULL, "allowed_hosts loads (%s)", cause ? cause : "ok");

	/* Host */
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "127.0.0.1:8089", .local = sa }), 0, "Host 127.0.0.1:8089");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "localhost:8089", .local = sa }), 0, "Host localhost:8089");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "[::1]:8089", .local = sa }), 0, "Host [::1]:8089");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "LocalHost.:8089", .local = sa }), 0, "any case, root dot");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "attacker.example:8089", .local = sa }), 421, "a rebinding name: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "localhost:8000", .local = sa }), 421, "our name on another port: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "localhost", .local = sa }), 421, "no port when ours is not 80: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "localhost:08089x", .local = sa }), 421, "a bad port: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "[::1", .local = sa }), 421, "an unclosed bracket: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "[zz]:8089", .local = sa }), 421, "not IPv6 in brackets: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "a b:8089", .local = sa }), 421, "a blank: 421");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "rampage.test", .local = sa }), 0, "an allowed name without port");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "rampage.test:1234", .local = sa }), 0, "on any port");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "proxy.test:443", .local = sa }), 0, "name:port");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "proxy.test", .local = sa }), 421, "name:port is that port only");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "192.168.1.5:8089", .local = (struct sockaddr *)&lan }), 0,
	    "the address the client connected to (a wide bind)");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "192.168.1.6:8089", .local = (struct sockaddr *)&lan }), 421,
	    "not another address");
	is_int(check(sec, (struct security_request){ .method = "GET" }), 0, "no Host (HTTP/1.0, not a browser)");

	/* Origin and Sec-Fetch-Site */
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "127.0.0.1:8089", .origin = "http://127.0.0.1:8089", .local = sa }), 0, "our own origin");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "127.0.0.1:8089", .origin = "http://localhost:8000", .local = sa }), 403, "same site, other origin: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "127.0.0.1:8089", .origin = "http://127.0.0.1:8089.evil", .local = sa }), 403, "a longer origin: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .host = "127.0.0.1:8089", .origin = "null", .local = sa }), 403, "null: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .origin = "http://127.0.0.1:8089" }), 403, "an Origin without Host cannot be checked: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .fetch_site = "cross-site" }), 403, "Sec-Fetch-Site cross-site: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .fetch_site = "same-site" }), 403, "same-site: 403");
	is_int(check(sec, (struct security_request){ .method = "GET", .fetch_site = "same-origin" }), 0, "same-origin");
	is_int(check(sec, (struct security_request){ .method = "GET", .fetch_site = "none" }), 0, "none");
	is_int(check(sec, (struct security_request){ .method = "GET", .fetch_site = "cross-site", .navigation = 1 }), 0, "a navigation GET");
	is_int(check(sec, (struct security_request){ .method = "POST", .fetch_site = "cross-site", .navigation = 1, .content_type = json }), 403,
	    "not a navigation POST (a form)");
	is_int(check(sec, (struct security_request){ .method = "OPTIONS", .preflight = 1 }), 403, "a preflight: 403");
	is_int(check(sec, (struct security_request){ .method = "OPTIONS" }), 0, "a bare OPTIONS goes on (to its 405)");

	/* state changes */
	is_int(check(sec, (struct security_request){ .method = "POST", .content_type = json, .has_body = 1 }), 0, "POST with JSON");
	is_int(check(sec, (struct security_request){ .method = "POST", .content_type = "Application/JSON; charset=utf-8", .has_body = 1 }), 0,
	    "with a charset, any case");
	is_int(check(sec, (struct security_request){ .method = "POST", .content_type = "application/jsonp", .has_body = 1 }), 415, "application/jsonp: 415");
	is_int(check(sec, (struct security_request){ .method = "POST", .content_type = "text/plain", .has_body = 1 }), 415, "text/plain: 415");
	is_int(check(sec, (struct security_request){ .method = "POST", .content_type = "text/plain", .client = "cli", .has_body = 1 }), 415,
	    "even with X-Rampage-Client");
	is_int(check(sec, (struct security_request){ .method = "PUT", .has_body = 1 }), 415, "a body with no type: 415");
	is_int(check(sec, (struct security_request){ .method = "DELETE" }), 403, "a bare DELETE: 403");
	is_int(check(sec, (struct security_request){ .method = "POST", .client = "" }), 403, "an empty X-Rampage-Client: 403");
	is_int(check(sec, (struct security_request){ .method = "POST", .client = "dashboard" }), 0, "a bodiless POST with X-Rampage-Client");
	is_int(check(sec, (struct security_request){ .method = "PATCH", .content_type = json }), 0, "PATCH with JSON");
	is_int(check(sec, (struct security_request){ .method = "GET", .content_type = "text/plain" }), 0, "reads: no content-type rule");
	security_free(sec);
	conf_fini(&cfg);

	ok(security_hosts_check("a.test, b.test:80, [fd00::1]:8089, 10.0.0.5", &why) == 0, "allowed_hosts syntax");
	ok(security_hosts_check("http://a.test", &why) != 0 && strstr(why, "http://a.test") != NULL,
	    "a URL is refused, naming it (%s)", why ? why : "");
	free(why);
	why = NULL;
	ok(security_hosts_check("a.test:0", &why) != 0, "port 0 is refused");
	free(why);
	why = NULL;
	ok(security_hosts_check("a.test:65536", &why) != 0, "port 65536 is refused");
	free(why);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_token_syntax();
	test_tokens();
	test_token_file();
	test_bind();
	test_head();
	test_targets_syntax();
	test_targets();
	test_addr();
	test_env();
	test_caps();
	test_same_origin();
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done_testing();
}
