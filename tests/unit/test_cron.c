/*
 * test_cron: the cron parser and the pure next-fire function (sched/cron.h): a table of expressions,
 * zones and instants with the fire expected after each (DST in Europe/Berlin, America/New_York and
 * Australia/Lord_Howe, whose shift is 30 minutes; 29 February; expressions that never fire; the
 * day-of-month/day-of-week rule; aliases; the seconds field), every parser error with its exact
 * message, zone names refused, and properties over whole years (a fixed daily time fires once per
 * local date, DST days included).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/cron.h"
#include "tap.h"

/* "2026-03-29T01:00:00+01:00" -> seconds since the epoch. */
static int64_t
iso(const char *s)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, se, oh, om;
	char sign;

	if (sscanf(s, "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) != 9)
		abort();
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
}

static const struct {
	const char *expr, *zone, *after, *want;   /* want NULL: never fires */
} nexts[] = {
	/* plain fields, UTC */
	{ "* * * * *", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00" },
	{ "* * * * *", "UTC", "2026-01-01T00:00:30+00:00", "2026-01-01T00:01:00+00:00" },
	{ "0 * * * *", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-01T01:00:00+00:00" },
	{ "0 0 * * *", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "*/15 * * * *", "UTC", "2026-01-01T00:14:59+00:00", "2026-01-01T00:15:00+00:00" },
	{ "*/15 * * * *", "UTC", "2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00" },
	{ "*/15 * * * *", "UTC", "2026-01-01T23:45:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "5-10 * * * *", "UTC", "2026-01-01T00:10:00+00:00", "2026-01-01T01:05:00+00:00" },
	{ "0 9-17/4 * * *", "UTC", "2026-01-01T09:00:00+00:00", "2026-01-01T13:00:00+00:00" },
	{ "0 9-17/4 * * *", "UTC", "2026-01-01T17:00:00+00:00", "2026-01-02T09:00:00+00:00" },
	{ "30 2 * * 1-5", "UTC", "2026-01-02T03:00:00+00:00", "2026-01-05T02:30:00+00:00" },
	{ "0 0 1 * *", "UTC", "2026-01-15T00:00:00+00:00", "2026-02-01T00:00:00+00:00" },
	{ "0 0 31 * *", "UTC", "2026-01-31T00:00:00+00:00", "2026-03-31T00:00:00+00:00" },
	{ "0 0 1 1 *", "UTC", "2026-12-31T23:59:59+00:00", "2027-01-01T00:00:00+00:00" },
	{ "1,2,3 * * * *", "UTC", "2026-01-01T00:01:00+00:00", "2026-01-01T00:02:00+00:00" },
	{ "1,2,3 * * * *", "UTC", "2026-01-01T00:03:00+00:00", "2026-01-01T01:01:00+00:00" },
	{ "0-5/2 * * * *", "UTC", "2026-01-01T00:02:00+00:00", "2026-01-01T00:04:00+00:00" },
	{ "0-5/2 * * * *", "UTC", "2026-01-01T00:04:00+00:00", "2026-01-01T01:00:00+00:00" },
	{ "59 23 31 12 *", "UTC", "2026-06-01T00:00:00+00:00", "2026-12-31T23:59:00+00:00" },
	{ "0 12 * * mon-fri", "UTC", "2026-01-02T12:00:00+00:00", "2026-01-05T12:00:00+00:00" },
	{ "0 0 1 jan *", "UTC", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" },
	{ "0 0 1 JAN-MAR *", "UTC", "2026-03-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" },
	{ "0 0 1 Jun,dec *", "UTC", "2026-07-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00" },
	{ "0 0 * * 0", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-04T00:00:00+00:00" },
	{ "0 0 * * 7", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-04T00:00:00+00:00" },
	{ "0 0 * * SUN", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-04T00:00:00+00:00" },
	{ "0 0 * * 5-7", "UTC", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00" },
	{ "0 0 * * fri-sat", "UTC", "2026-01-03T00:00:00+00:00", "2026-01-09T00:00:00+00:00" },
	/* 29 February and dates that never come */
	{ "0 0 29 2 *", "UTC", "2026-01-01T00:00:00+00:00", "2028-02-29T00:00:00+00:00" },
	{ "0 0 29 2 *", "UTC", "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00" },
	{ "0 0 29 2 *", "UTC", "2096-03-01T00:00:00+00:00", "2104-02-29T00:00:00+00:00" },
	{ "0 0 29 2 *", "Europe/Berlin", "2026-01-01T00:00:00+01:00", "2028-02-29T00:00:00+01:00" },
	{ "0 0 30 2 *", "UTC", "2026-01-01T00:00:00+00:00", NULL },
	{ "0 0 30 2 *", "Europe/Berlin", "2026-01-01T00:00:00+01:00", NULL },
	{ "0 0 31 4,6,9,11 *", "UTC", "2026-01-01T00:00:00+00:00", NULL },
	{ "0 0 30 2 */2", "UTC", "2026-01-01T00:00:00+00:00", NULL },
	{ "0 0 30 2 1", "UTC", "2026-01-01T00:00:00+00:00", "2026-02-02T00:00:00+00:00" },
	/* the day rule: both restricted = either; a field starting with * = both */
	{ "0 0 13 * 5", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "0 0 13 * 5", "UTC", "2026-01-10T00:00:00+00:00", "2026-01-13T00:00:00+00:00" },
	{ "0 0 */2 * 5", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-09T00:00:00+00:00" },
	{ "0 0 13 * */5", "UTC", "2026-01-01T00:00:00+00:00", "2026-02-13T00:00:00+00:00" },
	{ "0 0 1-31 * 5", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "0 0 1,15 * 3", "UTC", "2026-01-02T00:00:00+00:00", "2026-01-07T00:00:00+00:00" },
	{ "0 0 * 2 1", "UTC", "2026-01-01T00:00:00+00:00", "2026-02-02T00:00:00+00:00" },
	/* aliases */
	{ "@hourly", "UTC", "2026-01-01T00:30:00+00:00", "2026-01-01T01:00:00+00:00" },
	{ "@daily", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "@midnight", "UTC", "2026-01-01T12:00:00+00:00", "2026-01-02T00:00:00+00:00" },
	{ "@weekly", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-04T00:00:00+00:00" },
	{ "@monthly", "UTC", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00" },
	{ "@yearly", "UTC", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" },
	{ "@annually", "UTC", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" },
	{ "@DAILY", "Europe/Berlin", "2026-01-01T00:00:00+01:00", "2026-01-02T00:00:00+01:00" },
	/* the seconds field */
	{ "*/2 * * * * *", "UTC", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:02+00:00" },
	{ "*/2 * * * * *", "UTC", "2026-01-01T00:00:01+00:00", "2026-01-01T00:00:02+00:00" },
	{ "*/2 * * * * *", "UTC", "2026-01-01T00:00:58+00:00", "2026-01-01T00:01:00+00:00" },
	{ "30 0 0 * * *", "UTC", "2026-01-01T00:00:30+00:00", "2026-01-02T00:00:30+00:00" },
	{ "59 59 23 31 12 *", "UTC", "2026-06-01T00:00:00+00:00", "2026-12-31T23:59:59+00:00" },
	{ "0 0 0 1 1 *", "UTC", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" },
	{ "15,45 * * * * *", "UTC", "2026-01-01T00:00:45+00:00", "2026-01-01T00:01:15+00:00" },
	/* Europe/Berlin, spring forward 2026-03-29 02:00 CET -> 03:00 CEST */
	{ "30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00" },
	{ "0 2 * * *", "Europe/Berlin", "2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "59 2 * * *", "Europe/Berlin", "2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "0 3 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "0 2,3 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "0 2,3 * * *", "Europe/Berlin", "2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00" },
	{ "0,30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "0,30 2 * * *", "Europe/Berlin", "2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00" },
	{ "0 30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "*/15 * * * *", "Europe/Berlin", "2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00" },
	{ "30 * * * *", "Europe/Berlin", "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00" },
	{ "* 2 * * *", "Europe/Berlin", "2026-03-29T01:59:00+01:00", "2026-03-30T02:00:00+02:00" },
	{ "30 */2 * * *", "Europe/Berlin", "2026-03-29T00:30:00+01:00", "2026-03-29T04:30:00+02:00" },
	{ "30 1 * * *", "Europe/Berlin", "2026-03-29T00:00:00+01:00", "2026-03-29T01:30:00+01:00" },
	/* Europe/Berlin, fall back 2026-10-25 03:00 CEST -> 02:00 CET */
	{ "30 2 * * *", "Europe/Berlin", "2026-10-25T01:00:00+02:00", "2026-10-25T02:30:00+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00" },
	{ "30 2 * * *", "Europe/Berlin", "2026-10-25T02:00:00+01:00", "2026-10-26T02:30:00+01:00" },
	{ "0 2 * * *", "Europe/Berlin", "2026-10-25T01:59:00+02:00", "2026-10-25T02:00:00+02:00" },
	{ "0 2 * * *", "Europe/Berlin", "2026-10-25T02:00:00+02:00", "2026-10-26T02:00:00+01:00" },
	{ "*/30 * * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00" },
	{ "*/30 * * * *", "Europe/Berlin", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00" },
	{ "30 * * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00" },
	{ "0 3 * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00" },
	{ "59 1 * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00", "2026-10-25T01:59:00+02:00" },
	{ "0 30 2 * * *", "Europe/Berlin", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00" },
	{ "*/20 * * * * *", "Europe/Berlin", "2026-10-25T02:59:40+02:00", "2026-10-25T02:00:00+01:00" },
	/* America/New_York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT */
	{ "30 2 * * *", "America/New_York", "2026-03-08T00:00:00-05:00", "2026-03-08T03:00:00-04:00" },
	{ "30 2 * * *", "America/New_York", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00" },
	{ "*/10 * * * *", "America/New_York", "2026-03-08T01:50:00-05:00", "2026-03-08T03:00:00-04:00" },
	{ "0 2 * * 0", "America/New_York", "2026-03-01T02:00:00-05:00", "2026-03-08T03:00:00-04:00" },
	{ "0 2 * * 0", "America/New_York", "2026-03-08T03:00:00-04:00", "2026-03-15T02:00:00-04:00" },
	/* America/New_York, fall back 2026-11-01 02:00 EDT -> 01:00 EST */
	{ "30 1 * * *", "America/New_York", "2026-11-01T00:00:00-04:00", "2026-11-01T01:30:00-04:00" },
	{ "30 1 * * *", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00" },
	{ "*/30 * * * *", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00" },
	{ "*/30 * * * *", "America/New_York", "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00" },
	{ "30 * * * *", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00" },
	{ "0 2 * * *", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00" },
	{ "0 1 * * *", "America/New_York", "2026-11-01T00:59:00-04:00", "2026-11-01T01:00:00-04:00" },
	{ "0 1 * * *", "America/New_York", "2026-11-01T01:00:00-04:00", "2026-11-02T01:00:00-05:00" },
	{ "0 9 * * 1-5", "America/New_York", "2026-11-01T12:00:00-05:00", "2026-11-02T09:00:00-05:00" },
	/* Australia/Lord_Howe, DST of 30 minutes: on 2026-10-04 02:00 +10:30 -> 02:30 +11:00 */
	{ "15 2 * * *", "Australia/Lord_Howe", "2026-10-04T01:00:00+10:30", "2026-10-04T02:30:00+11:00" },
	{ "15 2 * * *", "Australia/Lord_Howe", "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00" },
	{ "45 2 * * *", "Australia/Lord_Howe", "2026-10-04T01:00:00+10:30", "2026-10-04T02:45:00+11:00" },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-10-04T01:45:00+10:30", "2026-10-04T02:30:00+11:00" },
	{ "0,15 2 * * *", "Australia/Lord_Howe", "2026-10-04T01:00:00+10:30", "2026-10-04T02:30:00+11:00" },
	{ "0,15 2 * * *", "Australia/Lord_Howe", "2026-10-04T02:30:00+11:00", "2026-10-05T02:00:00+11:00" },
	/* ... and off on 2026-04-05 02:00 +11:00 -> 01:30 +10:30 */
	{ "45 1 * * *", "Australia/Lord_Howe", "2026-04-05T01:00:00+11:00", "2026-04-05T01:45:00+11:00" },
	{ "45 1 * * *", "Australia/Lord_Howe", "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30" },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-04-05T01:45:00+11:00", "2026-04-05T01:30:00+10:30" },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-04-05T01:30:00+10:30", "2026-04-05T01:45:00+10:30" },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-04-05T01:45:00+10:30", "2026-04-05T02:00:00+10:30" },
	{ "0 2 * * *", "Australia/Lord_Howe", "2026-04-05T01:45:00+11:00", "2026-04-05T02:00:00+10:30" },
	{ "30 1 * * *", "Australia/Lord_Howe", "2026-04-05T01:00:00+11:00", "2026-04-05T01:30:00+11:00" },
	{ "30 1 * * *", "Australia/Lord_Howe", "2026-04-05T01:30:00+11:00", "2026-04-06T01:30:00+10:30" },
};

static const struct {
	const char *expr, *error;
} errors[] = {
	{ "", "the expression is empty" },
	{ "   ", "the expression is empty" },
	{ "* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading "
	  "second field; got 4" },
	{ "* * * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a "
	  "leading second field; got 7" },
	{ "60 * * * *", "minute: 60 is outside 0-59" },
	{ "* 25 * * *", "hour: 25 is outside 0-23" },
	{ "* 24 * * *", "hour: 24 is outside 0-23" },
	{ "* * 0 * *", "day-of-month: 0 is outside 1-31" },
	{ "* * 32 * *", "day-of-month: 32 is outside 1-31" },
	{ "* * * 13 *", "month: 13 is outside 1-12" },
	{ "* * * 0 *", "month: 0 is outside 1-12" },
	{ "* * * * 8", "day-of-week: 8 is outside 0-7" },
	{ "60 * * * * *", "second: 60 is outside 0-59" },
	{ "0 60 * * * *", "minute: 60 is outside 0-59" },
	{ "99999999999 * * * *", "minute: 99999999999 is outside 0-59" },
	{ "* * * foo *", "month: \"foo\" is not a number or a name (jan-dec)" },
	{ "* * * * funday", "day-of-week: \"funday\" is not a number or a name (sun-sat)" },
	{ "jan * * * *", "minute: \"jan\" is not a number" },
	{ "* * mon * *", "day-of-month: \"mon\" is not a number" },
	{ "* * * * jan", "day-of-week: \"jan\" is not a number or a name (sun-sat)" },
	{ "1,,2 * * * *", "minute: \"1,,2\" has an empty list item" },
	{ "1, * * * *", "minute: \"1,\" has an empty list item" },
	{ ",1 * * * *", "minute: \",1\" has an empty list item" },
	{ "5-1 * * * *", "minute: the range 5-1 goes backwards" },
	{ "* * * * 7-1", "day-of-week: the range 7-1 goes backwards" },
	{ "* * * dec-jan *", "month: the range dec-jan goes backwards" },
	{ "*/0 * * * *", "minute: the step 0 is outside 1-60" },
	{ "*/61 * * * *", "minute: the step 61 is outside 1-60" },
	{ "* */25 * * *", "hour: the step 25 is outside 1-24" },
	{ "* * * jan-dec/13 *", "month: the step 13 is outside 1-12" },
	{ "5/10 * * * *", "minute: 5/10: a step needs * or a range before it (5-59/...)" },
	{ "*/x * * * *", "minute: */x: the step is not a number" },
	{ "*/ * * * *", "minute: */: the step is not a number" },
	{ "1-2-3 * * * *", "minute: \"1-2-3\" is not a value, range or step" },
	{ "** * * * *", "minute: \"**\" is not a value, range or step" },
	{ "1x * * * *", "minute: \"1x\" is not a value, range or step" },
	{ "- * * * *", "minute: a value is missing" },
	{ "1- * * * *", "minute: a value is missing" },
	{ "* * * * mon-", "day-of-week: a value is missing" },
	{ "@reboot", "@reboot is not a time: a schedule needs one" },
	{ "@often", "unknown alias @often (known: @yearly @annually @monthly @weekly @daily @midnight "
	  "@hourly)" },
	{ "@daily 5", "@daily takes nothing after it" },
};

static const char *const bad_zones[] = {
	"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "XYZ3", "", "Europe/../UTC", "EST5EDT,M3",
	"Europe", ".hidden",
};

/* How many times c fires on each local date of year y in zone z; returns the dates not fired once. */
static int
dates_not_once(const char *expr, const char *zone, int y)
{
	char *cause = NULL, a[CRON_ISO_SIZE], b[CRON_ISO_SIZE];
	struct cron *c = cron_parse(expr, &cause);
	struct cron_zone *z = cron_zone_new(zone, &cause);
	int64_t t, from, bad = 0, days = 0;
	char last[11] = "";
	int count = 0;

	snprintf(a, sizeof a, "%04d-01-01T00:00:00+00:00", y);
	snprintf(b, sizeof b, "%04d-01-01T00:00:00+00:00", y + 1);
	from = iso(a) - 86400;
	for (t = from; cron_next(c, z, t, &t) && t < iso(b) + 86400;) {
		char buf[CRON_ISO_SIZE];
		cron_format(z, t, buf);
		if (strncmp(buf, last, 10) == 0) {
			count++;
		} else {
			if (last[0] != '\0' && count != 1)
				bad++;
			memcpy(last, buf, 10);
			count = 1;
			days++;
		}
	}
	if (days < 365)
		bad += 365 - days;
	cron_free(c);
	cron_zone_free(z);
	return (int)bad;
}

/* How many fires from a to b (ISO) inclusive of b. */
static int
count_fires(const char *expr, const char *zone, const char *a, const char *b)
{
	char *cause = NULL;
	struct cron *c = cron_parse(expr, &cause);
	struct cron_zone *z = cron_zone_new(zone, &cause);
	int64_t t = iso(a), end = iso(b);
	int n = 0;

	while (cron_next(c, z, t, &t) && t <= end)
		n++;
	cron_free(c);
	cron_zone_free(z);
	return n;
}

int
main(void)
{
	char *cause = NULL, buf[CRON_ISO_SIZE];
	struct cron *c;
	struct cron_zone *z;

	for (size_t i = 0; i < sizeof nexts / sizeof nexts[0]; i++) {
		int64_t t;
		cause = NULL;
		c = cron_parse(nexts[i].expr, &cause);
		z = cron_zone_new(nexts[i].zone, &cause);
		if (c == NULL || z == NULL) {
			ok(0, "%s in %s parses: %s", nexts[i].expr, nexts[i].zone, cause);
			free(cause);
			cron_free(c);
			cron_zone_free(z);
			continue;
		}
		if (cron_next(c, z, iso(nexts[i].after), &t))
			is_str(cron_format(z, t, buf), nexts[i].want, "%s in %s after %s", nexts[i].expr,
			    nexts[i].zone, nexts[i].after);
		else
			ok(nexts[i].want == NULL, "%s in %s after %s: never (expected %s)", nexts[i].expr,
			    nexts[i].zone, nexts[i].after, nexts[i].want);
		cron_free(c);
		cron_zone_free(z);
	}
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		cause = NULL;
		c = cron_parse(errors[i].expr, &cause);
		ok(c == NULL, "\"%s\" is refused", errors[i].expr);
		is_str(cause, errors[i].error, "\"%s\": its message", errors[i].expr);
		free(cause);
		cron_free(c);
	}
	{
		char lng[CRON_TEXT_MAX + 8];
		memset(lng, '1', sizeof lng - 1);
		lng[sizeof lng - 1] = '\0';
		cause = NULL;
		ok(cron_parse(lng, &cause) == NULL, "an over-long expression is refused");
		is_str(cause, "the expression is longer than 256 bytes", "its message");
		free(cause);
	}
	for (size_t i = 0; i < sizeof bad_zones / sizeof bad_zones[0]; i++) {
		char want[160];
		cause = NULL;
		z = cron_zone_new(bad_zones[i], &cause);
		snprintf(want, sizeof want, "unknown time zone \"%s\" (an IANA name such as Europe/Berlin)",
		    bad_zones[i]);
		ok(z == NULL, "zone \"%s\" is refused", bad_zones[i]);
		is_str(cause, want, "its message");
		free(cause);
		cron_zone_free(z);
	}
	z = cron_zone_new("Europe/Berlin", &cause);
	is_str(z != NULL ? cron_zone_name(z) : NULL, "Europe/Berlin", "a zone keeps its name");
	is_int(cron_zone_offset(z, iso("2026-07-01T00:00:00+00:00")), 7200, "Berlin in July is +2 h");
	cron_zone_free(z);

	/* the DST classes */
	c = cron_parse("30 2 * * *", &cause);
	ok(cron_fixed_time(c) && !cron_has_seconds(c), "30 2 * * * is fixed-time, five fields");
	cron_free(c);
	c = cron_parse("0 */2 * * *", &cause);
	ok(!cron_fixed_time(c), "0 */2 * * * follows elapsed time");
	cron_free(c);
	c = cron_parse("0-59/15 2 * * *", &cause);
	ok(cron_fixed_time(c), "0-59/15 2 * * * is fixed-time (cronie: only a leading * counts)");
	cron_free(c);
	c = cron_parse("*/2 * * * * *", &cause);
	ok(cron_has_seconds(c), "six fields have seconds");
	cron_free(c);

	/* whole years: a fixed daily time fires exactly once on every local date, DST days too */
	is_int(dates_not_once("30 2 * * *", "Europe/Berlin", 2026), 0, "Berlin 02:30: once a day in 2026");
	is_int(dates_not_once("30 2 * * *", "America/New_York", 2026), 0, "New York 02:30: once a day");
	is_int(dates_not_once("30 1 * * *", "America/New_York", 2026), 0, "New York 01:30: once a day");
	is_int(dates_not_once("15 2 * * *", "Australia/Lord_Howe", 2026), 0, "Lord Howe 02:15: once a day");
	is_int(dates_not_once("45 1 * * *", "Australia/Lord_Howe", 2026), 0, "Lord Howe 01:45: once a day");
	/* elapsed time: the fall-back day has 25 hours (Lord Howe: 24.5), the spring day 23 */
	is_int(count_fires("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:59:59+02:00",
	    "2026-10-25T23:59:59+01:00"), 50, "Berlin: */30 fires 50 times on the 25-hour day");
	is_int(count_fires("*/30 * * * *", "Europe/Berlin", "2026-03-28T23:59:59+01:00",
	    "2026-03-29T23:59:59+02:00"), 46, "Berlin: */30 fires 46 times on the 23-hour day");
	is_int(count_fires("0 * * * *", "America/New_York", "2026-10-31T23:59:59-04:00",
	    "2026-11-01T23:59:59-05:00"), 25, "New York: hourly fires 25 times on the 25-hour day");
	is_int(count_fires("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04T23:59:59+11:00",
	    "2026-04-05T23:59:59+10:30"), 98, "Lord Howe: */15 fires 98 times on the 24.5-hour day");
	is_int(count_fires("*/2 * * * * *", "UTC", "2026-01-01T00:00:00+00:00",
	    "2026-01-01T01:00:00+00:00"), 1800, "*/2 seconds: 1,800 fires an hour");
	is_int(count_fires("0 0 29 2 *", "UTC", "2000-01-01T00:00:00+00:00",
	    "2400-01-01T00:00:00+00:00"), 97, "29 February: 97 leap days in 400 years");
	/* the format */
	z = cron_zone_new("America/New_York", &cause);
	is_str(cron_format(z, 0, buf), "1969-12-31T19:00:00-05:00", "the epoch in New York");
	cron_zone_free(z);
	z = cron_zone_new("Australia/Lord_Howe", &cause);
	is_str(cron_format(z, iso("2026-01-01T00:00:00+00:00"), buf), "2026-01-01T11:00:00+11:00",
	    "Lord Howe in summer");
	cron_zone_free(z);
	return done_testing();
}
