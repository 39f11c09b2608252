/*
 * log: see log.h. Called from any thread; formats into a stack buffer and writes once.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

int log_level = LOG_INFO;

static const char *const names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "error",
	[LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* Set the level by name. */
int
log_set_level(const char *name)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++) {
		if (strcmp(names[i], name) == 0) {
			log_level = i;
			return 0;
		}
	}
	return -1;
}

/* Name a level. */
const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_DEBUG)
		return "?";
	return names[level];
}

/* Write one line: "<prio>message\n", cut at 4 KiB. */
void
log_write(int prio, const char *fmt, ...)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "<%d>", prio);
	va_list ap;

	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	buf[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, len);
	(void)w;
}
