/*
 * custom: see custom.h. Worker thread.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/custom.h"
#include "metrics/tick.h"

#define TEXT_MAX 64                /* bytes of a text value read as a number */

/* Reads s (n bytes) as a decimal number: surrounding spaces allowed, nothing else. */
static int
number_of(const char *s, size_t n, double *out)
{
	char buf[TEXT_MAX + 1], *end;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n > TEXT_MAX)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out);
}

/* The value of entry x, or 0 when it cannot be read. */
static int
value_of(const struct plan_record *x, struct extract_response *resp, const struct transport_result *r,
    const struct tmpl_var *vars, uint64_t check_ok, double *v)
{
	const char *s;
	size_t n;
	json_t *j;

	switch (x->from) {
	case PLAN_RECORD_VALUE:
		*v = x->value;
		return 1;
	case PLAN_RECORD_VAR:
		return vars[x->slot].s != NULL && number_of(vars[x->slot].s, vars[x->slot].len, v);
	case PLAN_RECORD_JSON:
		if ((j = extract_response_json(resp)) == NULL ||
		    (j = extract_pointer_get(x->pointer, j)) == NULL)
			return 0;
		if (json_is_number(j))
			*v = json_number_value(j);
		else if (json_is_boolean(j))
			*v = json_is_true(j);
		else if (json_is_string(j))
			return number_of(json_string_value(j), json_string_length(j), v);
		else
			return 0;
		return isfinite(*v);
	case PLAN_RECORD_HEADER:
		if (resp->status == 0 || (s = resp->header(resp->header_arg, x->header, &n)) == NULL)
			return 0;
		return number_of(s, n, v);
	case PLAN_RECORD_TIMING:
		*v = (double)(x->phase < 0 ? r->service_us : r->phase_us[x->phase]) / 1000.0;
		if (*v < 0)
			*v = 0;
		return 1;
	case PLAN_RECORD_CHECK:
		*v = (check_ok >> x->check) & 1;
		return 1;
	}
	return 0;
}

void
custom_record(struct tick *t, const struct plan_step *st, struct extract_response *resp,
    const struct transport_result *r, const struct tmpl_var *vars, uint64_t check_ok, int64_t now_ns)
{
	for (int i = 0; i < st->nrecords; i++) {
		const struct plan_record *x = &st->records[i];
		double v;

		if (x->nslots == 0)
			continue;
		if (!value_of(x, resp, r, vars, check_ok, &v)) {
			for (int k = 0; k < x->nslots; k++)
				t->custom[x->slots[k]].missing++;
			continue;
		}
		for (int k = 0; k < x->nslots; k++)
			tick_custom_add(&t->custom[x->slots[k]], x->type, v, now_ns);
	}
}
