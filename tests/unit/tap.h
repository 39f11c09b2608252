/*
 * tap.h: the smallest TAP producer that prints both values on failure. One test program per module;
 * Automake's tap-driver.sh reads the output.
 */
#ifndef RAMPAGE_TAP_H
#define RAMPAGE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;
#define TAP_UNUSED __attribute__((unused))

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static TAP_UNUSED void __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
}

#define tap_msg_ok(pass, file, line, fmt) do { \
	va_list ap; va_start(ap, fmt); \
	printf("%s %d - ", (pass) ? "ok" : "not ok", ++tap_n); vprintf(fmt, ap); printf("\n"); \
	va_end(ap); \
	if (!(pass)) { tap_failed++; printf("#   failed at %s:%d\n", file, line); } \
} while (0)

static TAP_UNUSED int __attribute__((format(printf, 5, 6)))
tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	tap_msg_ok(got == want, file, line, fmt);
	if (got != want)
		printf("#          got: %lld\n#     expected: %lld\n", got, want);
	return got == want;
}

static TAP_UNUSED int __attribute__((format(printf, 5, 6)))
tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	int pass = got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;
	tap_msg_ok(pass, file, line, fmt);
	if (!pass)
		printf("#          got: \"%s\"\n#     expected: \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return pass;
}

static TAP_UNUSED int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
