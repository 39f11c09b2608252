/*
 * static: serves the dashboard's files from the web root for the api module (MHD thread): path
 * normalisation that never leaves the root, content types, caching headers. The caller (api.c)
 * turns error statuses into JSON error bodies.
 */
#ifndef RAMPAGE_STATIC_H
#define RAMPAGE_STATIC_H

#include <stddef.h>

struct MHD_Response;
struct static_root;

/*
 * Resolves web_root with realpath. A missing or unreadable folder is not fatal: every lookup then
 * answers 404 (the returned *warning, if set, says why; caller logs and frees it). Main thread.
 */
struct static_root *static_open(const char *web_root, char **warning);
/* Frees. NULL is a no-op. */
void static_close(struct static_root *root);

/*
 * Looks up a percent-decoded URL path ("/", "/app.js") under the root and returns the HTTP status:
 *   200 or 304, with *resp set (headers included; the caller queues and destroys it);
 *   400 (malformed), 403 (leaves the root, even through a symlink), 404 (missing, hidden, not a
 *   regular file, a folder without index.html), 500 (MHD out of memory), with *resp NULL.
 * if_none_match / if_modified_since are the request's headers, or NULL. A folder serves its
 * index.html. index.html is `Cache-Control: no-cache`; every file has an ETag and Last-Modified.
 * Thread-safe (read-only root); used by the api thread.
 */
unsigned static_lookup(const struct static_root *root, const char *path, const char *if_none_match,
    const char *if_modified_since, struct MHD_Response **resp);

/* ---- pure helpers, exported for tests/unit/test_http.c */

/*
 * Normalises a decoded URL path into a path relative to the root ("a/b", "" for the root itself):
 * empty and "." segments vanish, ".." removes the previous segment. Returns 0, or the HTTP status
 * to answer: 400 if path does not start with '/' or holds a control byte, 403 if ".." climbs above
 * the root, 404 for a hidden segment (".git") or a result longer than size - 1.
 */
unsigned static_normalize(const char *path, char *out, size_t size);
/* The Content-Type for a file name, by extension (application/octet-stream if unknown). */
const char *static_content_type(const char *name);

#endif
