/*
 * api_run_monitors: GET /api/runs/{id}/monitors[?name=NAME] (JSON) and .../monitors.csv, a run's
 * monitored values second by second (docs/api.md, "Monitors"). Api thread; the read is runs/run_monitors.h's on the api
 * thread's read-only connection. While the run goes, the seconds stored so far.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#include "http/api_priv.h"
#include "runs/run_monitors.h"
#include "runs/run_query.h"

/* The run's monitors ({name}: one), as JSON; NULL when it answered already (a bad parameter, no
   such run, a database error). Both handlers read them so. */
static json_t *
read_monitors(struct api_request *req)
{
	static const char *const allowed[] = { "name", NULL };
	int64_t id = req->params[0];
	char *cause = NULL;
	bool exists;
	json_t *doc = NULL;

	if (!api_need_store(req) || !api_params_ok(req, allowed))
		return NULL;
	if (run_query_exists(req->db, id, &exists, &cause) != 0)
		api_reply_db_error(req, "reading the run", cause);
	else if (!exists)
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	else if (run_monitors_query(req->db, id, api_query(req, "name"), &doc, &cause) != 0)
		api_reply_db_error(req, "reading the monitors", cause);
	free(cause);
	return doc;
}

void
api_runs_monitors(struct api_request *req)
{
	json_t *doc = read_monitors(req);

	if (doc != NULL)
		api_reply_json_new(req, 200, doc);
}

/* Appends s as one CSV field (quoted when it needs to be). */
static void
csv_field(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_printf(b, "%s", s);
		return;
	}
	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++)
		buf_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	buf_add(b, "\"", 1);
}

void
api_runs_monitors_csv(struct api_request *req)
{
	json_t *doc = read_monitors(req), *m, *s;
	const char *name;
	size_t i;
	struct buf b;

	if (doc == NULL)
		return;
	buf_init(&b, 64u << 20);
	buf_printf(&b, "second,name,monitor,kind,value,scrapes,gaps\r\n");
	json_object_foreach(json_object_get(doc, "monitors"), name, m) {
		json_array_foreach(json_object_get(m, "samples"), i, s) {
			json_t *v = json_object_get(s, "value");
			buf_printf(&b, "%lld,%s,", (long long)json_integer_value(json_object_get(s, "second")), name);
			csv_field(&b, json_string_value(json_object_get(m, "monitor")));
			buf_printf(&b, ",%s,", json_string_value(json_object_get(m, "kind")));
			if (json_is_number(v))
				buf_printf(&b, "%.17g", json_number_value(v));
			buf_printf(&b, ",%lld,%lld\r\n",
			    (long long)json_integer_value(json_object_get(s, "scrapes")),
			    (long long)json_integer_value(json_object_get(s, "gaps")));
		}
	}
	json_decref(doc);
	if (b.full)
		api_reply_error(req, 413, "too_large", "the monitors of run %lld pass 64 MiB of CSV",
		    (long long)req->params[0]);
	else
		api_reply_buf(req, "text/csv; charset=utf-8", &b);
	buf_fini(&b);
}
