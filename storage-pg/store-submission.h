/*
 * store-submission.h — what mail submission (RFC 6409) asks PostgreSQL:
 * whether an envelope sender belongs to the logged-in account.
 */
#ifndef STORE_SUBMISSION_H
#define STORE_SUBMISSION_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

/* error != NULL: the lookup failed (database trouble), owned is false. */
typedef void store_submission_sender_callback_t(void *ctx, bool owned, const char *error);

/*
 * Whether address (localpart@domain, matched case-insensitively) is the
 * account's own address or an alias whose targets include it directly.
 * A domain's catch-all does not count: it would hand the whole domain to
 * one user.
 */
void store_submission_sender_owned(struct pg_pool *pool, int64_t account_id, const char *address,
				   store_submission_sender_callback_t *callback, void *ctx);

#endif
