/*
 * setup: see setup.h. Runs on the run's own thread (the engine's setup thread, the controller for
 * teardown): a blocking curl_easy_perform per step is fine there, and keeps setup off the workers.
 * Allocation is fine too (once per run).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <assert.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/check.h"
#include "engine/extract.h"
#include "engine/setup.h"
#include "testdef/template.h"

#define RENDER_CAP (64 * 1024 * 1024)
#define HEADERS_CAP (256 * 1024)

struct setup_data {
	int nvars;
	size_t var_cap;
	struct tmpl_var *vars;     /* [nvars] */
	char **buf;                /* [nvars]: storage of the values setup extracted */
};

struct setup_data *
setup_data_new(const struct plan *plan)
{
	struct setup_data *d = xcalloc(1, sizeof *d);

	d->nvars = plan->nvars;
	d->var_cap = plan->var_cap > 0 ? plan->var_cap : 1;
	d->vars = xcalloc((size_t)plan->nvars + 1, sizeof *d->vars);
	d->buf = xcalloc((size_t)plan->nvars + 1, sizeof *d->buf);
	return d;
}

int
setup_data_set(struct setup_data *d, int slot, const char *s, size_t len, int json)
{
	assert(slot >= 0 && slot < d->nvars);
	if (len > d->var_cap)
		return -1;
	if (d->buf[slot] == NULL)
		d->buf[slot] = xmalloc(d->var_cap);
	memcpy(d->buf[slot], s, len);
	d->vars[slot] = (struct tmpl_var){ d->buf[slot], len, json };
	return 0;
}

void
setup_data_free(struct setup_data *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->nvars; i++)
		free(d->buf[i]);
	free(d->buf);
	free(d->vars);
	free(d);
}

const struct tmpl_var *
setup_data_vars(const struct setup_data *d)
{
	return d->vars;
}

/* One response as it arrives. */
struct resp {
	char *body;
	size_t len, cap;           /* cap: bytes kept */
	char *hdr;                 /* the final response's header lines, "Name: value\r\n" */
	size_t hlen;
	const struct setup_env *env;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n, keep = r->len < r->cap ? r->cap - r->len : 0;

	if (keep > len)
		keep = len;
	if (keep > 0) {
		r->body = xrealloc(r->body, r->len + keep + 1);
		memcpy(r->body + r->len, p, keep);
		r->len += keep;
		r->body[r->len] = '\0';
	}
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		r->hlen = 0;               /* a new response (a redirect's next hop): its headers only */
	if (r->hlen + len + 1 <= HEADERS_CAP) {
		r->hdr = xrealloc(r->hdr, r->hlen + len + 1);
		memcpy(r->hdr + r->hlen, p, len);
		r->hlen += len;
		r->hdr[r->hlen] = '\0';
	}
	return len;
}

/* extract_response's header hook: the first header called name, trimmed. */
static const char *
header_of(void *arg, const char *name, size_t *len)
{
	struct resp *r = arg;
	size_t nl = strlen(name);
	const char *line = r->hdr, *end = r->hdr != NULL ? r->hdr + r->hlen : NULL;

	while (line != NULL && line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *stop = eol != NULL ? eol : end;
		if ((size_t)(stop - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
			const char *v = line + nl + 1, *e = stop;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*len = (size_t)(e - v);
			return v;
		}
		line = eol != NULL ? eol + 1 : end;
	}
	return NULL;
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const struct setup_env *env = arg;

	(void)a, (void)b, (void)c, (void)d;
	return env->stop != NULL && atomic_load(env->stop) ? 1 : 0;
}

static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	const struct setup_env *env = arg;

	if (purpose == CURLSOCKTYPE_IPCXN && env->allow_addr(env->allow_arg, &a->addr) != 0)
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* Renders t into a new string. NULL when it passes RENDER_CAP. */
static char *
render(const struct tmpl *t, const struct tmpl_ctx *ctx, size_t *len)
{
	size_t size = tmpl_literal_len(t) + 256;

	for (;;) {
		char *buf = xmalloc(size);
		if (tmpl_render(t, ctx, buf, size, len) == 0)
			return buf;
		free(buf);
		if (size >= RENDER_CAP)
			return NULL;
		size *= 2;
	}
}

/* Sends step st on e and inspects the answer. 0, or -1 with *cause. */
static int
run_step(CURL *e, const struct plan *plan, const struct plan_step *st, const char *what,
    struct setup_data *d, const struct setup_env *env, uint64_t *rng, struct extract_match *m,
    char **cause)
{
	const struct plan_request *rq = &st->req;
	struct tmpl_ctx ctx = { .vu = 0, .iteration = 0, .rng = rng, .vars = d->vars, .nvars = d->nvars };
	struct resp r = { .cap = env->body_cap, .env = env };
	struct curl_slist *hl = NULL;
	char *url = NULL, *body = NULL, err[CURL_ERROR_SIZE] = "";
	size_t len, blen = 0;
	long status = 0;
	CURLcode rc;
	int ret = -1;

	url = render(rq->full_url != NULL ? rq->full_url : rq->url, &ctx, &len);
	if (url == NULL) {
		*cause = xasprintf("%s: step \"%s\": the URL passed its size cap", what, st->name);
		goto out;
	}
	for (int i = 0; i < rq->nheaders; i++) {
		char *line = render(rq->headers[i].line, &ctx, &len);
		if (line == NULL) {
			*cause = xasprintf("%s: step \"%s\": a header passed its size cap", what, st->name);
			goto out;
		}
		hl = curl_slist_append(hl, line);
		free(line);
	}
	hl = curl_slist_append(hl, "Expect:");
	if (rq->body_kind != PLAN_BODY_NONE && rq->body != NULL &&
	    (body = render(rq->body, &ctx, &blen)) == NULL) {
		*cause = xasprintf("%s: step \"%s\": the body passed its size cap", what, st->name);
		goto out;
	}

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(rq->timeout_ns / CLOCK_NS_PER_MS));
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, rq->max_redirects > 0 ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)rq->max_redirects);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	if (strcmp(rq->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(rq->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body != NULL ? body : "");
	}
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
	    strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0 ? NULL : rq->method);

	rc = curl_easy_perform(e);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		ret = 1;
		goto out;
	}
	if (rc != CURLE_OK) {
		*cause = xasprintf("%s: step \"%s\": %s", what, st->name, err[0] ? err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);

	curl_off_t total_us = 0;
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
	struct extract_response x = { .status = (int)status, .service_us = (int64_t)total_us,
	    .body = r.body, .body_len = r.len, .header = header_of, .header_arg = &r, .match = m, .rng = rng };
	for (int i = 0; i < st->nchecks && *cause == NULL; i++)
		if (!check_eval(&st->checks[i], &x))
			*cause = xasprintf("%s: step \"%s\": check \"%s\" failed (HTTP %ld)", what, st->name,
			    st->checks[i].index < plan->nchecks ? plan->check_names[st->checks[i].index] :
			    plan->setup_check_names[st->checks[i].index - plan->nchecks], status);
	if (*cause == NULL && (status < 200 || status > 399))
		*cause = xasprintf("%s: step \"%s\": HTTP %ld", what, st->name, status);
	for (int i = 0; i < st->nextracts && *cause == NULL; i++) {
		const struct plan_extract *pe = &st->extracts[i];
		int64_t n;
		if (d->buf[pe->slot] == NULL)
			d->buf[pe->slot] = xmalloc(d->var_cap);
		n = extract_run(pe, &x, d->buf[pe->slot], d->var_cap);
		if (n < 0)
			*cause = xasprintf("%s: step \"%s\": extract \"%s\" found nothing", what, st->name, pe->var);
		else
			d->vars[pe->slot] = (struct tmpl_var){ d->buf[pe->slot],
			    (size_t)n < d->var_cap ? (size_t)n : d->var_cap,
			    pe->from == PLAN_FROM_JSON && x.typed && (size_t)n <= d->var_cap };
	}
	extract_response_fini(&x);
	ret = *cause == NULL ? 0 : -1;
out:
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(hl);
	free(url);
	free(body);
	free(r.body);
	free(r.hdr);
	return ret;
}

int
setup_run(const struct plan *plan, const struct plan_step *steps, int n, const char *what,
    struct setup_data *d, const struct setup_env *env, char **cause)
{
	CURL *e;
	struct extract_match *m = NULL;
	uint64_t rng = (uint64_t)clock_now_ns() | 1;
	int rc = 0;

	*cause = NULL;
	if (n == 0)
		return 0;
	if ((e = curl_easy_init()) == NULL) {
		*cause = xasprintf("%s: curl_easy_init failed", what);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)env);
	if (env->allow_addr != NULL) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, (void *)env);
	}
	curl_easy_setopt(e, CURLOPT_USERAGENT, "rampage/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");       /* its own cookie jar */
	if (plan->insecure_tls) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (plan->max_regex_groups >= 0)
		m = extract_match_new(plan->max_regex_groups);
	for (int i = 0; i < n && rc == 0; i++) {
		if (env->stop != NULL && atomic_load(env->stop)) {
			rc = 1;
			break;
		}
		rc = run_step(e, plan, &steps[i], what, d, env, &rng, m, cause);
	}
	extract_match_free(m);
	curl_easy_cleanup(e);
	return rc;
}
