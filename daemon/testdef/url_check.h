/*
 * url_check: what a request whose URL begins with a variable must render to before it is sent.
 * A fixed origin is checked when the definition is validated (security.allow_targets); a path that
 * begins with a variable (`"path": "{{next}}"`) keeps baseUrl's origin only if the value begins
 * with "/", and a url that is a variable (`"url": "{{next}}"`) has no origin to check until it is
 * rendered: it must then be an absolute http:// or https:// URL with a host and no user:password@,
 * and its connection is checked as every connection is (the daemon's connect guard, the same that
 * judges redirects: security.allow_targets).
 *
 * Pure functions, any thread (a worker calls url_check_rendered for such requests only).
 */
#ifndef RAMPAGE_URL_CHECK_H
#define RAMPAGE_URL_CHECK_H

#include <stddef.h>

/* What a rendered URL is checked for (struct plan_request's url_check). */
enum url_check_kind {
	URL_CHECK_NONE = 0,        /* the origin is fixed: nothing to check */
	URL_CHECK_PATH,            /* baseUrl + a path that begins with a variable: a "/" must follow */
	URL_CHECK_WHOLE,           /* the url begins with a variable: an absolute http(s) URL */
};

/*
 * Checks a rendered URL (NUL-terminated). fixed_len: the bytes of baseUrl before the path
 * (URL_CHECK_PATH). NULL when it may be sent, else why not (a static string, the failure's text).
 */
const char *url_check_rendered(const char *url, size_t fixed_len, enum url_check_kind kind);

#endif
