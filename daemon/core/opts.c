/*
 * opts: the one-line complaint about a refused command-line option (see opts.h).
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "core/opts.h"
#include "core/text.h"

#define NAME_MAX_LEN 64

const char *
opts_suggest(const char *word, const char *const *names)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(word);

	for (const char *const *n = names; *n != NULL; n++) {
		size_t d = text_distance(word, *n);
		if (d < bestd) {
			bestd = d;
			best = *n;
		}
	}
	/* Two edits at most, and fewer than the word's length: "x" is not a typo of "vus". */
	if (best == NULL || bestd > 2 || bestd >= len)
		return NULL;
	return best;
}

/* The long option that takes val, or NULL. */
static const struct option *
long_of_val(const struct option *opts, int val)
{
	for (const struct option *o = opts; o->name != NULL; o++)
		if (o->flag == NULL && o->val == val)
			return o;
	return NULL;
}

/* How many long options begin with the n bytes at name. */
static int
prefix_matches(const struct option *opts, const char *name, size_t n)
{
	int k = 0;

	for (const struct option *o = opts; o->name != NULL; o++)
		if (strncmp(o->name, name, n) == 0)
			k++;
	return k;
}

static void
unknown_long(FILE *f, const char *cmd, const struct option *opts, const char *arg)
{
	const char *names[64];
	char name[NAME_MAX_LEN + 1];
	size_t n = strcspn(arg, "=");
	int k = 0;

	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (n > 0 && prefix_matches(opts, name, n) > 1) {
		fprintf(f, "rampage %s: option --%s is ambiguous (", cmd, name);
		for (const struct option *o = opts; o->name != NULL; o++)
			if (strncmp(o->name, name, n) == 0)
				fprintf(f, "%s--%s", k++ ? ", " : "", o->name);
		fprintf(f, "); see rampage %s --help\n", cmd);
		return;
	}
	for (const struct option *o = opts; o->name != NULL && k < 63; o++)
		names[k++] = o->name;
	names[k] = NULL;
	const char *hint = opts_suggest(name, names);
	if (hint != NULL)
		fprintf(f, "rampage %s: unknown option --%s (did you mean --%s?); see rampage %s --help\n",
		    cmd, name, hint, cmd);
	else
		fprintf(f, "rampage %s: unknown option --%s; see rampage %s --help\n", cmd, name, cmd);
}

void
opts_refused(FILE *f, const char *cmd, const struct option *opts, const char *shortopts,
    int argc, char **argv)
{
	const char *arg = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
	const struct option *o;
	const char *s;

	if (optopt == 0) {   /* a long option getopt did not know, or an ambiguous abbreviation */
		if (strncmp(arg, "--", 2) == 0)
			arg += 2;
		unknown_long(f, cmd, opts, arg);
		return;
	}
	/* A known option without its value, or an unknown short option. */
	o = long_of_val(opts, optopt);
	s = optopt > 0 && optopt < 128 ? strchr(shortopts, optopt) : NULL;
	if (strncmp(arg, "--", 2) == 0 && o != NULL && o->has_arg == required_argument) {
		fprintf(f, "rampage %s: option --%s needs a value; see rampage %s --help\n", cmd, o->name,
		    cmd);
	} else if (s != NULL && s[1] == ':') {
		fprintf(f, "rampage %s: option -%c needs a value; see rampage %s --help\n", cmd, optopt, cmd);
	} else if (o != NULL && o->has_arg == no_argument && strncmp(arg, "--", 2) == 0) {
		fprintf(f, "rampage %s: option --%s takes no value; see rampage %s --help\n", cmd, o->name,
		    cmd);
	} else {
		fprintf(f, "rampage %s: unknown option -%c; see rampage %s --help\n", cmd, optopt, cmd);
	}
}
