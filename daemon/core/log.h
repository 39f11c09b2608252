/*
 * log: one line per message on stderr, prefixed with its syslog priority ("<6>") so that journald
 * files each line at the right level. Any thread may call it; one write(2) per line keeps lines whole.
 * The level test happens in the macro, before any argument is formatted.
 */
#ifndef RAMPAGE_LOG_H
#define RAMPAGE_LOG_H

#include <syslog.h>

extern int log_level; /* LOG_ERR .. LOG_DEBUG; messages above it are dropped */

/* Sets the level from a name ("error", "warning", "notice", "info", "debug"); -1 if unknown. */
int log_set_level(const char *name);
/* Returns the name of a level. */
const char *log_level_name(int level);
/* Formats and writes one line. Use the macros, which skip formatting when the level is off. */
void log_write(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(prio, ...) do { if ((prio) <= log_level) log_write((prio), __VA_ARGS__); } while (0)
#define log_err(...)     log_at(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_at(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_at(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_at(LOG_DEBUG, __VA_ARGS__)

#endif
