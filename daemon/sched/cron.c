/*
 * cron: see cron.h.
 *
 * DESIGN. An expression is a bit set per field, as in cronie. The search for the next fire has two
 * parts. cal_next finds the first matching *local wall-clock* second at or after a given one, on a
 * naive calendar (no zone: proleptic Gregorian days, Hinnant's civil-date arithmetic), skipping whole
 * months, days, hours and minutes that cannot match. cron_next then walks the zone's intervals (GLib's
 * GTimeZone: each interval has one UTC offset, so local time is monotonic inside it): a match inside the
 * current interval is the answer; else the search moves to the next interval. Where two intervals meet,
 * the DST rule of cron.h applies: a fixed-time expression fires at the first instant of an interval when
 * a matching local time fell in the gap before it, and ignores the local times an interval repeats from
 * the one before it. GLib resolves an instant to its interval (g_time_zone_find_interval), but has no
 * call for an interval's bounds, so they are found by bisection on instants (interval indexes grow with
 * time); the common case (the match lies in the current interval, far from its start) needs none.
 * GLib is used because it reads the system's zone files (tzdata) per zone object, without setting TZ
 * for the whole process (not thread-safe), and extends the rules to year 9999.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>

#include "core/xmalloc.h"
#include "sched/cron.h"

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_N };

struct cron {
	uint64_t bits[F_N];        /* bit v set: value v matches (day-of-week: 0-6, Sunday 0) */
	bool dom_star, dow_star;   /* the field starts with `*` (the day rule) */
	bool min_star, hour_star;  /* the field starts with `*` (the DST rule) */
	bool seconds;
};

struct cron_zone {
	GTimeZone *tz;
	char *name;
};

static const struct field {
	const char *name;
	int lo, hi;
	const char *const *names;  /* names for values lo.., or NULL */
} fields[F_N] = {
	[F_SEC] = { "second", 0, 59, NULL },
	[F_MIN] = { "minute", 0, 59, NULL },
	[F_HOUR] = { "hour", 0, 23, NULL },
	[F_DOM] = { "day-of-month", 1, 31, NULL },
	[F_MON] = { "month", 1, 12, (const char *const[]){ "jan", "feb", "mar", "apr", "may", "jun",
	    "jul", "aug", "sep", "oct", "nov", "dec", NULL } },
	[F_DOW] = { "day-of-week", 0, 7, (const char *const[]){ "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat", NULL } },
};

static const struct { const char *name, *expr; } aliases[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* ---- parsing */

/* Reads one value (a number or a name) of field f from *p: 0 and *v, or -1 and *cause. */
static int
value(const struct field *f, const char **p, int *v, char **cause)
{
	const char *s = *p;
	size_t n = 0;

	if (isdigit((unsigned char)*s)) {
		long x = 0;
		while (isdigit((unsigned char)s[n])) {
			if (x < 100000)
				x = x * 10 + (s[n] - '0');
			n++;
		}
		if (x < f->lo || x > f->hi) {
			*cause = xasprintf("%s: %.*s is outside %d-%d", f->name, (int)n, s, f->lo, f->hi);
			return -1;
		}
		*v = (int)x;
		*p = s + n;
		return 0;
	}
	while (isalpha((unsigned char)s[n]))
		n++;
	if (n == 3 && f->names != NULL) {
		for (int i = 0; f->names[i] != NULL; i++) {
			if (strncasecmp(s, f->names[i], 3) == 0) {
				*v = f->lo + i;
				*p = s + n;
				return 0;
			}
		}
	}
	if (n == 0)
		n = strcspn(s, ",-/");
	if (n == 0)
		*cause = xasprintf("%s: a value is missing", f->name);
	else if (f->names != NULL)
		*cause = xasprintf("%s: \"%.*s\" is not a number or a name (%s-%s)", f->name, (int)n, s,
		    f->names[0], f == &fields[F_MON] ? "dec" : "sat");
	else
		*cause = xasprintf("%s: \"%.*s\" is not a number", f->name, (int)n, s);
	return -1;
}

/* Parses field f's text (len bytes at s) into bits; *star: it starts with `*`. 0, or -1 and *cause. */
static int
field_parse(int fi, const char *s, size_t len, uint64_t *bits, bool *star, char **cause)
{
	const struct field *f = &fields[fi];
	char *text = xstrndup(s, len), *item, *save = NULL;
	int rc = -1;

	*bits = 0;
	*star = text[0] == '*';
	if (text[len - 1] == ',' || text[0] == ',' || strstr(text, ",,") != NULL) {
		*cause = xasprintf("%s: \"%s\" has an empty list item", f->name, text);
		goto out;
	}
	for (item = strtok_r(text, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		const char *p = item;
		int lo, hi, step = 1;

		if (*p == '*') {
			lo = f->lo;
			hi = f->hi;
			p++;
		} else {
			if (value(f, &p, &lo, cause) != 0)
				goto out;
			hi = lo;
			if (*p == '-') {
				p++;
				if (value(f, &p, &hi, cause) != 0)
					goto out;
				if (hi < lo) {
					*cause = xasprintf("%s: the range %s goes backwards", f->name, item);
					goto out;
				}
			} else if (*p == '/') {
				*cause = xasprintf("%s: %s: a step needs * or a range before it (%d-%d/...)",
				    f->name, item, lo, f->hi);
				goto out;
			}
		}
		if (*p == '/') {
			const char *q = ++p;
			long x = 0;
			while (isdigit((unsigned char)*p)) {
				if (x < 100000)
					x = x * 10 + (*p - '0');
				p++;
			}
			if (p == q) {
				*cause = xasprintf("%s: %s: the step is not a number", f->name, item);
				goto out;
			}
			if (x < 1 || x > f->hi - f->lo + 1) {
				*cause = xasprintf("%s: the step %ld is outside 1-%d", f->name, x,
				    f->hi - f->lo + 1);
				goto out;
			}
			step = (int)x;
		}
		if (*p != '\0') {
			*cause = xasprintf("%s: \"%s\" is not a value, range or step", f->name, item);
			goto out;
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ULL << (fi == F_DOW && v == 7 ? 0 : v);
	}
	rc = 0;
out:
	free(text);
	return rc;
}

struct cron *
cron_parse(const char *text, char **cause)
{
	const char *starts[F_N + 1], *p;
	size_t lens[F_N + 1];
	int n = 0;
	struct cron *c;

	if (strlen(text) > CRON_TEXT_MAX) {
		*cause = xasprintf("the expression is longer than %d bytes", CRON_TEXT_MAX);
		return NULL;
	}
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '@') {
		size_t len = strcspn(text, " \t");
		for (p = text + len; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0') {
			*cause = xasprintf("%.*s takes nothing after it", (int)len, text);
			return NULL;
		}
		for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
			if (strlen(aliases[i].name) == len && strncasecmp(text, aliases[i].name, len) == 0)
				return cron_parse(aliases[i].expr, cause);
		if (len == 7 && strncasecmp(text, "@reboot", 7) == 0)
			*cause = xstrdup("@reboot is not a time: a schedule needs one");
		else
			*cause = xasprintf("unknown alias %.*s (known: @yearly @annually @monthly @weekly "
			    "@daily @midnight @hourly)", (int)len, text);
		return NULL;
	}
	for (p = text; *p != '\0';) {
		size_t len = strcspn(p, " \t");
		if (n <= F_N) {
			starts[n] = p;
			lens[n] = len;
		}
		n++;
		for (p += len; *p == ' ' || *p == '\t'; p++)
			;
	}
	if (n == 0) {
		*cause = xstrdup("the expression is empty");
		return NULL;
	}
	if (n != 5 && n != 6) {
		*cause = xasprintf("expected 5 fields (minute hour day-of-month month day-of-week), or 6 "
		    "with a leading second field; got %d", n);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->seconds = n == 6;
	for (int i = 0; i < n; i++) {
		int fi = c->seconds ? i : i + 1;
		bool star;
		if (field_parse(fi, starts[i], lens[i], &c->bits[fi], &star, cause) != 0) {
			free(c);
			return NULL;
		}
		c->dom_star |= fi == F_DOM && star;
		c->dow_star |= fi == F_DOW && star;
		c->min_star |= fi == F_MIN && star;
		c->hour_star |= fi == F_HOUR && star;
	}
	if (!c->seconds)
		c->bits[F_SEC] = 1;
	return c;
}

void
cron_free(struct cron *c)
{
	free(c);
}

bool
cron_has_seconds(const struct cron *c)
{
	return c->seconds;
}

bool
cron_fixed_time(const struct cron *c)
{
	return !c->min_star && !c->hour_star;
}

/* ---- the naive calendar */

/* Days since 1970-01-01 of y-m-d (Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The smallest set bit >= from in bits (up to 63), or -1. */
static int
next_bit(uint64_t bits, int from)
{
	if (from > 63)
		return -1;
	bits &= ~0ULL << from;
	return bits == 0 ? -1 : __builtin_ctzll(bits);
}

static bool
day_matches(const struct cron *c, int64_t days, int d)
{
	int dow = (int)(((days % 7) + 11) % 7);   /* 1970-01-01 was a Thursday (4) */
	bool dom = (c->bits[F_DOM] >> d) & 1, wd = (c->bits[F_DOW] >> dow) & 1;
	return c->dom_star || c->dow_star ? dom && wd : dom || wd;
}

/*
 * The first naive local second >= from (seconds since 1970-01-01T00:00:00 local) that matches c:
 * 1 and *out, or 0 when none comes within 401 years.
 */
static int
cal_next(const struct cron *c, int64_t from, int64_t *out)
{
	int64_t days = floor_div(from, 86400), y;
	int sod = (int)(from - days * 86400), m, d, h = sod / 3600, mi = sod / 60 % 60, s = sod % 60;
	int64_t limit;

	civil_from_days(days, &y, &m, &d);
	limit = y + 401;
	for (;;) {
		int v;
		if (y > limit)
			return 0;
		if (!((c->bits[F_MON] >> m) & 1)) {
			v = next_bit(c->bits[F_MON], m + 1);
			if (v < 0) {
				y++;
				v = next_bit(c->bits[F_MON], 1);
			}
			m = v;
			d = 1;
			h = mi = s = 0;
			days = days_from_civil(y, m, d);
			continue;
		}
		if (!day_matches(c, days, d))
			goto next_day;
		if ((v = next_bit(c->bits[F_HOUR], h)) != h) {
			if (v < 0)
				goto next_day;
			h = v;
			mi = s = 0;
		}
		if ((v = next_bit(c->bits[F_MIN], mi)) != mi) {
			if (v < 0) {
				h++;
				mi = s = 0;
				if (h > 23)
					goto next_day;
				continue;
			}
			mi = v;
			s = 0;
		}
		if ((v = next_bit(c->bits[F_SEC], s)) != s) {
			if (v < 0) {
				mi++;
				s = 0;
				if (mi > 59) {
					mi = 0;
					h++;
					if (h > 23)
						goto next_day;
				}
				continue;
			}
			s = v;
		}
		*out = days * 86400 + h * 3600 + mi * 60 + s;
		return 1;
next_day:
		days = days_from_civil(y, m, d) + 1;
		civil_from_days(days, &y, &m, &d);
		h = mi = s = 0;
	}
}

/* ---- zones */

/* Whether name looks like a zone database name (not a path, not a POSIX TZ rule). */
static bool
zone_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '/' || name[0] == '.' || strlen(name) > 64 ||
	    strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return false;
	return true;
}

struct cron_zone *
cron_zone_new(const char *name, char **cause)
{
	const char *dir = getenv("TZDIR");
	struct cron_zone *z;
	struct stat sb;
	GTimeZone *tz;
	char *path;
	bool file;

	if (!zone_name_ok(name)) {
		*cause = xasprintf("unknown time zone \"%s\" (an IANA name such as Europe/Berlin)", name);
		return NULL;
	}
	/* GLib would read a POSIX rule ("XYZ3") as a zone too: only files of the database count */
	path = xasprintf("%s/%s", dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo", name);
	file = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	if (!file || (tz = g_time_zone_new_identifier(name)) == NULL) {
		*cause = xasprintf("unknown time zone \"%s\" (an IANA name such as Europe/Berlin)", name);
		return NULL;
	}
	z = xcalloc(1, sizeof *z);
	z->tz = tz;
	z->name = xstrdup(name);
	return z;
}

void
cron_zone_free(struct cron_zone *z)
{
	if (z == NULL)
		return;
	g_time_zone_unref(z->tz);
	free(z->name);
	free(z);
}

const char *
cron_zone_name(const struct cron_zone *z)
{
	return z->name;
}

static int
interval_at(const struct cron_zone *z, int64_t t)
{
	return g_time_zone_find_interval(z->tz, G_TIME_TYPE_UNIVERSAL, t);
}

int32_t
cron_zone_offset(const struct cron_zone *z, int64_t t)
{
	return g_time_zone_get_offset(z->tz, interval_at(z, t));
}

#define FAR ((int64_t)500 * 366 * 86400)   /* no transition within this: the interval never ends */

/* The first instant of interval i, which holds t. */
static int64_t
interval_start(const struct cron_zone *z, int i, int64_t t)
{
	int64_t lo, hi = t, step = 3600;   /* interval_at(hi) == i; interval_at(lo) < i */

	for (lo = t - step; interval_at(z, lo) == i; lo = hi - step) {
		hi = lo;
		if (step > FAR)
			return INT64_MIN / 2;
		step *= 2;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (interval_at(z, mid) == i)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* The first instant after interval i, which holds t (INT64_MAX / 2: none). */
static int64_t
interval_end(const struct cron_zone *z, int i, int64_t t)
{
	int64_t lo = t, hi, step = 3600;   /* interval_at(lo) == i; interval_at(hi) > i */

	for (hi = t + step; interval_at(z, hi) == i; hi = lo + step) {
		lo = hi;
		if (step > FAR)
			return INT64_MAX / 2;
		step *= 2;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (interval_at(z, mid) == i)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

int
cron_next(const struct cron *c, const struct cron_zone *z, int64_t after, int64_t *next)
{
	bool fixed = cron_fixed_time(c);
	int64_t s = after + 1;
	int i = interval_at(z, s);
	int32_t o = g_time_zone_get_offset(z->tz, i);

	for (int guard = 0; guard < 4000; guard++) {
		int32_t po = i > 0 ? g_time_zone_get_offset(z->tz, i - 1) : o;
		int64_t a = INT64_MIN, lfrom = s + o, l, cand;

		if (po != o) {
			int64_t delta = po > o ? po - o : o - po;
			if (interval_at(z, s - delta - 1) != i)
				a = interval_start(z, i, s);   /* s is close to the interval's start */
		}
		/* spring forward: a fixed time in the gap fires at the first instant after it */
		if (fixed && a == s && po < o && cal_next(c, a + po, &l) && l < a + o) {
			*next = a;
			return 1;
		}
		/* fall back: a fixed time fires at its first occurrence only */
		if (fixed && a != INT64_MIN && po > o && lfrom < a + po)
			lfrom = a + po;
		if (!cal_next(c, lfrom, &l))
			return 0;
		cand = l - o;
		if (interval_at(z, cand) == i) {
			*next = cand;
			return 1;
		}
		s = interval_end(z, i, s);
		if (s >= INT64_MAX / 2)
			return 0;
		i = interval_at(z, s);
		o = g_time_zone_get_offset(z->tz, i);
	}
	return 0;
}

char *
cron_format(const struct cron_zone *z, int64_t t, char buf[CRON_ISO_SIZE])
{
	int32_t off = cron_zone_offset(z, t), a = off < 0 ? -off : off;
	int64_t l = t + off, days = floor_div(l, 86400), y;
	int sod = (int)(l - days * 86400), m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, CRON_ISO_SIZE, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
	    sod / 3600, sod / 60 % 60, sod % 60, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	return buf;
}
