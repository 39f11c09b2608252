/*
 * promparse: the Prometheus text exposition format 0.0.4 (what node_exporter, postgres_exporter and
 * an app's own /metrics send), parsed into samples, robust against anything an endpoint sends:
 * bounded in bytes, lines, samples and labels; a malformed line is skipped and counted (the first
 * one's line number and reason kept), never a crash and never a whole scrape lost to one bad line.
 *
 * Grammar (https://prometheus.io/docs/instrumenting/exposition_formats/): lines end in '\n' (a
 * '\r' before it is dropped); blank lines and '#' comments are ignored but for "# HELP name text"
 * and "# TYPE name counter|gauge|histogram|summary|untyped"; a sample is
 *   name[{label="value",...[,]}] value [timestamp]
 * with name [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (each once per sample),
 * label values in double quotes with \\, \" and \n escapes and valid UTF-8, a value a float (Go's
 * syntax: NaN, +Inf, -Inf, 1e3, 0x1p3 refused), an optional integer timestamp in ms. A sample gets
 * its family's TYPE: its own name's, or for name_bucket/_sum/_count (and _created) that of a
 * histogram or summary called name; untyped otherwise.
 *
 * Pure: no I/O, no clock, no shared state; any thread. The result owns its strings.
 */
#ifndef RAMPAGE_PROMPARSE_H
#define RAMPAGE_PROMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum prom_type { PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

/* "untyped", "counter", ... */
const char *prom_type_name(enum prom_type t);

struct prom_label {
	char *name, *value;
};

struct prom_sample {
	char *name;
	struct prom_label *labels; /* in the order given */
	int nlabels;
	double value;
	bool has_ts;
	int64_t ts_ms;
	enum prom_type type;       /* its family's # TYPE */
};

/* Caps (0: the default). */
struct prom_limits {
	size_t max_bytes;          /* of the text read (default 4 MiB): the rest is not looked at */
	size_t max_line;           /* bytes of one line (default 64 KiB): a longer one is malformed */
	int max_samples;           /* default 10,000: the rest are dropped (truncated) */
	int max_labels;            /* per sample (default 64): more make the line malformed */
};

struct prom_doc {
	struct prom_sample *samples;
	int nsamples;
	int bad_lines;             /* malformed lines skipped */
	int first_bad_line;        /* 1-based; 0: none */
	char first_bad[128];       /* why it was refused */
	bool truncated;            /* a cap was reached (bytes or samples) */
};

/* Parses text (len bytes; NUL bytes are malformed, not an end) into *doc. Never fails: a bad line
   is skipped and counted. Free with prom_doc_fini. */
void promparse(const char *text, size_t len, const struct prom_limits *lim, struct prom_doc *doc);
/* Frees what *doc holds (a zeroed doc is fine). */
void prom_doc_fini(struct prom_doc *doc);
/* The value of label `name` of sample s, or NULL. */
const char *prom_label_get(const struct prom_sample *s, const char *name);

#endif
