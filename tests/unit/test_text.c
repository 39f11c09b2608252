/*
 * test_text: core/text, the "did you mean" distance and the percent-decoder shared by the API
 * router and the websocket token check.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "core/text.h"
#include "tap.h"

static void
decodes(const char *in, int plus, size_t cap, long want_len, const char *want)
{
	char out[64];
	long n = text_pct_decode(in, strlen(in), out, cap, plus);

	if (want_len < 0) {
		is_int(n, -1, "\"%s\" (plus %d, cap %zu) is refused", in, plus, cap);
		return;
	}
	is_int(n, want_len, "\"%s\" (plus %d) decodes to %ld bytes", in, plus, want_len);
	ok(n == want_len && memcmp(out, want, (size_t)want_len) == 0, "... \"%s\"", want);
}

int
main(void)
{
	char long_word[80];

	is_int(text_distance("thinkTime", "thinkTime"), 0, "distance to itself is 0");
	is_int(text_distance("thinkTme", "thinkTime"), 1, "a missing letter is 1");
	is_int(text_distance("THINKTIME", "thinkTime"), 0, "letters compare case-folded");
	is_int(text_distance("rate", "vus"), 4, "unrelated words are far apart");
	is_int(text_distance("", "abc"), 3, "from the empty string: the length");
	memset(long_word, 'a', 65);
	long_word[65] = '\0';
	ok(text_distance(long_word, "a") == SIZE_MAX, "a word over 64 bytes is never close");

	decodes("a%20b+c", 1, 64, 5, "a b c");
	decodes("a%20b+c", 0, 64, 5, "a b+c");
	decodes("%41%2f", 0, 64, 2, "A/");
	decodes("%4", 0, 64, -1, NULL);
	decodes("%zz", 0, 64, -1, NULL);
	decodes("a%00b", 0, 64, -1, NULL);
	decodes("abcd", 0, 4, 4, "abcd");
	decodes("abcde", 0, 4, -1, NULL);
	return done_testing();
}
