/*
 * security: who may use the daemon's API and where its load may go. A load daemon aims traffic
 * wherever a definition says, so its API is privileged:
 *
 *   - API tokens ([security] api_tokens, token_file): when any is set, requests that change state
 *     need `Authorization: Bearer <token>` (and reads too with protect_reads); the router and the
 *     front door ask this module. Tokens are compared in constant time.
 *   - Browsers (server.allowed_hosts): any web page the user visits can send requests to a daemon
 *     on loopback, and a DNS-rebinding page can even read the answers. security_request_check is
 *     the same-origin rule the router and the websocket apply to every request.
 *   - Bind policy: listening beyond loopback without tokens needs allow_insecure_bind.
 *   - Target allowlist ([security] allow_targets): literal IPs must fall in a listed network (CIDR),
 *     names must match a listed name or glob. DNS is NOT consulted when a definition is validated;
 *     instead the engine checks, when it connects, the address the name resolved to
 *     (security_check_addr from CURLOPT_OPENSOCKETFUNCTION), which must be inside a listed network
 *     too. So a listed name cannot be pointed elsewhere by DNS, and the address checked is the one
 *     used: that is the pin.
 *   - The environment ([security] env_allow): which variables a definition may read as
 *     {{env.NAME}} (none by default: the daemon's environment may hold secrets).
 *   - Caps ([limits]): the most VUs, iterations per second and duration a run may ask for.
 *
 * This module knows the policy, not what it is applied to: runs/run_plan.h is where a definition
 * is judged under it (caps, allowlist and environment handed to testdef), and the engine's connect
 * guard calls security_check_addr.
 *
 * A struct security is built once at start-up (main thread) from the config and is immutable
 * afterwards: every function below may be called from any thread without locks, and none of the
 * checks allocates unless it has to explain a refusal.
 */
#ifndef RAMPAGE_SECURITY_H
#define RAMPAGE_SECURITY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct conf;
struct security;

#define SECURITY_TOKEN_MIN 16      /* characters of an API token, at least */
#define SECURITY_TOKEN_MAX 256     /* ... and at most */
#define SECURITY_TOKENS_MAX 64     /* tokens over api_tokens and token_file */
#define SECURITY_TARGETS_MAX 256   /* entries of allow_targets */
#define SECURITY_HOSTS_MAX 64      /* entries of server.allowed_hosts */

/*
 * Builds the policy from cfg: parses api_tokens and allow_targets, reads token_file (refused if it
 * is not a regular file, is readable or writable by every user, or holds no token). Main thread.
 * NULL and *cause ("security.token_file: /etc/rampage/tokens: readable by every user ...").
 */
struct security *security_new(const struct conf *cfg, char **cause);
/* Frees. NULL is a no-op. */
void security_free(struct security *sec);
/*
 * A policy that holds only a target allowlist: list (allow_targets' syntax; NULL or empty: nothing
 * is allowed), named key in refusals ("webhooks.allow"; a string that outlives the policy). Only
 * security_check_target, security_check_addr and security_check_ip may be asked of it: so another
 * kind of outbound request (webhooks) is judged by the same matcher as load, at validation and at
 * connect time. Any thread. NULL and *cause ("KEY: why") on a bad list.
 */
struct security *security_allowlist_new(const char *list, const char *key, char **cause);

/* Whether any API token is configured (then state-changing requests need one). */
int security_has_tokens(const struct security *sec);
/* Whether reads (GET, /api/live) need a token too: protect_reads and some token configured. */
int security_protect_reads(const struct security *sec);

/* Whether the len bytes at token are one of the configured tokens (constant time per token). */
int security_token_ok(const struct security *sec, const char *token, size_t len);
/* Whether an Authorization header value is "Bearer <a configured token>" (NULL: no). */
int security_bearer_ok(const struct security *sec, const char *authorization);
/*
 * Whether a websocket request head (request line and headers, as the front door peeked them)
 * carries a configured token: `?token=` in the request target (percent-encoded), an
 * `Authorization: Bearer` header, or an entry "bearer.<token>" in Sec-WebSocket-Protocol (browsers
 * cannot set Authorization on websockets: `new WebSocket(url, ["live", "bearer." + token])`).
 */
int security_head_ok(const struct security *sec, const char *head, size_t len);

/* What security_request_check looks at: header values (NULL when absent) and the connection. */
struct security_request {
	const char *method;
	const char *host;              /* Host */
	const char *origin;            /* Origin */
	const char *fetch_site;        /* Sec-Fetch-Site */
	const char *content_type;      /* Content-Type */
	const char *client;            /* X-Rampage-Client (the dashboard and the CLI always send it) */
	int preflight;                 /* Access-Control-Request-Method present */
	int navigation;                /* a page navigation (Sec-Fetch-Mode: navigate) outside /api/ */
	int has_body;                  /* Content-Length above 0, or Transfer-Encoding */
	const struct sockaddr *local;  /* the connection's own address (getsockname), or NULL */
};
/*
 * The same-origin rule, as browsers' own defences are designed: 0 if the request may proceed,
 * else the status to answer (421, 403, 415) and *why (caller frees), naming the header:
 *   - 421: Host is present and names neither localhost, 127.0.0.1, [::1], the listen address or
 *     the connection's own address on our port, nor an entry of server.allowed_hosts.
 *   - 403: Origin is present and is not http(s)://<Host>; Sec-Fetch-Site is present and neither
 *     same-origin nor none (a navigation's GET outside /api/ excepted: links to the dashboard);
 *     an OPTIONS preflight; a bodiless POST/PUT/PATCH/DELETE with neither a JSON Content-Type
 *     nor X-Rampage-Client.
 *   - 415: a state-changing request whose Content-Type is not application/json, or with a body
 *     and neither header (what a form or a text/plain fetch sends without a preflight).
 * Any thread; allocates only to explain a refusal.
 */
int security_request_check(const struct security *sec, const struct security_request *rq,
    char **why);

/*
 * The bind policy: 0 if cfg's listen address is loopback (127.0.0.0/8, ::1) or tokens are
 * configured; 1 if it is neither but security.allow_insecure_bind is set (worth a warning); else
 * -1 and *cause naming the keys to set.
 */
int security_check_bind(const struct conf *cfg, char **cause);

/*
 * The target allowlist for a URL origin, "scheme://host[:port]" ("http://127.0.0.1:8080",
 * "https://[::1]", "http://api.local"): 0 if allowed, else -1 and *why (caller frees) naming the
 * host and security.allow_targets.
 */
int security_check_target(const struct security *sec, const char *origin, char **why);
/*
 * The run-time check, for the engine's CURLOPT_OPENSOCKETFUNCTION (the address curl is about to
 * connect to): 0 if sa (AF_INET or AF_INET6; IPv4-mapped IPv6 counts as IPv4) is inside a listed
 * network, else -1 and, if why is not NULL, *why (caller frees). No allocation when allowed or
 * when why is NULL, so it may run on a worker's request path.
 */
int security_check_addr(const struct security *sec, const struct sockaddr *sa, char **why);
/* The same for an address in text ("10.0.0.1", "::1"), e.g. CURLINFO_PRIMARY_IP. */
int security_check_ip(const struct security *sec, const char *ip, char **why);

/* The caps on what a run may ask for ([limits]). */
struct security_caps {
	int max_vus;               /* limits.max_vus */
	int max_rate;              /* limits.max_rate: iterations per second */
	int64_t max_duration_ns;   /* limits.max_duration */
};
/* The policy's caps (immutable, live as long as sec). */
const struct security_caps *security_caps(const struct security *sec);
/*
 * The value of environment variable name if it is listed in security.env_allow, else NULL (it
 * reads as unset): what {{env.NAME}} may see of the daemon's environment.
 */
const char *security_env(const struct security *sec, const char *name);

/* ---- Syntax checks for the config table (pure): 0, or -1 and *why (caller frees). */

struct conf;
/* Installs the checks below as cfg's checks of the [security] lists (core/conf.h), so a bad
   value in the file or on the command line is refused with its file, line and key. Main thread,
   after conf_init, before conf_load. */
void security_conf_checks(struct conf *cfg);
/* A comma-separated list of tokens (api_tokens); empty entries are ignored. */
int security_tokens_check(const char *list, char **why);
/* A comma-separated list of targets (allow_targets): CIDRs, IPs, names and globs. */
int security_targets_check(const char *list, char **why);
/* A comma-separated list of environment variable names or globs (env_allow). */
int security_env_names_check(const char *list, char **why);
/* A comma-separated list of host names or addresses, each with an optional :port (allowed_hosts). */
int security_hosts_check(const char *list, char **why);

#endif
