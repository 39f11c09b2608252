/*
 * Unit tests for the http modules' pure functions: the front door's request classification, the
 * router's path decoding and pattern matching, the static module's path normalisation and content
 * types.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "http/api_priv.h"
#include "http/frontdoor.h"
#include "http/static.h"
#include "tap.h"

/* Classify a C string. */
static enum frontdoor_class
cls(const char *s)
{
	return frontdoor_classify(s, strlen(s));
}

/* Judge a C string; the status of an error, or 0. */
static unsigned
status_of(const char *s)
{
	struct frontdoor_verdict v;

	frontdoor_judge(s, strlen(s), &v);
	return v.cls == FRONTDOOR_ERROR ? v.status : 0;
}

static void
test_classify(void)
{
	static char big[FRONTDOOR_PEEK_MAX + 16];
	struct frontdoor_verdict v;

	is_int(cls(""), FRONTDOOR_MORE, "nothing yet: wait");
	is_int(cls("G"), FRONTDOOR_MORE, "a prefix of GET /api/live: wait");
	is_int(cls("GET /api/liv"), FRONTDOOR_MORE, "still a prefix: wait");
	is_int(cls("GET /api/live"), FRONTDOOR_MORE, "the whole prefix, undecided terminator: wait");
	is_int(cls("GET /api/live HTTP/1.1\r\nHost: x\r\n"), FRONTDOOR_MORE,
	    "live request line, head incomplete: wait");
	is_int(cls("GET /api/live HTTP/1.1\r\nHost: x\r\n\r\n"), FRONTDOOR_LIVE,
	    "complete live head without Upgrade: live (lws answers 426)");
	is_int(cls("GET /api/live?x=1 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
	    FRONTDOOR_LIVE, "live with a query and Upgrade: websocket");
	is_int(cls("GET /api/live HTTP/1.1\nUpgrade:  WebSocket \n\n"), FRONTDOOR_LIVE,
	    "bare LF line ends and a padded, mixed-case upgrade token");
	is_int(cls("GET /api/live HTTP/1.1\r\nUpgrade: h2c\r\n\r\n"), FRONTDOOR_REFUSE,
	    "Upgrade: h2c is refused");
	is_int(cls("GET /api/live HTTP/1.1\r\nupgrade: websocket, h2c\r\n\r\n"), FRONTDOOR_REFUSE,
	    "a list with more than websocket is refused");
	is_int(cls("GET /api/live HTTP/1.1\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n\r\n"),
	    FRONTDOOR_REFUSE, "a second Upgrade header is checked too");
	is_int(cls("GET /api/live HTTP/1.1\r\nUpgrade:\r\n\r\n"), FRONTDOOR_REFUSE,
	    "an empty Upgrade is refused");
	is_int(cls("GET /api/live HTTP/1.1\r\nX: a\r\n  Upgrade: h2c\r\n\r\n"), FRONTDOOR_ERROR,
	    "obsolete line folding is an error (400)");
	is_int(cls("GET /api/lived HTTP/1.1\r\n\r\n"), FRONTDOOR_HTTP, "/api/lived is not the live path");
	is_int(cls("GET /api/live/x HTTP/1.1\r\n\r\n"), FRONTDOOR_HTTP, "/api/live/x is not the live path");
	is_int(cls("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"), FRONTDOOR_HTTP, "other paths: http");
	is_int(cls("GET /api/health HTTP/1.1\r\nHost: x\r\n"), FRONTDOOR_MORE,
	    "an HTTP head waits until it is complete (slow heads stay in the front door)");
	is_int(cls("POST /api/live HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), FRONTDOOR_HTTP,
	    "POST /api/live is http; the body after the head is not judged");
	is_int(cls("P"), FRONTDOOR_MORE, "one byte of a method: wait");
	is_int(cls("\r\nGET / HTTP/1.1\r\n\r\n"), FRONTDOOR_HTTP, "one leading CRLF is tolerated");
	is_int(cls("\r"), FRONTDOOR_MORE, "a CR at the end may still get its LF: wait");
	is_int(frontdoor_classify("\x16\x03\x01\x02\x00", 5), FRONTDOOR_REJECT, "TLS ClientHello: rejected");
	is_int(frontdoor_classify("\0\1\2", 3), FRONTDOOR_REJECT, "binary: rejected");

	/* malformed heads: one JSON error each (the status here, the body in the front door) */
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400, "Content-Length -1: 400");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 0x2\r\n\r\n"), 400, "Content-Length 0x2: 400");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n"), 400, "Content-Length '1 0': 400");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), 400, "an empty Content-Length: 400");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"), 413,
	    "a 20-digit Content-Length: 413");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\n"), 0,
	    "18 digits pass (the API answers 413 against limits.max_request_body)");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 0,
	    "a repeated Content-Length with one value passes");
	is_int(status_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400,
	    "two Content-Lengths that differ: 400");
	is_int(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 501,
	    "an unknown Transfer-Encoding: 501");
	is_int(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501,
	    "a Transfer-Encoding list: 501");
	is_int(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"), 0,
	    "Transfer-Encoding: chunked (any case) passes");
	is_int(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
	    400, "Transfer-Encoding with Content-Length: 400 (a smuggling shape)");
	is_int(status_of("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 400, "a header line without a colon: 400");
	is_int(status_of("GET / HTTP/1.1\r\nX : y\r\n\r\n"), 400, "white space before the colon: 400");
	is_int(status_of("GET / HTTP/1.1\r\n: y\r\n\r\n"), 400, "an empty header name: 400");
	is_int(status_of("GET / HTTP/1.1\r\nX: a\001b\r\n\r\n"), 400, "a control byte in a value: 400");
	is_int(status_of("GET / HTTP/1.1\r\nX: a\tb\r\n\r\n"), 0, "a tab in a value passes");
	is_int(status_of("GET /\r\n\r\n"), 400, "HTTP/0.9 (no version): 400");
	is_int(status_of("GET /\r\n"), 400, "HTTP/0.9 is answered at the end of its line");
	is_int(status_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505, "PRI * HTTP/2.0: 505");
	is_int(status_of("GET / HTTP/1.2\r\n\r\n"), 505, "HTTP/1.2: 505");
	is_int(status_of("GET / HTTPS/1.1\r\n"), 400, "a version that is not HTTP/x.y: 400");
	is_int(status_of("GET / FOO"), 400, "a version that cannot become HTTP/: 400 before the line ends");
	is_int(status_of("GET /  HTTP/1.1\r\n\r\n"), 400, "two spaces: no version: 400");
	is_int(status_of("GET  / HTTP/1.1\r\n\r\n"), 400, "an empty target: 400");
	is_int(status_of("GET /a\001b HTTP/1.1\r\n\r\n"), 400, "a control byte in the target: 400");
	is_int(status_of("GET /a\0b HTTP/1.1\r\n\r\n"), 0, "(a C string stops at NUL: see the next)");
	is_int(frontdoor_classify("GET /a\0b HTTP/1.1\r\n\r\n", 21), FRONTDOOR_ERROR,
	    "a NUL in the target: error");
	is_int(status_of("\r\n\r\n\r\n"), 400, "blank lines only: 400");
	is_int(status_of("\n\n"), 400, "two bare LFs: 400");
	is_int(status_of("GET / HTTP/1.1\rHost: x\r\r"), 400, "bare-CR line ends: 400");
	is_int(status_of("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n"), 400, "a CR inside a header line: 400");
	is_int(status_of("get / HTTP/1.1\r\n\r\n"), 405, "a lower-case method: 405 (not a reset)");
	is_int(status_of("g"), 405, "  answered from its first byte");
	is_int(status_of("G3T / HTTP/1.1\r\n\r\n"), 400, "a digit in the method: 400");
	is_int(status_of("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n"), 400, "a 17-letter method: 400");
	is_int(status_of("BREW / HTTP/1.1\r\n\r\n"), 0, "an unknown upper-case method passes (the router: 405)");
	is_int(status_of("HELLO THERE\r\n\r\n"), 400, "upper-case junk: 400 (no version)");

	memset(big, 'a', sizeof big);
	memcpy(big, "GET /api/live?", 14);
	frontdoor_judge(big, FRONTDOOR_PEEK_MAX, &v);
	is_int(v.status, 414, "a request line that does not fit the peek buffer: 414");
	frontdoor_judge(big, FRONTDOOR_PEEK_MAX - 1, &v);
	is_int(v.cls, FRONTDOOR_MORE, "one byte less: still waiting");
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	frontdoor_judge(big, FRONTDOOR_PEEK_MAX, &v);
	is_int(v.status, 431, "a head that does not fit the peek buffer: 431");
	frontdoor_judge("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", 31, &v);
	is_int((int)v.head_len, 27, "head_len stops at the empty line");
}

/* Decode a path; the result or "ERR". */
static const char *
dec(const char *raw)
{
	static char out[256];

	if (api_decode_path(raw, out, sizeof out) != 0)
		return "ERR";
	return out;
}

static void
test_decode(void)
{
	is_str(dec("/api/health"), "/api/health", "plain path unchanged");
	is_str(dec("/a%20b"), "/a b", "%%20 decodes");
	is_str(dec("/%2e%2E/x"), "/../x", "%%2e decodes (case-insensitive hex); normalising is later");
	is_str(dec("/..%2fetc"), "/../etc", "%%2f decodes to a slash");
	is_str(dec("/%252e"), "/%2e", "double encoding decodes once only");
	is_str(dec("/a+b"), "/a+b", "no plus translation in paths");
	is_str(dec("/x%00.html"), "ERR", "%%00 is an error, not a cut");
	is_str(dec("/x%"), "ERR", "truncated escape");
	is_str(dec("/x%4"), "ERR", "half escape");
	is_str(dec("/x%zz"), "ERR", "non-hex escape");
}

static void
test_match(void)
{
	long long p[API_PARAMS_MAX];
	int n;

	ok(api_match("/api/health", "/api/health", p, &n) && n == 0, "literal match");
	ok(!api_match("/api/health", "/api/health/", p, &n), "no trailing slash");
	ok(!api_match("/api/health", "/api/healthz", p, &n), "no prefix match");
	ok(!api_match("/api/health", "/api", p, &n), "no partial match");
	ok(api_match("/api/runs/{id}", "/api/runs/42", p, &n) && n == 1 && p[0] == 42, "{id} captures 42");
	ok(api_match("/api/runs/{id}/compare/{other}", "/api/runs/7/compare/9", p, &n) && n == 2 &&
	    p[0] == 7 && p[1] == 9, "two params in order");
	ok(!api_match("/api/runs/{id}", "/api/runs/abc", p, &n), "{id} needs digits");
	ok(!api_match("/api/runs/{id}", "/api/runs/12x", p, &n), "{id} needs only digits");
	ok(!api_match("/api/runs/{id}", "/api/runs/-1", p, &n), "{id} is non-negative");
	ok(!api_match("/api/runs/{id}", "/api/runs/", p, &n), "{id} is not empty");
	ok(!api_match("/api/runs/{id}", "/api/runs/1234567890123456789", p, &n), "{id} at most 18 digits");
	ok(api_match("/api/runs/{id}", "/api/runs/123456789012345678", p, &n) && p[0] == 123456789012345678LL,
	    "18 digits fit");
	ok(!api_match("/api/runs/{id}", "/api/runs/1/ticks", p, &n), "extra segments do not match");
}

/* Normalise; "STATUS" on refusal. */
static const char *
norm(const char *path)
{
	static char out[64];
	unsigned st = static_normalize(path, out, sizeof out);

	if (st != 0) {
		snprintf(out, sizeof out, "%u", st);
	}
	return out;
}

static void
test_normalize(void)
{
	is_str(norm("/"), "", "root");
	is_str(norm("/index.html"), "index.html", "file");
	is_str(norm("//a///b/"), "a/b", "empty segments vanish");
	is_str(norm("/a/./b/."), "a/b", "dot segments vanish");
	is_str(norm("/a/b/../c"), "a/c", "dot-dot removes the previous segment");
	is_str(norm("/a/.."), "", "back to the root");
	is_str(norm("/.."), "403", "dot-dot at the root is refused");
	is_str(norm("/a/../.."), "403", "climbing above the root is refused");
	is_str(norm("/a/../../etc/passwd"), "403", "classic traversal refused");
	is_str(norm("/./../x"), "403", "dot then dot-dot refused");
	is_str(norm("/.git/config"), "404", "hidden segments are not served");
	is_str(norm("/a/.hidden"), "404", "hidden file");
	is_str(norm("/a/..b"), "404", "a name starting with a dot is hidden");
	is_str(norm("etc/passwd"), "400", "must start with a slash");
	is_str(norm("http://x/y"), "400", "absolute-form is not a path");
	is_str(norm("/a\nb"), "400", "control bytes refused");
	is_str(norm("/a\\..\\..\\x"), "a\\..\\..\\x", "backslashes are ordinary bytes on Linux");
	is_str(norm("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "404",
	    "too long for the buffer");
}

static void
test_types(void)
{
	is_str(static_content_type("index.html"), "text/html; charset=utf-8", "html");
	is_str(static_content_type("a/app.css"), "text/css; charset=utf-8", "css");
	is_str(static_content_type("app.js"), "text/javascript; charset=utf-8", "js");
	is_str(static_content_type("mod.mjs"), "text/javascript; charset=utf-8", "mjs");
	is_str(static_content_type("x.json"), "application/json", "json");
	is_str(static_content_type("x.js.map"), "application/json", "map");
	is_str(static_content_type("logo.svg"), "image/svg+xml", "svg");
	is_str(static_content_type("logo.PNG"), "image/png", "png, case-insensitive");
	is_str(static_content_type("favicon.ico"), "image/x-icon", "ico");
	is_str(static_content_type("f.woff2"), "font/woff2", "woff2");
	is_str(static_content_type("robots.txt"), "text/plain; charset=utf-8", "txt");
	is_str(static_content_type("blob.bin"), "application/octet-stream", "unknown");
	is_str(static_content_type("a.d/README"), "application/octet-stream", "a dot in a folder name only");
}

/* The list cursors: opaque, round-trip, and only ones the API gave decode. */
static void
test_cursors(void)
{
	static const int64_t ids[] = { 1, 9, 42, 999, 123456789, INT64_MAX };
	char c[API_CURSOR_MAX];
	int64_t id;
	int bad = 0;

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		api_cursor_encode(ids[i], c);
		if (api_cursor_decode(c, &id) != 0 || id != ids[i] || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(c))
			bad++;
	}
	is_int(bad, 0, "cursors are base64url and decode to the id they encode");
	api_cursor_encode(42, c);
	is_str(c, "cjQy", "the cursor of 42 is base64url of \"r42\"");
	ok(api_cursor_decode("", &id) != 0 && api_cursor_decode("cjA", &id) != 0 &&
	    api_cursor_decode("eDQy", &id) != 0 && api_cursor_decode("cj+y", &id) != 0 &&
	    api_cursor_decode("cjQyeA", &id) != 0,
	    "empty, r0, another letter, a non-base64url character, trailing bytes: refused");
}

int
main(void)
{
	test_classify();
	test_decode();
	test_match();
	test_normalize();
	test_types();
	test_cursors();
	return done_testing();
}
