/*
 * junit: a run's thresholds and checks as JUnit XML (the Apache Ant format that Jenkins and GitLab
 * read; validated in tests against tests/junit/JUnit.xsd): one <testsuite> per run; each threshold a
 * <testcase> (classname "thresholds.<metric>", name its expression as written, a <failure> whose
 * message gives the observed value when it failed); each check a <testcase> (classname "checks",
 * name the check's name, a <failure> when any evaluation of it failed, with its pass rate). Every
 * case's figures are also listed in the suite's <system-out>.
 *
 * Made from the full summary (summary_json: rampage.thresholds, root_group.checks, metrics' contains,
 * state.testRunDurationMs), so the CLI (--out junit=) and the API (GET /api/runs/{id}/junit.xml, from
 * the stored summary) write the same document.
 *
 * Threads: any; pure functions of their arguments.
 */
#ifndef RAMPAGE_JUNIT_H
#define RAMPAGE_JUNIT_H

#include <stdint.h>
#include <jansson.h>

/* What the summary does not say. Strings borrowed; NULL or "" take a default. */
struct junit_meta {
	const char *suite;         /* the suite's name (default: the summary's rampage.name, else "rampage") */
	int64_t started_unix;      /* the run's start, seconds since the epoch (UTC); 0: now */
	const char *hostname;      /* default: this host's name, else "localhost" */
	int64_t run_id;            /* > 0: a property "rampage.run_id" */
};

/* The XML document (UTF-8, with its declaration), newly allocated (free()). */
char *junit_xml(const json_t *summary, const struct junit_meta *meta);
/* Writes junit_xml to path. 0, or -1 and *cause. */
int junit_write(const json_t *summary, const struct junit_meta *meta, const char *path, char **cause);

#endif
