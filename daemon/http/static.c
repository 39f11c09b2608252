/* PLACEHOLDER: being written */
#include "config.h"
#include <stdlib.h>
#include "http/static.h"
