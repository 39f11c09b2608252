/*
 * migrations: the SQL files of sql/, embedded at build time by embed-sql.sh (store_priv).
 */
#ifndef RAMPAGE_MIGRATIONS_H
#define RAMPAGE_MIGRATIONS_H

struct migration {
	int version;               /* NNN of sql/NNN-name.sql; applied in order */
	const char *name;
	const char *sql;
};

extern const struct migration store_migrations[];
extern const int store_nmigrations;

#endif
