/*
 * client_priv.h: what the client verbs outside client.c (cli/schedules.c) share with it: one
 * daemon connection (--server, --json, $RAMPAGE_TOKEN) and its calls. Process main thread only.
 */
#ifndef RAMPAGE_CLIENT_PRIV_H
#define RAMPAGE_CLIENT_PRIV_H

#include <getopt.h>
#include <stdbool.h>
#include <jansson.h>

struct client;

/* The options every verb takes (getopt_long; short name "h"). */
#define CLIENT_COMMON_OPTS \
	{ "server", required_argument, NULL, 'S' }, \
	{ "json", no_argument, NULL, 'J' }, \
	{ "help", no_argument, NULL, 'h' }

/* A client with the default server (client_free). */
struct client *client_new(void);
/* Handles a common option: 1 if it was one, 0 otherwise; --help prints the usage and exits. */
int client_option(struct client *c, int opt);
/* Finishes the set-up once the options are read. */
void client_connect(struct client *c);
void client_free(struct client *c);
/* A request expecting 2xx JSON: the reply (caller frees), or NULL after printing why. */
json_t *client_call(struct client *c, const char *method, const char *path, const char *body);
/* A request expecting 2xx with no body needed (DELETE): 0, or -1 after printing why. */
int client_call_empty(struct client *c, const char *method, const char *path);
/* Whether --json was given, and the last reply as received. */
bool client_json_output(const struct client *c);
void client_print_reply(struct client *c);
/* A test given by id or by its (unique) name: the id, or -1 after saying why. */
json_int_t client_test_id(struct client *c, const char *arg);

#endif
