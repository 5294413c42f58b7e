/*
 * store-settings.h — load the cluster-wide settings table into a node's
 * settings_cache (on start and whenever PostgreSQL notifies a change).
 */
#ifndef STORE_SETTINGS_H
#define STORE_SETTINGS_H

#include "pg-pool.h"
#include "settings.h"

/* NOTIFY channel the settings table's trigger signals. */
#define STORE_SETTINGS_CHANNEL "petrel_settings"

typedef void store_settings_callback_t(void *ctx, const char *error);

/* Replace cache's rows with the table's when the query succeeds; on error the
   cache is left as it was. cache must outlive the request. */
void store_settings_load(struct pg_pool *pool, struct settings_cache *cache,
			 store_settings_callback_t *callback, void *ctx);

#endif
