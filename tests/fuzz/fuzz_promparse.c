/*
 * fuzz_promparse: a libFuzzer harness for the Prometheus text format parser (metrics/promparse.h),
 * which reads whatever a monitored endpoint sends. The input is the body as received, parsed with
 * small caps so that they are reached; the invariants checked after each parse abort on a breach:
 * the caps hold, every sample has a valid metric name, its labels valid names given once and values
 * valid UTF-8, a type in range, and the bad-line count agrees with the first bad line. Built like
 * fuzz_testdef.c (see there).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/promparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s is a metric (colon) or label name. */
static int
name_ok(const char *s, int colon)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct prom_limits lim = { .max_bytes = 8192, .max_line = 1024, .max_samples = 64,
	    .max_labels = 8 };
	struct prom_doc d;

	promparse((const char *)data, size, &lim, &d);
	if (d.nsamples < 0 || d.nsamples > lim.max_samples)
		abort();
	if ((d.bad_lines == 0) != (d.first_bad_line == 0))
		abort();
	for (int i = 0; i < d.nsamples; i++) {
		const struct prom_sample *s = &d.samples[i];
		if (!name_ok(s->name, 1) || s->nlabels < 0 || s->nlabels > lim.max_labels ||
		    (unsigned)s->type > PROM_SUMMARY)
			abort();
		for (int j = 0; j < s->nlabels; j++) {
			if (!name_ok(s->labels[j].name, 0) || s->labels[j].value == NULL)
				abort();
			for (int k = 0; k < j; k++)
				if (strcmp(s->labels[k].name, s->labels[j].name) == 0)
					abort();
			if (prom_label_get(s, s->labels[j].name) != s->labels[j].value)
				abort();
		}
	}
	prom_doc_fini(&d);
	return 0;
}
