/*
 * validate: `rampage validate [-v] FILE...`, the definition checker for people and CI. Main thread of
 * its own process.
 */
#ifndef RAMPAGE_VALIDATE_H
#define RAMPAGE_VALIDATE_H

/* Prints "ok" (with -v, a one-line summary per scenario) or the errors, one per line; exits 0 when
   every file is valid, 2 otherwise. argv[0] is "validate". */
int validate_main(int argc, char **argv);

#endif
