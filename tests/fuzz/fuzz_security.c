/*
 * fuzz_security: a libFuzzer harness for the parsers of core/security that see outside input. The
 * first byte picks one, the rest is its input:
 *   0  a websocket request head, as the front door peeks it (security_head_ok)
 *   1  a target origin, as testdef hands it over (security_check_target)
 *   2  an allow_targets list (security_targets_check, then a policy built from it)
 *   3  an api_tokens list (security_tokens_check)
 *   4  an address in text (security_check_ip)
 *   5  a request's method and headers, one a line: method, Host, Origin, Sec-Fetch-Site,
 *      Content-Type, X-Rampage-Client (security_request_check; an empty line is an absent header)
 *   6  an allowed_hosts list (security_hosts_check, then a policy built from it)
 * Built like fuzz_testdef.c (see there).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "security/security.h"
#include "core/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct security *sec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *why = NULL;
	int r;

	if (sec == NULL) {
		struct conf cfg;
		char *cause = NULL;
		conf_init(&cfg);
		security_conf_checks(&cfg);
		if (conf_set(&cfg, "security.api_tokens", "0123456789abcdef0123, tok-2_fedcba9876543210",
		    &cause) != 0 || conf_set(&cfg, "security.protect_reads", "true", &cause) != 0 ||
		    conf_set(&cfg, "security.allow_targets", "127.0.0.0/8, ::1, localhost, 10.1.0.0/16, "
		    "fd00::/8, *.internal.example, a?c.test", &cause) != 0 ||
		    conf_set(&cfg, "server.allowed_hosts", "rampage.test, proxy.test:443", &cause) != 0 ||
		    (sec = security_new(&cfg, &cause)) == NULL)
			abort();
		conf_fini(&cfg);
	}
	if (size < 1)
		return 0;
	s = xstrndup((const char *)data + 1, size - 1);   /* text inputs stop at a NUL */
	switch (data[0] % 7) {
	case 0:
		security_head_ok(sec, (const char *)data + 1, size - 1);
		break;
	case 1:
		r = security_check_target(sec, s, &why);
		if ((r == 0) != (why == NULL))
			abort();   /* a refusal always says why, an allowed target never */
		break;
	case 2:
		if (security_targets_check(s, &why) == 0) {
			struct conf cfg;
			struct security *other;
			char *cause = NULL;
			conf_init(&cfg);
			security_conf_checks(&cfg);
			if (conf_set(&cfg, "security.allow_targets", s, &cause) != 0 ||
			    (other = security_new(&cfg, &cause)) == NULL)
				abort();   /* a list that checks out must build */
			free(why);
			why = NULL;
			security_check_target(other, "http://127.0.0.1:8080", &why);
			free(why);
			why = NULL;
			security_check_target(other, "http://a.internal.example", &why);
			security_free(other);
			conf_fini(&cfg);
		}
		break;
	case 3:
		security_tokens_check(s, &why);
		break;
	case 4:
		security_check_ip(sec, s, &why);
		break;
	case 5: {
		char *line[6] = { NULL }, *p = s;
		struct security_request rq;
		for (int i = 0; i < 6 && p != NULL; i++) {
			line[i] = p;
			if ((p = strchr(p, '\n')) != NULL)
				*p++ = '\0';
		}
		rq = (struct security_request){
			.method = line[0] != NULL ? line[0] : "GET",
			.host = line[1] != NULL && *line[1] ? line[1] : NULL,
			.origin = line[2] != NULL && *line[2] ? line[2] : NULL,
			.fetch_site = line[3] != NULL && *line[3] ? line[3] : NULL,
			.content_type = line[4] != NULL && *line[4] ? line[4] : NULL,
			.client = line[5] != NULL && *line[5] ? line[5] : NULL,
			.has_body = size % 2,
		};
		r = security_request_check(sec, &rq, &why);
		if ((r == 0) != (why == NULL) || (r != 0 && r != 403 && r != 415 && r != 421))
			abort();   /* a refusal always says why with one of its statuses */
		break;
	}
	case 6:
		if (security_hosts_check(s, &why) == 0) {
			struct conf cfg;
			struct security *other;
			char *cause = NULL;
			struct security_request rq = { .method = "GET", .host = "rampage.test:1" };
			conf_init(&cfg);
			security_conf_checks(&cfg);
			if (conf_set(&cfg, "server.allowed_hosts", s, &cause) != 0 ||
			    (other = security_new(&cfg, &cause)) == NULL)
				abort();   /* a list that checks out must build */
			security_request_check(other, &rq, &why);
			security_free(other);
			conf_fini(&cfg);
		}
		break;
	}
	free(why);
	free(s);
	return 0;
}
