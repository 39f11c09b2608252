/*
 * mark: `rampage mark RUN NAME`, marks the moment now of a running run (POST /api/runs/{id}/events),
 * for deploy scripts: "rampage mark 12 reload" before the reload. A thin client through
 * cli/client_priv.h; process main thread only; exit codes as the other client verbs (0 done,
 * 1 failure, 2 usage).
 */
#ifndef RAMPAGE_MARK_H
#define RAMPAGE_MARK_H

int client_mark_main(int argc, char **argv);

#endif
