/*
 * live: the websocket endpoint /api/live, served by libwebsockets on its own service thread. Other
 * threads only queue work for it (lws_cancel_service is the one lws call made off that thread).
 */
#ifndef RAMPAGE_LIVE_H
#define RAMPAGE_LIVE_H

struct config;
struct live;

/* Creates the lws context (no listen socket) and starts the service thread. NULL and *cause. */
struct live *live_start(const struct config *cfg, char **cause);
/* Queues an accepted connection for adoption by lws; takes ownership of fd. Any thread. */
void live_adopt(struct live *lv, int fd);
/* Number of connected websocket clients (approximate; any thread). */
int live_clients(const struct live *lv);
/* Says goodbye to clients, stops the service thread, frees. NULL is a no-op. Main thread. */
void live_stop(struct live *lv);

#endif
