/*
 * Unit tests for extract, check and feed: JSON Pointers (RFC 6901's own examples), PCRE2 patterns
 * with Perl classes and groups, extraction from JSON, headers and regexes with truncation, every
 * kind of check, the CSV reader (quotes, doubled quotes, CRLF, errors with line numbers) and row
 * picking in each mode.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/check.h"
#include "engine/extract.h"
#include "engine/feed.h"
#include "metrics/tick.h"
#include "testdef/feed_load.h"
#include "testdef/pattern.h"
#include "testdef/plan.h"
#include "tap.h"

/* RFC 6901, section 5. */
static const char rfc_doc[] = "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3, "
    "\"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8}";

/* The text a pointer finds in doc, or "(none)". */
static const char *
find(json_t *doc, const char *ptr)
{
	static char buf[128];
	char *cause = NULL;
	struct pattern_pointer *p = pattern_pointer_new(ptr, &cause);
	json_t *v;
	size_t n;

	if (p == NULL) {
		snprintf(buf, sizeof buf, "error: %s", cause);
		free(cause);
		return buf;
	}
	v = extract_pointer_get(p, doc);
	if (v == NULL)
		snprintf(buf, sizeof buf, "(none)");
	else {
		n = extract_json_text(v, buf, sizeof buf - 1);
		buf[n < sizeof buf - 1 ? n : sizeof buf - 1] = '\0';
	}
	pattern_pointer_free(p);
	return buf;
}

static void
test_pointers(void)
{
	json_t *doc = json_loads(rfc_doc, 0, NULL);

	ok(doc != NULL, "the RFC 6901 document parses");
	is_str(find(doc, ""), "{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,\"e^f\":3,\"g|h\":4,"
	    "\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,\"m~n\":8}", "\"\" is the whole document (compact JSON)");
	is_str(find(doc, "/foo"), "[\"bar\",\"baz\"]", "/foo");
	is_str(find(doc, "/foo/0"), "bar", "/foo/0 (a string's contents, unquoted)");
	is_str(find(doc, "/"), "0", "/ is the key \"\"");
	is_str(find(doc, "/a~1b"), "1", "~1 is /");
	is_str(find(doc, "/c%d"), "2", "/c%%d");
	is_str(find(doc, "/i\\j"), "5", "backslash");
	is_str(find(doc, "/k\"l"), "6", "quote");
	is_str(find(doc, "/ "), "7", "space");
	is_str(find(doc, "/m~0n"), "8", "~0 is ~");
	is_str(find(doc, "/foo/2"), "(none)", "an index past the end");
	is_str(find(doc, "/foo/01"), "(none)", "a leading zero is not an index");
	is_str(find(doc, "/foo/-"), "(none)", "- (past the end) finds nothing");
	is_str(find(doc, "/nope/x"), "(none)", "a missing key");
	is_str(find(doc, "/foo/0/x"), "(none)", "a key into a string");
	is_str(find(doc, "foo"), "error: expected a JSON Pointer like \"/items/0/id\" (starting with \"/\"), "
	    "got \"foo\"", "a pointer must start with /");
	is_str(find(doc, "/a~2"), "error: invalid JSON Pointer \"/a~2\": \"~\" must be followed by 0 or 1",
	    "~2 is invalid");
	json_decref(doc);

	doc = json_loads("{\"i\": -42, \"r\": 0.5, \"t\": true, \"f\": false, \"n\": null, \"u\": \"\\u00e9\"}",
	    0, NULL);
	is_str(find(doc, "/i"), "-42", "integers as JSON writes them");
	is_str(find(doc, "/r"), "0.5", "reals");
	is_str(find(doc, "/t"), "true", "true");
	is_str(find(doc, "/f"), "false", "false");
	is_str(find(doc, "/n"), "null", "null");
	is_str(find(doc, "/u"), "\xc3\xa9", "strings as UTF-8");
	json_decref(doc);
}

/* The text of group g of re's first match in s, or "(no match)". */
static const char *
match(const char *pattern, const char *s, int group)
{
	static char buf[128];
	char *cause = NULL;
	struct pattern_regex *re = pattern_regex_new(pattern, &cause);
	struct extract_match *m;
	size_t off, len;

	if (re == NULL) {
		snprintf(buf, sizeof buf, "error: %s", cause);
		free(cause);
		return buf;
	}
	m = extract_match_new(re->groups);
	if (extract_regex_find(re, m, s, strlen(s), group, &off, &len))
		snprintf(buf, sizeof buf, "%.*s", (int)len, s + off);
	else
		snprintf(buf, sizeof buf, "(no match)");
	extract_match_free(m);
	pattern_regex_free(re);
	return buf;
}

static void
test_regex(void)
{
	char *cause = NULL;
	struct pattern_regex *re;

	is_str(match("id=(\\d+)", "a&id=1234&b", 1), "1234", "\\d works as in Perl");
	is_str(match("id=(\\d+)", "a&id=1234&b", 0), "id=1234", "group 0 is the whole match");
	is_str(match("(\\w+)@(\\w+)\\.com", "mail bob@example.com now", 2), "example", "second group");
	is_str(match("x(y)?z", "xz", 1), "(no match)", "a group that took no part does not match");
	is_str(match("\\s(\\S+)$", "a b c", 1), "c", "\\s and \\S");
	is_str(match("id=(\\d+)", "no ids here", 1), "(no match)", "no match");
	is_str(match("(a", "", 0), "error: invalid regex at offset 2: missing closing parenthesis",
	    "a bad pattern names the offset and the reason");
	re = pattern_regex_new("(a)(b)(c)", &cause);
	is_int(re->groups, 3, "groups are counted");
	pattern_regex_free(re);
	{
		/* a catastrophic pattern on a long subject gives up instead of stalling */
		char *s = malloc(40001);
		memset(s, 'a', 40000);
		s[40000] = '\0';
		is_str(match("(a+)+b", s, 0), "(no match)", "a pathological pattern stops at the match limit");
		free(s);
	}
}

/* Response headers for the tests: "Location: /api/users/42", "X-Node: n1". */
static const char *
headers(void *arg, const char *name, size_t *len)
{
	const char *v = NULL;

	(void)arg;
	if (strcasecmp(name, "Location") == 0)
		v = "/api/users/42";
	else if (strcasecmp(name, "X-Node") == 0)
		v = "n1";
	else if (strcasecmp(name, "Content-Type") == 0)
		v = "application/json; charset=utf-8";
	if (v != NULL)
		*len = strlen(v);
	return v;
}

/* The cookie hook of a test response: it sets csrftoken=c0ff. */
static const char *
cookie(void *arg, const char *name, size_t *len)
{
	(void)arg;
	if (strcmp(name, "csrftoken") != 0)
		return NULL;
	*len = 4;
	return "c0ffee; Path=/";
}

/* The url and protocol hooks of a test response. */
static const char *
final_url(void *arg)
{
	(void)arg;
	return "http://127.0.0.1:8000/api/health?x=1";
}

static const char *
protocol(void *arg)
{
	(void)arg;
	return "HTTP/1.1";
}

static const char body[] = "{\"token\": \"abc123\", \"user\": {\"id\": 7, \"tags\": [\"x\", \"y\"]}, "
    "\"status\": \"ok\", \"n\": 2}";

static struct extract_response
response(struct extract_match *m)
{
	return (struct extract_response){ .status = 201, .service_us = 1500, .body = body,
	    .body_len = strlen(body), .header = headers, .match = m };
}

/* Runs an extraction into a buffer of size bytes; returns "len:text" or "-1". */
static const char *
run(struct plan_extract *x, size_t size)
{
	static char out[128];
	char buf[64];
	struct extract_match *m = extract_match_new(3);
	struct extract_response r = response(m);
	int64_t n = extract_run(x, &r, buf, size);

	if (n < 0)
		snprintf(out, sizeof out, "-1");
	else
		snprintf(out, sizeof out, "%lld:%.*s", (long long)n, (int)((size_t)n < size ? (size_t)n : size), buf);
	extract_response_fini(&r);
	extract_match_free(m);
	return out;
}

static void
test_extract(void)
{
	char *cause = NULL;
	struct plan_extract x = { .from = PLAN_FROM_JSON };

	x.pointer = pattern_pointer_new("/token", &cause);
	is_str(run(&x, 64), "6:abc123", "json /token");
	is_str(run(&x, 4), "6:abc1", "a value longer than the buffer is cut, its full length told");
	pattern_pointer_free(x.pointer);
	x.pointer = pattern_pointer_new("/user/tags", &cause);
	is_str(run(&x, 64), "9:[\"x\",\"y\"]", "a container as compact JSON");
	is_str(run(&x, 5), "9:[\"x\",", "a container cut to the buffer");
	pattern_pointer_free(x.pointer);
	x.pointer = pattern_pointer_new("/user/id", &cause);
	is_str(run(&x, 64), "1:7", "a number");
	pattern_pointer_free(x.pointer);
	x.pointer = pattern_pointer_new("/missing", &cause);
	is_str(run(&x, 64), "-1", "a missing value fails");
	pattern_pointer_free(x.pointer);

	x = (struct plan_extract){ .from = PLAN_FROM_HEADER, .header = "location" };
	is_str(run(&x, 64), "13:/api/users/42", "a header, any case");
	x.header = "X-Missing";
	is_str(run(&x, 64), "-1", "a missing header fails");

	{
		/* a cookie the response sets, by name: through the response's cookie hook */
		struct extract_response r = { .cookie = cookie };
		char buf[64];
		x = (struct plan_extract){ .from = PLAN_FROM_COOKIE, .header = "csrftoken" };
		is_int(extract_run(&x, &r, buf, sizeof buf), 4, "a cookie's value by name");
		ok(memcmp(buf, "c0ff", 4) == 0, "... its value");
		x.header = "sessionid";
		is_int(extract_run(&x, &r, buf, sizeof buf), -1, "a cookie the response does not set fails");
		r.cookie = NULL;
		is_int(extract_run(&x, &r, buf, sizeof buf), -1, "and so does a response without the hook");
	}

	x = (struct plan_extract){ .from = PLAN_FROM_REGEX, .group = 1 };
	x.regex = pattern_regex_new("\"id\": (\\d+)", &cause);
	is_str(run(&x, 64), "1:7", "a regex group over the body");
	pattern_regex_free(x.regex);
	x.regex = pattern_regex_new("\"nope\": (\\d+)", &cause);
	is_str(run(&x, 64), "-1", "no match fails");
	pattern_regex_free(x.regex);

	{
		/* not JSON: JSON extraction fails, the body is parsed once */
		struct extract_response r = { .body = "<html>", .body_len = 6 };
		ok(extract_response_json(&r) == NULL && r.json_state == -1, "a non-JSON body is not JSON");
		ok(extract_response_json(&r) == NULL, "and is not parsed again");
		extract_response_fini(&r);
	}
}

/* Evaluates a check against the test response. */
static int
eval(struct plan_check *k)
{
	struct extract_match *m = extract_match_new(3);
	struct extract_response r = response(m);
	int pass = check_eval(k, &r);

	extract_response_fini(&r);
	extract_match_free(m);
	return pass;
}

static void
test_checks(void)
{
	int one[] = { 201 }, two[] = { 200, 204 };
	char *cause = NULL;
	struct plan_check k = { .kind = PLAN_CHECK_STATUS, .statuses = one, .nstatuses = 1 };

	is_int(eval(&k), 1, "status 201 passes {\"status\": 201}");
	k.statuses = two;
	k.nstatuses = 2;
	is_int(eval(&k), 0, "and fails [200, 204]");

	k = (struct plan_check){ .kind = PLAN_CHECK_BODY_CONTAINS, .text = "abc123", .text_len = 6 };
	is_int(eval(&k), 1, "bodyContains passes");
	k.text = "abc124";
	is_int(eval(&k), 0, "bodyContains fails");

	k = (struct plan_check){ .kind = PLAN_CHECK_JSON, .op = PLAN_OP_EXISTS };
	k.pointer = pattern_pointer_new("/user/tags/1", &cause);
	is_int(eval(&k), 1, "json exists");
	k.op = PLAN_OP_ABSENT;
	is_int(eval(&k), 0, "json exists: false, on a value that exists");
	pattern_pointer_free(k.pointer);
	k.pointer = pattern_pointer_new("/status", &cause);
	k.op = PLAN_OP_EQUALS;
	k.equals = json_string("ok");
	is_int(eval(&k), 1, "json equals \"ok\"");
	json_decref(k.equals);
	k.equals = json_string("ko");
	is_int(eval(&k), 0, "json equals \"ko\" fails");
	json_decref(k.equals);
	pattern_pointer_free(k.pointer);
	k.pointer = pattern_pointer_new("/n", &cause);
	k.equals = json_real(2.0);
	is_int(eval(&k), 1, "numbers compare by value: 2 equals 2.0");
	json_decref(k.equals);
	k.equals = json_string("2");
	is_int(eval(&k), 0, "but not a string");
	json_decref(k.equals);
	pattern_pointer_free(k.pointer);

	k = (struct plan_check){ .kind = PLAN_CHECK_HEADER, .header = "Content-Type", .op = PLAN_OP_MATCHES };
	k.regex = pattern_regex_new("json", &cause);
	is_int(eval(&k), 1, "header matches json");
	pattern_regex_free(k.regex);
	k.regex = pattern_regex_new("^text/", &cause);
	is_int(eval(&k), 0, "header matches ^text/ fails");
	pattern_regex_free(k.regex);
	k.regex = NULL;
	k.op = PLAN_OP_EQUALS;
	k.header = "X-Node";
	k.text = "n1";
	k.text_len = 2;
	is_int(eval(&k), 1, "header equals");
	k.op = PLAN_OP_ABSENT;
	k.header = "X-Other";
	is_int(eval(&k), 1, "header absent");
	k.op = PLAN_OP_EXISTS;
	is_int(eval(&k), 0, "header exists fails on a missing header");

	k = (struct plan_check){ .kind = PLAN_CHECK_MAX_DURATION, .max_ns = 2000000 };
	is_int(eval(&k), 1, "1.5 ms < 2 ms");
	k.max_ns = 1500000;
	is_int(eval(&k), 0, "1.5 ms is not < 1.5 ms");
	{
		struct extract_response r = { .status = 0, .service_us = 1 };
		is_int(check_eval(&k, &r), 0, "no response fails a response-time check");
	}

	/* a timing phase (k6's res.timings.waiting), the final URL, the protocol */
	{
		int64_t phases[TICK_NPHASE] = { [TICK_PHASE_CONNECTING] = 300, [TICK_PHASE_WAITING] = 900 };
		struct extract_response r = { .status = 200, .service_us = 5000, .phase_us = phases,
		    .url = final_url, .protocol = protocol };
		k = (struct plan_check){ .kind = PLAN_CHECK_MAX_DURATION, .max_ns = 1000000,
		    .phase = 1 + PLAN_PHASE_WAITING };
		is_int(check_eval(&k, &r), 1, "timings.waiting 0.9 ms < 1 ms (the duration, 5 ms, is not)");
		k.phase = 1 + PLAN_PHASE_CONNECTING;
		k.max_ns = 300000;
		is_int(check_eval(&k, &r), 0, "timings.connecting 0.3 ms is not < 0.3 ms");
		k.phase = 0;
		is_int(check_eval(&k, &r), 0, "phase 0: the duration, 5 ms");
		k = (struct plan_check){ .kind = PLAN_CHECK_URL, .text = "/api/health?x=1", .path_only = 1 };
		is_int(check_eval(&k, &r), 1, "url: the final URL's path and query");
		k.text = "/api/health";
		is_int(check_eval(&k, &r), 0, "url: the query is part of it");
		k = (struct plan_check){ .kind = PLAN_CHECK_URL, .text = "http://127.0.0.1:8000/api/health?x=1" };
		is_int(check_eval(&k, &r), 1, "url: the whole final URL");
		k.text = "http://127.0.0.1:8000/api/redirect/1";
		is_int(check_eval(&k, &r), 0, "url: not the first URL");
		k = (struct plan_check){ .kind = PLAN_CHECK_PROTOCOL, .text = "HTTP/1.1" };
		is_int(check_eval(&k, &r), 1, "protocol HTTP/1.1");
		k.text = "HTTP/2.0";
		is_int(check_eval(&k, &r), 0, "protocol HTTP/2.0 fails on HTTP/1.1");
		r.status = 0;
		k.text = "HTTP/1.1";
		is_int(check_eval(&k, &r), 0, "no response: no protocol");
	}
}

/* Parses CSV text; returns "ok" with the cells joined by | and rows by /, or the error. */
static const char *
csv(const char *text, int max_rows)
{
	static char out[512];
	struct plan_feed f = { 0 };
	char *cause = NULL;
	size_t off = 0;

	if (feed_load_csv(&f, text, strlen(text), max_rows, &cause) != 0) {
		snprintf(out, sizeof out, "%s", cause);
		free(cause);
		return out;
	}
	for (int c = 0; c < f.ncolumns; c++)
		off += (size_t)snprintf(out + off, sizeof out - off, "%s%s", c ? "|" : "", f.columns[c]);
	for (int r = 0; r < f.nrows; r++) {
		off += (size_t)snprintf(out + off, sizeof out - off, "/");
		for (int c = 0; c < f.ncolumns; c++) {
			const struct tmpl_var *v = &f.cells[r * f.ncolumns + c];
			off += (size_t)snprintf(out + off, sizeof out - off, "%s%.*s", c ? "|" : "", (int)v->len, v->s);
		}
	}
	feed_load_fini(&f);
	return out;
}

static void
test_csv(void)
{
	is_str(csv("username,password\na,pa\nb,pb\n", 10), "username|password/a|pa/b|pb", "plain CSV");
	is_str(csv("u,p\r\na,pa\r\nb,pb", 10), "u|p/a|pa/b|pb", "CRLF, no final line break");
	is_str(csv("\xef\xbb\xbfu,p\na,b\n", 10), "u|p/a|b", "a byte order mark is skipped");
	is_str(csv("u,p\n\"x, y\",\"say \"\"hi\"\"\"\n", 10), "u|p/x, y|say \"hi\"",
	    "quoted commas and doubled quotes");
	is_str(csv("u,p\n\"two\nlines\",z\nq,r\n", 10), "u|p/two\nlines|z/q|r", "a line break in quotes");
	is_str(csv("u,p\na,\n,b\n", 10), "u|p/a|/|b", "empty fields");
	is_str(csv("u,p\na,b\n\nc,d\n", 10), "u|p/a|b/c|d", "blank lines are skipped");
	is_str(csv("u,p\na,b\nc\n", 10), "line 3: expected 2 fields (as the header), got 1", "a short row");
	is_str(csv("u,p\na,b\"c\",d\n", 10), "line 2: a '\"' inside an unquoted field (quote the field and "
	    "double the quote)", "a stray quote");
	is_str(csv("u,p\n\"a,b\n", 10), "line 2: unterminated quoted field", "an unterminated quote");
	is_str(csv("u,p\n\"a\"x,b\n", 10), "line 2: expected ',' or a line end after a quoted field",
	    "text after a closing quote");
	is_str(csv("user name,p\na,b\n", 10), "line 1: column 1: expected a name of letters, digits, '_' "
	    "and '-' (starting with a letter or '_'), got \"user name\"", "column names must be names");
	is_str(csv("u,u\na,b\n", 10), "line 1: column \"u\" appears twice", "duplicate columns");
	is_str(csv("u,p\n", 10), "no rows after the header line", "a header alone");
	is_str(csv("", 10), "no header line (the first line names the columns)", "an empty file");
	is_str(csv("u\n1\n2\n3\n", 2), "more than 2 rows", "the row cap");
}

static void
test_pick(void)
{
	static char *cols[] = { "u" }, *cells[] = { "a", "b", "c" };
	size_t lens[] = { 1, 1, 1 };
	struct plan_feed f = { 0 };
	uint64_t rng = 5;
	int seen[3] = { 0 }, bad = 0;

	feed_load_rows(&f, cols, 1, cells, lens, 3);
	f.mode = PLAN_FEED_UNIQUE;
	is_int(feed_pick(&f, 1, &rng, NULL), 0, "unique: VU 1 reads row 0");
	is_int(feed_pick(&f, 3, &rng, NULL), 2, "unique: VU 3 reads row 2, every time");
	is_int(feed_pick(&f, 3, &rng, NULL), 2, "(again)");
	f.mode = PLAN_FEED_SEQUENTIAL;
	for (int i = 0; i < 7; i++)
		bad += feed_pick(&f, 1, &rng, NULL) != i % 3;
	is_int(bad, 0, "sequential: rows in order, wrapping, whichever VU asks");
	f.mode = PLAN_FEED_RANDOM;
	for (int i = 0; i < 3000; i++) {
		int r = feed_pick(&f, 1, &rng, NULL);
		if (r < 0 || r > 2)
			bad++;
		else
			seen[r]++;
	}
	ok(bad == 0 && seen[0] > 900 && seen[1] > 900 && seen[2] > 900, "random: every row, evenly (%d %d %d)",
	    seen[0], seen[1], seen[2]);
	is_str(f.cells[1].s, "b", "cells are NUL-terminated copies");
	feed_load_fini(&f);
}

int
main(void)
{
	test_pointers();
	test_regex();
	test_extract();
	test_checks();
	test_csv();
	test_pick();
	return done_testing();
}
