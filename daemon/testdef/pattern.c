/*
 * pattern: see pattern.h. Runs on the thread that parses a definition; everything here allocates
 * freely, since it happens once per definition and never per request.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/pattern.h"

/* ---- JSON Pointer */

/* The token as an array index (RFC 6901: "0" or digits without a leading zero), or -1. */
static long
token_index(const char *s)
{
	long v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

struct pattern_pointer *
pattern_pointer_new(const char *text, char **cause)
{
	struct pattern_pointer *p;
	const char *s = text;

	if (text[0] != '\0' && text[0] != '/') {
		*cause = xasprintf("expected a JSON Pointer like \"/items/0/id\" (starting with \"/\"), got "
		    "\"%.60s\"", text);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	while (*s == '/') {
		const char *end = strchr(s + 1, '/');
		size_t n = end ? (size_t)(end - s - 1) : strlen(s + 1);
		char *tok = xmalloc(n + 1), *w = tok;

		for (size_t i = 0; i < n; i++) {
			char ch = s[1 + i];
			if (ch == '~') {
				char next = i + 1 < n ? s[2 + i] : '\0';
				if (next != '0' && next != '1') {
					*cause = xasprintf("invalid JSON Pointer \"%.60s\": \"~\" must be followed by "
					    "0 or 1", text);
					free(tok);
					pattern_pointer_free(p);
					return NULL;
				}
				*w++ = next == '0' ? '~' : '/';
				i++;
			} else {
				*w++ = ch;
			}
		}
		*w = '\0';
		p->tokens = xreallocarray(p->tokens, (size_t)p->ntokens + 1, sizeof *p->tokens);
		p->index = xreallocarray(p->index, (size_t)p->ntokens + 1, sizeof *p->index);
		p->tokens[p->ntokens] = tok;
		p->index[p->ntokens] = token_index(tok);
		p->ntokens++;
		s += 1 + n;
	}
	return p;
}

void
pattern_pointer_free(struct pattern_pointer *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->ntokens; i++)
		free(p->tokens[i]);
	free(p->tokens);
	free(p->index);
	free(p);
}

/* ---- regex */

struct pattern_regex *
pattern_regex_new(const char *pattern, char **cause)
{
	struct pattern_regex *re;
	PCRE2_SIZE erroff;
	uint32_t groups = 0;
	int errcode;
	pcre2_code *code;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		*cause = xasprintf("invalid regex at offset %zu: %s", (size_t)erroff, (char *)msg);
		return NULL;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);    /* no JIT: the interpreter serves */
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
	re = xcalloc(1, sizeof *re);
	re->code = code;
	re->groups = (int)groups;
	return re;
}

void
pattern_regex_free(struct pattern_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re);
}
