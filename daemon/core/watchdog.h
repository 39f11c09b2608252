/*
 * watchdog: a bound on how long `rampage serve` may take to stop. Armed by main when SIGTERM/SIGINT
 * arrives; if the orderly shutdown has not ended the process when the time is up, it logs and
 * ends the process itself (_exit), so a library stuck inside its own lock cannot keep the daemon
 * alive for ever. Its own detached thread.
 */
#ifndef RAMPAGE_WATCHDOG_H
#define RAMPAGE_WATCHDOG_H

/* Exit code of a process the watchdog ended. */
#define WATCHDOG_EXIT 3

/*
 * Starts a thread that sleeps timeout_s seconds (CLOCK_MONOTONIC), then logs that the shutdown
 * took too long (naming the setting, key) and calls _exit(WATCHDOG_EXIT). Nothing disarms it: the
 * process is expected to exit first. 0, or -1 and *cause if the thread cannot start. Main thread.
 */
int watchdog_arm(int timeout_s, const char *key, char **cause);

#endif
