/*
 * fdlimit: the process's open-file limit. Every VU holds a socket, and libwebsockets sizes its fd
 * table from the limit when its context is created, so `serve` and `run` raise the soft limit to the
 * hard one before starting threads. Main thread, at start-up.
 */
#ifndef RAMPAGE_FDLIMIT_H
#define RAMPAGE_FDLIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard limit. 0, or -1 and *cause (caller frees) when the
   limit could not be raised; the old limit then stays in force. */
int fdlimit_raise(char **cause);

#endif
