/*
 * Unit tests for the scenario features of a definition: variables (extract, vars, feed columns)
 * resolved to slots and refused when nothing defines them or they clash with built-ins; feeds from
 * inline rows and CSV files next to the definition (refused without a base folder); checks with
 * their k6-style default names; groupBy; think time and its rules per executor; onStart/onStop;
 * the per-second groupBy tables (bounded, merged); and the summary's k6 shapes for checks.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/summary.h"
#include "metrics/tick.h"
#include "testdef/template.h"
#include "testdef/testdef.h"
#include "tap.h"

#define MS 1000000LL

static struct testdef_errors errs;
static char all[16384];

static struct plan *
parse_opt(const char *text, const struct testdef_options *opt)
{
	json_t *def;
	struct plan *p = NULL;
	FILE *f;

	testdef_errors_fini(&errs);
	def = testdef_load_string(text, strlen(text), 0, &errs);
	if (def != NULL)
		p = testdef_parse(def, opt, &errs);
	json_decref(def);
	f = fmemopen(all, sizeof all, "w");
	testdef_errors_print(&errs, f, NULL);
	fclose(f);
	return p;
}

static struct plan *
valid(const char *text, const char *what)
{
	struct plan *p = parse_opt(text, NULL);

	ok(p != NULL, "%s", what);
	if (p == NULL)
		printf("# %s", all);
	return p;
}

/* The definition is rejected with exactly this error text. */
static void
invalid(const char *text, const char *want, const char *what)
{
	struct plan *p = parse_opt(text, NULL);

	ok(p == NULL, "%s: rejected", what);
	is_str(all, want, "%s: message", what);
	plan_free(p);
}

/* Renders t with variable table vars. */
static const char *
render(const struct tmpl *t, const struct tmpl_var *vars, int nvars)
{
	static char buf[512];
	struct tmpl_ctx ctx = { .vu = 3, .vars = vars, .nvars = nvars };
	size_t len;

	tmpl_render(t, &ctx, buf, sizeof buf, &len);
	return buf;
}

#define BASE "\"baseUrl\": \"http://127.0.0.1:1\""

static void
test_variables(void)
{
	struct plan *p = valid("{" BASE ", \"vus\": 2, \"iterations\": 4, \"vars\": {\"page\": 3},"
	    "\"onStart\": [{\"method\": \"POST\", \"path\": \"/login\", \"extract\": {\"token\": {\"json\": \"/token\"}}}],"
	    "\"tasks\": [{\"path\": \"/users?page={{page}}\", \"headers\": {\"Authorization\": \"Bearer {{token}}\"},"
	    "  \"extract\": {\"loc\": {\"header\": \"Location\"}, \"id\": {\"regex\": \"id=(\\\\d+)\"}}},"
	    " {\"path\": \"/{{loc}}/{{ id }}\"}]}", "variables from vars, onStart, later steps and other tasks");
	if (p != NULL) {
		const struct plan_scenario *s = &p->scenarios[0];
		struct tmpl_var vars[8] = { { 0 } };
		int page = -1, token = -1, loc = -1, id = -1;

		for (int i = 0; i < p->nvars; i++) {
			if (strcmp(p->var_names[i], "page") == 0) page = i;
			if (strcmp(p->var_names[i], "token") == 0) token = i;
			if (strcmp(p->var_names[i], "loc") == 0) loc = i;
			if (strcmp(p->var_names[i], "id") == 0) id = i;
		}
		is_int(p->nvars, 4, "four variables");
		ok(page >= 0 && token >= 0 && loc >= 0 && id >= 0, "each has a slot");
		is_int(s->ninits, 1, "one initial value");
		is_str(s->inits[0].value, "3", "vars values are literal text (numbers as written)");
		is_int(s->non_start, 1, "one onStart step");
		is_int(s->on_start[0].nextracts, 1, "which extracts");
		is_int(s->on_start[0].extracts[0].slot, token, "into token's slot");
		ok(s->on_start[0].needs_json, "and so parses JSON");
		is_int(s->tasks[0].steps[0].extracts[1].group, 1, "a regex with a group takes group 1 by default");
		ok(s->tasks[0].steps[0].needs_regex && !s->tasks[0].steps[0].needs_json, "regex, no JSON");
		is_int(p->max_regex_groups, 1, "the VUs' match data holds one group");
		is_int(s->cookies, 1, "cookies are on by default");
		is_int((int)p->var_cap, 4096, "values are kept up to 4 KiB");
		vars[loc] = (struct tmpl_var){ "api/users", 9, 0 };
		vars[id] = (struct tmpl_var){ "42", 2, 0 };
		is_str(render(s->tasks[1].steps[0].req.full_url, vars, p->nvars), "http://127.0.0.1:1/api/users/42",
		    "a path built from two variables");
		vars[token] = (struct tmpl_var){ "t\r\nX", 4, 0 };
		vars[page] = (struct tmpl_var){ "3", 1, 0 };
		is_str(render(s->tasks[0].steps[0].req.headers[0].line, vars, p->nvars), "Authorization: Bearer t  X",
		    "a header value (line breaks become spaces)");
		is_str(render(s->tasks[0].steps[0].req.full_url, vars, p->nvars), "http://127.0.0.1:1/users?page=3",
		    "a query written in the path");
	}
	plan_free(p);

	invalid("{" BASE ", \"tasks\": [{\"path\": \"/{{token}}\"}]}",
	    "tasks[0].path: unknown variable \"token\" in \"{{token}}\"\n", "a variable nothing defines");
	invalid("{" BASE ", \"tasks\": [{\"path\": \"/\", \"extract\": {\"vu\": {\"json\": \"/a\"}}}]}",
	    "tasks[0].extract.vu: the variable name \"vu\" clashes with the built-in {{vu}}\n",
	    "an extract named like a built-in");
	invalid("{" BASE ", \"vars\": {\"env\": \"x\"}, \"tasks\": [{\"path\": \"/\"}]}",
	    "vars.env: the variable name \"env\" clashes with the built-in {{env.NAME}}\n", "a var named env");
	invalid("{" BASE ", \"vars\": {\"a.b\": \"x\", \"ok\": {}}, \"tasks\": [{\"path\": \"/\"}]}",
	    "vars[\"a.b\"]: expected a variable name of letters, digits, '_' and '-' (at most 64 bytes, "
	    "starting with a letter or '_')\nvars.ok: expected a string, number or boolean (used as it is), "
	    "got {}\n", "bad var names and values");
	invalid("{" BASE ", \"tasks\": [{\"path\": \"/\", \"extract\": {\"a\": {\"json\": \"x\"}, "
	    "\"b\": {\"regex\": \"(\"}, \"c\": {\"header\": \"X\", \"group\": 1}, \"d\": {\"regex\": \"(x)\", "
	    "\"group\": 2}, \"e\": {}}}]}",
	    "tasks[0].extract.a.json: expected a JSON Pointer like \"/items/0/id\" (starting with \"/\"), got \"x\"\n"
	    "tasks[0].extract.b.regex: invalid regex at offset 1: missing closing parenthesis\n"
	    "tasks[0].extract.c.group: only goes with \"regex\"\n"
	    "tasks[0].extract.d.group: expected a group from 0 to 1 (the pattern has 1), got 2\n"
	    "tasks[0].extract.e: expected one of json, header, regex, cookie, got none\n", "bad extract entries");
	invalid("{" BASE ", \"scenarios\": {\"s\": {\"executor\": \"per-vu-iterations\", \"tasks\": "
	    "[{\"steps\": [{\"path\": \"/\"}], \"extract\": {\"a\": {\"json\": \"/a\"}}}]}}, \"vars\": {}}",
	    "vars: conflicts with \"scenarios\" (set it inside a scenario)\n"
	    "scenarios.s.tasks[0].extract: conflicts with \"steps\" (put request fields inside each step)\n",
	    "session keys belong in the scenario; extract belongs in a step");
}

static void
test_feeds(void)
{
	char dir[] = "/tmp/rampage-feeds.XXXXXX", path[512];
	struct testdef_options opt = { 0 };
	struct plan *p;
	FILE *f;

	p = valid("{" BASE ", \"vus\": 2, \"iterations\": 2, \"feeds\": {\"users\": {\"mode\": \"unique\", "
	    "\"rows\": [{\"username\": \"a\", \"pin\": 1}, {\"username\": \"b\", \"pin\": 2}]}, "
	    "\"unused\": {\"rows\": [{\"x\": true}]}}, "
	    "\"tasks\": [{\"path\": \"/login?u={{users.username}}&p={{users.pin}}\"}]}", "inline rows");
	if (p != NULL) {
		const struct plan_feed *fd = &p->feeds[0];
		is_int(p->nfeeds, 2, "two feeds");
		is_int(fd->mode, PLAN_FEED_UNIQUE, "unique");
		is_int(fd->nrows, 2, "two rows");
		is_int(fd->ncolumns, 2, "two columns");
		is_str(fd->cells[3].s, "2", "numbers become text");
		is_str(p->var_names[fd->slots[1]], "users.pin", "a column is the variable feed.column");
		is_int(p->scenarios[0].nfeeds, 1, "the scenario reads one feed (not the unused one)");
		is_int(p->scenarios[0].feeds[0], 0, "users");
		is_int(p->feeds[1].mode, PLAN_FEED_SEQUENTIAL, "sequential is the default mode");
	}
	plan_free(p);

	invalid("{" BASE ", \"vus\": 3, \"feeds\": {\"users\": {\"mode\": \"unique\", \"rows\": [{\"u\": \"a\"}, "
	    "{\"u\": \"b\"}]}}, \"tasks\": [{\"path\": \"/{{users.u}}\"}]}",
	    "feeds.users: expected at least as many rows as VUs in the run (3) for mode \"unique\" (each VU "
	    "keeps its own row), got 2\n", "unique needs a row per VU");
	invalid("{" BASE ", \"feeds\": {\"users\": {\"mode\": \"shuffled\", \"rows\": [{\"u\": \"a\"}, {\"v\": 1}, "
	    "{\"u\": {}}]}, \"vu\": {\"rows\": []}, \"x\": {\"csv\": \"a.csv\", \"rows\": []}, "
	    "\"ok\": {\"rows\": [{\"a\": 1}]}}, \"tasks\": [{\"path\": \"/{{users.nope}}/{{ok.nope}}\"}]}",
	    "feeds.users.mode: expected one of sequential, random, unique, got \"shuffled\"\n"
	    "feeds.users.rows[1]: expected a value for \"u\" (as in rows[0]), got nothing\n"
	    "feeds.users.rows[2].u: expected a string, number or boolean, got {}\n"
	    "feeds.vu: expected a feed name that is not a built-in, got \"vu\"\n"
	    "feeds.vu.rows: expected a non-empty array of objects like {\"username\": \"a\"}, got []\n"
	    "feeds.x: expected one of \"csv\" (a CSV file), \"json\" (a JSON file) and \"rows\" (inline), "
	    "got several\n"
	    "tasks[0].path: unknown variable \"ok.nope\" in \"{{ok.nope}}\"\n",
	    "bad feeds (no cascade from a broken feed's columns; a good feed's unknown column is named)");
	invalid("{" BASE ", \"feeds\": {\"users\": {\"csv\": \"users.csv\"}}, \"tasks\": [{\"path\": \"/\"}]}",
	    "feeds.users.csv: CSV and JSON files are read only from definitions given as files "
	    "(rampage run, rampage validate); use \"rows\"\n", "no base folder: no CSV files (definitions from the network)");

	ok(mkdtemp(dir) != NULL, "a folder for CSV files");
	snprintf(path, sizeof path, "%s/users.csv", dir);
	f = fopen(path, "w");
	fputs("username,password\r\n\"a,1\",x\r\nb,\"y\"\"z\"\r\n", f);
	fclose(f);
	opt.base_dir = dir;
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"csv\": \"users.csv\", \"mode\": \"random\"}}, "
	    "\"tasks\": [{\"path\": \"/\", \"headers\": {\"X-U\": \"{{users.username}}:{{users.password}}\"}}]}", &opt);
	ok(p != NULL, "a CSV file next to the definition");
	if (p != NULL) {
		is_int(p->feeds[0].nrows, 2, "two rows");
		is_str(p->feeds[0].cells[0].s, "a,1", "a quoted comma");
		is_str(p->feeds[0].cells[3].s, "y\"z", "a doubled quote");
		is_int(p->feeds[0].mode, PLAN_FEED_RANDOM, "random");
	} else {
		printf("# %s", all);
	}
	plan_free(p);
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"csv\": \"nope.csv\"}}, \"tasks\": [{\"path\": \"/\"}]}", &opt);
	ok(p == NULL && strstr(all, "feeds.users.csv: cannot open ") != NULL && strstr(all, "nope.csv: No such file") != NULL,
	    "a missing file is named");
	snprintf(path, sizeof path, "%s/bad.csv", dir);
	f = fopen(path, "w");
	fputs("a,b\n1,2\n3\n", f);
	fclose(f);
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"csv\": \"bad.csv\"}}, \"tasks\": [{\"path\": \"/\"}]}", &opt);
	is_str(all, "feeds.users.csv: bad.csv: line 3: expected 2 fields (as the header), got 1\n",
	    "a CSV error names the file and the line");
	plan_free(p);
	unlink(path);
	/* a JSON file: an array of row objects, typed as inline rows */
	snprintf(path, sizeof path, "%s/users.json", dir);
	f = fopen(path, "w");
	fputs("[{\"name\": \"a\", \"id\": 7, \"vip\": true}, {\"name\": \"b\", \"id\": 8, \"vip\": false}]", f);
	fclose(f);
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"json\": \"users.json\", \"mode\": \"unique\"}}, "
	    "\"tasks\": [{\"path\": \"/\", \"json\": {\"id\": \"{{users.id}}\", \"n\": \"{{users.name}}\"}}]}", &opt);
	ok(p != NULL, "a JSON file next to the definition");
	if (p != NULL) {
		is_int(p->feeds[0].nrows, 2, "two rows");
		is_str(p->feeds[0].cells[0].s, "a", "a string cell");
		is_str(p->feeds[0].cells[1].s, "7", "a number cell, as JSON writes it");
		ok(!p->feeds[0].cells[0].json && p->feeds[0].cells[1].json && p->feeds[0].cells[2].json,
		    "numbers and booleans are typed, strings are not");
		is_int(p->feeds[0].mode, PLAN_FEED_UNIQUE, "unique");
	} else {
		printf("# %s", all);
	}
	plan_free(p);
	f = fopen(path, "w");
	fputs("[{\"name\": \"a\"}, {\"name\": [1]}]", f);
	fclose(f);
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"json\": \"users.json\"}}, \"tasks\": [{\"path\": \"/\"}]}", &opt);
	is_str(all, "feeds.users.json[1].name: expected a string, number or boolean, got an array\n",
	    "a bad row of a JSON file, by its index");
	plan_free(p);
	f = fopen(path, "w");
	fputs("[{\"name\": \"a\"},", f);
	fclose(f);
	p = parse_opt("{" BASE ", \"feeds\": {\"users\": {\"json\": \"users.json\"}}, \"tasks\": [{\"path\": \"/\"}]}", &opt);
	ok(p == NULL && strstr(all, "feeds.users.json: users.json: not JSON: line 1: ") != NULL,
	    "a file that is not JSON is named (%s)", all);
	plan_free(p);
	unlink(path);
	snprintf(path, sizeof path, "%s/users.csv", dir);
	unlink(path);
	rmdir(dir);
	{
		char *d = testdef_base_dir("a/b/c.json");
		is_str(d, "a/b", "the folder of a definition");
		free(d);
		d = testdef_base_dir("c.json");
		is_str(d, ".", "a bare file name is in the working folder");
		free(d);
		d = testdef_base_dir("-");
		is_str(d, ".", "so is standard input");
		free(d);
	}
}

static void
test_checks(void)
{
	struct plan *p = valid("{" BASE ", \"tasks\": [{\"name\": \"a\", \"path\": \"/\", \"checks\": ["
	    "{\"status\": 200}, {\"status\": [200, 201, 204]}, {\"bodyContains\": \"ok\"},"
	    "{\"json\": \"/items/0/id\", \"exists\": true}, {\"json\": \"/x\", \"exists\": false},"
	    "{\"json\": \"/status\", \"equals\": \"ok\"}, {\"header\": \"Content-Type\", \"matches\": \"json\"},"
	    "{\"header\": \"X-A\"}, {\"header\": \"X-B\", \"equals\": \"b\"}, {\"maxDuration\": \"500ms\"},"
	    "{\"status\": 200, \"name\": \"my check\", \"failRequest\": true}]},"
	    "{\"name\": \"b\", \"path\": \"/b\", \"checks\": [{\"status\": 200}]}]}", "every kind of check");
	static const char *const names[] = {
		"status is 200", "status is 200, 201 or 204", "body contains \"ok\"", "json /items/0/id exists",
		"json /x does not exist", "json /status is \"ok\"", "header Content-Type matches /json/",
		"header X-A exists", "header X-B is \"b\"", "response time < 500ms", "my check",
	};
	if (p != NULL) {
		const struct plan_step *st = &p->scenarios[0].tasks[0].steps[0];
		is_int(p->nchecks, 11, "eleven distinct names");
		for (int i = 0; i < 11 && i < p->nchecks; i++)
			is_str(p->check_names[i], names[i], "default name %d", i);
		is_int(st->checks[9].max_ns, 500 * MS, "maxDuration");
		is_int(st->checks[10].fail_request, 1, "failRequest");
		is_int(st->checks[0].fail_request, 0, "checks do not fail requests by default");
		is_int(p->scenarios[0].tasks[1].steps[0].checks[0].index, 0,
		    "a check of the same name in another step shares the counter");
		ok(st->needs_json && st->needs_regex, "the step parses JSON and matches a regex");
	}
	plan_free(p);
	invalid("{" BASE ", \"tasks\": [{\"path\": \"/\", \"checks\": [{\"status\": 99}, {\"status\": 200, "
	    "\"json\": \"/a\"}, {\"json\": \"/a\", \"matches\": \"x\"}, {\"status\": 200, \"equals\": 1}, "
	    "{\"maxDuration\": \"fast\"}, {\"status\": 200, \"name\": \"a::b\"}, {}, 5, {\"header\": \"X\", "
	    "\"exists\": true, \"equals\": \"y\"}, {\"bodyContains\": \"x\", \"failRequest\": 1}]}]}",
	    "tasks[0].checks[0].status: expected an HTTP status like 200, or a list like [200, 201], got 99\n"
	    "tasks[0].checks[1].json: conflicts with \"status\" (one of status, bodyContains, json, header, "
	    "maxDuration, url, protocol)\n"
	    "tasks[0].checks[2].matches: only goes with \"header\" (use \"equals\" for a JSON value)\n"
	    "tasks[0].checks[3].equals: only goes with \"json\" or \"header\"\n"
	    "tasks[0].checks[4].maxDuration: expected a duration like \"30s\", got \"fast\"\n"
	    "tasks[0].checks[5].name: expected a check name without \"::\" (k6 separates groups with it), "
	    "got \"a::b\"\n"
	    "tasks[0].checks[6]: expected one of status, bodyContains, json, header, maxDuration, url, "
	    "protocol, got none\n"
	    "tasks[0].checks[7]: expected a check like {\"status\": 200}, got 5\n"
	    "tasks[0].checks[8]: expected at most one of exists, equals, matches (a check tests one thing)\n"
	    "tasks[0].checks[9].failRequest: expected true or false, got 1\n", "bad checks");
}

static void
test_group_think_session(void)
{
	struct plan *p = valid("{\"scenarios\": {\"s\": {\"executor\": \"constant-vus\", \"duration\": \"1s\", "
	    "\"thinkTime\": {\"between\": [\"1s\", \"3s\"]}, \"cookies\": false,"
	    "\"onStop\": [{\"method\": \"POST\", \"url\": \"http://127.0.0.1:1/logout\"}],"
	    "\"tasks\": [{\"name\": \"node\", \"url\": \"http://127.0.0.1:1/a\", \"groupBy\": {\"header\": \"X-Served-By\"}, "
	    "\"thinkTime\": {\"exponential\": \"2s\"}},"
	    "{\"name\": \"node\", \"url\": \"http://127.0.0.1:2/a\", \"groupBy\": {\"header\": \"X-Served-By\"}, "
	    "\"thinkTime\": {\"pacing\": \"5s\"}},"
	    "{\"name\": \"w\", \"url\": \"http://127.0.0.1:1/w\", \"groupBy\": {\"json\": \"/node_id\"}, \"thinkTime\": \"250ms\"}]}}}",
	    "groupBy, think time, onStop, cookies off");
	if (p != NULL) {
		const struct plan_scenario *s = &p->scenarios[0];
		is_int(p->ngroups, 2, "two groups: steps of the same name and source share one");
		is_int(s->tasks[0].steps[0].group, 1, "node -> group 1 (groups[0])");
		is_int(s->tasks[1].steps[0].group, 1, "the other node task too");
		is_int(s->tasks[0].steps[0].checks == NULL && s->tasks[2].steps[0].group == 2, 1, "w -> group 2");
		is_str(p->groups[0].source, "header X-Served-By", "its source");
		is_str(p->groups[1].source, "json /node_id", "a JSON source");
		is_int(s->think.kind, PLAN_THINK_BETWEEN, "scenario think: between");
		ok(s->think.a_ns == 1000 * MS && s->think.b_ns == 3000 * MS, "1 s to 3 s");
		ok(s->tasks[0].steps[0].think.kind == PLAN_THINK_EXPONENTIAL && s->tasks[0].steps[0].think.a_ns == 2000 * MS,
		    "step think: exponential, mean 2 s");
		ok(s->tasks[1].steps[0].think.kind == PLAN_THINK_PACING, "pacing");
		ok(s->tasks[2].steps[0].think.kind == PLAN_THINK_CONSTANT && s->tasks[2].steps[0].think.a_ns == 250 * MS,
		    "constant 250 ms");
		is_int(s->non_stop, 1, "one onStop step");
		is_int(s->cookies, 0, "cookies off");
	}
	plan_free(p);
	invalid("{\"scenarios\": {\"s\": {\"executor\": \"constant-arrival-rate\", \"rate\": 1, \"duration\": \"1s\", "
	    "\"preAllocatedVUs\": 1, \"thinkTime\": \"1s\", \"onStop\": [{\"url\": \"http://127.0.0.1:1/\"}], "
	    "\"tasks\": [{\"url\": \"http://127.0.0.1:1/\", \"thinkTime\": \"1s\"}]}}}",
	    "scenarios.s.onStop: not supported by constant-arrival-rate: its VUs serve iterations as they come "
	    "and have no session to end (use onStart, which runs before a VU's first iteration)\n"
	    "scenarios.s.thinkTime: does not apply to constant-arrival-rate: iterations start on a clock, so a "
	    "pause between them changes nothing (put thinkTime on a step to pause inside an iteration)\n",
	    "arrival-rate: no scenario thinkTime, no onStop; step thinkTime is fine");
	invalid("{" BASE ", \"thinkTime\": {\"between\": [\"3s\", \"1s\"]}, \"tasks\": [{\"path\": \"/\", "
	    "\"thinkTime\": {\"poisson\": \"1s\"}}, {\"path\": \"/a\", \"thinkTime\": {\"between\": [\"1s\"]}}, "
	    "{\"path\": \"/b\", \"thinkTime\": 5}, {\"path\": \"/c\", \"groupBy\": {\"json\": \"/a\", \"header\": \"X\"}},"
	    "{\"path\": \"/d\", \"thinkTime\": {\"between\": [\"1s\", \"x\"]}}]}",
	    "tasks[0].thinkTime.poisson: unknown key\n"
	    "tasks[1].thinkTime.between: expected two durations like [\"1s\", \"3s\"], got an array\n"
	    "tasks[2].thinkTime: expected a duration like \"1s\" or one of {\"between\": [\"1s\", \"3s\"]}, "
	    "{\"exponential\": \"2s\"}, {\"pacing\": \"5s\"}, got 5\n"
	    "tasks[3].groupBy.header: conflicts with \"json\" (one of json, header)\n"
	    "tasks[4].thinkTime.between[1]: expected a duration like \"1s\", got \"x\"\n"
	    "thinkTime.between: expected the shorter duration first, got [\"3s\", \"1s\"]\n", "bad think times");
	invalid("{\"scenarios\": {\"s\": {\"executor\": \"constant-vus\", \"duration\": \"1s\", \"tasks\": ["
	    "{\"name\": \"n\", \"url\": \"http://127.0.0.1:1/\", \"groupBy\": {\"header\": \"A\"}},"
	    "{\"name\": \"n\", \"url\": \"http://127.0.0.1:1/\", \"groupBy\": {\"header\": \"B\"}}]}}}",
	    "scenarios.s.tasks[1].groupBy: conflicts with the groupBy (header A) of another step named \"n\"\n",
	    "two groupBys under one name must agree");
}

static void
test_tick_groups(void)
{
	struct tick_group g, h;
	char v[16];

	memset(&g, 0, sizeof g);
	memset(&h, 0, sizeof h);
	for (int i = 0; i < 150; i++) {
		snprintf(v, sizeof v, "v%d", i);
		tick_group_add(&g, v, strlen(v), 1);
		tick_group_add(&g, v, strlen(v), 1);
	}
	is_int(g.n, TICK_GROUP_MAX, "at most 100 distinct values are kept");
	is_int((int)g.other, 100, "the other 50 values' 100 responses count as other");
	is_int((int)g.v[99].count, 2, "each kept value counted twice");
	{
		char long_value[200];
		memset(long_value, 'x', sizeof long_value);
		tick_group_add(&h, long_value, sizeof long_value, 3);
		tick_group_add(&h, long_value, TICK_GROUP_VALUE_MAX, 1);
		is_int(h.n, 1, "a value longer than 64 bytes is cut, and counts with its prefix");
		is_int((int)h.v[0].count, 4, "4 responses");
	}
}

/* A summary of a plan with checks and a groupBy, from hand-filled counters. */
static void
test_summary(void)
{
	struct plan *p = valid("{\"vus\": 1, \"duration\": \"1s\", \"tasks\": [{\"name\": \"n\", \"url\": "
	    "\"http://127.0.0.1:1/\", \"groupBy\": {\"header\": \"X-Served-By\"}, \"checks\": [{\"status\": 200}, "
	    "{\"maxDuration\": \"200ms\"}]}]}", "a plan with checks and groupBy");
	struct summary_series series;
	struct tick *whole;
	json_t *j, *c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (p == NULL)
		return;
	whole = tick_new(p, 1);
	whole->checks[0].passes = 970;
	whole->checks[0].fails = 30;
	whole->checks[1].passes = 1000;
	whole->endpoints[0].extract_failures = 7;
	tick_group_add(&whole->groups[0], "b", 1, 300);
	tick_group_add(&whole->groups[0], "a", 1, 700);
	whole->groups[0].missing = 2;
	summary_series_init(&series, 1);
	struct summary_run run = { .plan = p, .whole = whole, .series = &series, .duration_ns = 1000 * MS };
	j = summary_json(&run);
	c = json_object_get(json_object_get(j, "root_group"), "checks");
	is_int(json_array_size(c), 2, "root_group.checks has both checks");
	is_str(json_string_value(json_object_get(json_array_get(c, 0), "name")), "status is 200", "name");
	is_str(json_string_value(json_object_get(json_array_get(c, 0), "path")), "::status is 200", "path");
	is_str(json_string_value(json_object_get(json_array_get(c, 0), "id")), "6210a8cd14cd70477eba5c5e4cb3fb5f",
	    "id: md5 of the path, as k6");
	is_int(json_integer_value(json_object_get(json_array_get(c, 0), "passes")), 970, "passes");
	is_int(json_integer_value(json_object_get(json_array_get(c, 0), "fails")), 30, "fails");
	c = json_object_get(json_object_get(json_object_get(j, "metrics"), "checks"), "values");
	ok(c != NULL && json_integer_value(json_object_get(c, "passes")) == 1970 &&
	    json_integer_value(json_object_get(c, "fails")) == 30 &&
	    json_real_value(json_object_get(c, "rate")) == 1970.0 / 2000.0, "metrics.checks: a k6 rate over all checks");
	c = json_object_get(json_object_get(json_object_get(j, "rampage"), "groupBy"), "n");
	ok(c != NULL, "rampage.groupBy.<step name>");
	is_int(json_integer_value(json_object_get(c, "total")), 1002, "total");
	is_int(json_integer_value(json_object_get(json_object_get(c, "values"), "a")), 700, "a: 700");
	is_str(json_object_iter_key(json_object_iter(json_object_get(c, "values"))), "a", "largest first");
	is_int(json_integer_value(json_object_get(c, "missing")), 2, "missing");
	is_int(json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(j, "rampage"),
	    "endpoints"), 0), "extract_failures")), 7, "extract_failures per endpoint");
	json_decref(j);

	f = open_memstream(&text, &len);
	summary_print(f, &run);
	fclose(f);
	ok(strstr(text, "\n  CHECKS\n    ✗ status is 200\n     ↳  97% — ✓ 970 / ✗ 30\n    ✓ response time < 200ms\n") != NULL,
	    "text: failing checks with their rate and counts, passing ones with ✓");
	ok(strstr(text, "  checks.........................: 98.50% ✓ 1970") != NULL, "text: the checks line");
	ok(strstr(text, "  n (header X-Served-By): 1002 responses\n    a ") != NULL, "text: the groupBy table");
	if (strstr(text, "CHECKS") == NULL)
		printf("%s", text);
	free(text);
	tick_free(whole);
	plan_free(p);
}

int
main(void)
{
	testdef_errors_init(&errs);
	test_variables();
	test_feeds();
	test_checks();
	test_group_think_session();
	test_tick_groups();
	test_summary();
	testdef_errors_fini(&errs);
	return done_testing();
}
