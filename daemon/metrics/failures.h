/*
 * failures: why requests failed, as a bounded set of distinct messages per endpoint (Locust's
 * Failures tab): each distinct (endpoint, kind, message) with its count and its first and last
 * second. libcurl's error text ("Failed to connect to 127.0.0.1 port 9: Couldn't connect to
 * server"), "HTTP 503", `check "status is 200" failed`.
 *
 * Bounded, so a target that answers a new message each time cannot grow our memory: at most
 * FAILURES_ENDPOINT_MAX distinct messages per endpoint and FAILURES_RUN_MAX in all; a message that
 * finds no room is counted under its endpoint and kind as "(other messages)". Messages are cut to
 * FAILURES_MESSAGE_MAX bytes. So every failure is counted exactly once: the counts of an endpoint add
 * up to its failures.
 *
 * One set lives in every tick (metrics/tick.h): a worker records into its own (only failures pay:
 * a hash and a compare; the entries are allocated at the first failure of the tick's life and kept),
 * the controller merges the workers' sets of a second into the second's, and that into the run's,
 * as ticks merge. Threads: whoever owns the tick; no locks.
 */
#ifndef RAMPAGE_FAILURES_H
#define RAMPAGE_FAILURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan;

/* What failed a request: the transport kinds (tick.h's enum tick_error), a failing status, or a
   failRequest check on a response that was otherwise fine. Names: the samples columns' suffixes. */
enum failure_kind {
	FAILURE_REFUSED,           /* "refused": connection refused or unreachable */
	FAILURE_TIMEOUT,
	FAILURE_RESET,
	FAILURE_DNS,
	FAILURE_TLS,
	FAILURE_TOO_LARGE,
	FAILURE_BLOCKED,
	FAILURE_OTHER,
	FAILURE_HTTP_STATUS,       /* a complete response whose status is outside 200-399 */
	FAILURE_CHECK,             /* a failRequest check failed */
	FAILURE_NKIND,
};
/* "refused", "timeout", "reset", "dns", "tls", "too_large", "blocked", "other", "http_status",
   "check". */
const char *failure_kind_name(enum failure_kind k);
/* The kind in words, for people: "connection refused", "timeout", "HTTP status", ... */
const char *failure_kind_words(enum failure_kind k);
/* The kind of a name; -1 for none. */
int failure_kind_from_name(const char *name);

#define FAILURES_MESSAGE_MAX  200  /* bytes of a message kept */
#define FAILURES_ENDPOINT_MAX 32   /* distinct messages per endpoint */
#define FAILURES_RUN_MAX      256  /* distinct messages in all */
#define FAILURES_OTHER_TEXT   "(other messages)"

/* One distinct message of an endpoint, or (other) the messages of an endpoint and kind that found
   no room. Plain data. */
struct failure {
	int endpoint;              /* the plan's endpoint index (0-based) */
	enum failure_kind kind;
	bool other;                /* "(other messages)": message is FAILURES_OTHER_TEXT */
	uint64_t count;
	int64_t first, last;       /* seconds of the run; -1: the second of the tick it is in */
	uint32_t hash;             /* of the message */
	uint16_t len;
	char message[FAILURES_MESSAGE_MAX + 1];    /* NUL-terminated */
};

struct failures;

/* An empty set for nendpoints endpoints (the entries come at the first add). */
struct failures *failures_new(int nendpoints);
/* NULL is a no-op. */
void failures_free(struct failures *f);
/* Empties the set, keeping its memory. */
void failures_reset(struct failures *f);
/*
 * Counts `count` failures of endpoint (0-based) and kind with message msg (len bytes, cut to
 * FAILURES_MESSAGE_MAX; it need not be NUL-terminated), seen from second `first` to `last` (-1: the
 * tick's own second, set when it is merged): into its entry, a new entry if the caps allow, or else
 * the endpoint's and kind's "(other messages)". No allocation but the set's first entry.
 */
void failures_add(struct failures *f, int endpoint, enum failure_kind kind, const char *msg,
    size_t len, uint64_t count, int64_t first, int64_t last);
/* Counts `count` failures of endpoint and kind under their "(other messages)" entry: an entry
   read back from elsewhere (an agent's tick message) that had found no room there. */
void failures_add_other(struct failures *f, int endpoint, enum failure_kind kind, uint64_t count,
    int64_t first, int64_t last);
/* Adds src into dst (same endpoints), as failures_add would each entry; an entry's unknown
   seconds (-1) become `second`. */
void failures_merge(struct failures *dst, const struct failures *src, int64_t second);
/* Failures counted. */
uint64_t failures_total(const struct failures *f);
/* Entries: the distinct messages in order of first appearance, then the non-empty "(other
   messages)" by endpoint and kind. Indexes 0 .. failures_n(f) - 1; valid until the next change. */
int failures_n(const struct failures *f);
const struct failure *failures_get(const struct failures *f, int i);
/* Where failures like `e` (from another set) are counted in f: its entry (a message of the same
   endpoint and kind) or else its endpoint's and kind's "(other messages)"; NULL when f has neither. */
const struct failure *failures_find(const struct failures *f, const struct failure *e);
/* Fills out[failures_n(f)] with f's entries by count, largest first (by_endpoint: by endpoint
   first); ties keep the messages' order of appearance, "(other messages)" after them. Returns n. */
int failures_order(const struct failures *f, const struct failure **out, bool by_endpoint);
/* The entry with the largest count (the first such); NULL when empty. */
const struct failure *failures_dominant(const struct failures *f);

/*
 * Copies libcurl's error text into buf (cap >= 2) without what differs from one request to the
 * next ("after 12 ms", "after 1001 milliseconds with 0 out of 10 bytes received"), so that one
 * cause is one message. Returns the length written (NUL excluded).
 */
size_t failures_normalize(char *buf, size_t cap, const char *text);

/*
 * The early warning that (nearly) every request fails. Judged from the end of the run's second 1
 * (2 s in) on the run so far, once: the first second by which the run has completed at least
 * FAILURES_ALARM_MIN_REQUESTS requests decides (a target that only times out is judged when its
 * timeouts arrive). It fires when >= FAILURES_ALARM_PCT of them failed; the run goes on (as k6's).
 */
#define FAILURES_ALARM_MIN_REQUESTS 10
#define FAILURES_ALARM_PCT 99.0
struct failures_alarm {
	bool decided;
	bool fired;
	int64_t second;            /* the second it was decided at */
	uint64_t requests, failures;
	struct failure dominant;   /* the most frequent entry */
	char text[FAILURES_MESSAGE_MAX + 256];   /* "every request fails: ..." */
};
/*
 * Judges the run so far at the end of `second` (requests and failed: the run's totals; f: the
 * run's set; plan names its endpoints). Returns true once: when it fires (a->text says what fails
 * and why). Any thread, one at a time per alarm.
 */
bool failures_alarm_judge(struct failures_alarm *a, int64_t second, uint64_t requests,
    uint64_t failed, const struct failures *f, const struct plan *plan);

#endif
