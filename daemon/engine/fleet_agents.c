/*
 * fleet_agents: see fleet.h. The agents a daemon knows from its config: the URLs (checked, split as
 * the config's check splits them) and every A/AAAA record of a DNS name, sorted and without
 * duplicates; and the token they accept, from its file.
 */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <libwebsockets.h>

#include "core/xmalloc.h"
#include "engine/fleet.h"

/* ---- the agents from config */

int
fleet_check_url(const char *url, char **cause)
{
	char *copy = xstrdup(url);
	const char *prot, *ads, *path;
	int port, rc = 0;

	if (lws_parse_uri(copy, &prot, &ads, &port, &path) != 0 ||
	    (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) || ads[0] == '\0') {
		*cause = xasprintf("\"%s\": expected a ws:// or wss:// URL with a host (ws://10.0.0.5:7000)",
		    url);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
fleet_agents(const char *urls, const char *dns, int *n, char **cause)
{
	char **list = NULL;
	int cap = 0, k = 0;

	*n = 0;
	if (urls != NULL) {
		/* separated as the config's check separates them: commas, spaces, tabs */
		char *copy = xstrdup(urls), *save = NULL;
		for (char *u = strtok_r(copy, ", \t", &save); u != NULL; u = strtok_r(NULL, ", \t", &save)) {
			if (fleet_check_url(u, cause) != 0) {
				free(copy);
				fleet_agents_free(list, k);
				return NULL;
			}
			if (k == cap)
				list = xreallocarray(list, (size_t)(cap = cap ? cap * 2 : 8), sizeof *list);
			list[k++] = xstrdup(u);
		}
		free(copy);
	}
	if (dns != NULL && dns[0] != '\0') {
		char *host = xstrdup(dns), *port = strrchr(host, ':');
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
		int rc;
		if (port == NULL || port[1] == '\0') {
			*cause = xasprintf("agents.dns \"%s\": expected NAME:PORT", dns);
			free(host);
			fleet_agents_free(list, k);
			return NULL;
		}
		*port++ = '\0';
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
			*cause = xasprintf("agents.dns \"%s\": %s", dns, gai_strerror(rc));
			free(host);
			fleet_agents_free(list, k);
			return NULL;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			char addr[INET6_ADDRSTRLEN];
			const void *src = ai->ai_family == AF_INET6 ?
			    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
			    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
			if (inet_ntop(ai->ai_family, src, addr, sizeof addr) == NULL)
				continue;
			if (k == cap)
				list = xreallocarray(list, (size_t)(cap = cap ? cap * 2 : 8), sizeof *list);
			list[k++] = ai->ai_family == AF_INET6 ? xasprintf("ws://[%s]:%s/", addr, port) :
			    xasprintf("ws://%s:%s/", addr, port);
		}
		freeaddrinfo(res);
		free(host);
	}
	if (k == 0) {
		*cause = xstrdup("no agent is configured (agents.urls, agents.dns)");
		free(list);
		return NULL;
	}
	/* sorted, so that the same agents get the same segments whatever order DNS answers in */
	qsort(list, (size_t)k, sizeof *list, cmp_str);
	int w = 0;
	for (int i = 0; i < k; i++) {
		if (w > 0 && strcmp(list[w - 1], list[i]) == 0) {
			free(list[i]);
			continue;
		}
		list[w++] = list[i];
	}
	*n = w;
	return list;
}

char *
fleet_read_token(const char *path, char **cause)
{
	FILE *fp;
	struct stat st;
	char line[1024];
	char *tok = NULL;

	if (path == NULL) {
		*cause = xstrdup("agents.token_file is not set: the agents need a token");
		return NULL;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		*cause = xasprintf("agents.token_file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & S_IROTH)) {
		*cause = xasprintf("agents.token_file %s is readable by every user (chmod 600)", path);
		fclose(fp);
		return NULL;
	}
	while (tok == NULL && fgets(line, sizeof line, fp) != NULL) {
		char *b = line, *e;
		while (*b == ' ' || *b == '\t')
			b++;
		e = b + strlen(b);
		while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*b != '\0' && *b != '#')
			tok = xstrdup(b);
	}
	fclose(fp);
	if (tok == NULL)
		*cause = xasprintf("agents.token_file %s holds no token", path);
	return tok;
}

void
fleet_agents_free(char **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
