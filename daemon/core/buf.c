/*
 * buf: see buf.h. Doubling growth from 4 KiB; vsnprintf measures first into the free tail, so most
 * appends format once.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	*b = (struct buf){ .max = max };
}

void
buf_fini(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

/* Makes room for n more bytes of text and the NUL; -1 past max. */
static int
reserve(struct buf *b, size_t n)
{
	size_t want;

	if (n > b->max - b->len) {
		b->full = true;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	if (b->cap == 0)
		b->cap = 4096;
	while (b->cap < want)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
	return 0;
}

int
buf_add(struct buf *b, const void *data, size_t n)
{
	if (reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, b->p != NULL ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();   /* a bad format: a bug */
	if (b->p != NULL && (size_t)n < b->cap - b->len) {
		if ((size_t)n > b->max - b->len) {   /* fitted the allocation, not the cap: undo */
			b->p[b->len] = '\0';
			b->full = true;
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (reserve(b, (size_t)n) == -1) {
		if (b->p != NULL)
			b->p[b->len] = '\0';
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
buf_steal(struct buf *b)
{
	char *p = b->p != NULL ? b->p : xstrdup("");

	buf_init(b, b->max);
	return p;
}
