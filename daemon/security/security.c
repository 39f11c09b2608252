/*
 * security: see security.h. Everything is parsed once by security_new on the main thread and is
 * read-only afterwards, so the checks (api thread, front door thread, engine workers) take no locks.
 *
 * Tokens are compared without an early exit: every configured token is compared in full against
 * the presented one, and the time taken depends only on the presented token's length.
 *
 * The allowlist keeps networks as 16-byte addresses (IPv4 in the IPv4-mapped IPv6 form
 * ::ffff:a.b.c.d, its prefix + 96), so one comparison serves both families and "::ffff:10.0.0.1"
 * is judged as 10.0.0.1. Hosts are classified the way libcurl and getaddrinfo would read them: a
 * bracketed IPv6 literal, then anything inet_aton accepts ("127.1", "0x7f000001" are 127.0.0.1 to
 * the resolver, so they are addresses here too), else a DNS name, which must match a listed name
 * or glob.
 */
#include <config.h>

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "security/security.h"
#include "core/text.h"
#include "core/xmalloc.h"

#define TOKEN_FILE_MAX  (64 * 1024)   /* bytes of a token file */
#define NAME_MAX_LEN    253           /* a DNS name */
#define LIST_SHOWN      200           /* bytes of allow_targets quoted in a refusal */
#define HOST_NAME_SIZE  (NAME_MAX_LEN + 3)   /* a name or [v6] literal, NUL included */

struct net {
	uint8_t addr[16];          /* IPv4 as ::ffff:a.b.c.d */
	int prefix;                /* 0..128 over the 16 bytes */
};

struct security {
	/* all set by security_new, read-only afterwards */
	char **tokens;
	size_t *token_len;
	int ntokens;
	int protect_reads;
	struct net *nets;
	int nnets;
	char **names;              /* lower case, no trailing dot; may hold '*' and '?' */
	int nnames;
	char *targets_text;        /* allow_targets as configured, for messages */
	const char *targets_key;   /* the key that list comes from: "security.allow_targets" */
	char **env_names;          /* env_allow: names and globs, as written */
	int nenv;
	struct security_caps caps;
	struct { char name[HOST_NAME_SIZE]; long port; } *hosts;   /* allowed_hosts; port -1: any */
	int nhosts;
	char listen_name[HOST_NAME_SIZE];   /* server.listen's address as a Host names it */
	long listen_port;                   /* its port (0: the one picked; the socket says) */
};

/* ---- tokens */

/* RFC 6750 b64token characters ('=' only as padding at the end). */
static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* Checks one token's syntax; -1 and *why. */
static int
token_valid(const char *t, size_t n, char **why)
{
	size_t i = 0;

	if (n < SECURITY_TOKEN_MIN || n > SECURITY_TOKEN_MAX) {
		*why = xasprintf("a token must be %d to %d characters long, got one of %zu (generate one "
		    "with: openssl rand -hex 32)", SECURITY_TOKEN_MIN, SECURITY_TOKEN_MAX, n);
		return -1;
	}
	while (i < n && token_char(t[i]))
		i++;
	while (i < n && t[i] == '=')
		i++;
	if (i < n) {
		*why = xstrdup("a token may hold only letters, digits and - . _ ~ + / (and = at its end)");
		return -1;
	}
	return 0;
}

/* Whether c is a space or a tab. */
static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Walks a comma-separated list: calls fn on each non-empty, trimmed entry. Stops at the first
 * entry fn refuses (-1).
 */
static int
each_entry(const char *list, int (*fn)(void *arg, const char *s, size_t n, char **why), void *arg,
    char **why)
{
	const char *s = list;

	while (*s != '\0') {
		const char *e = strchr(s, ','), *end = e ? e : s + strlen(s), *b = s;
		while (b < end && blank(*b))
			b++;
		while (end > b && blank(end[-1]))
			end--;
		if (end > b && fn(arg, b, (size_t)(end - b), why) != 0)
			return -1;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return 0;
}

/* each_entry callback: check a token, optionally keep it. */
static int
take_token(void *arg, const char *s, size_t n, char **why)
{
	struct security *sec = arg;

	if (token_valid(s, n, why) != 0)
		return -1;
	if (sec == NULL)
		return 0;
	if (sec->ntokens == SECURITY_TOKENS_MAX) {
		*why = xasprintf("at most %d tokens", SECURITY_TOKENS_MAX);
		return -1;
	}
	sec->tokens = xreallocarray(sec->tokens, (size_t)sec->ntokens + 1, sizeof *sec->tokens);
	sec->token_len = xreallocarray(sec->token_len, (size_t)sec->ntokens + 1,
	    sizeof *sec->token_len);
	sec->tokens[sec->ntokens] = xstrndup(s, n);
	sec->token_len[sec->ntokens] = n;
	sec->ntokens++;
	return 0;
}

/* each_entry callback: count entries. */
static int
count_entry(void *arg, const char *s, size_t n, char **why)
{
	(*(int *)arg)++;
	return 0;
}

int
security_tokens_check(const char *list, char **why)
{
	return each_entry(list, take_token, NULL, why);
}

/* Reads token_file into sec; -1 and *cause naming the key and the file. */
static int
read_token_file(struct security *sec, const char *path, char **cause)
{
	char *buf = NULL, *why = NULL;
	struct stat st;
	ssize_t got = 0;
	size_t len = 0;
	int fd, line = 0, before = sec->ntokens;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*cause = xasprintf("security.token_file: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("security.token_file: %s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		*cause = xasprintf("security.token_file: %s: %s by every user (mode %04o); run chmod 600 %s "
		    "(or 640 with a group for the daemon)", path, st.st_mode & S_IROTH ? "readable" :
		    "writable", (unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	buf = xmalloc(TOKEN_FILE_MAX + 1);
	while (len <= TOKEN_FILE_MAX && (got = read(fd, buf + len, TOKEN_FILE_MAX + 1 - len)) > 0)
		len += (size_t)got;
	if (got < 0) {
		*cause = xasprintf("security.token_file: %s: %s", path, strerror(errno));
		goto fail;
	}
	if (len > TOKEN_FILE_MAX) {
		*cause = xasprintf("security.token_file: %s: larger than %d bytes", path, TOKEN_FILE_MAX);
		goto fail;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		*cause = xasprintf("security.token_file: %s: holds a NUL byte", path);
		goto fail;
	}
	for (char *s = buf, *next; s != NULL && *s != '\0'; s = next) {
		char *e = strchr(s, '\n');
		next = e ? e + 1 : NULL;
		if (e == NULL)
			e = s + strlen(s);
		line++;
		while (e > s && (blank(e[-1]) || e[-1] == '\r'))
			e--;
		while (s < e && blank(*s))
			s++;
		if (s == e || *s == '#')
			continue;
		if (take_token(sec, s, (size_t)(e - s), &why) != 0) {
			*cause = xasprintf("security.token_file: %s:%d: %s", path, line, why);
			free(why);
			goto fail;
		}
	}
	if (sec->ntokens == before) {
		*cause = xasprintf("security.token_file: %s: no token in it (one per line)", path);
		goto fail;
	}
	free(buf);
	close(fd);
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* Whether the given bytes equal a known token; the time depends on glen only. */
static int
ct_equal(const char *known, size_t klen, const char *given, size_t glen)
{
	size_t acc = klen ^ glen;

	assert(klen > 0);
	for (size_t i = 0; i < glen; i++)
		acc |= (size_t)((unsigned char)given[i] ^ (unsigned char)known[i % klen]);
	return acc == 0;
}

int
security_token_ok(const struct security *sec, const char *token, size_t len)
{
	int ok = 0;

	if (len == 0 || len > SECURITY_TOKEN_MAX)
		return 0;
	for (int i = 0; i < sec->ntokens; i++)
		ok |= ct_equal(sec->tokens[i], sec->token_len[i], token, len);
	return ok;
}

int
security_bearer_ok(const struct security *sec, const char *v)
{
	const char *end;

	if (v == NULL)
		return 0;
	while (blank(*v))
		v++;
	if (strncasecmp(v, "Bearer", 6) != 0 || !blank(v[6]))
		return 0;
	v += 6;
	while (blank(*v))
		v++;
	end = v + strlen(v);
	while (end > v && blank(end[-1]))
		end--;
	return security_token_ok(sec, v, (size_t)(end - v));
}

int
security_has_tokens(const struct security *sec)
{
	return sec->ntokens > 0;
}

int
security_protect_reads(const struct security *sec)
{
	return sec->protect_reads && sec->ntokens > 0;
}

/* ---- the websocket request head */

/* Whether the query string q (n bytes, no '?') has token=<a configured token>. */
static int
query_ok(const struct security *sec, const char *q, size_t n)
{
	const char *end = q + n;

	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q)), *pe = amp ? amp : end;
		if (pe - q > 6 && memcmp(q, "token=", 6) == 0) {
			char tok[SECURITY_TOKEN_MAX + 1];
			long len = text_pct_decode(q + 6, (size_t)(pe - q - 6), tok, sizeof tok, 1);
			if (len >= 0 && security_token_ok(sec, tok, (size_t)len))
				return 1;
		}
		q = pe + 1;
	}
	return 0;
}

/* Whether a Sec-WebSocket-Protocol value (n bytes) lists "bearer.<a configured token>". */
static int
protocols_ok(const struct security *sec, const char *v, size_t n)
{
	const char *end = v + n;

	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v)), *e = comma ? comma : end;
		const char *b = v;
		while (b < e && blank(*b))
			b++;
		while (e > b && blank(e[-1]))
			e--;
		if (e - b > 7 && strncasecmp(b, "bearer.", 7) == 0 &&
		    security_token_ok(sec, b + 7, (size_t)(e - b - 7)))
			return 1;
		v = (comma ? comma : end) + 1;
	}
	return 0;
}

int
security_head_ok(const struct security *sec, const char *head, size_t n)
{
	const char *end = head + n, *eol = memchr(head, '\n', n), *sp, *q, *line;

	if (eol == NULL)
		return 0;
	/* the request line: METHOD SP target SP version */
	sp = memchr(head, ' ', (size_t)(eol - head));
	if (sp != NULL) {
		const char *tend = memchr(sp + 1, ' ', (size_t)(eol - sp - 1));
		if (tend == NULL)
			tend = eol;
		q = memchr(sp + 1, '?', (size_t)(tend - sp - 1));
		if (q != NULL && query_ok(sec, q + 1, (size_t)(tend - q - 1)))
			return 1;
	}
	for (line = eol + 1; line < end; line = eol + 1) {
		size_t len;
		eol = memchr(line, '\n', (size_t)(end - line));
		len = (size_t)((eol ? eol : end) - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (len > 14 && strncasecmp(line, "authorization:", 14) == 0) {
			char v[SECURITY_TOKEN_MAX + 64];
			if (len - 14 < sizeof v) {
				memcpy(v, line + 14, len - 14);
				v[len - 14] = '\0';
				if (strlen(v) == len - 14 && security_bearer_ok(sec, v))
					return 1;
			}
		} else if (len > 23 && strncasecmp(line, "sec-websocket-protocol:", 23) == 0) {
			if (protocols_ok(sec, line + 23, len - 23))
				return 1;
		}
		if (eol == NULL)
			break;
	}
	return 0;
}

/* ---- addresses and names */

/* Parses an IPv4 or IPv6 literal (strict forms) into the 16-byte form; 0 or -1. *v4 says which. */
static int
parse_ip(const char *s, uint8_t out[16], int *v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		*v4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		*v4 = memcmp(out, mapped, 12) == 0;
		return 0;
	}
	return -1;
}

/* Whether addr is inside net. */
static int
in_net(const uint8_t addr[16], const struct net *net)
{
	int full = net->prefix / 8, rest = net->prefix % 8;

	if (memcmp(addr, net->addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((addr[full] ^ net->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Whether addr is inside a listed network. */
static int
addr_allowed(const struct security *sec, const uint8_t addr[16])
{
	for (int i = 0; i < sec->nnets; i++) {
		if (in_net(addr, &sec->nets[i]))
			return 1;
	}
	return 0;
}

/* Whether s (n bytes) is a name or glob of letters, digits, '-', '_', '.' (and '*', '?'). */
static int
name_chars(const char *s, size_t n, int glob)
{
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || (glob && (c == '*' || c == '?'))))
			return 0;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Whether s looks like a number-and-dots host (which the resolver reads as an IPv4 address). */
static int
numeric_host(const char *s)
{
	if (!(s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F') ||
		    *s == 'x' || *s == 'X' || *s == '.'))
			return 0;
	}
	return 1;
}

/* Glob match (case-sensitive: names are lowered first): '*' any run (dots included), '?' one
   character. */
static int
glob_match(const char *p, const char *s)
{
	const char *star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Copies s (n bytes) lower case into out (size > n), dropping one trailing dot. */
static void
lower_name(const char *s, size_t n, char *out)
{
	if (n > 1 && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[n] = '\0';
}

/* each_entry callback: parse one allow_targets entry, keeping it if arg (a struct security). */
static int
take_target(void *arg, const char *s, size_t n, char **why)
{
	struct security *sec = arg;
	char buf[NAME_MAX_LEN + 2];
	const char *slash = memchr(s, '/', n);
	struct net net;
	int v4, prefix, dotted;

	if (n > NAME_MAX_LEN) {
		*why = xasprintf("\"%.40s...\": too long", s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strstr(buf, "://") != NULL) {
		*why = xasprintf("\"%s\": expected a host, network or glob without scheme or port", buf);
		return -1;
	}
	if (slash != NULL) {
		char *end;
		long p;
		buf[slash - s] = '\0';
		errno = 0;
		p = strtol(buf + (slash - s) + 1, &end, 10);
		if (parse_ip(buf, net.addr, &v4) != 0) {
			*why = xasprintf("\"%.*s\": expected a network like 10.0.0.0/8 or fd00::/8", (int)n, s);
			return -1;
		}
		dotted = strchr(buf, ':') == NULL;
		if (errno != 0 || end == buf + (slash - s) + 1 || *end != '\0' || p < 0 ||
		    p > (dotted ? 32 : 128)) {
			*why = xasprintf("\"%.*s\": the prefix length must be 0 to %d", (int)n, s,
			    dotted ? 32 : 128);
			return -1;
		}
		prefix = (int)p + (dotted ? 96 : 0);   /* IPv4 lives in the last 32 of 128 bits */
	} else if (parse_ip(buf, net.addr, &v4) == 0) {
		prefix = 128;
	} else {
		if (numeric_host(buf)) {
			*why = xasprintf("\"%s\": not a valid IPv4 address", buf);
			return -1;
		}
		if (!name_chars(buf, n, 1) || strchr(buf, ':') != NULL) {
			*why = xasprintf("\"%s\": expected a network (10.0.0.0/8), an address (::1), a host name "
			    "(api.local) or a glob (*.staging.example), without scheme or port", buf);
			return -1;
		}
		if (sec != NULL) {
			char *name = xmalloc(n + 1);
			lower_name(buf, n, name);
			sec->names = xreallocarray(sec->names, (size_t)sec->nnames + 1, sizeof *sec->names);
			sec->names[sec->nnames++] = name;
		}
		return 0;
	}
	net.prefix = prefix;
	for (int i = prefix / 8; i < 16; i++) {    /* clear the host bits */
		int keep = i == prefix / 8 ? prefix % 8 : 0;
		net.addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	if (sec != NULL) {
		sec->nets = xreallocarray(sec->nets, (size_t)sec->nnets + 1, sizeof *sec->nets);
		sec->nets[sec->nnets++] = net;
	}
	return 0;
}

int
security_targets_check(const char *list, char **why)
{
	int n = 0;

	if (each_entry(list, take_target, NULL, why) != 0)
		return -1;
	each_entry(list, count_entry, &n, why);
	if (n == 0) {
		*why = xstrdup("expected at least one network, address, name or glob");
		return -1;
	}
	if (n > SECURITY_TARGETS_MAX) {
		*why = xasprintf("expected at most %d entries, got %d", SECURITY_TARGETS_MAX, n);
		return -1;
	}
	return 0;
}

/* The refusal message for a host. */
static char *
refusal(const struct security *sec, const char *host, const char *extra)
{
	return xasprintf("%s is not in %s (%.*s%s)%s", host, sec->targets_key, LIST_SHOWN,
	    sec->targets_text, strlen(sec->targets_text) > LIST_SHOWN ? "..." : "", extra);
}

int
security_check_target(const struct security *sec, const char *origin, char **why)
{
	char host[NAME_MAX_LEN + 2];
	const char *h, *e;
	struct in_addr a4;
	uint8_t addr[16];
	size_t n;

	*why = NULL;
	if (strncasecmp(origin, "http://", 7) == 0)
		h = origin + 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		h = origin + 8;
	else {
		*why = xstrdup("only http:// and https:// targets are allowed");
		return -1;
	}
	if (*h == '[') {
		e = strchr(++h, ']');
		if (e == NULL)
			goto bad;
	} else {
		e = h + strcspn(h, ":/?#");
	}
	n = (size_t)(e - h);
	if (n == 0 || n > NAME_MAX_LEN || memchr(h, '@', strcspn(h, "/?#")) != NULL)
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	/* One trailing dot is the DNS root: "127.0.0.1." and "api.local." are the hosts without it
	   (the resolver and libcurl read them so), judged and named as such. */
	if (h[-1] != '[' && n > 1 && host[n - 1] == '.' && host[n - 2] != '.')
		host[--n] = '\0';
	if (h[-1] == '[') {
		if (inet_pton(AF_INET6, host, addr) != 1)
			goto bad;
		if (addr_allowed(sec, addr))
			return 0;
		*why = refusal(sec, host, "");
		return -1;
	}
	if (!name_chars(host, n, 0))
		goto bad;
	if (inet_aton(host, &a4) != 0) {   /* "127.1" and "0x7f000001" too: the resolver's reading */
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4, 4);
		if (addr_allowed(sec, addr))
			return 0;
		*why = refusal(sec, host, "");
		return -1;
	}
	lower_name(host, n, host);
	for (int i = 0; i < sec->nnames; i++) {
		if (glob_match(sec->names[i], host))
			return 0;
	}
	*why = refusal(sec, host, "; a name must be listed itself (DNS is not consulted to validate)");
	return -1;
bad:
	*why = xasprintf("cannot read a host in \"%s\"", origin);
	return -1;
}

int
security_check_addr(const struct security *sec, const struct sockaddr *sa, char **why)
{
	uint8_t addr[16];
	char text[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		if (why != NULL)
			*why = xasprintf("address family %d is not allowed", sa->sa_family);
		return -1;
	}
	if (addr_allowed(sec, addr))
		return 0;
	if (why != NULL) {
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, addr + 12, text, sizeof text);
		else
			inet_ntop(AF_INET6, addr, text, sizeof text);
		*why = refusal(sec, text, "; a listed name must resolve inside a listed network");
	}
	return -1;
}

int
security_check_ip(const struct security *sec, const char *ip, char **why)
{
	uint8_t addr[16];
	int v4;

	if (parse_ip(ip, addr, &v4) != 0) {
		if (why != NULL)
			*why = xasprintf("\"%s\" is not an IP address", ip);
		return -1;
	}
	if (addr_allowed(sec, addr))
		return 0;
	if (why != NULL)
		*why = refusal(sec, ip, "; a listed name must resolve inside a listed network");
	return -1;
}

/* ---- the environment definitions may read */

/* each_entry callback: check an env_allow entry, keeping it if arg (a struct security). */
static int
take_env_name(void *arg, const char *s, size_t n, char **why)
{
	struct security *sec = arg;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '*' || c == '?')) {
			*why = xasprintf("\"%.*s\": expected a variable name or a glob like RAMPAGE_*",
			    (int)n, s);
			return -1;
		}
	}
	if (sec != NULL) {
		sec->env_names = xreallocarray(sec->env_names, (size_t)sec->nenv + 1,
		    sizeof *sec->env_names);
		sec->env_names[sec->nenv++] = xstrndup(s, n);
	}
	return 0;
}

int
security_env_names_check(const char *list, char **why)
{
	return each_entry(list, take_env_name, NULL, why);
}

const char *
security_env(const struct security *sec, const char *name)
{
	for (int i = 0; i < sec->nenv; i++) {
		if (glob_match(sec->env_names[i], name))
			return getenv(name);
	}
	return NULL;
}

/* ---- browsers: Host, Origin, Sec-Fetch-Site, content types */

/*
 * Splits a Host value or allowed_hosts entry, "name[:port]" or "[v6][:port]", into a lower-case
 * name (brackets kept, one trailing dot, the DNS root, dropped) and a port (-1 when absent).
 * -1 if it is not one.
 */
static int
split_host(const char *s, size_t n, char name[HOST_NAME_SIZE], long *port)
{
	const char *colon = NULL, *end = s + n;
	size_t len;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (close == NULL)
			return -1;
		if (close + 1 < end && close[1] != ':')
			return -1;
		colon = close + 1 < end ? close + 1 : NULL;
	} else {
		colon = memchr(s, ':', n);
	}
	len = (size_t)((colon != NULL ? colon : end) - s);
	*port = -1;
	if (colon != NULL) {
		long p = 0;
		if (colon + 1 == end || end - colon > 6)
			return -1;
		for (const char *c = colon + 1; c < end; c++) {
			if (*c < '0' || *c > '9')
				return -1;
			p = p * 10 + (*c - '0');
		}
		if (p < 1 || p > 65535)
			return -1;
		*port = p;
	}
	if (len > 1 && s[len - 1] == '.' && s[0] != '[')
		len--;
	if (len == 0 || len >= HOST_NAME_SIZE)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || (s[0] == '[' && (c == ':' || c == '[' || c == ']'))))
			return -1;
		name[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	name[len] = '\0';
	if (name[0] == '[') {
		char inner[HOST_NAME_SIZE];
		struct in6_addr a6;
		snprintf(inner, sizeof inner, "%.*s", (int)len - 2, name + 1);
		if (inet_pton(AF_INET6, inner, &a6) != 1)
			return -1;
	}
	return 0;
}

/* each_entry callback: check an allowed_hosts entry, optionally keep it. */
static int
take_host(void *arg, const char *s, size_t n, char **why)
{
	struct security *sec = arg;
	char name[HOST_NAME_SIZE];
	long port;

	if (split_host(s, n, name, &port) != 0) {
		*why = xasprintf("\"%.*s\" is not a host name or address with an optional :port "
		    "(\"rampage.example\", \"10.0.0.5:8089\", \"[fd00::5]\")", (int)n, s);
		return -1;
	}
	if (sec == NULL)
		return 0;
	if (sec->nhosts == SECURITY_HOSTS_MAX) {
		*why = xasprintf("more than %d entries", SECURITY_HOSTS_MAX);
		return -1;
	}
	sec->hosts = xreallocarray(sec->hosts, (size_t)sec->nhosts + 1, sizeof *sec->hosts);
	memcpy(sec->hosts[sec->nhosts].name, name, sizeof name);
	sec->hosts[sec->nhosts].port = port;
	sec->nhosts++;
	return 0;
}

int
security_hosts_check(const char *list, char **why)
{
	return each_entry(list, take_host, NULL, why);
}

/* The text of a socket address as a Host name would write it ("127.0.0.1", "[::1]"), and its port. */
static int
local_name(const struct sockaddr *sa, char name[HOST_NAME_SIZE], long *port)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(name, HOST_NAME_SIZE, "%s", ip);
		*port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(b, mapped, 12) == 0)
			snprintf(name, HOST_NAME_SIZE, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		else {
			inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
			snprintf(name, HOST_NAME_SIZE, "[%s]", ip);
		}
		*port = ntohs(in6->sin6_port);
		return 0;
	}
	return -1;
}

/* Whether a Host value names this daemon (see security_request_check). */
static int
host_ok(const struct security *sec, const char *host, const struct sockaddr *local)
{
	static const char *const loop[] = { "localhost", "127.0.0.1", "[::1]" };
	char name[HOST_NAME_SIZE], here[HOST_NAME_SIZE] = "";
	long port, our_port = sec->listen_port;

	if (split_host(host, strlen(host), name, &port) != 0)
		return 0;
	if (local != NULL)
		local_name(local, here, &our_port);
	for (int i = 0; i < sec->nhosts; i++)
		if (strcmp(sec->hosts[i].name, name) == 0 &&
		    (sec->hosts[i].port == -1 || sec->hosts[i].port == port))
			return 1;
	if (port != our_port && !(port == -1 && our_port == 80))
		return 0;
	for (size_t i = 0; i < sizeof loop / sizeof loop[0]; i++)
		if (strcmp(loop[i], name) == 0)
			return 1;
	return strcmp(sec->listen_name, name) == 0 || strcmp(here, name) == 0;
}

/* Whether an Origin value is http:// or https:// and the Host the request was sent to. */
static int
origin_ok(const char *origin, const char *host)
{
	if (host == NULL)
		return 0;
	if (strncasecmp(origin, "http://", 7) == 0)
		origin += 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		origin += 8;
	else
		return 0;
	return strcasecmp(origin, host) == 0;
}

/* Whether a Content-Type value is application/json (parameters such as charset allowed). */
static int
json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* A shown header value: short, printable. */
static void
shown(const char *v, char out[80])
{
	size_t i;

	for (i = 0; v[i] != '\0' && i < 79; i++)
		out[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	out[i] = '\0';
}

int
security_request_check(const struct security *sec, const struct security_request *rq, char **why)
{
	const char *m = rq->method;
	int changes = strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
	char v[80];

	*why = NULL;
	if (rq->host != NULL && !host_ok(sec, rq->host, rq->local)) {
		shown(rq->host, v);
		*why = xasprintf("Host: \"%s\" is not a name of this daemon (localhost, 127.0.0.1, [::1] "
		    "and the listen address on its port, or server.allowed_hosts)", v);
		return 421;
	}
	if (rq->origin != NULL && !origin_ok(rq->origin, rq->host)) {
		shown(rq->origin, v);
		*why = xasprintf("Origin: \"%s\" is not this daemon's own origin: pages of other origins "
		    "may not use this API", v);
		return 403;
	}
	if (rq->fetch_site != NULL && strcmp(rq->fetch_site, "same-origin") != 0 &&
	    strcmp(rq->fetch_site, "none") != 0 && !(rq->navigation && !changes)) {
		shown(rq->fetch_site, v);
		*why = xasprintf("Sec-Fetch-Site: \"%s\": only same-origin requests may use this API", v);
		return 403;
	}
	if (strcmp(m, "OPTIONS") == 0 && rq->preflight) {
		*why = xstrdup("OPTIONS: CORS preflights are refused: this API serves its own origin only");
		return 403;
	}
	if (!changes)
		return 0;
	if (rq->content_type != NULL && !json_type(rq->content_type)) {
		shown(rq->content_type, v);
		*why = xasprintf("Content-Type: \"%s\": request bodies must be application/json", v);
		return 415;
	}
	if (rq->content_type == NULL && (rq->client == NULL || rq->client[0] == '\0')) {
		*why = xasprintf("%s needs Content-Type: application/json or an X-Rampage-Client header "
		    "(which browsers send only after a CORS preflight, refused here)", m);
		return rq->has_body ? 415 : 403;
	}
	return 0;
}

/* ---- bind policy */

/* Whether a listen host is loopback: 127.0.0.0/8, ::1 (or ::ffff:127.x.y.z). */
static int
loopback(const char *host)
{
	static const uint8_t one[16] = { [15] = 1 };
	uint8_t addr[16];
	int v4;

	if (parse_ip(host, addr, &v4) != 0)
		return 0;
	return v4 ? addr[12] == 127 : memcmp(addr, one, 16) == 0;
}

int
security_check_bind(const struct conf *cfg, char **cause)
{
	int ntokens = 0;
	char *why = NULL;
	int v6 = strchr(cfg->listen_host, ':') != NULL;

	if (loopback(cfg->listen_host))
		return 0;
	if (cfg->api_tokens != NULL)
		each_entry(cfg->api_tokens, count_entry, &ntokens, &why);
	if (ntokens > 0 || cfg->token_file != NULL)
		return 0;
	if (cfg->allow_insecure_bind)
		return 1;
	*cause = xasprintf("refusing to listen on %s%s%s:%d, beyond loopback, without API tokens: anyone "
	    "who reaches it could aim load anywhere. Set security.api_tokens or security.token_file, "
	    "listen on 127.0.0.1, or set security.allow_insecure_bind = true to accept the risk",
	    v6 ? "[" : "", cfg->listen_host, v6 ? "]" : "", cfg->listen_port);
	return -1;
}

/* ---- the whole policy */

struct security *
security_new(const struct conf *cfg, char **cause)
{
	struct security *sec = xcalloc(1, sizeof *sec);
	char *why = NULL;

	*cause = NULL;
	if (cfg->api_tokens != NULL && each_entry(cfg->api_tokens, take_token, sec, &why) != 0) {
		*cause = xasprintf("security.api_tokens: %s", why);
		goto fail;
	}
	if (cfg->token_file != NULL && read_token_file(sec, cfg->token_file, cause) != 0)
		goto fail;
	sec->protect_reads = cfg->protect_reads;
	if (sec->protect_reads && sec->ntokens == 0) {
		*cause = xstrdup("security.protect_reads: needs a token in security.api_tokens or "
		    "security.token_file");
		goto fail;
	}
	if (security_targets_check(cfg->allow_targets, &why) != 0 ||
	    each_entry(cfg->allow_targets, take_target, sec, &why) != 0) {
		*cause = xasprintf("security.allow_targets: %s", why);
		goto fail;
	}
	sec->targets_text = xstrdup(cfg->allow_targets);
	sec->targets_key = "security.allow_targets";
	if (cfg->env_allow != NULL && each_entry(cfg->env_allow, take_env_name, sec, &why) != 0) {
		*cause = xasprintf("security.env_allow: %s", why);
		goto fail;
	}
	if (cfg->allowed_hosts != NULL && each_entry(cfg->allowed_hosts, take_host, sec, &why) != 0) {
		*cause = xasprintf("server.allowed_hosts: %s", why);
		goto fail;
	}
	snprintf(sec->listen_name, sizeof sec->listen_name, strchr(cfg->listen_host, ':') != NULL ?
	    "[%s]" : "%s", cfg->listen_host);
	sec->listen_port = cfg->listen_port;
	sec->caps.max_vus = cfg->max_vus;
	sec->caps.max_rate = cfg->max_rate;
	sec->caps.max_duration_ns = cfg->max_duration_ns;
	return sec;
fail:
	free(why);
	security_free(sec);
	return NULL;
}

struct security *
security_allowlist_new(const char *list, const char *key, char **cause)
{
	struct security *sec = xcalloc(1, sizeof *sec);
	char *why = NULL;

	*cause = NULL;
	if (list != NULL && list[0] != '\0' && (security_targets_check(list, &why) != 0 ||
	    each_entry(list, take_target, sec, &why) != 0)) {
		*cause = xasprintf("%s: %s", key, why);
		free(why);
		security_free(sec);
		return NULL;
	}
	sec->targets_text = xstrdup(list != NULL && list[0] != '\0' ? list : "empty: nothing is allowed");
	sec->targets_key = key;
	return sec;
}

void
security_free(struct security *sec)
{
	if (sec == NULL)
		return;
	for (int i = 0; i < sec->ntokens; i++) {
		explicit_bzero(sec->tokens[i], sec->token_len[i]);
		free(sec->tokens[i]);
	}
	free(sec->tokens);
	free(sec->token_len);
	free(sec->nets);
	for (int i = 0; i < sec->nnames; i++)
		free(sec->names[i]);
	free(sec->names);
	free(sec->targets_text);
	for (int i = 0; i < sec->nenv; i++)
		free(sec->env_names[i]);
	free(sec->env_names);
	free(sec->hosts);
	free(sec);
}

const struct security_caps *
security_caps(const struct security *sec)
{
	return &sec->caps;
}

void
security_conf_checks(struct conf *cfg)
{
	cfg->checks.tokens = security_tokens_check;
	cfg->checks.targets = security_targets_check;
	cfg->checks.env_names = security_env_names_check;
	cfg->checks.hosts = security_hosts_check;
}
