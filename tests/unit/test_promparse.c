/*
 * test_promparse: the Prometheus text format parser (metrics/promparse.h) on valid input (the
 * format's own example, escapes, NaN and infinities, timestamps, TYPE applied to a family and to a
 * histogram's _bucket/_sum/_count, blank lines, CRLF, a trailing comma) and on hostile input: every
 * malformed line is skipped and counted with the first one's line number while the good lines
 * around it are kept; caps on bytes, line length, samples and labels; NUL bytes; invalid UTF-8;
 * 1e999; and 20,000 random and mutated documents that must parse without a crash (ASan/UBSan
 * in the debug build).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/promparse.h"
#include "tap.h"

static const char example[] =
    "# HELP http_requests_total The total number of HTTP requests.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
    "\n"
    "# Escaping in label values:\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
    "\n"
    "# Minimalistic line:\n"
    "metric_without_timestamp_and_labels 12.47\n"
    "\n"
    "# A weird metric from before the epoch:\n"
    "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
    "\n"
    "# A histogram, which has a pretty complex representation in the text format:\n"
    "# HELP http_request_duration_seconds A histogram of the request duration.\n"
    "# TYPE http_request_duration_seconds histogram\n"
    "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
    "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
    "http_request_duration_seconds_sum 53423\n"
    "http_request_duration_seconds_count 144320\n"
    "# TYPE node_memory gauge\n"
    "node_memory{a=\"x\",} NaN\r\n"
    "untyped_one 1";

static uint64_t rng = 0x1234abcd;
static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	return (unsigned)(rng % n);
}

int
main(void)
{
	struct prom_doc d;

	/* ---- valid */
	promparse(example, strlen(example), NULL, &d);
	is_int(d.nsamples, 11, "the example: 11 samples");
	is_int(d.bad_lines, 0, "no bad line");
	ok(!d.truncated, "not truncated");
	is_str(d.samples[0].name, "http_requests_total", "a name");
	is_str(prom_label_get(&d.samples[0], "code"), "200", "a label");
	ok(d.samples[0].value == 1027 && d.samples[0].has_ts && d.samples[0].ts_ms == 1395066363000LL,
	    "value and timestamp");
	is_int(d.samples[0].type, PROM_COUNTER, "TYPE counter applies");
	ok(d.samples[1].value == 3, "blanks before the value");
	is_str(prom_label_get(&d.samples[2], "path"), "C:\\DIR\\FILE.TXT", "\\\\ unescaped");
	is_str(prom_label_get(&d.samples[2], "error"), "Cannot find file:\n\"FILE.TXT\"", "\\n and \\\" unescaped");
	ok(fabs(d.samples[2].value - 1.458255915e9) < 1, "an exponent");
	ok(!d.samples[3].has_ts && d.samples[3].type == PROM_UNTYPED, "no timestamp, untyped");
	ok(isinf(d.samples[4].value) && d.samples[4].value > 0 && d.samples[4].ts_ms == -3982045,
	    "+Inf and a negative timestamp");
	is_int(d.samples[5].type, PROM_HISTOGRAM, "_bucket belongs to its histogram");
	is_str(prom_label_get(&d.samples[6], "le"), "+Inf", "le=\"+Inf\"");
	is_int(d.samples[7].type, PROM_HISTOGRAM, "_sum too");
	is_int(d.samples[8].type, PROM_HISTOGRAM, "_count too");
	ok(isnan(d.samples[9].value) && d.samples[9].type == PROM_GAUGE, "NaN, a gauge, CRLF, trailing comma");
	is_int(d.samples[9].nlabels, 1, "the trailing comma adds no label");
	is_str(d.samples[10].name, "untyped_one", "a last line without its newline");
	prom_doc_fini(&d);

	/* ---- hostile: each bad line skipped and counted, the good ones kept */
	static const char *const bad_lines[] = {
		"no_value\n",
		"9starts_with_digit 1\n",
		"x{a=\"unterminated} 1\n",
		"x{a=\"v\" 1\n",
		"x{a=b} 1\n",
		"x{a=\"v\",a=\"w\"} 1\n",
		"x{a=\"\\q\"} 1\n",
		"x 1 2 3\n",
		"x 0x1p3\n",
		"x 1e999\n",
		"x inf\n",
		"x 1 12.5\n",
		"x{=\"v\"} 1\n",
		"x{a=\"\xff\xfe\"} 1\n",
		"x{a=\"\xed\xa0\x80\"} 1\n",
		"# TYPE x bogus\n",
		"# TYPE\n",
		"x{a:b=\"v\"} 1\n",
		"x{} \n",
	};
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		char buf[256];
		int n = snprintf(buf, sizeof buf, "good_a 1\n%sgood_b 2\n", bad_lines[i]);
		promparse(buf, (size_t)n, NULL, &d);
		ok(d.nsamples == 2 && d.bad_lines == 1 && d.first_bad_line == 2,
		    "refused: %.*s (%s); the good lines kept (%d samples, %d bad)",
		    (int)strcspn(bad_lines[i], "\n"), bad_lines[i], d.first_bad, d.nsamples, d.bad_lines);
		prom_doc_fini(&d);
	}
	{
		static const char nul[] = "a 1\nb\0c 2\nd 3\n";
		promparse(nul, sizeof nul - 1, NULL, &d);
		ok(d.nsamples == 2 && d.bad_lines == 1, "a NUL byte makes its line bad, not the end");
		prom_doc_fini(&d);
	}
	{
		static const char dup[] = "# TYPE a gauge\n# TYPE a counter\na 1\n";
		promparse(dup, sizeof dup - 1, NULL, &d);
		ok(d.nsamples == 1 && d.samples[0].type == PROM_GAUGE && d.bad_lines == 1,
		    "a second TYPE for a metric is refused, the first stays");
		prom_doc_fini(&d);
	}

	/* ---- caps */
	{
		size_t n = 200000;
		char *big = malloc(n + 1);
		memset(big, 'a', n);
		big[n] = '\n';
		promparse(big, n + 1, NULL, &d);
		ok(d.nsamples == 0 && d.bad_lines == 1, "a 200 KB line is refused (max_line)");
		prom_doc_fini(&d);
		free(big);
	}
	{
		char *many = malloc(30 * 20000 + 1), *w = many;
		for (int i = 0; i < 20000; i++)
			w += sprintf(w, "s_%d{i=\"%d\"} %d\n", i, i, i);
		promparse(many, (size_t)(w - many), &(struct prom_limits){ .max_samples = 500 }, &d);
		ok(d.nsamples == 500 && d.truncated, "max_samples: 500 kept of 20,000, truncated");
		prom_doc_fini(&d);
		promparse(many, (size_t)(w - many), &(struct prom_limits){ .max_bytes = 1000 }, &d);
		ok(d.truncated && d.nsamples > 0 && d.nsamples < 100 && d.bad_lines == 0,
		    "max_bytes: only the first 1000 bytes, the cut line not judged (%d samples)", d.nsamples);
		prom_doc_fini(&d);
		free(many);
	}
	{
		char line[4096], *w = line;
		w += sprintf(w, "x{");
		for (int i = 0; i < 100; i++)
			w += sprintf(w, "l%d=\"v\",", i);
		w += sprintf(w, "} 1\n");
		promparse(line, (size_t)(w - line), NULL, &d);
		ok(d.nsamples == 0 && d.bad_lines == 1, "100 labels: over max_labels (64), refused");
		prom_doc_fini(&d);
	}
	promparse(NULL, 0, NULL, &d);
	ok(d.nsamples == 0 && d.bad_lines == 0, "an empty body");
	prom_doc_fini(&d);

	/* ---- random and mutated documents: no crash, counts add up */
	static const char alphabet[] = "ab_:{}=\",\\# \n\r\t01.eE+-InfNaN\xff\x80";
	char buf[512];
	int crashes_would_abort = 0;
	for (int t = 0; t < 20000; t++) {
		size_t n;
		if (t % 2 == 0) {
			n = rnd(sizeof buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = alphabet[rnd(sizeof alphabet - 1)];
		} else {
			n = sizeof example - 1 < sizeof buf ? sizeof example - 1 : sizeof buf;
			memcpy(buf, example, n);
			for (int k = rnd(8) + 1; k > 0; k--)
				buf[rnd((unsigned)n)] = (char)rnd(256);
		}
		promparse(buf, n, &(struct prom_limits){ .max_samples = 50, .max_labels = 8 }, &d);
		if (d.nsamples > 50)
			crashes_would_abort++;
		for (int i = 0; i < d.nsamples; i++)
			if (d.samples[i].name == NULL || d.samples[i].nlabels > 8)
				crashes_would_abort++;
		prom_doc_fini(&d);
	}
	is_int(crashes_would_abort, 0, "20,000 random and mutated documents: parsed within the caps");
	return done_testing();
}
