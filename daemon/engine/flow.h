/*
 * flow: evaluating a step's control flow at run time: the conditions of `when` and of a repeat's
 * `until` (testdef/plan.h: struct plan_cond), on the VU's variables and the status of its last
 * response. Pure functions: a worker's thread calls them for its VUs; nothing allocates.
 */
#ifndef RAMPAGE_FLOW_H
#define RAMPAGE_FLOW_H

#include "testdef/plan.h"

/* Whether condition k holds for the variables vars (a VU's table, indexed by slot) and the status
   of the last response (0: none yet in this iteration, or a transport error). */
int flow_cond_holds(const struct plan_cond *k, const struct tmpl_var *vars, int last_status);

/* Whether step st runs again after its n-th send (n >= 1), given the state after that send's
   response. 0 for a step without `repeat`. */
int flow_repeat_again(const struct plan_step *st, int n, const struct tmpl_var *vars, int last_status);

#endif
