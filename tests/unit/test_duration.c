/* Unit tests for testdef/duration: Go's ParseDuration grammar plus k6's "d", no negatives,
   overflow detected; Go-style formatting. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>

#include "core/duration.h"
#include "tap.h"

#define MS 1000000LL
#define S 1000000000LL

static void
good(const char *s, int64_t want)
{
	int64_t ns = -12345;
	int rc = duration_parse(s, &ns);

	is_int(rc, DURATION_OK, "\"%s\" parses", s);
	is_int(ns, want, "\"%s\" is %lld ns", s, (long long)want);
}

static void
bad(const char *s, int want)
{
	int64_t ns = -12345;
	int rc = duration_parse(s, &ns);

	is_int(rc, want, "\"%s\" is rejected (%s)", s, want == DURATION_ERANGE ? "range" : "invalid");
	is_int(ns, -12345, "and leaves the output alone");
}

static void
fmt(int64_t ns, const char *want)
{
	char buf[DURATION_FMT_SIZE];

	is_str(duration_format(ns, buf), want, "%lld ns formats as %s", (long long)ns, want);
}

int
main(void)
{
	/* The forms the issue names. */
	good("250ms", 250 * MS);
	good("30s", 30 * S);
	good("5m", 300 * S);
	good("1h30m", 5400 * S);
	good("1m30s", 90 * S);
	good("1.5s", 1500 * MS);
	/* Go's grammar. */
	good("0", 0);
	good("+0", 0);
	good("0s", 0);
	good("+5s", 5 * S);
	good(".5s", 500 * MS);
	good("1.s", S);
	good("1.0s", S);
	good("100ns", 100);
	good("3us", 3000);
	good("3\xc2\xb5s", 3000);  /* micro sign */
	good("3\xce\xbcs", 3000);  /* Greek mu */
	good("2h45m30.5s", (2 * 3600 + 45 * 60 + 30) * S + 500 * MS);
	good("1h1h", 7200 * S);    /* Go adds repeated units */
	good("0.000000001s", 1);
	good("0.0000000019s", 1);  /* sub-nanosecond fractions truncate */
	good("1.000000000000000000000001s", S); /* digits beyond a uint64 are dropped */
	/* k6's day unit. */
	good("1d", 86400 * S);
	good("2d12h", (2 * 86400 + 12 * 3600) * S);
	/* The largest value, and one past it. */
	good("9223372036854775807ns", INT64_MAX);
	good("2562047h47m16.854775807s", INT64_MAX);
	bad("9223372036854775808ns", DURATION_ERANGE);
	bad("2562048h", DURATION_ERANGE);
	bad("2562047h47m16.854775808s", DURATION_ERANGE);
	bad("106752d", DURATION_ERANGE);
	bad("99999999999999999999s", DURATION_ERANGE);
	bad("9223372036854775807ns1ns", DURATION_ERANGE);

	/* Invalid forms. */
	bad("", DURATION_EINVAL);
	bad("30", DURATION_EINVAL);        /* no unit: k6 would read milliseconds; we refuse */
	bad("30 seconds", DURATION_EINVAL);
	bad("30sec", DURATION_EINVAL);
	bad("-5s", DURATION_EINVAL);       /* no negative durations */
	bad("-0", DURATION_EINVAL);
	bad("+", DURATION_EINVAL);
	bad(".s", DURATION_EINVAL);
	bad("s", DURATION_EINVAL);
	bad("1.5", DURATION_EINVAL);
	bad("1s2", DURATION_EINVAL);
	bad(" 1s", DURATION_EINVAL);
	bad("1s ", DURATION_EINVAL);
	bad("1S", DURATION_EINVAL);
	bad("1e3s", DURATION_EINVAL);
	bad("1..5s", DURATION_EINVAL);
	is_int(duration_parse(NULL, &(int64_t){ 0 }), DURATION_EINVAL, "NULL is invalid");

	/* Formatting, as Go prints time.Duration. */
	fmt(0, "0s");
	fmt(1, "1ns");
	fmt(1500, "1.5us");
	fmt(250 * MS, "250ms");
	fmt(1500 * MS, "1.5s");
	fmt(30 * S, "30s");
	fmt(90 * S, "1m30s");
	fmt(5400 * S, "1h30m0s");
	fmt(86400 * S, "24h0m0s");
	fmt(INT64_MAX, "2562047h47m16.854775807s");
	fmt(-5, "0s");
	/* Round trip through the formatter. */
	int mismatches = 0, tried = 0;
	for (int64_t v = 1; v > 0 && v < INT64_MAX / 7; v = v * 7 + 3, tried++) {
		char buf[DURATION_FMT_SIZE];
		int64_t back = -1;
		duration_parse(duration_format(v, buf), &back);
		if (back != v && mismatches++ == 0)
			printf("# %lld formats as \"%s\", which parses as %lld\n", (long long)v, buf, (long long)back);
	}
	ok(mismatches == 0 && tried > 15, "%d formatted durations parse back to the same value", tried);
	return done_testing();
}
