/*
 * api: the REST API and the static dashboard, served by libmicrohttpd on its own internal epoll
 * thread. It has no listening socket: the front door hands it connections. That thread owns a
 * read-only SQLite connection.
 */
#ifndef RAMPAGE_API_H
#define RAMPAGE_API_H

#include <sys/socket.h>

struct config;
struct store;
struct api;

/* Starts MHD without a listen socket. NULL and *cause on failure. Main thread. */
struct api *api_start(const struct config *cfg, struct store *store, char **cause);
/* Hands an accepted connection to MHD; takes ownership of fd (closed on failure). Any thread. */
int api_add_connection(struct api *api, int fd, const struct sockaddr *sa, socklen_t salen);
/* Stops MHD, closes its connections, frees. NULL is a no-op. Main thread. */
void api_stop(struct api *api);

#endif
