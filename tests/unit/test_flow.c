/*
 * Unit tests for engine/flow (the conditions of `when` and `until`, a repeat's end) and for
 * extract's "pick": "random" (every match of a regex and every element of a JSON array can be
 * drawn, each about as often; the first only without it).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "engine/extract.h"
#include "engine/flow.h"
#include "testdef/pattern.h"
#include "testdef/plan.h"
#include "tap.h"

static void
test_conditions(void)
{
	struct tmpl_var vars[3] = { { "done", 4, 0 }, { "", 0, 0 }, { NULL, 0, 0 } };
	int st[] = { 200, 201 };
	struct plan_cond k = { .kind = PLAN_COND_VAR, .op = PLAN_OP_EXISTS, .slot = 0 };

	ok(flow_cond_holds(&k, vars, 0), "exists: a set variable");
	k.slot = 1;
	ok(!flow_cond_holds(&k, vars, 0), "exists: an empty one does not");
	k.slot = 2;
	ok(!flow_cond_holds(&k, vars, 0), "exists: an unset one does not");
	k.op = PLAN_OP_ABSENT;
	ok(flow_cond_holds(&k, vars, 0), "exists false: an unset one");
	k.negate = 1;
	ok(!flow_cond_holds(&k, vars, 0), "not inverts it");
	k = (struct plan_cond){ .kind = PLAN_COND_VAR, .op = PLAN_OP_EQUALS, .slot = 0, .text = "done",
	    .text_len = 4 };
	ok(flow_cond_holds(&k, vars, 0), "equals: the same text");
	k.text = "don";
	k.text_len = 3;
	ok(!flow_cond_holds(&k, vars, 0), "equals: a prefix is not equal");
	k.slot = 2;
	k.text = "";
	k.text_len = 0;
	ok(!flow_cond_holds(&k, vars, 0), "equals \"\": an unset variable is not \"\"");
	k.slot = 1;
	ok(flow_cond_holds(&k, vars, 0), "equals \"\": an empty one is");

	k = (struct plan_cond){ .kind = PLAN_COND_STATUS, .statuses = st, .nstatuses = 2 };
	ok(flow_cond_holds(&k, vars, 201), "status: one of the list");
	ok(!flow_cond_holds(&k, vars, 404), "status: not in the list");
	ok(!flow_cond_holds(&k, vars, 0), "status: no response yet");
}

static void
test_repeat(void)
{
	struct tmpl_var vars[1] = { { "running", 7, 0 } };
	struct plan_cond until = { .kind = PLAN_COND_VAR, .op = PLAN_OP_EQUALS, .slot = 0, .text = "done",
	    .text_len = 4 };
	struct plan_repeat count = { .max = 3 }, poll = { .max = 5, .until = &until };
	struct plan_step st = { .repeat = NULL };

	ok(!flow_repeat_again(&st, 1, vars, 200), "a step without repeat is sent once");
	st.repeat = &count;
	ok(flow_repeat_again(&st, 1, vars, 200) && flow_repeat_again(&st, 2, vars, 200) &&
	    !flow_repeat_again(&st, 3, vars, 200), "count 3: again after 1 and 2, not after 3");
	st.repeat = &poll;
	ok(flow_repeat_again(&st, 1, vars, 200), "until: again while it does not hold");
	ok(!flow_repeat_again(&st, 5, vars, 200), "until: never past max");
	vars[0] = (struct tmpl_var){ "done", 4, 0 };
	ok(!flow_repeat_again(&st, 2, vars, 200), "until: done once it holds");
}

static const char *
hdr_none(void *arg, const char *name, size_t *len)
{
	(void)arg;
	(void)name;
	(void)len;
	return NULL;
}

static void
test_pick(void)
{
	static const char body[] = "[{\"id\":11},{\"id\":22},{\"id\":33},{\"id\":44}]";
	char *cause = NULL;
	struct plan_extract x = { .from = PLAN_FROM_REGEX, .group = 1, .pick_random = 1 };
	struct extract_match *m = extract_match_new(4);
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	struct extract_response r = { .status = 200, .body = body, .body_len = sizeof body - 1,
	    .header = hdr_none, .match = m, .rng = &rng };
	int seen[5] = { 0 };
	char buf[16];

	x.regex = pattern_regex_new("\"id\":(\\d+)", &cause);
	ok(x.regex != NULL, "the pattern compiles");
	for (int i = 0; i < 4000; i++) {
		int64_t n = extract_run(&x, &r, buf, sizeof buf);
		if (n == 2 && buf[0] == buf[1] && buf[0] >= '1' && buf[0] <= '4')
			seen[buf[0] - '1']++;
		else
			seen[4]++;
	}
	ok(seen[4] == 0, "regex pick: every draw is one of the matches");
	ok(seen[0] > 800 && seen[1] > 800 && seen[2] > 800 && seen[3] > 800,
	    "regex pick: each of the 4 matches about a quarter of 4000 draws (%d %d %d %d)",
	    seen[0], seen[1], seen[2], seen[3]);
	x.pick_random = 0;
	ok(extract_run(&x, &r, buf, sizeof buf) == 2 && memcmp(buf, "11", 2) == 0, "without pick: the first");

	pattern_regex_free(x.regex);
	x = (struct plan_extract){ .from = PLAN_FROM_JSON, .pick_random = 1 };
	x.pointer = pattern_pointer_new("", &cause);
	memset(seen, 0, sizeof seen);
	for (int i = 0; i < 400; i++) {
		int64_t n = extract_run(&x, &r, buf, sizeof buf);
		if (n == 9 && memcmp(buf, "{\"id\":", 6) == 0 && buf[6] >= '1' && buf[6] <= '4')
			seen[buf[6] - '1']++;
		else
			seen[4]++;
	}
	ok(seen[4] == 0 && seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0,
	    "json pick: one of the array's elements, each drawn (%d %d %d %d)", seen[0], seen[1], seen[2], seen[3]);
	pattern_pointer_free(x.pointer);
	x.pointer = pattern_pointer_new("/0/id", &cause);
	ok(extract_run(&x, &r, buf, sizeof buf) == -1, "json pick: a value that is not an array is not extracted");
	pattern_pointer_free(x.pointer);
	extract_response_fini(&r);
	extract_match_free(m);
}

int
main(void)
{
	test_conditions();
	test_repeat();
	test_pick();
	return done_testing();
}
