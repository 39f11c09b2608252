/*
 * cron: cron expressions read as cronie reads them, and the pure "next fire after instant T in zone Z"
 * function the scheduler, the API's preview and the unit tests share. No clock is read here: every
 * instant comes from the caller. Any thread (a parsed expression and a zone are immutable).
 *
 * Grammar: five fields, minute hour day-of-month month day-of-week, or six with a leading second
 * field (robfig/cron's seconds mode), separated by blanks. A field is a comma list of `*`, `N`,
 * `N-M`, `*` or `N-M` with `/STEP`; month names jan-dec and day names sun-sat (any case) wherever a
 * number goes; day-of-week 7 is Sunday too. `N/STEP` is refused, as cronie refuses it. Aliases:
 * @yearly @annually @monthly @weekly @daily @midnight @hourly (@reboot is not a time).
 *
 * Day rule (cronie): when both day-of-month and day-of-week are restricted a day matches when EITHER
 * matches; a field that starts with `*` (`*` and `*` / step) is unrestricted for this rule, so then
 * both must match.
 *
 * Daylight saving time (cronie's rule): an expression whose minute and hour fields both start with
 * something other than `*` is "fixed-time". A fixed-time expression whose local time does not exist
 * (spring forward) fires once at the first instant after the gap; one whose local time happens twice
 * (fall back) fires once, at its first occurrence. Any other expression (`*` / 15 * * * *, 30 * * * *)
 * follows elapsed time: it never fires for skipped local times and fires in both occurrences of a
 * repeated hour. The seconds field plays no part in the rule.
 */
#ifndef RAMPAGE_CRON_H
#define RAMPAGE_CRON_H

#include <stdbool.h>
#include <stdint.h>

struct cron;
struct cron_zone;

/* Longest expression accepted (bytes). */
#define CRON_TEXT_MAX 256
/* Room for cron_format's output, NUL included ("2026-03-29T03:00:00+02:00"). */
#define CRON_ISO_SIZE 40

/*
 * Parses text. The expression (caller frees with cron_free), or NULL and *cause (xmalloc'd), which
 * names the field and the value: "hour: 25 is outside 0-23".
 */
struct cron *cron_parse(const char *text, char **cause);
/* NULL is a no-op. */
void cron_free(struct cron *c);
/* Whether the expression has the leading seconds field. */
bool cron_has_seconds(const struct cron *c);
/* Whether it is fixed-time for the DST rule (minute and hour fields do not start with `*`). */
bool cron_fixed_time(const struct cron *c);

/*
 * The IANA zone name (Europe/Berlin, UTC), read from the system's zone files (tzdata) through GLib.
 * The zone (cron_zone_free), or NULL and *cause ("unknown time zone \"Mars/Base\""). Names that are
 * paths or POSIX TZ strings are refused: only files of the zone database count.
 */
struct cron_zone *cron_zone_new(const char *name, char **cause);
void cron_zone_free(struct cron_zone *z);
const char *cron_zone_name(const struct cron_zone *z);
/* The zone's offset from UTC at instant t (seconds since the epoch), in seconds. */
int32_t cron_zone_offset(const struct cron_zone *z, int64_t t);

/*
 * The first instant strictly after `after` (seconds since the epoch) at which c fires in zone z:
 * 1 and *next, or 0 when it never fires again (`0 0 30 2 *`; nothing within 400 years).
 */
int cron_next(const struct cron *c, const struct cron_zone *z, int64_t after, int64_t *next);

/* Formats instant t as local ISO 8601 with the zone's offset: "2026-03-29T03:00:00+02:00". */
char *cron_format(const struct cron_zone *z, int64_t t, char buf[CRON_ISO_SIZE]);

#endif
