/*
 * fdlimit: see fdlimit.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "core/fdlimit.h"
#include "core/xmalloc.h"

int
fdlimit_raise(char **cause)
{
	struct rlimit rl;

	*cause = NULL;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		*cause = xasprintf("could not raise the open-file limit to %llu: %s",
		    (unsigned long long)rl.rlim_max, strerror(errno));
		return -1;
	}
	return 0;
}
