/*
 * opts: what every command's option loop says when getopt_long refuses an argument. Pure helpers,
 * the process's main thread (command-line parsing happens before any thread starts).
 *
 * Each command calls getopt_long with opterr = 0 (so getopt prints nothing itself) and, on '?',
 * calls opts_refused: one line naming the option and why — unknown (with a "did you mean" when a
 * known option is a likely typo), ambiguous abbreviation, or missing its value — and where the
 * command's help is. It never dumps the whole usage: that buried the one line that mattered.
 */
#ifndef RAMPAGE_OPTS_H
#define RAMPAGE_OPTS_H

#include <getopt.h>
#include <stdio.h>

/* Writes to f why argv[optind - 1] (or the short option optopt) was refused, e.g.
     rampage start: unknown option --duratoin (did you mean --duration?); see rampage start --help
   cmd is the command's name as the user typed it after "rampage" ("start", "run"). */
void opts_refused(FILE *f, const char *cmd, const struct option *opts, const char *shortopts,
    int argc, char **argv);

/* The closest of names (NULL-terminated) to word, if close enough to be a typo; else NULL. */
const char *opts_suggest(const char *word, const char *const *names);

#endif
