/*
 * replay: a main() for the fuzz harnesses when built without libFuzzer (make check). Feeds each
 * file named on the command line through LLVMFuzzerTestOneInput once and prints TAP: a crash,
 * a leak (ASan) or a broken invariant (abort) fails the test that runs it
 * (tests/integration/060-fuzz-corpus.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, got;

		if (f == NULL) {
			printf("not ok %d - %s: cannot open\n", ++n, argv[i]);
			continue;
		}
		do {
			if (len == cap) {
				cap = cap ? cap * 2 : 65536;
				if ((buf = realloc(buf, cap)) == NULL)
					abort();
			}
			got = fread(buf + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
		fclose(f);
		printf("# %s (%zu bytes)\n", argv[i], len);
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, len);
		printf("ok %d - %s\n", ++n, argv[i]);
		free(buf);
	}
	printf("1..%d\n", n);
	return 0;
}
