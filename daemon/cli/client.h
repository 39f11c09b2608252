/*
 * client: the command-line client of `rampage serve` (`rampage tests`, `runs`, `start`, `stop`,
 * `show`, `test push`, `vus`). Each verb makes one or a few blocking REST calls (libcurl easy interface) to --server
 * (default http://127.0.0.1:8089), sending $RAMPAGE_TOKEN as `Authorization: Bearer`, and prints an
 * aligned table, or the API's JSON as received with --json. Runs on the process's main thread.
 *
 * Exit codes follow `rampage run` (cli/run.h): 0 done, 1 failure (HTTP error, daemon unreachable, a
 * followed run that ended stopped/aborted/error), 2 usage, 99 a followed run failed its thresholds.
 */
#ifndef RAMPAGE_CLIENT_H
#define RAMPAGE_CLIENT_H

#include <jansson.h>

/* Entry points of the subcommands (argv[0] is the verb); each returns the exit code. */
int client_tests_main(int argc, char **argv);
int client_runs_main(int argc, char **argv);
int client_start_main(int argc, char **argv);
int client_stop_main(int argc, char **argv);
int client_vus_main(int argc, char **argv);    /* `rampage vus RUN N`: a running run's VUs */
int client_show_main(int argc, char **argv);
int client_test_main(int argc, char **argv);   /* `rampage test push` */
/* GET path from the daemon at server (NULL: the default, with $RAMPAGE_TOKEN as every verb):
   the parsed 2xx reply (caller frees), or NULL after printing why to stderr. For cli/compare.c. */
json_t *client_get(const char *server, const char *path);

#endif
