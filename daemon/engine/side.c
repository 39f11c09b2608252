/*
 * side: see side.h.
 */
#include <config.h>

#include <stdio.h>
#include <curl/curl.h>

#include "core/clock.h"
#include "engine/side.h"

void
side_guard_init(struct side_guard *g, const struct side_sink *sink,
    int (*allow)(void *arg, const struct sockaddr *sa), void *allow_arg)
{
	g->sink = *sink;
	g->allow = allow;
	g->allow_arg = allow_arg;
	atomic_init(&g->stop, 0);
}

/* Refuses a connection the run's guard refuses. */
static curl_socket_t
open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct side_guard *g = arg;

	if (purpose == CURLSOCKTYPE_IPCXN && g->allow != NULL && g->allow(g->allow_arg, &a->addr) != 0)
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* Abandons the request when its thread is stopped or the run is done. */
static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct side_guard *g = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&g->stop) || g->sink.state(g->sink.arg) == ENGINE_DONE;
}

void
side_easy(CURL *h, struct side_guard *g, const char *url, int64_t timeout_ns, const char *what)
{
	char agent[64];

	snprintf(agent, sizeof agent, "rampage (%s)", what);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_ns / CLOCK_NS_PER_MS));
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, g);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
	curl_easy_setopt(h, CURLOPT_USERAGENT, agent);
}
