/*
 * compare: `rampage compare A B`, run B compared with run A (the baseline): two run ids on a
 * daemon (GET /api/runs/{B}/compare?to=A) or two summary files written by `rampage run
 * --summary-export` (runs/compare_load.h, practical verdicts only: a summary has no per-second
 * data). Prints a table (coloured on a terminal) or, with --json, the comparison document. Main
 * thread only.
 */
#ifndef RAMPAGE_CLI_COMPARE_H
#define RAMPAGE_CLI_COMPARE_H

/* Exit codes: 0 no regression, 99 a regression, 2 cannot compare (bad usage, unreadable input,
   an error of the daemon). argv[0] is "compare". */
int compare_main(int argc, char **argv);

#endif
