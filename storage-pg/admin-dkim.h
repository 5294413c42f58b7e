/*
 * admin-dkim.h — the DKIM signing keys of local domains, for petrelctl.
 *
 * Keys are made by the caller (ctl/ctl-dkim.c, with OpenSSL); this module
 * only stores, lists and deletes them (schema/008_dkim.sql).
 */
#ifndef ADMIN_DKIM_H
#define ADMIN_DKIM_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

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

/* Keys of one domain (NULL: every domain), only the one with selector
   when not NULL, one page of them (limit < 0: all); *total_r counts every
   match. Returns the number of keys given to cb, or -1: "no such domain
   D" (or the domain name's validation error), "unknown sort field S". */
struct admin_dkim_query {
	const char *domain;
	const char *selector;
	struct admin_paging paging;  /* search: domain, selector or algorithm; sorts:
				   domain (default), selector, created_at */
};
int admin_dkim_page(struct admin_db *db, const struct admin_dkim_query *query,
		   admin_dkim_cb *cb, void *context, long long *total_r, const char **error_r);

/* Make a key pair with OpenSSL and store it (admin_dkim_add()):
   algorithm "rsa" (2048 bits) or "ed25519"; selector NULL for the
   default petrel-YYYYMM-ALGORITHM, written to selector_buf. *selector_r
   is the stored selector. A second or so for RSA: never on a loop. */
int admin_dkim_generate(struct admin_db *db, const char *domain, const char *selector,
			const char *algorithm, char selector_buf[static ADMIN_DKIM_SELECTOR_MAX + 1],
			const char **selector_r, const char **error_r);
/* The TXT value publishing key, "v=DKIM1; k=rsa; p=..." (malloc'd), and
   its name "SELECTOR._domainkey.DOMAIN." (malloc'd). */
char *admin_dkim_record(const struct admin_dkim_key *key);
char *admin_dkim_record_name(const struct admin_dkim_key *key);

#endif
