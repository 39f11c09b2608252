/* PLACEHOLDER: being written */
#include "config.h"
#include <stdlib.h>
#include "http/api.h"
struct api *api_start(const struct config *cfg, struct store *store, char **cause) { abort(); }
void api_stop(struct api *api) { }
