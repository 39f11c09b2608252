/*
 * duration: see duration.h. The parser follows Go's time.ParseDuration step by step (integer part,
 * fraction kept as digits + scale, the unit is the longest run of non-digits, overflow checked before
 * every multiply and add) so that k6 users get exactly the values they are used to.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "core/duration.h"

#define MAX_NS ((uint64_t)INT64_MAX)

static const struct unit {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },     /* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 },     /* U+03BC Greek small letter mu */
	{ "ms", 1000000 },
	{ "s", 1000000000ULL },
	{ "m", 60 * 1000000000ULL },
	{ "h", 3600 * 1000000000ULL },
	{ "d", 86400 * 1000000000ULL },
};

/* Look a unit up by its exact spelling; 0 if unknown. */
static uint64_t
unit_ns(const char *u, size_t len)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strlen(units[i].name) == len && memcmp(units[i].name, u, len) == 0)
			return units[i].ns;
	}
	return 0;
}

enum duration_result
duration_parse(const char *s, int64_t *ns)
{
	uint64_t total = 0;

	if (s == NULL)
		return DURATION_EINVAL;
	if (*s == '+')
		s++;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return DURATION_OK;
	}
	if (*s == '\0')
		return DURATION_EINVAL;
	while (*s != '\0') {
		uint64_t v = 0, f = 0, unit;
		double scale = 1;
		int pre = 0, post = 0;
		const char *u;

		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			return DURATION_EINVAL;
		for (; *s >= '0' && *s <= '9'; s++, pre = 1) {
			if (v > (MAX_NS - (uint64_t)(*s - '0')) / 10)
				return DURATION_ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			int overflow = 0;
			for (s++; *s >= '0' && *s <= '9'; s++, post = 1) {
				/* Digits past what a uint64 holds cannot change the result: drop them. */
				if (overflow || f > (UINT64_MAX - 9) / 10) {
					overflow = 1;
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return DURATION_EINVAL;
		for (u = s; *s != '\0' && *s != '.' && !(*s >= '0' && *s <= '9'); s++)
			;
		if (s == u || (unit = unit_ns(u, (size_t)(s - u))) == 0)
			return DURATION_EINVAL;
		if (v > MAX_NS / unit)
			return DURATION_ERANGE;
		v *= unit;
		if (f > 0) {
			double frac = (double)f * ((double)unit / scale);
			if (frac >= (double)MAX_NS)
				return DURATION_ERANGE;
			v += (uint64_t)frac;
			if (v > MAX_NS)
				return DURATION_ERANGE;
		}
		if (v > MAX_NS - total)
			return DURATION_ERANGE;
		total += v;
	}
	*ns = (int64_t)total;
	return DURATION_OK;
}

/* Write v / 10^prec into the tail of buf ending at w, with trailing fraction zeros (and the dot)
 * dropped, as Go's fmtFrac does. Returns the new start. */
static char *
put_frac(char *w, uint64_t *v, int prec)
{
	int print = 0;

	for (int i = 0; i < prec; i++) {
		int digit = (int)(*v % 10);
		print = print || digit != 0;
		if (print)
			*--w = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		*--w = '.';
	return w;
}

/* Write v in decimal into the tail of buf ending at w. Returns the new start. */
static char *
put_int(char *w, uint64_t v)
{
	if (v == 0)
		*--w = '0';
	for (; v > 0; v /= 10)
		*--w = (char)('0' + v % 10);
	return w;
}

char *
duration_format(int64_t ns, char buf[DURATION_FMT_SIZE])
{
	char tmp[DURATION_FMT_SIZE], *end = tmp + sizeof tmp - 1, *w = end;
	uint64_t u = ns < 0 ? 0 : (uint64_t)ns;

	*end = '\0';
	if (u < 1000000000ULL) {
		/* Below a second: the largest of ns, µs ("us" here: ASCII), ms with a fraction. */
		int prec;
		const char *unit;
		if (u == 0) {
			strcpy(buf, "0s");
			return buf;
		}
		if (u < 1000) {
			prec = 0;
			unit = "ns";
		} else if (u < 1000000) {
			prec = 3;
			unit = "us";
		} else {
			prec = 6;
			unit = "ms";
		}
		w -= strlen(unit);
		memcpy(w, unit, strlen(unit));
		w = put_frac(w, &u, prec);
		w = put_int(w, u);
	} else {
		*--w = 's';
		w = put_frac(w, &u, 9);
		w = put_int(w, u % 60);
		u /= 60;
		if (u > 0) {
			*--w = 'm';
			w = put_int(w, u % 60);
			u /= 60;
			if (u > 0) {
				*--w = 'h';
				w = put_int(w, u);
			}
		}
	}
	memcpy(buf, w, (size_t)(end - w) + 1);
	return buf;
}
