/*
 * settings.h — the registry of cluster-wide settings and their effective
 * values.
 *
 * Settings live in PostgreSQL (table `settings`) with inheritance
 * server -> domain -> account: an account's value overrides its domain's,
 * which overrides the server's, which overrides the built-in default listed
 * in the registry here. The registry is the single list of names, types,
 * defaults and bounds: petrelctl validates `settings set` against it and the
 * node reads typed values through it.
 *
 * A settings_cache holds the rows loaded from the table (nodes reload it when
 * PostgreSQL NOTIFYs a change) and answers effective-value lookups in memory.
 */
#ifndef SETTINGS_H
#define SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum setting_type {
	SETTING_BOOL,      /* yes/no, true/false, on/off, 1/0 */
	SETTING_INT,       /* plain integer within [min, max] */
	SETTING_SIZE,      /* bytes: 1048576, 512K, 30M, 1G (K/M/G = 1024 powers) */
	SETTING_DURATION,  /* seconds: 300, 300s, 5m, 2h, 1d */
	SETTING_STRING,
};

enum setting_scope { SETTING_SCOPE_SERVER, SETTING_SCOPE_DOMAIN, SETTING_SCOPE_ACCOUNT };

struct setting_def {
	const char *name;
	enum setting_type type;
	const char *default_value;
	long long min, max;          /* for INT/SIZE/DURATION, in base units */
	const char *description;
};

/* NULL when no setting has that name. */
const struct setting_def *settings_find(const char *name);
/* The whole registry, sorted by name. */
const struct setting_def *settings_all(size_t *count_r);

/* Check value against the definition's type and bounds. Returns 0, or -1
   with *error_r a sentence naming the problem (static storage). */
int settings_validate(const struct setting_def *def, const char *value, const char **error_r);
/* Parse a valid value: BOOL gives 0/1, SIZE bytes, DURATION seconds. -1 when
   invalid. */
int settings_parse_number(const struct setting_def *def, const char *value, long long *value_r);

const char *settings_scope_name(enum setting_scope scope);
/* -1 when not "server", "domain" or "account". */
int settings_scope_parse(const char *name);

struct settings_cache;

struct settings_cache *settings_cache_new(void);
void settings_cache_free(struct settings_cache **cache);
/* Forget all rows (before a reload). */
void settings_cache_clear(struct settings_cache *cache);
/* Add one row as loaded from the table; rows with unknown names are kept
   (a newer node may know them) but never returned by typed getters. */
void settings_cache_put(struct settings_cache *cache, enum setting_scope scope,
			int64_t scope_id, const char *name, const char *value);

/* Effective raw value: the account row (account_id > 0), else the domain row
   (domain_id > 0), else the server row, else the registry default. The name
   must be in the registry (asserted). */
const char *settings_get(const struct settings_cache *cache, const char *name,
			 int64_t domain_id, int64_t account_id);
/* Typed effective values; an invalid stored value falls back to the default
   (and is logged once). */
long long settings_get_number(const struct settings_cache *cache, const char *name,
			      int64_t domain_id, int64_t account_id);
bool settings_get_bool(const struct settings_cache *cache, const char *name,
		       int64_t domain_id, int64_t account_id);

#endif
