/*
 * test_url_check: testdef/url_check, what a URL that begins with a variable must render to before a
 * worker sends it.
 */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include "testdef/url_check.h"
#include "tap.h"

static void
sent(const char *url, size_t fixed, enum url_check_kind kind)
{
	const char *why = url_check_rendered(url, fixed, kind);

	ok(why == NULL, "\"%s\" is sent%s%s", url, why ? ": " : "", why ? why : "");
}

static void
refused(const char *url, size_t fixed, enum url_check_kind kind, const char *want)
{
	const char *why = url_check_rendered(url, fixed, kind);

	ok(why != NULL && strstr(why, want) != NULL, "\"%s\" is not sent (%s)", url, why ? why : "sent");
}

int
main(void)
{
	const char *base = "http://127.0.0.1:8000";
	size_t n = strlen(base);

	sent("anything at all", 0, URL_CHECK_NONE);
	sent("http://127.0.0.1:8000/api/users/3", n, URL_CHECK_PATH);
	sent("http://127.0.0.1:8000//x", n, URL_CHECK_PATH);
	refused("http://127.0.0.1:8000api/users", n, URL_CHECK_PATH, "starting with \"/\"");
	refused("http://127.0.0.1:8000@evil.example/", n, URL_CHECK_PATH, "starting with \"/\"");
	refused("http://127.0.0.1:8000", n, URL_CHECK_PATH, "starting with \"/\"");

	sent("http://127.0.0.1:8000/api/health", 0, URL_CHECK_WHOLE);
	sent("HTTPS://example.com", 0, URL_CHECK_WHOLE);
	sent("http://[::1]:8000/x?y=1#z", 0, URL_CHECK_WHOLE);
	refused("", 0, URL_CHECK_WHOLE, "absolute http");
	refused("/api/health", 0, URL_CHECK_WHOLE, "absolute http");
	refused("ftp://127.0.0.1/x", 0, URL_CHECK_WHOLE, "absolute http");
	refused("file:///etc/passwd", 0, URL_CHECK_WHOLE, "absolute http");
	refused("http:///x", 0, URL_CHECK_WHOLE, "without a host");
	refused("http://:80/x", 0, URL_CHECK_WHOLE, "without a host");
	refused("http://user:pw@127.0.0.1/", 0, URL_CHECK_WHOLE, "user:password@");
	refused("http://127.0.0.1\\@evil/", 0, URL_CHECK_WHOLE, "backslash");
	refused("http://127.0.0.1/a b", 0, URL_CHECK_WHOLE, "space or a control");
	refused("http://127.0.0.1/a\r\nHost: x", 0, URL_CHECK_WHOLE, "space or a control");
	sent("http://127.0.0.1/a?next=user@example.com", 0, URL_CHECK_WHOLE);
	return done_testing();
}
