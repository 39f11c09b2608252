/*
 * xmalloc: allocation that cannot fail. Out of memory is fatal (logged, abort), so call sites never
 * check. Any thread.
 */
#ifndef RAMPAGE_XMALLOC_H
#define RAMPAGE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* reallocarray that dies on overflow or OOM */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that dies on OOM; returns the new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
