/*
 * store-auth.h — what a login needs from PostgreSQL: the account behind a
 * login name (with its password hash, status and master flag), and the
 * record of a failed login (table auth_failures).
 */
#ifndef STORE_AUTH_H
#define STORE_AUTH_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

struct store_auth_account {
	int64_t id;
	int64_t domain_id;
	const char *address;        /* canonical localpart@domain */
	const char *password_hash;
	bool blocked;
	bool is_master;
};

/* accounts[i] answers addresses[i]; NULL when there is no such account.
   Pointers are valid during the callback only. */
typedef void store_auth_callback_t(void *ctx, const char *error,
				   const struct store_auth_account *const *accounts);

/* Look up one or two addresses (a login and its master user) in one round
   trip. Addresses are matched case-insensitively. */
void store_auth_lookup(struct pg_pool *pool, const char *const *addresses, unsigned int count,
		       store_auth_callback_t *callback, void *ctx);

struct store_auth_failure {
	const char *node_id;
	const char *protocol;       /* "imap", "pop3", "smtp", "admin" */
	const char *client_ip;      /* "" when unknown */
	const char *username;
	const char *reason;         /* "password", "unknown-user", "blocked", "master" */
	/* the ban settings: ban_failures failures within ban_window seconds
	   ban the client address for ban_duration seconds (0 failures: never) */
	long long ban_failures, ban_window, ban_duration;
};

/* Record a failed login and, in the same transaction, ban the client
   address when it reached the limit (petrel_auth_failure(), schema/012);
   fire and forget (an error is only logged, a new ban too). */
void store_auth_record_failure(struct pg_pool *pool, const struct store_auth_failure *failure);

#endif
