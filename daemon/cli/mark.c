/*
 * mark: see mark.h. One blocking REST call.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_priv.h"
#include "cli/mark.h"
#include "cli/run.h"
#include "core/opts.h"
#include "core/xmalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage mark RUN NAME [--server URL] [--json]\n"
	    "\n"
	    "Marks the moment now of running run RUN with an event NAME (1-64 printable characters),\n"
	    "drawn on the run's charts; its finding (failed requests and p99 around it) comes with\n"
	    "the run's summary. Exits 0 when marked, 1 when refused (the run is not running), 2 on\n"
	    "bad usage.\n");
}

int
client_mark_main(int argc, char **argv)
{
	static const struct option opts[] = { CLIENT_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	struct client *c = client_new();
	json_t *root, *body;
	char *path, *text, *end;
	long long id;
	int opt, rc = RUN_EXIT_FAILURE;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			client_free(c);
			return RUN_EXIT_OK;
		}
		if (!client_option(c, opt)) {
			opts_refused(stderr, "mark", opts, "h", argc, argv);
			client_free(c);
			return RUN_EXIT_USAGE;
		}
	}
	if (optind + 2 != argc || (id = strtoll(argv[optind], &end, 10)) < 1 || *end != '\0') {
		fprintf(stderr, "rampage mark: expected a run id and an event name; see rampage mark --help\n");
		client_free(c);
		return RUN_EXIT_USAGE;
	}
	body = json_pack("{s:s}", "name", argv[optind + 1]);
	if (body == NULL) {
		fprintf(stderr, "rampage mark: the name must be UTF-8 text\n");
		client_free(c);
		return RUN_EXIT_USAGE;
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	client_connect(c);
	path = xasprintf("/api/runs/%lld/events", id);
	if ((root = client_call(c, "POST", path, text)) != NULL) {
		if (client_json_output(c))
			client_print_reply(c);
		else
			printf("run %lld: %s marked at %.1f s\n", id,
			    json_string_value(json_object_get(root, "name")),
			    (double)json_integer_value(json_object_get(root, "at_ms")) / 1000.0);
		json_decref(root);
		rc = RUN_EXIT_OK;
	}
	free(text);
	free(path);
	client_free(c);
	return rc;
}
