/*
 * demo: `rampage demo-target`, a small HTTP API to aim tests at (health, users, login -> token,
 * tasks) with latency, error and size knobs. Runs libmicrohttpd with a thread pool in its own process.
 */
#ifndef RAMPAGE_DEMO_H
#define RAMPAGE_DEMO_H

/* Entry point of the subcommand (argv[0] is "demo-target"); returns the exit code. */
int demo_main(int argc, char **argv);

#endif
