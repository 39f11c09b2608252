/*
 * validate: `rampage validate [-v] FILE...`, the definition checker for people and CI: the same
 * loader and parser the daemon uses, nothing else. Runs on the main thread of its own process.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/validate.h"
#include "core/opts.h"
#include "core/duration.h"
#include "core/xmalloc.h"
#include "testdef/testdef.h"

/* One line per scenario: what it runs and for how long. */
static void
print_summary(const struct plan *p, const char *prefix)
{
	char a[DURATION_FMT_SIZE], b[DURATION_FMT_SIZE];

	for (int i = 0; i < p->nscenarios; i++) {
		const struct plan_scenario *s = &p->scenarios[i];
		int steps = 0;

		for (int j = 0; j < s->ntasks; j++)
			steps += s->tasks[j].nsteps;
		printf("%s  scenario %s: %s, up to %d VU%s, %d task%s (%d request%s), starts at %s, "
		    "ends by %s\n", prefix, s->name, plan_executor_name(s->executor), s->max_vus,
		    s->max_vus == 1 ? "" : "s", s->ntasks, s->ntasks == 1 ? "" : "s", steps,
		    steps == 1 ? "" : "s", duration_format(s->start_time_ns, a), duration_format(s->end_ns, b));
	}
	printf("%s  %d endpoint%s, up to %d VU%s in all, ends by %s\n", prefix, p->nendpoints,
	    p->nendpoints == 1 ? "" : "s", p->max_vus, p->max_vus == 1 ? "" : "s",
	    duration_format(p->max_end_ns, a));
}

int
validate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int verbose = 0, failed = 0, c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': verbose = 1; break;
		case 'h':
			printf("usage: rampage validate [-v] FILE...  (\"-\" reads standard input)\n");
			return 0;
		default:
			opts_refused(stderr, "validate", opts, "vh", argc, argv);
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: rampage validate [-v] FILE...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct testdef_errors errs;
		struct plan *plan = NULL;
		char *prefix = argc - optind > 1 ? xasprintf("%s: ", argv[i]) : xstrdup("");
		json_t *def;

		testdef_errors_init(&errs);
		if ((def = testdef_load_file(argv[i], 0, &errs)) != NULL) {
			struct testdef_options opt = { .base_dir = NULL };
			char *dir = testdef_base_dir(argv[i]);
			opt.base_dir = dir;        /* feeds' CSV files are next to the definition */
			plan = testdef_parse(def, &opt, &errs);
			free(dir);
		}
		if (plan != NULL) {
			printf("%sok\n", prefix);
			if (verbose)
				print_summary(plan, prefix);
		} else {
			testdef_errors_print(&errs, stdout, prefix);
			failed = 1;
		}
		plan_free(plan);
		json_decref(def);
		testdef_errors_fini(&errs);
		free(prefix);
	}
	fflush(stdout);
	return failed ? 2 : 0;
}
