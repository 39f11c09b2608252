/*
 * buf: a growable text buffer with a cap set at init, for replies and documents built whole (API
 * responses, Prometheus text, exports). Past the cap nothing more is added and the buffer remembers
 * it, so a huge result cannot exhaust our memory and the caller can answer "too large" instead of
 * sending a cut document. Owned by one thread at a time; no locks.
 */
#ifndef RAMPAGE_BUF_H
#define RAMPAGE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;                   /* NUL-terminated text (NULL until the first add) */
	size_t len;                /* bytes of text, NUL excluded */
	size_t cap;                /* bytes allocated */
	size_t max;                /* most bytes of text ever held */
	bool full;                 /* an add was refused: the text is incomplete */
};

/* Starts an empty buffer that holds at most max bytes of text. */
void buf_init(struct buf *b, size_t max);
/* Frees the text. The buffer may be initialised again. */
void buf_fini(struct buf *b);
/* Appends n bytes. Returns 0, or -1 (nothing added, b->full set) when the text would pass max. */
int buf_add(struct buf *b, const void *data, size_t n);
/* Appends formatted text; 0 or -1 as buf_add. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the text (never NULL: "" for an empty buffer; the caller frees it) and empties the buffer. */
char *buf_steal(struct buf *b);

#endif
