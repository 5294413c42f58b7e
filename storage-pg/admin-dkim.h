/*
 * admin-dkim.h — the DKIM signing keys of local domains, for petrelctl.
 *
 * Keys are made by the caller (ctl/ctl-dkim.c, with OpenSSL); this module
 * only stores, lists and deletes them (schema/008_dkim.sql).
 */
#ifndef ADMIN_DKIM_H
#define ADMIN_DKIM_H

#include "admin-db.h"

/* The most bytes of a selector (one DNS label's worth, dots allowed). */
#define ADMIN_DKIM_SELECTOR_MAX 63

struct admin_dkim_key {
	const char *domain;
	const char *selector;
	const char *algorithm;    /* "rsa-sha256" | "ed25519-sha256" */
	const char *public_key;   /* the TXT record's p= value */
	const char *created_at;   /* ISO 8601 UTC */
};

typedef void admin_dkim_cb(const struct admin_dkim_key *key, void *context);

/* Store a key. Errors: "no such domain D", "invalid selector 'S'",
   "domain D already has a DKIM key with selector S". */
int admin_dkim_add(struct admin_db *db, const char *domain, const char *selector,
		   const char *algorithm, const char *private_key, const char *public_key,
		   const char **error_r);
/* Delete one key: "domain D has no DKIM key with selector S". */
int admin_dkim_del(struct admin_db *db, const char *domain, const char *selector,
		   const char **error_r);
/* The keys of one domain (NULL = every domain), by domain then selector;
   pointers are valid during the callback only. Returns the number of keys,
   or -1 ("no such domain D"). */
int admin_dkim_list(struct admin_db *db, const char *domain, admin_dkim_cb *cb, void *context,
		    const char **error_r);

#endif
