/* PLACEHOLDER: being written */
#include "config.h"
#include <stdlib.h>
#include "demo/demo.h"
int demo_main(int argc, char **argv) { return 1; }
