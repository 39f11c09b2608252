/*
 * static: see static.h. Runs on the api thread; holds no state but the root's real path.
 *
 * The path arrives percent-decoded once (api.c); it is never decoded again, so "%252e%252e" stays
 * the literal name "%2e%2e". It is normalised lexically first (".." above the root is refused
 * before touching the disk), then the candidate is resolved with realpath and must still lie under
 * the root's real path: that catches symlinks that point outside. The resolved path is opened with
 * O_NOFOLLOW | O_NONBLOCK (a FIFO must not block the api thread) and fstat decides what it is.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "http/static.h"

struct static_root {
	char *real;          /* realpath of web_root, or NULL if unusable (every lookup is 404) */
	size_t len;
};

static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "txt", "text/plain; charset=utf-8" },
};

const char *
static_content_type(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');

	if (dot != NULL && (slash == NULL || dot > slash)) {
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
		}
	}
	return "application/octet-stream";
}

unsigned
static_normalize(const char *path, char *out, size_t size)
{
	size_t len = 0;
	const char *s = path;

	if (size == 0 || path[0] != '/')
		return 400;
	out[0] = '\0';
	while (*s != '\0') {
		const char *seg;
		size_t n;

		while (*s == '/')
			s++;
		seg = s;
		while (*s != '\0' && *s != '/') {
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				return 400;
			s++;
		}
		n = (size_t)(s - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (len == 0)
				return 403;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;   /* the slash before the removed segment */
			out[len] = '\0';
			continue;
		}
		if (seg[0] == '.')
			return 404;
		if (len + (len > 0) + n + 1 > size)
			return 404;
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
		out[len] = '\0';
	}
	return 0;
}

struct static_root *
static_open(const char *web_root, char **warning)
{
	struct static_root *root = xcalloc(1, sizeof *root);
	struct stat st;

	*warning = NULL;
	root->real = realpath(web_root, NULL);
	if (root->real == NULL) {
		*warning = xasprintf("web root %s: %s; the dashboard will not be served", web_root,
		    strerror(errno));
	} else if (stat(root->real, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*warning = xasprintf("web root %s is not a folder; the dashboard will not be served",
		    web_root);
		free(root->real);
		root->real = NULL;
	} else {
		root->len = strlen(root->real);
		if (root->len == 1)
			root->len = 0;   /* "/": every path is under it */
	}
	return root;
}

void
static_close(struct static_root *root)
{
	if (root == NULL)
		return;
	free(root->real);
	free(root);
}

/* Whether a resolved path lies under (or is) the root. */
static int
under_root(const struct static_root *root, const char *real)
{
	return strncmp(real, root->real, root->len) == 0 &&
	    (real[root->len] == '\0' || real[root->len] == '/');
}

/* Resolve root/rel and open it if it stays under the root; 0 and *fd, or an HTTP status. */
static unsigned
open_under(const struct static_root *root, const char *rel, int *fd, struct stat *st)
{
	char joined[PATH_MAX];
	char *real;
	unsigned status = 0;

	*fd = -1;
	if ((size_t)snprintf(joined, sizeof joined, "%s/%s", root->real, rel) >= sizeof joined)
		return 404;
	real = realpath(joined, NULL);
	if (real == NULL)
		return errno == EACCES ? 403 : 404;
	if (!under_root(root, real)) {
		status = 403;
	} else {
		*fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (*fd < 0)
			status = errno == EACCES ? 403 : 404;
		else if (fstat(*fd, st) != 0)
			status = 404;
	}
	free(real);
	if (status != 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return status;
}

/* Whether an If-None-Match list names our entity tag (weak comparison) or is "*". */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *s = inm;

	while (*s != '\0') {
		const char *tok, *end;
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		tok = s;
		while (*s != '\0' && *s != ',')
			s++;
		end = s;
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end - tok == 1 && tok[0] == '*')
			return 1;
		if (end - tok > 2 && tok[0] == 'W' && tok[1] == '/')
			tok += 2;
		if ((size_t)(end - tok) == elen && memcmp(tok, etag, elen) == 0)
			return 1;
	}
	return 0;
}

/* Whether the file is not newer than an If-Modified-Since date (IMF-fixdate). */
static int
not_modified_since(const char *ims, time_t mtime)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return 0;
	return mtime <= timegm(&tm);
}

/* Add the validators and caching policy to a response. */
static void
add_cache_headers(struct MHD_Response *resp, const char *etag, time_t mtime, int is_index)
{
	char date[64];
	struct tm tm;

	gmtime_r(&mtime, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    is_index ? "no-cache" : "public, max-age=60, must-revalidate");
}

unsigned
static_lookup(const struct static_root *root, const char *path, const char *if_none_match,
    const char *if_modified_since, struct MHD_Response **resp)
{
	char rel[PATH_MAX], etag[96];
	struct stat st;
	unsigned status;
	int fd = -1, is_index;
	const char *name;

	*resp = NULL;
	if ((status = static_normalize(path, rel, sizeof rel - sizeof "/index.html")) != 0)
		return status;
	if (root->real == NULL)
		return 404;
	if ((status = open_under(root, rel, &fd, &st)) != 0)
		return status;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		strcat(rel, rel[0] != '\0' ? "/index.html" : "index.html");
		if ((status = open_under(root, rel, &fd, &st)) != 0)
			return status;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 404;
	}
	name = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	is_index = strcmp(name, "index.html") == 0;
	snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_ino,
	    (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);

	if (if_none_match != NULL ? etag_matches(if_none_match, etag) :
	    if_modified_since != NULL && not_modified_since(if_modified_since, st.st_mtim.tv_sec)) {
		close(fd);
		*resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (*resp == NULL)
			return 500;   /* MHD out of memory */
		status = MHD_HTTP_NOT_MODIFIED;
	} else {
		*resp = MHD_create_response_from_fd((size_t)st.st_size, fd);   /* owns fd now */
		if (*resp == NULL) {
			close(fd);
			return 500;
		}
		MHD_add_response_header(*resp, MHD_HTTP_HEADER_CONTENT_TYPE, static_content_type(name));
		MHD_add_response_header(*resp, "X-Content-Type-Options", "nosniff");
		status = MHD_HTTP_OK;
	}
	add_cache_headers(*resp, etag, st.st_mtim.tv_sec, is_index);
	return status;
}
