/*
 * agent_msg: the messages of the agent protocol (docs/agent-protocol.md) as JSON, and the clock
 * arithmetic both ends of it do. Pure functions: no I/O, no state, any thread; so the encoding and
 * the offset computation are unit-tested (tests/unit/test_agent_msg.c) apart from the sockets.
 */
#ifndef RAMPAGE_AGENT_MSG_H
#define RAMPAGE_AGENT_MSG_H

#include <stdint.h>
#include <jansson.h>

struct plan;
struct tick;

#define AGENT_PROTOCOL_VERSION 1

/* {"type": "hello", "protocol", "version", "cores", "state"}. New reference. */
json_t *agent_msg_hello(int cores, const char *state);
/*
 * The answer to a time request {"type": "time", "t0"}: {"type": "time", "t0", "t1", "t2"}, t1 the
 * agent's wall clock (ns) when it received the request, t2 when it answers. New reference, or NULL
 * and *cause when t0 is missing or not an integer.
 */
json_t *agent_msg_time_reply(const json_t *req, int64_t t1_ns, int64_t t2_ns, char **cause);
/*
 * NTP's offset and round-trip delay from one exchange: t0 sent and t3 received on the controller's
 * wall clock, t1 received and t2 sent on the agent's (ns). offset: what to add to the controller's
 * clock to read the agent's; delay: the round trip less the agent's time holding the request.
 */
void agent_clock_offset(int64_t t0, int64_t t1, int64_t t2, int64_t t3, int64_t *offset_ns,
    int64_t *delay_ns);
/*
 * Reads a time answer to the request sent at t0 (received at t3, both the controller's wall clock)
 * into the offset and delay of agent_clock_offset. The answer must carry integer t1 and t2 with
 * t1 <= t2, each within AGENT_CLOCK_SANE_NS of the controller's clock (a clock further off is not
 * believed: the sums would overflow and the start instant mean nothing); a negative delay (the
 * clocks' resolution) reads as 0. 0, or -1 and *cause (caller frees).
 */
#define AGENT_CLOCK_SANE_NS (86400LL * 1000000000LL)
int agent_msg_time_read(const json_t *msg, int64_t t0, int64_t t3, int64_t *offset_ns,
    int64_t *delay_ns, char **cause);
/* The CLOCK_MONOTONIC instant of the wall-clock instant at_wall_ns, given one reading of both
   clocks taken together (now_wall_ns, now_mono_ns). */
int64_t agent_mono_of_wall(int64_t at_wall_ns, int64_t now_wall_ns, int64_t now_mono_ns);

/* What a prepare message carries; every pointer borrowed from the message. */
struct agent_prepare {
	json_t *definition;        /* an object */
	const char *segment;       /* "1/3:2/3"; NULL: the whole run */
	const char *sequence;      /* "0,1/3,2/3,1"; NULL: filled around the segment */
	const char *allow_targets; /* the controller's policy (allow_targets' syntax); required */
	json_t *setup_data;        /* NULL: none sent (the agents run setup themselves) */
};
/* Reads a prepare message. 0, or -1 with *field (the field at fault) and *cause. */
int agent_msg_prepare_parse(const json_t *msg, struct agent_prepare *p, const char **field,
    char **cause);
/* Reads a start message's instant {"type": "start", "at_ns"} (wall clock). 0, or -1 and *cause. */
int agent_msg_start_parse(const json_t *msg, int64_t *at_wall_ns, char **cause);
/* {"type": "error", "code", "field" (or null), "message"}. New reference. */
json_t *agent_msg_error(const char *code, const char *field, const char *message);
/*
 * One second of the run as a tick message: the second, VUs, iterations, every endpoint's and the
 * total's counters with their histograms (hist_encode blobs in base64), checks, custom metrics
 * (trends with their histograms), the thresholds' sub-metric series, the failure messages, group
 * durations and groupBy counts (`groups`: each value's exact bytes, as `value_b64` when they are not
 * UTF-8): what a controller needs to merge the second of every agent exactly. New reference.
 */
json_t *agent_msg_tick(const struct plan *plan, const struct tick *t);
/*
 * Adds the tick message msg (agent_msg_tick's, from an agent running the same plan) into dst
 * (tick_new(plan, 0), or a tick this already added to): how the daemon merges the same second of
 * several agents. Counters add; histograms merge (group_duration also into group_duration_all);
 * checks, custom series and series by index; failure messages as failures_merge, their seconds
 * msg's. Gauges: vus and vus_max add (the agents' shares run side by side); cpu_pct and
 * loop_lag_max_us keep the max; a custom gauge's `last` becomes the sum of the messages' `last`
 * (not the latest: last_ns is not sent), its min and max the min and max. groupBy counts (msg's
 * `groups`) as tick_merge adds them: each value by tick_group_add (no room left: `other`), `other`
 * and `missing` add; a message without `groups` (an older agent's) adds none. dst->second is msg's.
 * Not in the message, so left to the caller: host_cpu_pct, loop_lag_over_10ms, monitors. 0, or -1 and *cause (caller frees) naming the field ("endpoints[2].duration: not a
 * histogram blob (...)", "checks: 3 entries, the plan has 2") when msg does not fit the plan;
 * dst may then be partly added (discard it). Any JSON is safe to pass. Any thread.
 */
int agent_msg_tick_add(const struct plan *plan, const json_t *msg, struct tick *dst, char **cause);
/*
 * Adds src, one agent's second read by agent_msg_tick_add, into dst, the same second of other agents,
 * by the same rules: tick_merge, except that what runs side by side adds (vus, vus_max, a custom
 * gauge's `last`), and dst->second is src's. So the daemon reads each message once, into a scratch tick, and adds it only
 * when the whole message was read. Any thread.
 */
void agent_msg_tick_sum(struct tick *dst, const struct tick *src);

#endif
