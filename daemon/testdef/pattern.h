/*
 * pattern: the compiled forms of what a definition uses to read a response: JSON Pointers (RFC
 * 6901) for `extract`, checks and groupBy, and PCRE2 regexes (Perl syntax, so \d, \w and \s work as
 * written; JIT-compiled when the platform allows) for `extract` and `matches` checks.
 *
 * Compiling happens once, when a definition is parsed, on that thread; a compiled pattern is part
 * of the immutable plan and any thread may read it. The structs are defined here because the
 * engine's matching (engine/extract.h) reads them directly on the per-request path.
 */
#ifndef RAMPAGE_PATTERN_H
#define RAMPAGE_PATTERN_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* A compiled JSON Pointer. */
struct pattern_pointer {
	int ntokens;
	char **tokens;             /* unescaped reference tokens */
	long *index;               /* [ntokens]: the token as an array index, or -1 */
};

/* A compiled regex. */
struct pattern_regex {
	pcre2_code *code;
	int groups;                /* capture groups */
};

/* Compiles a JSON Pointer ("" is the whole document, else "/a/0/b~1c"). NULL + *cause. */
struct pattern_pointer *pattern_pointer_new(const char *text, char **cause);
/* Frees a pointer. NULL is a no-op. */
void pattern_pointer_free(struct pattern_pointer *p);

/* Compiles a regex (PCRE2, Perl syntax; bytes, not UTF-8). NULL + *cause naming the offset. */
struct pattern_regex *pattern_regex_new(const char *pattern, char **cause);
/* Frees a regex. NULL is a no-op. */
void pattern_regex_free(struct pattern_regex *re);

#endif
