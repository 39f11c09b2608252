/* Unit tests for core/buf: growth, the cap (nothing past it, and it says so), stealing. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "tap.h"

int
main(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	s = buf_steal(&b);
	is_str(s, "", "an empty buffer steals as \"\"");
	free(s);

	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%05d,", i);
	is_int(b.len, 60000, "10,000 appends grow past the first allocation");
	ok(strncmp(b.p + 59994, "09999,", 6) == 0 && b.p[b.len] == '\0', "the text is whole and terminated");
	ok(!b.full, "not full below the cap");
	buf_fini(&b);

	buf_init(&b, 10);
	is_int(buf_add(&b, "12345", 5), 0, "5 of 10 bytes");
	is_int(buf_printf(&b, "%s", "67890"), 0, "exactly 10 bytes fit");
	is_int(buf_printf(&b, "x"), -1, "one byte past the cap is refused");
	ok(b.full, "and the buffer says it is incomplete");
	is_str(b.p, "1234567890", "nothing past the cap was added");
	is_int(buf_add(&b, "y", 1), -1, "buf_add is refused too");
	s = buf_steal(&b);
	is_str(s, "1234567890", "steal takes the text");
	ok(b.p == NULL && b.len == 0 && !b.full && b.max == 10, "and leaves an empty buffer with the same cap");
	free(s);

	buf_init(&b, 100);
	buf_printf(&b, "%s", "abc");
	is_int(buf_printf(&b, "%0200d", 1), -1, "a long format past the cap is refused");
	is_str(b.p, "abc", "and the text before it stays terminated");
	buf_fini(&b);
	return done_testing();
}
