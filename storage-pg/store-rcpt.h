/*
 * store-rcpt.h — answer "where does this address deliver?" for RCPT TO,
 * in one round trip (the petrel_resolve_rcpt() SQL function expands
 * aliases, sub-addresses and catch-alls).
 */
#ifndef STORE_RCPT_H
#define STORE_RCPT_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

enum store_rcpt_kind {
	STORE_RCPT_ACCOUNT,     /* a local account: deliver to its INBOX */
	STORE_RCPT_REMOTE,      /* an alias target outside our domains */
	STORE_RCPT_NODOMAIN,    /* the domain is not served here */
	STORE_RCPT_UNKNOWN,     /* local domain, no such user */
	STORE_RCPT_LOOP,        /* alias expansion only found loops */
};

struct store_rcpt_target {
	enum store_rcpt_kind kind;
	int64_t account_id;
	int64_t mailbox_id;     /* the account's INBOX */
	int64_t domain_id;
	const char *address;    /* canonical account address or remote target */
	int64_t quota_bytes;    /* 0 = unlimited */
	int64_t used_bytes;
	bool blocked;
	/* The address itself is an alias only internal senders may write to
	   (authenticated, or of the alias's domain); the same in every row. */
	bool reject_external;
};

/* error != NULL: the lookup failed (database trouble), targets empty.
   targets and their strings are valid only during the callback. */
typedef void store_rcpt_callback_t(void *ctx, const struct store_rcpt_target *targets,
				   unsigned int count, const char *error);

void store_rcpt_resolve(struct pg_pool *pool, const char *address, const char *delimiter,
			int max_depth, store_rcpt_callback_t *callback, void *ctx);

#endif
