/* Unit tests for demo/demo_state: tokens (issue, check, count, forget the oldest past the cap),
 * created users, counters and the stats JSON. */
#include <config.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "demo/demo_priv.h"
#include "tap.h"

/* "Bearer <hex>" */
static const char *
bearer(const char *hex)
{
	static char buf[64];

	snprintf(buf, sizeof buf, "Bearer %s", hex);
	return buf;
}

/* Parses the stats JSON (caller decrefs). */
static json_t *
stats(struct demo_state *st)
{
	char *s = demo_state_stats_json(st);
	json_t *root = json_loads(s, 0, NULL);

	free(s);
	return root;
}

/* root[a][b] as an integer, or -1. */
static long long
get(json_t *root, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(root, a), b);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* root["tokens"]["per_token"][hex], or -1. */
static long long
per_token(json_t *root, const char *hex)
{
	json_t *v = json_object_get(json_object_get(json_object_get(root, "tokens"), "per_token"), hex);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void
test_tokens(void)
{
	struct demo_state *st = demo_state_new();
	char t1[DEMO_TOKEN_HEX + 1], t2[DEMO_TOKEN_HEX + 1], t3[DEMO_TOKEN_HEX + 1];
	char forged[DEMO_TOKEN_HEX + 1], buf[80];
	json_t *root;

	demo_state_token_issue(st, t1);
	demo_state_token_issue(st, t2);
	demo_state_token_issue(st, t3);
	is_int(strlen(t1), 32, "a token has 32 characters");
	is_int(strspn(t1, "0123456789abcdef"), 32, "all lower-case hex");
	ok(strcmp(t1, t2) != 0 && strcmp(t2, t3) != 0, "tokens differ");

	ok(demo_state_token_use(st, bearer(t2)), "an issued token is known");
	ok(demo_state_token_use(st, bearer(t1)), "so is another");
	ok(demo_state_token_use(st, bearer(t1)), "and it stays known");
	strcpy(forged, t1);
	forged[31] = forged[31] == '0' ? '1' : '0';
	ok(!demo_state_token_use(st, bearer(forged)), "a token one digit off is not");
	ok(!demo_state_token_use(st, NULL), "no header is not");
	ok(!demo_state_token_use(st, t1), "a token without the scheme is not");
	snprintf(buf, sizeof buf, "Basic %s", t1);
	ok(!demo_state_token_use(st, buf), "another scheme is not");
	snprintf(buf, sizeof buf, "Bearer %s ", t1);
	ok(!demo_state_token_use(st, buf), "trailing garbage is not");
	snprintf(buf, sizeof buf, "Bearer %.31s", t1);
	ok(!demo_state_token_use(st, buf), "a short token is not");
	snprintf(buf, sizeof buf, "Bearer %.31sg", t1);
	ok(!demo_state_token_use(st, buf), "a non-hex digit is not");
	snprintf(buf, sizeof buf, "bEaReR   %s", t1);
	ok(demo_state_token_use(st, buf), "the scheme is case-insensitive and spaces may repeat");

	root = stats(st);
	is_int(get(root, "tokens", "issued"), 3, "stats: 3 issued");
	is_int(get(root, "tokens", "distinct"), 2, "stats: 2 seen");
	is_int(get(root, "tokens", "listed"), 2, "stats: 2 listed");
	is_int(per_token(root, t1), 3, "stats: token 1 made 3 requests");
	is_int(per_token(root, t2), 1, "stats: token 2 made 1");
	is_int(per_token(root, t3), -1, "stats: token 3, never used, is not listed");
	const char *first = json_object_iter_key(json_object_iter(
	    json_object_get(json_object_get(root, "tokens"), "per_token")));
	is_str(first, t2, "tokens are listed in the order first seen");
	json_decref(root);

	demo_state_reset(st);
	root = stats(st);
	is_int(get(root, "tokens", "distinct"), 0, "reset: none seen");
	is_int(get(root, "tokens", "issued"), 3, "reset: issued is kept");
	json_decref(root);
	ok(demo_state_token_use(st, bearer(t3)), "reset: tokens stay valid");
	root = stats(st);
	is_int(per_token(root, t3), 1, "reset: and count from zero");
	json_decref(root);
	demo_state_free(st);
}

/* Fill the table past its cap: the oldest are forgotten, every other one stays findable. */
static void
test_token_cap(void)
{
	struct demo_state *st = demo_state_new();
	const uint32_t extra = 5000, n = DEMO_TOKEN_MAX + extra;
	char (*hex)[DEMO_TOKEN_HEX + 1] = xreallocarray(NULL, n, sizeof *hex);
	uint32_t known_old = 0, known_new = 0;

	for (uint32_t i = 0; i < n; i++)
		demo_state_token_issue(st, hex[i]);
	for (uint32_t i = 0; i < extra; i++)
		known_old += (uint32_t)demo_state_token_use(st, bearer(hex[i]));
	for (uint32_t i = extra; i < n; i++)
		known_new += (uint32_t)demo_state_token_use(st, bearer(hex[i]));
	is_int(known_old, 0, "past the cap the %u oldest tokens are forgotten", extra);
	is_int(known_new, DEMO_TOKEN_MAX, "and all %u newer ones are still known", DEMO_TOKEN_MAX);

	json_t *root = stats(st);
	is_int(get(root, "tokens", "issued"), n, "stats: issued counts every token");
	is_int(get(root, "tokens", "distinct"), DEMO_TOKEN_MAX, "stats: distinct counts every one seen");
	is_int(get(root, "tokens", "listed"), DEMO_TOKENS_LISTED, "stats: the list is capped");
	is_int(per_token(root, hex[extra]), 1, "stats: the first seen is listed");
	is_int(per_token(root, hex[extra + DEMO_TOKENS_LISTED]), -1, "stats: one past the cap is not");
	json_decref(root);
	free(hex);
	demo_state_free(st);
}

static void
test_users(void)
{
	struct demo_state *st = demo_state_new();
	char buf[2048];
	json_t *u;

	is_int(demo_state_user_json(st, 1, buf, sizeof buf), 0, "user 1 exists");
	is_str(buf, "{\"id\":1,\"name\":\"User 1\",\"email\":\"user1@example.com\"}", "as a seed user");
	is_int(demo_state_user_json(st, DEMO_SEED_USERS, buf, sizeof buf), 0, "user 20 exists");
	is_int(demo_state_user_json(st, 0, buf, sizeof buf), -1, "user 0 does not");
	is_int(demo_state_user_json(st, DEMO_SEED_USERS + 1, buf, sizeof buf), -1, "user 21 not yet");

	int64_t id = demo_state_user_create(st, "Quote \" and \\ back", "q@x");
	is_int(id, DEMO_SEED_USERS + 1, "the first created user is 21");
	is_int(demo_state_user_json(st, id, buf, sizeof buf), 0, "and exists");
	u = json_loads(buf, 0, NULL);
	is_str(json_string_value(json_object_get(u, "name")), "Quote \" and \\ back", "its name is escaped");
	is_int(json_integer_value(json_object_get(u, "id")), id, "with its id");
	json_decref(u);

	for (int i = 0; i < DEMO_USER_RING; i++)
		demo_state_user_create(st, "n", "e@x");
	is_int(demo_state_user_json(st, id, buf, sizeof buf), 0, "an old created user still exists");
	is_str(buf, "{\"id\":21,\"name\":\"User 21\",\"email\":\"user21@example.com\"}",
	    "with a synthesized name once the ring moved on");
	is_int(demo_state_user_json(st, id + DEMO_USER_RING, buf, sizeof buf), 0, "the newest exists");
	ok(strstr(buf, "\"name\":\"n\"") != NULL, "with its own name");
	is_int(demo_state_user_json(st, id + DEMO_USER_RING + 1, buf, sizeof buf), -1, "the next does not");

	is_int(demo_state_task_id(st), 1, "task ids start at 1");
	is_int(demo_state_task_id(st), 2, "and count up");
	demo_state_free(st);
}

static void
test_counters(void)
{
	struct demo_state *st = demo_state_new();
	json_t *root;

	for (int r = 0; r < DEMO_ROUTE_COUNT; r++)
		ok(demo_route_name(r) != NULL, "route %d has a name (%s)", r, demo_route_name(r));
	demo_state_count_route(st, DEMO_ROUTE_USERS_GET);
	demo_state_count_route(st, DEMO_ROUTE_USERS_GET);
	demo_state_count_route(st, DEMO_ROUTE_OTHER);
	demo_state_count_status(st, 200);
	demo_state_count_status(st, 404);
	demo_state_count_status(st, 599);
	demo_state_count_status(st, 100);
	root = stats(st);
	is_int(get(root, "requests", "total"), 3, "total requests");
	json_t *by_route = json_object_get(json_object_get(root, "requests"), "by_route");
	is_int(json_integer_value(json_object_get(by_route, "GET /api/users/{id}")), 2, "per route");
	is_int(json_integer_value(json_object_get(by_route, "other")), 1, "other");
	is_int(json_object_size(by_route), DEMO_ROUTE_COUNT, "every route is listed");
	json_t *by_status = json_object_get(json_object_get(root, "requests"), "by_status");
	is_int(json_integer_value(json_object_get(by_status, "2xx")), 1, "2xx");
	is_int(json_integer_value(json_object_get(by_status, "4xx")), 1, "4xx");
	is_int(json_integer_value(json_object_get(by_status, "5xx")), 1, "5xx");
	is_int(json_integer_value(json_object_get(by_status, "1xx")), 1, "1xx");
	json_decref(root);
	demo_state_reset(st);
	root = stats(st);
	is_int(get(root, "requests", "total"), 0, "reset zeroes the total");
	is_int(json_integer_value(json_object_get(json_object_get(json_object_get(root, "requests"),
	    "by_status"), "2xx")), 0, "and the status classes");
	json_decref(root);
	demo_state_free(st);
}

int
main(void)
{
	test_tokens();
	test_users();
	test_counters();
	test_token_cap();
	return done_testing();
}
