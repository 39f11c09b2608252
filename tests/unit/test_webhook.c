/*
 * Unit tests for runs/webhook: the signature (RFC 4231's HMAC-SHA256 test vectors), the retry
 * schedule, the "when" rule and the team's failure words, the verdict from stored thresholds, a
 * notify object's validation (fields named, the allowlist applied) and the document with its text.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "runs/webhook.h"
#include "security/security.h"
#include "tap.h"

static void
test_sign(void)
{
	char hex[65], key[131];

	/* RFC 4231, test case 1: key = 20 x 0x0b, data = "Hi There" */
	memset(key, 0x0b, 20);
	webhook_sign(key, 20, "Hi There", 8, hex);
	is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
	/* test case 2: key = "Jefe", data = "what do ya want for nothing?" */
	webhook_sign("Jefe", 4, "what do ya want for nothing?", 28, hex);
	is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");
	/* test case 6: a key longer than the block (131 x 0xaa) is hashed first */
	memset(key, 0xaa, 131);
	webhook_sign(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, hex);
	is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "RFC 4231 case 6");
}

static void
test_backoff(void)
{
	static const long long want[] = { 10000, 30000, 60000, 120000, 300000, 600000, 600000, 600000 };
	long long total = 0;

	for (int i = 0; i < 8; i++) {
		is_int(webhook_backoff_ms(10000, i + 1), want[i], "default base: wait after attempt %d", i + 1);
		total += webhook_backoff_ms(10000, i + 1);
	}
	/* the default max_attempts (8) makes 7 waits: over ten minutes, as the issue asks */
	total -= webhook_backoff_ms(10000, 8);
	ok(total >= 600000, "8 attempts span %lld ms (at least ten minutes)", total);
	/* six attempts already span more than ten minutes? 5 waits: 10+30+60+120+300 s = 520 s */
	is_int(webhook_backoff_ms(200, 1), 200, "the unit scales the schedule (tests use 200 ms)");
	is_int(webhook_backoff_ms(200, 3), 1200, "third wait: 6 units");
	is_int(webhook_backoff_ms(200, 50), 12000, "later waits stay at 60 units");
	is_int(webhook_backoff_ms(200, 0), 200, "attempt 0 reads as 1");
}

static void
test_when(void)
{
	ok(webhook_is_failure("failed", NULL), "failed is a failure");
	ok(webhook_is_failure("error", NULL), "error is a failure");
	ok(webhook_is_failure("aborted", NULL), "aborted is a failure");
	ok(webhook_is_failure("stopped", "failed"), "stopped with a failed verdict is a failure");
	ok(!webhook_is_failure("stopped", "passed"), "stopped with thresholds held is not");
	ok(!webhook_is_failure("stopped", NULL), "stopped without thresholds is not");
	ok(!webhook_is_failure("passed", "passed"), "passed is not");
	ok(!webhook_is_failure("finished", NULL), "finished is not");
	ok(!webhook_is_failure("cancelled", NULL), "cancelled is not");

	ok(webhook_when_matches(WEBHOOK_ALWAYS, false, -1), "always: a good end");
	ok(webhook_when_matches(WEBHOOK_ALWAYS, true, 1), "always: a failure");
	ok(webhook_when_matches(WEBHOOK_FAILURE, true, 1), "failure: every failure, even a repeated one");
	ok(!webhook_when_matches(WEBHOOK_FAILURE, false, 1), "failure: not a good end");
	ok(webhook_when_matches(WEBHOOK_CHANGE, true, 0), "change: good -> failure");
	ok(webhook_when_matches(WEBHOOK_CHANGE, false, 1), "change: failure -> good");
	ok(!webhook_when_matches(WEBHOOK_CHANGE, true, 1), "change: failure -> failure is quiet");
	ok(!webhook_when_matches(WEBHOOK_CHANGE, false, 0), "change: good -> good is quiet");
	ok(webhook_when_matches(WEBHOOK_CHANGE, true, -1), "change: a first run that fails is a change");
	ok(!webhook_when_matches(WEBHOOK_CHANGE, false, -1), "change: a first run that passes is not");

	is_int(webhook_when_from_name("change"), WEBHOOK_CHANGE, "names read");
	is_int(webhook_when_from_name("sometimes"), -1, "an unknown name is -1");

	ok(webhook_verdict(NULL) == NULL, "no thresholds: no verdict");
	ok(webhook_verdict("[]") == NULL, "an empty list: no verdict");
	is_str(webhook_verdict("[{\"ok\":true},{\"ok\":true}]"), "passed", "every threshold held");
	is_str(webhook_verdict("[{\"ok\":true},{\"ok\":false}]"), "failed", "one failed");
}

/* Parses notify (JSON text) under allow; returns the field of the refusal ("" when accepted). */
static char *
parse(const char *text, const struct security *allow, int *nurls)
{
	json_t *j = json_loads(text, 0, NULL);
	struct webhook_targets t;
	char *field = NULL, *why = NULL, *out;

	if (webhook_targets_parse(j, "notify", allow, &t, &field, &why) == 0) {
		*nurls = t.nurls;
		webhook_targets_fini(&t);
		out = strdup("");
	} else {
		out = field;
		field = NULL;
		ok(why != NULL && why[0] != '\0', "the refusal of %s says why: %s", text, why);
	}
	free(field);
	free(why);
	json_decref(j);
	return out;
}

static void
test_targets(void)
{
	char *cause = NULL, *f;
	struct security *allow = security_allowlist_new("127.0.0.0/8, hooks.example", "webhooks.allow",
	    &cause);
	struct security *none = security_allowlist_new(NULL, "webhooks.allow", &cause);
	struct webhook_targets t;
	int n = 0;

	ok(allow != NULL && none != NULL, "allowlists build");
	f = parse("{\"when\":\"change\",\"webhooks\":[\"http://127.0.0.1:9/h\",\"https://hooks.example/x\"]}",
	    allow, &n);
	is_str(f, "", "listed URLs are accepted");
	is_int(n, 2, "both kept");
	free(f);
	f = parse("{\"webhooks\":[\"http://127.0.0.1:9/h\",\"https://10.1.2.3/x\"]}", allow, &n);
	is_str(f, "notify.webhooks[1]", "a URL outside webhooks.allow is refused by its index");
	free(f);
	f = parse("{\"webhooks\":[\"http://127.0.0.1:9/h\"]}", none, &n);
	is_str(f, "notify.webhooks[0]", "an empty allowlist allows nothing");
	free(f);
	f = parse("{\"when\":\"sometimes\",\"webhooks\":[]}", allow, &n);
	is_str(f, "notify.when", "an unknown when word");
	free(f);
	f = parse("{\"webhooks\":[\"ftp://127.0.0.1/x\"]}", allow, &n);
	is_str(f, "notify.webhooks[0]", "not http(s)");
	free(f);
	f = parse("{\"webhooks\":[\"http://user:pw@127.0.0.1/x\"]}", allow, &n);
	is_str(f, "notify.webhooks[0]", "a user name in the URL");
	free(f);
	f = parse("{\"webhooks\":[\"http://127.0.0.1:99999/x\"]}", allow, &n);
	is_str(f, "notify.webhooks[0]", "a port out of range");
	free(f);
	f = parse("{\"webhooks\":[\"http://127.0.0.1/x\",\"http://127.0.0.1/x\"]}", allow, &n);
	is_str(f, "notify.webhooks[1]", "a URL listed twice");
	free(f);
	f = parse("{\"webhooks\":\"http://127.0.0.1/x\"}", allow, &n);
	is_str(f, "notify.webhooks", "webhooks must be an array");
	free(f);
	f = parse("{\"webhooks\":[],\"extra\":1}", allow, &n);
	is_str(f, "notify.extra", "an unknown key");
	free(f);
	f = parse("[]", allow, &n);
	is_str(f, "notify", "not an object");
	free(f);

	ok(webhook_targets_from_list("http://127.0.0.1:1/a, http://127.0.0.2:2/b", WEBHOOK_ALWAYS, allow,
	    &t, &cause) == 0 && t.nurls == 2, "a config list of two URLs");
	webhook_targets_fini(&t);
	ok(webhook_targets_from_list("http://127.0.0.1:1/a, http://10.0.0.1/b", WEBHOOK_ALWAYS, allow,
	    &t, &cause) != 0 && strstr(cause, "10.0.0.1 is not in webhooks.allow") != NULL,
	    "a config URL outside the list is refused, naming the host and the key: %s", cause);
	free(cause);
	security_free(allow);
	security_free(none);
}

static void
test_document(void)
{
	struct webhook_run run = {
		.id = 42, .test_id = 7, .name = "orders soak", .state = "failed", .trigger = "schedule",
		.schedule_id = 3,
		.thresholds = "[{\"metric\":\"http_req_duration\",\"source\":\"p(95)<300\",\"ok\":false,"
		    "\"value\":412.3},{\"metric\":\"http_req_failed\",\"source\":\"rate<0.001\",\"ok\":false,"
		    "\"value\":0.003},{\"metric\":\"checks\",\"source\":\"rate>0.9\",\"ok\":true,\"value\":1}]",
		.summary = "{\"metrics\":{\"http_reqs\":{\"values\":{\"count\":1234567}},"
		    "\"http_req_failed\":{\"values\":{\"rate\":0.003}},"
		    "\"http_req_duration\":{\"values\":{\"p(95)\":412.3}}},"
		    "\"state\":{\"testRunDurationMs\":28800000}}",
		.started_ms = 1000, .ended_ms = 28801000,
	};
	json_t *doc = webhook_document(&run, "https://rampage.example/");
	const char *text = json_string_value(json_object_get(doc, "text"));

	is_str(text, "Run 42 of orders soak FAILED: 2 thresholds failed (p(95)&lt;300: 412 ms, rate&lt;0.001: "
	    "0.3%) · 1.2M requests · 0.3% errors · p95 412 ms · 8h · https://rampage.example/#/runs/42",
	    "the text line, with Slack's three characters escaped (&, <, >)");
	is_str(json_string_value(json_object_get(doc, "link")), "https://rampage.example/#/runs/42",
	    "the link: public_url (its trailing slash dropped) + the dashboard's run route");
	is_int(json_array_size(json_object_get(doc, "thresholds_failed")), 2, "the failed thresholds only");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(doc, "thresholds_failed"), 0),
	    "expression")), "p(95)<300", "with their expressions");
	is_int(json_integer_value(json_object_get(doc, "requests")), 1234567, "requests");
	is_int(json_integer_value(json_object_get(doc, "duration_ms")), 28800000, "duration");
	is_str(json_string_value(json_object_get(doc, "verdict")), "failed", "verdict");
	ok(json_is_true(json_object_get(doc, "failure")), "a failure");
	is_int(json_integer_value(json_object_get(doc, "schedule_id")), 3, "schedule id");
	json_decref(doc);

	run = (struct webhook_run){ .id = 5, .name = "smoke", .state = "error", .trigger = "api",
	    .error = "target not allowed", .ended_ms = 10 };
	doc = webhook_document(&run, NULL);
	is_str(json_string_value(json_object_get(doc, "text")),
	    "Run 5 of smoke ended in ERROR (target not allowed)", "an error run: no figures, no link");
	ok(json_is_null(json_object_get(doc, "link")), "no public_url: link null");
	ok(json_is_null(json_object_get(doc, "test_id")), "an inline run: test_id null");
	ok(json_is_null(json_object_get(doc, "p95_ms")), "no summary: p95 null");
	json_decref(doc);

	run = (struct webhook_run){ .id = 6, .name = "quick", .state = "passed", .trigger = "cli",
	    .thresholds = "[{\"metric\":\"http_req_duration\",\"source\":\"p(95)<300\",\"ok\":true,\"value\":2.5}]",
	    .summary = "{\"metrics\":{\"http_reqs\":{\"values\":{\"count\":20}},"
	    "\"http_req_failed\":{\"values\":{\"rate\":0}},\"http_req_duration\":{\"values\":{\"p(95)\":2.5}}},"
	    "\"state\":{\"testRunDurationMs\":412.7}}" };
	doc = webhook_document(&run, NULL);
	is_str(json_string_value(json_object_get(doc, "text")),
	    "Run 6 of quick passed · 20 requests · 0.0% errors · p95 2.5 ms · 413 ms", "a short run that passed");
	ok(json_is_false(json_object_get(doc, "failure")) && json_is_array(json_object_get(doc,
	    "thresholds_failed")) && json_array_size(json_object_get(doc, "thresholds_failed")) == 0,
	    "no failure, no failed threshold");
	json_decref(doc);
}

int
main(void)
{
	test_sign();
	test_backoff();
	test_when();
	test_targets();
	test_document();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
