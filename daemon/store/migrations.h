/*
 * migrations: the SQL files of sql/, embedded at build time by embed-sql.sh into sql_embed.c, and the
 * runner that applies them. This is the store's private header: only store.c and the store's unit
 * test include it.
 *
 * Rules for a migration file (sql/NNN-name.sql):
 *   - it runs inside one transaction with foreign_keys OFF (so it may rebuild a table the way the
 *     SQLite documentation describes: create new, copy, drop old, rename); the runner checks
 *     PRAGMA foreign_key_check before committing and refuses the migration if it left a dangling key;
 *   - it does not set user_version (the runner does) and does not BEGIN or COMMIT;
 *   - once released it is never edited: a change is a new file with the next number.
 */
#ifndef RAMPAGE_MIGRATIONS_H
#define RAMPAGE_MIGRATIONS_H

#include <sqlite3.h>

struct migration {
	int version;               /* NNN of sql/NNN-name.sql; applied in order */
	const char *name;
	const char *sql;
};

extern const struct migration store_migrations[];
extern const int store_nmigrations;

/*
 * Brings db from its user_version up to m[n-1].version, each pending migration in its own transaction
 * (a failing one leaves the database at the previous version). m is sorted by version. Refuses a
 * database whose version is above m[n-1].version. 0, or -1 and *cause naming path. Logs each applied
 * migration at notice level. Called by store_open before the writer thread starts.
 */
int store_migrate(sqlite3 *db, const char *path, const struct migration *m, int n, char **cause);
/* store_open with another list of migrations than the embedded one (unit tests). */
struct store *store_open_with(const char *path, const struct migration *m, int n, char **cause);

#endif
