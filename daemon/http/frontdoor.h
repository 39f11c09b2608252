/*
 * frontdoor: owns the one listening socket. Accepts, peeks at the request line (recv MSG_PEEK on
 * edge-triggered epoll, bounded in count and time) and hands each connection to its library:
 * `GET /api/live` to libwebsockets (live.h), everything else to libmicrohttpd (api.h). Runs its own
 * thread.
 */
#ifndef RAMPAGE_FRONTDOOR_H
#define RAMPAGE_FRONTDOOR_H

struct api;
struct config;
struct live;
struct frontdoor;

/* Binds cfg's listen address and starts the accept thread. NULL and *cause (bind errors named). */
struct frontdoor *frontdoor_start(const struct config *cfg, struct api *api, struct live *live,
    char **cause);
/* The bound port (useful with port 0). */
int frontdoor_port(const struct frontdoor *fd);
/* Stops accepting, closes pending connections, joins the thread, frees. NULL is a no-op. */
void frontdoor_stop(struct frontdoor *fd);

#endif
