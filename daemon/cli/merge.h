/*
 * merge: `rampage merge A.json B.json ... [-o OUT]`: the summaries of shares of one test run by hand
 * (rampage run --execution-segment ... --out summary=PATH --summary-histograms) merged into one with
 * exact percentiles (metrics/summary_merge.h). Main thread only.
 */
#ifndef RAMPAGE_CLI_MERGE_H
#define RAMPAGE_CLI_MERGE_H

/* Exit codes: 0 merged, 1 the output could not be written, 2 bad usage or a summary that cannot be
   merged (said on stderr). argv[0] is "merge". */
int merge_main(int argc, char **argv);

#endif
