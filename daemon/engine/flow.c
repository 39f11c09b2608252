/*
 * flow: see flow.h. Runs on a worker's thread (and in unit tests); nothing here keeps state.
 */
#include <config.h>

#include <string.h>

#include "engine/flow.h"

int
flow_cond_holds(const struct plan_cond *k, const struct tmpl_var *vars, int last_status)
{
	int holds = 0;

	if (k->kind == PLAN_COND_STATUS) {
		for (int i = 0; i < k->nstatuses && !holds; i++)
			holds = k->statuses[i] == last_status;
	} else {
		const struct tmpl_var *v = &vars[k->slot];
		int set = v->s != NULL && v->len > 0;
		switch (k->op) {
		case PLAN_OP_ABSENT:
			holds = !set;
			break;
		case PLAN_OP_EQUALS:
			holds = v->s != NULL && v->len == k->text_len && memcmp(v->s, k->text, v->len) == 0;
			break;
		default:
			holds = set;
			break;
		}
	}
	return k->negate ? !holds : holds;
}

int
flow_repeat_again(const struct plan_step *st, int n, const struct tmpl_var *vars, int last_status)
{
	const struct plan_repeat *r = st->repeat;

	if (r == NULL || n >= r->max)
		return 0;
	return r->until == NULL || !flow_cond_holds(r->until, vars, last_status);
}
