/*
 * text: small string helpers more than one module needs. Pure functions, any thread.
 */
#ifndef RAMPAGE_TEXT_H
#define RAMPAGE_TEXT_H

#include <stddef.h>

#define TEXT_DISTANCE_MAX_LEN 64   /* longer strings are never "close" */

/* Edit distance (Levenshtein) between a and b, ASCII letters compared case-folded; SIZE_MAX when
   either is longer than TEXT_DISTANCE_MAX_LEN bytes. For "did you mean" hints. */
size_t text_distance(const char *a, const char *b);

/* Percent-decodes the n bytes at s into out (at most cap bytes, no NUL added), '+' as a space when
   plus is set. The decoded length, or -1 on a bad escape, an escaped NUL (%00) or a result longer
   than cap. */
long text_pct_decode(const char *s, size_t n, char *out, size_t cap, int plus);

#endif
