/* PLACEHOLDER: being written */
#include "config.h"
#include <stdlib.h>
#include "http/frontdoor.h"
struct frontdoor *frontdoor_start(const struct config *c, struct api *a, struct live *l, char **cause) { abort(); }
int frontdoor_port(const struct frontdoor *fd) { return 0; }
void frontdoor_stop(struct frontdoor *fd) { }
