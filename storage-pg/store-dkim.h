/*
 * store-dkim.h — a node's asynchronous lookup of a domain's DKIM signing
 * keys (schema/008_dkim.sql), for node/dkim-sign.c.
 *
 * Changes to dkim_keys are announced on STORE_SETTINGS_CHANNEL (the
 * trigger reuses the settings channel every worker listens on), so a
 * worker drops its cached keys when it reloads settings.
 */
#ifndef STORE_DKIM_H
#define STORE_DKIM_H

#include "pg-pool.h"

#include <stdint.h>

/* The most keys one domain signs with; more rows are ignored. */
#define STORE_DKIM_MAX_KEYS 8

struct store_dkim_key {
	const char *selector;
	const char *algorithm;     /* "rsa-sha256" | "ed25519-sha256" */
	const char *private_key;   /* PKCS#8 PEM */
};

/* domain_id is 0 when the domain is not one of ours; count is 0 when it
   has no keys. error != NULL: the lookup failed. keys and their strings
   are valid only during the callback. */
typedef void store_dkim_callback_t(void *ctx, int64_t domain_id,
				   const struct store_dkim_key *keys, unsigned int count,
				   const char *error);

/* The keys of domain (a lower-cased name), by selector. */
void store_dkim_lookup(struct pg_pool *pool, const char *domain,
		       store_dkim_callback_t *callback, void *ctx);

#endif
