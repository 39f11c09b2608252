/*
 * demo_state: what the demo target remembers. Request counters are relaxed atomics (any MHD thread
 * bumps them). Issued tokens live in a FIFO ring with an open-addressing index (linear probing,
 * backward-shift deletion), both under one mutex: login and authorised requests take it once each.
 * The ring is capped (DEMO_TOKEN_MAX): past it the oldest token is forgotten, so a test that logs in
 * on every iteration cannot exhaust memory. Created users go to a small ring too; older ones answer
 * a synthesized name. Any thread.
 */
#include <config.h>

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "core/xmalloc.h"
#include "demo/demo_priv.h"


static const char *const route_names[DEMO_ROUTE_COUNT] = {
	[DEMO_ROUTE_HEALTH] = "GET /api/health",
	[DEMO_ROUTE_HEALTH_WORKER] = "GET /api/health/worker",
	[DEMO_ROUTE_USERS_LIST] = "GET /api/users",
	[DEMO_ROUTE_USERS_GET] = "GET /api/users/{id}",
	[DEMO_ROUTE_USERS_CREATE] = "POST /api/users",
	[DEMO_ROUTE_LOGIN] = "POST /api/auth/login",
	[DEMO_ROUTE_TASKS] = "POST /api/tasks",
	[DEMO_ROUTE_TASKS_GET] = "GET /api/tasks/{id}",
	[DEMO_ROUTE_STATS] = "GET /api/stats",
	[DEMO_ROUTE_STATS_RESET] = "POST /api/stats/reset",
	[DEMO_ROUTE_REDIRECT] = "* /api/redirect/{n}",
	[DEMO_ROUTE_OTHER] = "other",
};

struct token {
	uint64_t key[2];           /* the 128 random bits */
	uint64_t requests;         /* authorised requests since the last reset */
	uint32_t seen_seq;         /* 1-based order in which tokens were first seen since the reset; 0 = not yet */
};

struct created_user {
	int64_t id;                /* 0 = empty slot */
	char name[DEMO_USER_FIELD_MAX + 1];
	char email[DEMO_USER_FIELD_MAX + 1];
};

struct demo_state {
	/* lock-free */
	_Atomic uint64_t routes[DEMO_ROUTE_COUNT];
	_Atomic uint64_t statuses[6];          /* [1] = 1xx ... [5] = 5xx, [0] = other */
	_Atomic int64_t last_task_id;
	_Atomic int64_t last_user_id;
	/* shared, under tok_lock */
	pthread_mutex_t tok_lock;
	struct token *tokens;                  /* FIFO ring; until it is full, head == 0 and it grows */
	uint32_t tok_cap, tok_len, tok_head;
	uint32_t *slots;                       /* index into tokens + 1; 0 = empty */
	uint32_t slot_mask;
	uint64_t hash_seed;
	uint64_t issued;                       /* tokens issued since start (not reset) */
	uint32_t distinct;                     /* tokens seen since the last reset */
	/* shared, under user_lock */
	pthread_mutex_t user_lock;
	struct created_user *users;            /* DEMO_USER_RING slots, by id % DEMO_USER_RING */
};

const char *
demo_route_name(enum demo_route route)
{
	assert(route >= 0 && route < DEMO_ROUTE_COUNT);
	return route_names[route];
}

/* Fill buf with random bytes from the kernel. */
static void
random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0)
			continue;      /* EINTR; getrandom never fails otherwise once the pool is ready */
		p += n;
		len -= (size_t)n;
	}
}

struct demo_state *
demo_state_new(void)
{
	struct demo_state *st = xcalloc(1, sizeof *st);

	atomic_store(&st->last_user_id, DEMO_SEED_USERS);
	pthread_mutex_init(&st->tok_lock, NULL);
	pthread_mutex_init(&st->user_lock, NULL);
	st->tok_cap = 1024;
	st->tokens = xcalloc(st->tok_cap, sizeof *st->tokens);
	st->slot_mask = 2 * st->tok_cap - 1;
	st->slots = xcalloc((size_t)st->slot_mask + 1, sizeof *st->slots);
	random_bytes(&st->hash_seed, sizeof st->hash_seed);
	st->users = xcalloc(DEMO_USER_RING, sizeof *st->users);
	return st;
}

void
demo_state_free(struct demo_state *st)
{
	if (st == NULL)
		return;
	pthread_mutex_destroy(&st->tok_lock);
	pthread_mutex_destroy(&st->user_lock);
	free(st->tokens);
	free(st->slots);
	free(st->users);
	free(st);
}

void
demo_state_count_route(struct demo_state *st, enum demo_route route)
{
	atomic_fetch_add_explicit(&st->routes[route], 1, memory_order_relaxed);
}

void
demo_state_count_status(struct demo_state *st, unsigned status)
{
	unsigned cls = status / 100;

	atomic_fetch_add_explicit(&st->statuses[cls >= 1 && cls <= 5 ? cls : 0], 1, memory_order_relaxed);
}

/* Home slot of a key. */
static uint32_t
home(const struct demo_state *st, const uint64_t key[2])
{
	return (uint32_t)(((key[0] ^ st->hash_seed) * 0x9e3779b97f4a7c15ULL) >> 32) & st->slot_mask;
}

/* Slot holding key, or the empty slot where it would go. Under tok_lock. */
static uint32_t
find_slot(const struct demo_state *st, const uint64_t key[2])
{
	uint32_t i = home(st, key);

	for (;;) {
		uint32_t s = st->slots[i];
		if (s == 0)
			return i;
		const struct token *t = &st->tokens[s - 1];
		if (t->key[0] == key[0] && t->key[1] == key[1])
			return i;
		i = (i + 1) & st->slot_mask;
	}
}

/* Empty slot i, shifting later entries of the same probe run back (no tombstones). Under tok_lock. */
static void
remove_slot(struct demo_state *st, uint32_t i)
{
	uint32_t j = i;

	st->slots[i] = 0;
	for (;;) {
		j = (j + 1) & st->slot_mask;
		if (st->slots[j] == 0)
			return;
		uint32_t h = home(st, st->tokens[st->slots[j] - 1].key);
		int stays = i < j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			st->slots[i] = st->slots[j];
			st->slots[j] = 0;
			i = j;
		}
	}
}

/* Double the ring (not yet full, so nothing has wrapped) and rebuild the index. Under tok_lock. */
static void
grow(struct demo_state *st)
{
	assert(st->tok_head == 0 && st->tok_len == st->tok_cap && st->tok_cap < DEMO_TOKEN_MAX);
	st->tok_cap *= 2;
	st->tokens = xreallocarray(st->tokens, st->tok_cap, sizeof *st->tokens);
	free(st->slots);
	st->slot_mask = 2 * st->tok_cap - 1;
	st->slots = xcalloc((size_t)st->slot_mask + 1, sizeof *st->slots);
	for (uint32_t k = 0; k < st->tok_len; k++)
		st->slots[find_slot(st, st->tokens[k].key)] = k + 1;
}

void
demo_state_token_issue(struct demo_state *st, char hex[DEMO_TOKEN_HEX + 1])
{
	uint64_t key[2];
	uint32_t at;

	random_bytes(key, sizeof key);
	snprintf(hex, DEMO_TOKEN_HEX + 1, "%016llx%016llx", (unsigned long long)key[0],
	    (unsigned long long)key[1]);

	pthread_mutex_lock(&st->tok_lock);
	if (st->tok_len == st->tok_cap && st->tok_cap < DEMO_TOKEN_MAX)
		grow(st);
	if (st->tok_len == st->tok_cap) {
		/* Full: forget the oldest and reuse its place in the ring. */
		at = st->tok_head;
		remove_slot(st, find_slot(st, st->tokens[at].key));
		st->tok_head = (st->tok_head + 1) % st->tok_cap;
	} else {
		at = st->tok_len++;
	}
	st->tokens[at] = (struct token){ .key = { key[0], key[1] } };
	st->slots[find_slot(st, key)] = at + 1;
	st->issued++;
	pthread_mutex_unlock(&st->tok_lock);
}

/* Parse "Bearer <32 hex digits>" into key; -1 if it is not that shape. */
static int
parse_bearer(const char *value, uint64_t key[2])
{
	if (strncasecmp(value, "Bearer ", 7) != 0)
		return -1;
	value += 7;
	while (*value == ' ')
		value++;
	key[0] = key[1] = 0;
	for (int i = 0; i < DEMO_TOKEN_HEX; i++) {
		char c = value[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		key[i / 16] = (key[i / 16] << 4) | d;
	}
	return value[DEMO_TOKEN_HEX] == '\0' ? 0 : -1;
}

int
demo_state_token_use(struct demo_state *st, const char *authorization)
{
	uint64_t key[2];
	int known;

	if (authorization == NULL || parse_bearer(authorization, key) != 0)
		return 0;
	pthread_mutex_lock(&st->tok_lock);
	uint32_t s = st->slots[find_slot(st, key)];
	known = s != 0;
	if (known) {
		struct token *t = &st->tokens[s - 1];
		if (t->requests++ == 0)
			t->seen_seq = ++st->distinct;
	}
	pthread_mutex_unlock(&st->tok_lock);
	return known;
}

int64_t
demo_state_user_create(struct demo_state *st, const char *name, const char *email)
{
	int64_t id = atomic_fetch_add(&st->last_user_id, 1) + 1;
	struct created_user *u = &st->users[id % DEMO_USER_RING];

	assert(strlen(name) <= DEMO_USER_FIELD_MAX && strlen(email) <= DEMO_USER_FIELD_MAX);
	pthread_mutex_lock(&st->user_lock);
	u->id = id;
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->email, sizeof u->email, "%s", email);
	pthread_mutex_unlock(&st->user_lock);
	return id;
}

int
demo_state_user_json(struct demo_state *st, int64_t id, char *buf, size_t cap)
{
	int n;

	if (id < 1 || id > atomic_load(&st->last_user_id))
		return -1;
	if (id > DEMO_SEED_USERS) {
		const struct created_user *u = &st->users[id % DEMO_USER_RING];
		size_t len = 0;
		pthread_mutex_lock(&st->user_lock);
		if (u->id == id) {
			json_t *obj = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "name", u->name,
			    "email", u->email);
			len = json_dumpb(obj, buf, cap - 1, JSON_COMPACT);
			json_decref(obj);
		}
		pthread_mutex_unlock(&st->user_lock);
		if (len > 0 && len < cap) {
			buf[len] = '\0';
			return 0;
		}
	}
	n = snprintf(buf, cap, "{\"id\":%lld,\"name\":\"User %lld\",\"email\":\"user%lld@example.com\"}",
	    (long long)id, (long long)id, (long long)id);
	assert(n > 0 && (size_t)n < cap);
	return 0;
}

int64_t
demo_state_task_id(struct demo_state *st)
{
	return atomic_fetch_add_explicit(&st->last_task_id, 1, memory_order_relaxed) + 1;
}

char *
demo_state_stats_json(struct demo_state *st)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	json_t *by_route = json_object(), *by_status = json_object(), *per_token = json_object();
	uint64_t total = 0, issued;
	uint32_t distinct, listed = 0;
	char hex[DEMO_TOKEN_HEX + 1];

	for (int r = 0; r < DEMO_ROUTE_COUNT; r++) {
		uint64_t n = atomic_load_explicit(&st->routes[r], memory_order_relaxed);
		total += n;
		json_object_set_new(by_route, route_names[r], json_integer((json_int_t)n));
	}
	for (int c = 1; c <= 6; c++) {
		uint64_t n = atomic_load_explicit(&st->statuses[c % 6], memory_order_relaxed);
		json_object_set_new(by_status, classes[c % 6], json_integer((json_int_t)n));
	}

	pthread_mutex_lock(&st->tok_lock);
	issued = st->issued;
	distinct = st->distinct;
	uint32_t nlist = distinct < DEMO_TOKENS_LISTED ? distinct : DEMO_TOKENS_LISTED;
	const struct token **order = xcalloc(nlist ? nlist : 1, sizeof *order);
	for (uint32_t k = 0; k < st->tok_len; k++) {
		const struct token *t = &st->tokens[k];
		if (t->seen_seq >= 1 && t->seen_seq <= nlist)
			order[t->seen_seq - 1] = t;
	}
	for (uint32_t k = 0; k < nlist; k++) {
		if (order[k] == NULL)
			continue;      /* forgotten since it was seen */
		snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)order[k]->key[0],
		    (unsigned long long)order[k]->key[1]);
		json_object_set_new(per_token, hex, json_integer((json_int_t)order[k]->requests));
		listed++;
	}
	pthread_mutex_unlock(&st->tok_lock);
	free(order);

	json_t *root = json_pack("{s:{s:I,s:o,s:o},s:{s:I,s:I,s:I,s:o}}",
	    "requests", "total", (json_int_t)total, "by_route", by_route, "by_status", by_status,
	    "tokens", "issued", (json_int_t)issued, "distinct", (json_int_t)distinct,
	    "listed", (json_int_t)listed, "per_token", per_token);
	assert(root != NULL);
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert(s != NULL);
	return s;
}

void
demo_state_reset(struct demo_state *st)
{
	for (int r = 0; r < DEMO_ROUTE_COUNT; r++)
		atomic_store_explicit(&st->routes[r], 0, memory_order_relaxed);
	for (int c = 0; c < 6; c++)
		atomic_store_explicit(&st->statuses[c], 0, memory_order_relaxed);
	pthread_mutex_lock(&st->tok_lock);
	for (uint32_t k = 0; k < st->tok_len; k++) {
		st->tokens[k].requests = 0;
		st->tokens[k].seen_seq = 0;
	}
	st->distinct = 0;
	pthread_mutex_unlock(&st->tok_lock);
}
