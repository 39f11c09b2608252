/*
 * schedules: `rampage schedules` (the list) and `rampage schedule add|pause|resume|rm|run`, a thin
 * client of /api/schedules (docs/api.md) through cli/client_priv.h. Process main thread only; exit
 * codes as the other client verbs (0 done, 1 failure, 2 usage).
 */
#ifndef RAMPAGE_SCHEDULES_H
#define RAMPAGE_SCHEDULES_H

int client_schedules_main(int argc, char **argv);
int client_schedule_main(int argc, char **argv);

#endif
