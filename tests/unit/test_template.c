/* Unit tests for testdef/template: parsing, built-ins, variables, escaping modes, truncation. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "testdef/template.h"
#include "tap.h"

/* Variables of the test scope: "token" is slot 0, "user.id" slot 1. */
static int
var_slot(void *arg, const char *name, size_t len)
{
	(void)arg;
	if (len == 5 && memcmp(name, "token", 5) == 0)
		return 0;
	if (len == 7 && memcmp(name, "user.id", 7) == 0)
		return 1;
	return -1;
}

/* Environment of the test scope. */
static const char *
env(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "HOST") == 0)
		return "example.test:8000";
	if (strcmp(name, "ODD") == 0)
		return "a \"b\"&c";
	return NULL;
}

static const struct tmpl_scope scope = { var_slot, env, NULL };

/* Parse src with esc and render it with ctx into a static buffer; NULL on a parse error. */
static const char *
render(const char *src, enum tmpl_escape esc, const struct tmpl_ctx *ctx)
{
	static char buf[512];
	char *cause = NULL;
	struct tmpl *t = tmpl_parse(src, esc, &scope, &cause);
	size_t len;

	if (t == NULL) {
		printf("# parse error: %s\n", cause);
		free(cause);
		return NULL;
	}
	if (tmpl_render(t, ctx, buf, sizeof buf, &len) != 0 || len != strlen(buf))
		snprintf(buf, sizeof buf, "(render failed)");
	tmpl_free(t);
	return buf;
}

/* Parse src expecting an error; returns the cause (static copy). */
static const char *
parse_error(const char *src)
{
	static char copy[512];
	char *cause = NULL;
	struct tmpl *t = tmpl_parse(src, TMPL_RAW, &scope, &cause);

	if (t != NULL) {
		tmpl_free(t);
		return "(parsed)";
	}
	snprintf(copy, sizeof copy, "%s", cause);
	free(cause);
	return copy;
}

static int
is_uuid_v4(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

int
main(void)
{
	uint64_t rng = 42;
	struct tmpl_var vars[2] = { { "abc", 3, 0 }, { NULL, 0, 0 } };
	struct tmpl_ctx ctx = { .vu = 7, .iteration = 12, .rng = &rng, .wall_ms = 1700000000123LL,
	                        .vars = vars, .nvars = 2 };
	char *cause = NULL;
	struct tmpl *t;
	const char *s;
	size_t len;
	char buf[64];

	/* Literal templates: no references, one memcpy, exposed as is. */
	t = tmpl_parse("/api/users?page=2", TMPL_RAW, &scope, &cause);
	ok(t != NULL, "a literal parses");
	is_int(tmpl_nrefs(t), 0, "and has no runtime references");
	s = tmpl_literal(t, &len);
	ok(s != NULL && len == 17 && memcmp(s, "/api/users?page=2", 17) == 0, "tmpl_literal gives the text");
	is_int(tmpl_render(t, NULL, buf, sizeof buf, &len), 0, "renders without a context");
	is_str(buf, "/api/users?page=2", "as itself");
	tmpl_free(t);
	is_str(render("", TMPL_RAW, &ctx), "", "the empty template renders as \"\"");
	is_str(render("{a} }} {b", TMPL_RAW, &ctx), "{a} }} {b", "single braces and a lone }} are literal");

	/* Built-ins. */
	is_str(render("vu={{vu}} it={{iteration}}", TMPL_RAW, &ctx), "vu=7 it=12", "{{vu}} and {{iteration}}");
	is_str(render("{{ vu }}/{{\titeration }}", TMPL_RAW, &ctx), "7/12", "whitespace inside braces is ignored");
	is_str(render("{{timestampMs}}", TMPL_RAW, &ctx), "1700000000123", "{{timestampMs}} from the context");
	{
		struct tmpl_ctx now = ctx;
		int64_t before = clock_wall_ms(), after, got;
		now.wall_ms = 0;
		got = atoll(render("{{timestampMs}}", TMPL_RAW, &now));
		after = clock_wall_ms();
		ok(got >= before && got <= after, "{{timestampMs}} reads the clock when the context has 0");
	}
	s = render("{{uuid}}", TMPL_RAW, &ctx);
	ok(s && is_uuid_v4(s), "{{uuid}} is a version-4 UUID (%s)", s ? s : "");
	{
		char a[64], b[64];
		uint64_t r1 = 1, r2 = 1;
		struct tmpl_ctx c1 = ctx, c2 = ctx;
		c1.rng = &r1;
		c2.rng = &r2;
		snprintf(a, sizeof a, "%s", render("{{uuid}}", TMPL_RAW, &c1));
		snprintf(b, sizeof b, "%s", render("{{uuid}}", TMPL_RAW, &c2));
		is_str(a, b, "the same seed gives the same UUID");
		snprintf(b, sizeof b, "%s", render("{{uuid}}", TMPL_RAW, &c1));
		ok(strcmp(a, b) != 0, "and the state advances");
		c1.rng = NULL;
		snprintf(a, sizeof a, "%s", render("{{uuid}}", TMPL_RAW, &c1));
		ok(is_uuid_v4(a), "without a VU state a per-thread generator is used");
	}
	{
		int seen[6] = { 0 }, outside = 0;
		for (int i = 0; i < 2000; i++) {
			long v = atol(render("{{randomInt 1 5}}", TMPL_RAW, &ctx));
			if (v < 1 || v > 5)
				outside++;
			else
				seen[v]++;
		}
		is_int(outside, 0, "{{randomInt 1 5}} stays in [1, 5]");
		ok(seen[1] > 0 && seen[5] > 0 && seen[3] > 0, "and reaches both ends (%d, %d)", seen[1], seen[5]);
		is_str(render("{{randomInt 3 3}}", TMPL_RAW, &ctx), "3", "a one-value range");
		long v = atol(render("{{randomInt -10 -5}}", TMPL_RAW, &ctx));
		ok(v >= -10 && v <= -5, "negative bounds (%ld)", v);
		s = render("{{randomInt -9223372036854775808 9223372036854775807}}", TMPL_RAW, &ctx);
		ok(s != NULL && s[0] != '(', "the full int64 range works (%s)", s ? s : "");
	}

	/* Environment references are resolved at parse time. */
	t = tmpl_parse("http://{{env.HOST}}/x", TMPL_RAW, &scope, &cause);
	ok(t != NULL && tmpl_nrefs(t) == 0, "{{env.NAME}} becomes literal text");
	s = t ? tmpl_literal(t, &len) : NULL;
	is_str(s, "http://example.test:8000/x", "with the variable's value");
	tmpl_free(t);
	is_str(render("{\"v\":\"{{env.ODD}}\"}", TMPL_JSON, &ctx), "{\"v\":\"a \\\"b\\\"&c\"}",
	    "an environment value is escaped with the template's mode (JSON)");
	is_str(render("q={{env.ODD}}", TMPL_URL, &ctx), "q=a%20%22b%22%26c", "and (URL)");
	is_str(parse_error("{{env.MISSING}}"), "environment variable \"MISSING\" is not set (in \"{{env.MISSING}}\")",
	    "a missing environment variable is an error");
	setenv("RAMPAGE_TEST_TEMPLATE", "from-getenv", 1);
	t = tmpl_parse("{{env.RAMPAGE_TEST_TEMPLATE}}", TMPL_RAW, NULL, &cause);
	s = t ? tmpl_literal(t, &len) : NULL;
	is_str(s, "from-getenv", "without a scope, getenv(3) answers");
	tmpl_free(t);

	/* Variables: a slot at parse time, the VU's value at render time. */
	is_str(render("Bearer {{token}}", TMPL_HEADER, &ctx), "Bearer abc", "a variable renders its slot's value");
	is_str(render("[{{user.id}}]", TMPL_RAW, &ctx), "[]", "an unset variable renders as \"\"");
	{
		struct tmpl_ctx few = ctx;
		few.nvars = 0;
		is_str(render("[{{token}}]", TMPL_RAW, &few), "[]", "a slot beyond the table renders as \"\"");
	}
	is_str(parse_error("/users/{{token}}x"), "(parsed)", "a defined variable parses");
	is_str(parse_error("{{tokens}}"), "unknown variable \"tokens\" in \"{{tokens}}\"",
	    "an undefined variable is an error naming it");
	t = tmpl_parse("{{token}}", TMPL_RAW, NULL, &cause);
	ok(t == NULL && cause && strcmp(cause, "unknown variable \"token\" in \"{{token}}\"") == 0,
	    "without a scope no variable is defined");
	free(cause);
	cause = NULL;

	/* Parse errors. */
	is_str(parse_error("/x/{{vu"), "unterminated \"{{\" in \"{{vu\"", "an unterminated reference");
	is_str(parse_error("a{{}}b"), "empty reference \"{{}}\"", "an empty reference");
	is_str(parse_error("{{ }}"), "empty reference \"{{ }}\"", "a blank reference");
	is_str(parse_error("{{foo bar}}"), "invalid reference \"{{foo bar}}\" (expected vu, iteration, uuid, "
	    "randomInt A B, timestampMs, env.NAME or a variable name)", "an invalid reference");
	is_str(parse_error("{{randomInt 5 1}}"), "randomInt needs A <= B, got \"{{randomInt 5 1}}\"",
	    "randomInt with A > B");
	is_str(parse_error("{{randomInt 5}}"), "expected {{randomInt A B}} with two integers, got "
	    "\"{{randomInt 5}}\"", "randomInt with one bound");
	is_str(parse_error("{{randomInt a b}}"), "expected {{randomInt A B}} with two integers, got "
	    "\"{{randomInt a b}}\"", "randomInt with words");
	is_str(parse_error("{{randomInt 1 2 3}}"), "expected {{randomInt A B}} with two integers, got "
	    "\"{{randomInt 1 2 3}}\"", "randomInt with three numbers");
	is_str(parse_error("{{randomInt 1 99999999999999999999}}"), "expected {{randomInt A B}} with two "
	    "integers, got \"{{randomInt 1 99999999999999999999}}\"", "randomInt beyond int64");
	is_str(parse_error("{{env.}}"), "invalid reference \"{{env.}}\" (expected vu, iteration, uuid, "
	    "randomInt A B, timestampMs, env.NAME or a variable name)", "env. without a name");
	is_str(parse_error("{{randomIntx}}"), "unknown variable \"randomIntx\" in \"{{randomIntx}}\"",
	    "a name that starts like a built-in is a variable");

	/* JSON escaping of values (inside a JSON string). */
	{
		struct tmpl_var v[1];
		struct tmpl_ctx jc = ctx;
		jc.vars = v;
		jc.nvars = 1;
		v[0] = (struct tmpl_var){ "say \"hi\"\n\\ \t\x01", 13, 0 };
		is_str(render("\"{{token}}\"", TMPL_JSON, &jc), "\"say \\\"hi\\\"\\n\\\\ \\t\\u0001\"",
		    "quotes, newlines, backslashes, tabs and controls are JSON-escaped");
		v[0] = (struct tmpl_var){ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, 0 };
		is_str(render("{{token}}", TMPL_JSON, &jc), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "valid UTF-8 passes through");
		v[0] = (struct tmpl_var){ "a\xff" "b\xc3" "c\xed\xa0\x80" "d", 9, 0 };
		is_str(render("{{token}}", TMPL_JSON, &jc), "a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd",
		    "invalid UTF-8 (stray, truncated, surrogate) becomes \\ufffd");
		v[0] = (struct tmpl_var){ "a\0b", 3, 0 };
		is_str(render("{{token}}", TMPL_JSON, &jc), "a\\u0000b", "a NUL byte is escaped");
		is_str(render("\"x\\n{{vu}}\"", TMPL_JSON, &jc), "\"x\\n7\"", "literal text is left as written");

		/* URL encoding (query values, form fields). */
		v[0] = (struct tmpl_var){ "a b&c=d/\xc3\xa9~-._", 14, 0 };
		is_str(render("q={{token}}", TMPL_URL, &jc), "q=a%20b%26c%3Dd%2F%C3%A9~-._",
		    "query values are percent-encoded");
		/* Header values. */
		v[0] = (struct tmpl_var){ "x\r\nInjected: 1", 14, 0 };
		is_str(render("v={{token}}", TMPL_HEADER, &jc), "v=x  Injected: 1", "CR and LF become spaces in headers");
		/* Raw. */
		v[0] = (struct tmpl_var){ "a\"b\n", 4, 0 };
		is_str(render("{{token}}", TMPL_RAW, &jc), "a\"b\n", "raw bodies get values as they are");

		/* A whole JSON value: typed values as they are, others as JSON strings. */
		v[0] = (struct tmpl_var){ "42", 2, 1 };
		is_str(render("{{token}}", TMPL_JSON_VALUE, &jc), "42", "a typed number stays a number");
		v[0] = (struct tmpl_var){ "true", 4, 1 };
		is_str(render("{{token}}", TMPL_JSON_VALUE, &jc), "true", "a typed boolean stays a boolean");
		v[0] = (struct tmpl_var){ "42", 2, 0 };
		is_str(render("{{token}}", TMPL_JSON_VALUE, &jc), "\"42\"", "a string of digits stays a string");
		v[0] = (struct tmpl_var){ "a\"b", 3, 0 };
		is_str(render("{{token}}", TMPL_JSON_VALUE, &jc), "\"a\\\"b\"", "a string is quoted and escaped");
		v[0] = (struct tmpl_var){ NULL, 0, 0 };
		is_str(render("{{token}}", TMPL_JSON_VALUE, &jc), "\"\"", "an unset variable is an empty string");
		{
			char *why = NULL;
			struct tmpl *one = tmpl_parse("{{ token }}", TMPL_JSON, &scope, &why);
			struct tmpl *two = tmpl_parse("x{{token}}", TMPL_JSON, &scope, &why);
			struct tmpl *vu = tmpl_parse("{{vu}}", TMPL_JSON, &scope, &why);
			ok(one != NULL && tmpl_is_one_var(one), "\"{{ token }}\" is one variable");
			ok(two != NULL && !tmpl_is_one_var(two), "\"x{{token}}\" is not");
			ok(vu != NULL && !tmpl_is_one_var(vu), "\"{{vu}}\" is a built-in, not a variable");
			tmpl_free(one);
			tmpl_free(two);
			tmpl_free(vu);
		}
	}

	/* Literal escaping for query values and form fields. */
	t = tmpl_new();
	ok(tmpl_append(t, "a b/{{vu}}&", 11, TMPL_URL, 1, &scope, &cause) == 0, "tmpl_append with escaped literals");
	tmpl_render(t, &ctx, buf, sizeof buf, &len);
	is_str(buf, "a%20b%2F7%26", "literal text is encoded too");
	/* Composition. */
	{
		struct tmpl *u = tmpl_new();
		tmpl_append_literal(u, "[", 1);
		tmpl_append_tmpl(u, t);
		tmpl_append_literal(u, "]", 1);
		tmpl_render(u, &ctx, buf, sizeof buf, &len);
		is_str(buf, "[a%20b%2F7%26]", "tmpl_append_tmpl copies segments");
		is_int(tmpl_nrefs(u), 1, "and references");
		s = tmpl_prefix(u, &len);
		ok(len == 9 && memcmp(s, "[a%20b%2F", 9) == 0, "tmpl_prefix is the text before the first reference");
		is_int((long long)tmpl_literal_len(u), 13, "tmpl_literal_len counts literal bytes");
		ok(tmpl_literal(u, &len) == NULL, "tmpl_literal is NULL with references");
		tmpl_free(u);
	}
	tmpl_free(t);
	t = tmpl_parse("{{vu}}/x", TMPL_RAW, &scope, &cause);
	s = tmpl_prefix(t, &len);
	is_int((long long)len, 0, "a template starting with a reference has an empty prefix");
	tmpl_free(t);

	/* Bounded output. */
	t = tmpl_parse("0123456789{{vu}}", TMPL_RAW, &scope, &cause);
	is_int(tmpl_render(t, &ctx, buf, 12, &len), 0, "an exact fit (11 bytes + NUL) renders");
	is_str(buf, "01234567897", "completely");
	is_int(tmpl_render(t, &ctx, buf, 11, &len), TMPL_ETRUNC, "one byte less is reported as truncation");
	is_int((long long)len, 10, "with what was written");
	is_str(buf, "0123456789", "NUL-terminated");
	is_int(tmpl_render(t, &ctx, buf, 0, &len), TMPL_ETRUNC, "a zero-size buffer truncates");
	is_int((long long)len, 0, "and writes nothing");
	tmpl_free(t);
	t = tmpl_parse("abcdefgh", TMPL_RAW, &scope, &cause);
	is_int(tmpl_render(t, &ctx, buf, 4, &len), TMPL_ETRUNC, "a literal-only template truncates too");
	is_str(buf, "abc", "at size - 1");
	tmpl_free(t);
	{
		struct tmpl_var v[1] = { { "\"\"\"", 3, 0 } };
		struct tmpl_ctx jc = ctx;
		jc.vars = v;
		jc.nvars = 1;
		t = tmpl_parse("x{{token}}", TMPL_JSON, &scope, &cause);
		is_int(tmpl_render(t, &jc, buf, 5, &len), TMPL_ETRUNC, "an escaped value that does not fit");
		is_str(buf, "x\\\"", "never ends in half an escape sequence");
		tmpl_free(t);
	}
	tmpl_free(NULL);
	ok(1, "tmpl_free(NULL) is a no-op");
	return done_testing();
}
