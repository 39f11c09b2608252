/*
 * live: the websocket endpoint /api/live, served by libwebsockets on its own service thread. Other
 * threads only queue work for it (lws_cancel_service is the one lws call made off that thread).
 *
 * What a client sees (text frames, one JSON object each):
 *   on connect   {"type":"hello","version":"0.1.0","server_time":<wall ms>,"heartbeat_ms":N}
 *   every N ms   {"type":"heartbeat","seq":<increasing>,"server_time":<wall ms>}
 *   published    whatever live_publish was given, if the client subscribed to its topic
 * What a client may send:
 *   {"type":"subscribe","topics":["runs","run:12"]}    ("*" means every topic)
 *   {"type":"unsubscribe","topics":["run:12"]}
 * each answered with {"type":"subscribed","topics":[<the client's topics now>]}, or
 * {"type":"error","message":"..."} for anything else. A client beyond live.max_clients is closed
 * with code 1013 ("too many clients"); at shutdown every client gets 1001 (going away).
 *
 * Each client has a bounded queue (LIVE_QUEUE_MAX messages; the oldest is dropped when full), so a
 * slow client never blocks the publisher or the other clients; a client whose queue has not moved
 * for LIVE_STUCK_MS is disconnected.
 */
#ifndef RAMPAGE_LIVE_H
#define RAMPAGE_LIVE_H

#include <stddef.h>

#define LIVE_TOPIC_MAX  64       /* bytes of a topic name, NUL included */
#define LIVE_TOPICS_MAX 16       /* subscriptions per client */
#define LIVE_QUEUE_MAX  256      /* messages waiting per client */
#define LIVE_STUCK_MS   10000    /* a client whose queue does not move for this long is dropped */
#define LIVE_INBOX_MAX  65536    /* published messages waiting for the service thread */

struct conf;
struct live;
struct security;
struct runq_publisher;

/*
 * Creates the lws context (no listen socket) and starts the service thread. max_head: the largest
 * request head (bytes) lws must accept, the most the front door passes on. Handshakes must pass
 * sec's same-origin rule (security_request_check: Host, Origin, Sec-Fetch-Site) and say
 * Sec-WebSocket-Version: 13; with sec NULL (unit tests) only handshakes without Origin are
 * accepted. sec must outlive lv. Main thread, after
 * RLIMIT_NOFILE is raised (lws sizes its fd table now). NULL and *cause.
 */
struct live *live_start(const struct conf *cfg, const struct security *sec, size_t max_head,
    char **cause);
/* Queues an accepted connection for adoption by lws; takes ownership of fd. Any thread. */
void live_adopt(struct live *lv, int fd);
/*
 * Sends a copy of json (len bytes, one JSON object) to every client subscribed to topic, or to
 * every client if topic is NULL. Never blocks: the message is queued for the service thread,
 * which copies a reference into each client's bounded queue. Any thread, until live_stop begins
 * (stop publishers first). 0, or -1 if the message was dropped (stopping, or LIVE_INBOX_MAX
 * messages already waiting).
 */
int live_publish(struct live *lv, const char *topic, const char *json, size_t len);
/* Number of connected websocket clients (approximate; any thread). */
int live_clients(const struct live *lv);
/*
 * Fills pub (runs/runq.h) so that the run manager publishes to lv with live_publish and counts its
 * clients with live_clients: how main wires the run queue to the stream. Main thread.
 */
void live_runq_publisher(struct live *lv, struct runq_publisher *pub);
/*
 * Says goodbye to clients (close 1001, at most about a second for them to answer), stops the
 * service thread, destroys the context, frees. NULL is a no-op. Main thread.
 */
void live_stop(struct live *lv);

#endif
