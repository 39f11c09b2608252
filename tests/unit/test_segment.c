/*
 * test_segment: k6's execution segments. k6's published striping (its documentation's 1/2, 1/4,
 * 1/4 table and its tests' offsets for tenths), then the property the whole feature rests on: the
 * shares of one sequence add up to every value, for 1..7 equal segments and for random sequences,
 * and the global indexes of the shares partition the whole.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "tap.h"

static struct segment *
mk(const char *seg, const char *seq)
{
	char *cause = NULL;
	struct segment *s = segment_new(seg, seq, &cause);
	if (s == NULL) {
		printf("# %s in %s: %s\n", seg, seq ? seq : "(none)", cause);
		free(cause);
	}
	return s;
}

/* "a/den:b/den", malloc'd. */
static char *
seg_of(int a, int b, int den)
{
	char *s = malloc(64);
	snprintf(s, 64, "%d/%d:%d/%d", a, den, b, den);
	return s;
}

/* The first n global indexes of seg in seq, as "a,b,c". */
static void
globals(const char *seg, const char *seq, int n, char *buf, size_t cap)
{
	struct segment *s = mk(seg, seq);
	size_t len = 0;

	buf[0] = '\0';
	for (int j = 0; s != NULL && j < n; j++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%lld", j ? "," : "", (long long)segment_global(s, j));
	segment_free(s);
}

static void
k6_examples(void)
{
	char b[256];
	static const char *tenths = "0,0.3,0.5,0.6,0.7,0.8,0.9,1";
	static const char *quarters = "0,1/2,3/4,1";
	static const struct { const char *seg; const char *want; } t[] = {
		/* k6's TestGetStripedOffsets: start and offsets, as positions over two periods */
		{ "0:0.3", "0,4,7,10,14,17" },
		{ "0.3:0.5", "1,5,11,15,21,25" },
		{ "0.5:0.6", "2,12,22,32,42,52" },
		{ "0.6:0.7", "3,13,23,33,43,53" },
		{ "0.8:0.9", "8,18,28,38,48,58" },
		{ "0.9:1", "9,19,29,39,49,59" },
	};

	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		globals(t[i].seg, tenths, 6, b, sizeof b);
		is_str(b, t[i].want, "k6 striping of %s in %s", t[i].seg, tenths);
	}
	globals("0:0.2", "0,0.2,0.5,0.6,0.7,0.8,0.9,1", 4, b, sizeof b);
	is_str(b, "1,5,11,15", "k6 striping of 0:0.2 when 0.2:0.5 is bigger");

	/* k6's documentation of ExecutionTuple: 0:1/2, 1/2:3/4, 3/4:1 */
	globals("0:1/2", quarters, 6, b, sizeof b);
	is_str(b, "0,2,4,6,8,10", "documented iterator of 0:1/2");
	globals("1/2:3/4", quarters, 3, b, sizeof b);
	is_str(b, "1,5,9", "documented iterator of 1/2:3/4");
	globals("3/4:1", quarters, 3, b, sizeof b);
	is_str(b, "3,7,11", "documented iterator of 3/4:1");
	{
		static const int64_t want[3][12] = {
			{ 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 },
			{ 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3 },
			{ 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3 },
		};
		static const char *segs[3] = { "0:1/2", "1/2:3/4", "3/4:1" };
		for (int k = 0; k < 3; k++) {
			struct segment *s = mk(segs[k], quarters);
			int same = s != NULL;
			for (int v = 1; v <= 12 && same; v++)
				same = segment_scale(s, v) == want[k][v - 1];
			ok(same, "documented ScaleInt64 table of %s for 1..12", segs[k]);
			segment_free(s);
		}
	}
}

/* Every share of seq for `value`: their sum, and whether their global indexes cover 0..value-1 once. */
static int
adds_up(char **segs, int n, const char *seq, int64_t value, int check_globals)
{
	struct segment *s[16];
	int64_t sum = 0;
	int good = 1;

	for (int i = 0; i < n; i++) {
		s[i] = mk(segs[i], seq);
		if (s[i] == NULL)
			return 0;
		sum += segment_scale(s[i], value);
	}
	good = sum == value;
	if (check_globals && good) {
		char *seen = calloc((size_t)value + 1, 1);
		for (int i = 0; i < n && good; i++) {
			int64_t m = segment_scale(s[i], value);
			for (int64_t j = 0; j < m && good; j++) {
				int64_t g = segment_global(s[i], j);
				good = g >= 0 && g < value && !seen[g] && segment_scale(s[i], g) == j &&
				    (j == 0 || g > segment_global(s[i], j - 1));
				if (good)
					seen[g] = 1;
			}
		}
		free(seen);
	}
	for (int i = 0; i < n; i++)
		segment_free(s[i]);
	return good;
}

static void
equal_segments(void)
{
	for (int n = 1; n <= 7; n++) {
		char *segs[7], seq[128];
		size_t len = (size_t)snprintf(seq, sizeof seq, "0");
		for (int i = 0; i < n; i++) {
			segs[i] = seg_of(i, i + 1, n);
			len += (size_t)snprintf(seq + len, sizeof seq - len, ",%d/%d", i + 1, n);
		}
		int good = 1;
		for (int64_t v = 0; v <= 200 && good; v++)
			good = adds_up(segs, n, seq, v, 1);
		ok(good, "%d equal segments: shares of 0..200 add up and partition the indexes", n);
		good = 1;
		for (int k = 0; k < 200 && good; k++) {
			int64_t v = ((int64_t)rand() << 20 ^ rand()) % 1000000000000LL;
			good = adds_up(segs, n, seq, v, 0);
		}
		ok(good, "%d equal segments: shares of 200 random values up to 10^12 add up", n);
		for (int i = 0; i < n; i++)
			free(segs[i]);
	}
}

static void
random_sequences(void)
{
	int good = 1;

	for (int t = 0; t < 300 && good; t++) {
		int n = 2 + rand() % 8, den = n + rand() % 60, cuts[16], nc = 0;
		char *segs[16], seq[512];
		size_t len;
		/* n - 1 distinct cut points in (0, den) */
		while (nc < n - 1) {
			int c = 1 + rand() % (den - 1), dup = 0;
			for (int i = 0; i < nc; i++)
				dup |= cuts[i] == c;
			if (!dup)
				cuts[nc++] = c;
		}
		for (int i = 0; i < nc; i++)
			for (int j = i + 1; j < nc; j++)
				if (cuts[j] < cuts[i]) {
					int x = cuts[i];
					cuts[i] = cuts[j];
					cuts[j] = x;
				}
		len = (size_t)snprintf(seq, sizeof seq, "0");
		for (int i = 0; i < n; i++) {
			int a = i ? cuts[i - 1] : 0, b = i < nc ? cuts[i] : den;
			segs[i] = seg_of(a, b, den);
			len += (size_t)snprintf(seq + len, sizeof seq - len, ",%d/%d", b, den);
		}
		for (int k = 0; k < 20 && good; k++) {
			int64_t v = k < 10 ? rand() % 500 : ((int64_t)rand() << 16 ^ rand()) % 100000000000LL;
			good = adds_up(segs, n, seq, v, k < 10);
			if (!good)
				printf("# %s for %lld\n", seq, (long long)v);
		}
		for (int i = 0; i < n; i++)
			free(segs[i]);
	}
	ok(good, "300 random sequences of 2..9 segments: the shares add up to random values");
}

static void
parsing(void)
{
	char *cause = NULL;
	struct segment *s;

	s = mk("1/3:2/3", NULL);
	is_str(s ? segment_sequence_string(s) : NULL, "0,1/3,2/3,1", "a lone segment is filled around");
	segment_free(s);
	s = mk("1/3", NULL);
	is_str(s ? segment_string(s) : NULL, "0:1/3", "a lone value is the end of a first segment");
	segment_free(s);
	s = mk("25%:0.5", "0,25%,1/2,1");
	is_str(s ? segment_string(s) : NULL, "1/4:1/2", "percentages, decimals and fractions mix");
	segment_free(s);
	s = mk("1/3:1", "1/3,1");
	is_str(s ? segment_sequence_string(s) : NULL, "0,1/3,1", "a sequence not starting at 0 is filled");
	segment_free(s);
	s = mk(NULL, NULL);
	ok(s != NULL && segment_is_whole(s) && segment_scale(s, 7) == 7, "no segment: the whole run");
	segment_free(s);
	ok(segment_scale(NULL, 9) == 9 && segment_global(NULL, 4) == 4, "NULL is the whole run");

	/* Lone segments stripe over different filled sequences: k6 does not promise they add up. */
	{
		struct segment *a = mk("0:1/3", NULL), *b = mk("1/3:2/3", NULL), *c = mk("2/3:1", NULL);
		is_int(segment_scale(a, 1) + segment_scale(b, 1) + segment_scale(c, 1), 0,
		    "without a sequence, the thirds of 1 add up to 0 (as in k6)");
		is_int(segment_scale(a, 2) + segment_scale(b, 2) + segment_scale(c, 2), 3,
		    "without a sequence, the thirds of 2 add up to 3 (as in k6)");
		segment_free(a);
		segment_free(b);
		segment_free(c);
	}

	static const struct { const char *seg, *seq, *want; } bad[] = {
		{ "2/3:1/3", NULL, "--execution-segment: \"2/3:1/3\"" },
		{ "0:3/2", NULL, "--execution-segment: \"0:3/2\"" },
		{ "a:b", NULL, "--execution-segment: \"a:b\" is not a segment" },
		{ "1/3:1/2", "0,1/3,2/3,1", "--execution-segment: 1/3:1/2 is not one of the segments" },
		{ "0:1/2", "0,1/2,1/2,1", "--execution-segment-sequence: \"0,1/2,1/2,1\": the points must" },
		{ "0:1/2", "1/2", "--execution-segment-sequence: \"1/2\": at least 2 points" },
		{ "0:1/2", "0,1/2,x", "--execution-segment-sequence: \"x\"" },
		{ "0:1/999983", "0,1/999983,1/999979,1", "--execution-segment-sequence: \"0,1/999983" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		s = segment_new(bad[i].seg, bad[i].seq, &cause);
		ok(s == NULL && cause != NULL && strncmp(cause, bad[i].want, strlen(bad[i].want)) == 0,
		    "refused: %s in %s (%s)", bad[i].seg, bad[i].seq ? bad[i].seq : "-", cause ? cause : "accepted");
		segment_free(s);
		free(cause);
		cause = NULL;
	}
}

int
main(void)
{
	srand(17);
	k6_examples();
	equal_segments();
	random_sequences();
	parsing();
	done_testing();
}
