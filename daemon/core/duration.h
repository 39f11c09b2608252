/*
 * duration: durations written the way k6 writes them ("250ms", "30s", "1m30s", "1.5h", "2d12h"):
 * Go's time.ParseDuration grammar plus k6's "d" (day) unit, without negative values. Pure functions
 * on caller memory; any thread.
 */
#ifndef RAMPAGE_DURATION_H
#define RAMPAGE_DURATION_H

#include <stddef.h>
#include <stdint.h>

enum duration_result {
	DURATION_OK = 0,
	DURATION_EINVAL = -1,      /* not a duration (empty, no unit, unknown unit, a sign, junk) */
	DURATION_ERANGE = -2,      /* more than INT64_MAX ns (about 292 years) */
};

/* Room for any duration_format() output, NUL included. */
#define DURATION_FMT_SIZE 40

/*
 * Parses a duration into nanoseconds. One or more "<number><unit>" parts (number: digits with an
 * optional fraction, ".5" and "1." included; unit: ns, us, µs, μs, ms, s, m, h, d), an optional
 * leading "+", or the bare "0". Fractions below a nanosecond are truncated, as Go does. Returns
 * DURATION_OK and *ns, or an error code (*ns untouched).
 */
enum duration_result duration_parse(const char *s, int64_t *ns);
/* Formats ns >= 0 like Go's Duration.String(): "0s", "250ms", "1.5s", "1h30m0s". Returns buf. */
char *duration_format(int64_t ns, char buf[DURATION_FMT_SIZE]);

#endif
