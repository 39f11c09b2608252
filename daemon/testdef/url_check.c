/*
 * url_check: see url_check.h. Pure; a worker thread runs it before sending a request whose URL
 * begins with a variable (never for the others: their plan says URL_CHECK_NONE).
 */
#include <config.h>

#include <string.h>
#include <strings.h>

#include "testdef/url_check.h"

const char *
url_check_rendered(const char *url, size_t fixed_len, enum url_check_kind kind)
{
	size_t i, host;

	switch (kind) {
	case URL_CHECK_NONE:
		return NULL;
	case URL_CHECK_PATH:
		if (strlen(url) <= fixed_len || url[fixed_len] != '/')
			return "not sent: the path's variable did not render a path starting with \"/\"";
		return NULL;
	case URL_CHECK_WHOLE:
		break;
	}
	if (strncasecmp(url, "http://", 7) == 0)
		i = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		i = 8;
	else
		return "not sent: the url's variable did not render an absolute http:// or https:// URL";
	for (host = i; url[i] != '\0' && url[i] != '/' && url[i] != '?' && url[i] != '#'; i++)
		if (url[i] == '@' || url[i] == '\\')
			return "not sent: the url's variable rendered a URL with user:password@ or a "
			    "backslash before the path";
	if (i == host || url[host] == ':')
		return "not sent: the url's variable rendered a URL without a host";
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return "not sent: the url's variable rendered a URL with a space or a control character";
	return NULL;
}
