/*
 * notify: the systemd readiness protocol (sd_notify) without libsystemd: one datagram to the socket
 * named by $NOTIFY_SOCKET. Without that variable every call is a no-op. Main thread.
 */
#ifndef RAMPAGE_NOTIFY_H
#define RAMPAGE_NOTIFY_H

/* Sends a state string such as "READY=1\nSTATUS=listening on 127.0.0.1:8089". 0, or -1 on error. */
int notify_send(const char *state);

#endif
