/*
 * run: `rampage run`, one test in the foreground without a daemon. Parses the definition (a file, or
 * a quick test built from --url/-c/-d/--rate and parsed the same way), runs the engine, shows a
 * progress line on a terminal, writes --out files each second, prints the k6-style summary and
 * writes --summary-export. Runs on the process's main thread, which also owns the signals.
 */
#ifndef RAMPAGE_RUN_H
#define RAMPAGE_RUN_H

/* Exit codes, as k6 uses them. */
#define RUN_EXIT_OK          0
#define RUN_EXIT_FAILURE     1     /* could not start (engine, output files) */
#define RUN_EXIT_USAGE       2     /* bad flags or an invalid definition */
#define RUN_EXIT_THRESHOLDS  99    /* a threshold failed (an abortOnFail stop included) */
#define RUN_EXIT_INTERRUPTED 105   /* stopped by SIGINT / SIGTERM (k6's ExternalAbort) */
#define RUN_EXIT_SCRIPT      107   /* setup or teardown failed (k6's ScriptException) */

/* Entry point of the subcommand (argv[0] is "run"); returns the exit code. */
int run_main(int argc, char **argv);

#endif
