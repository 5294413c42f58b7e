/*
 * store-private.h — small helpers every asynchronous store module uses to
 * read replies of the pg pool.
 */
#ifndef STORE_PRIVATE_H
#define STORE_PRIVATE_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

/* What a store operation remembers across its request: the caller's
   callback (cast back to the operation's own type in the reply handler)
   and context. Freed by the reply handler. */
struct store_call {
	void (*callback)(void);
	void *ctx;
};
struct store_call *store_call_new(void (*callback)(void), void *ctx);
#define STORE_CALL(callback, ctx) store_call_new((void (*)(void))(callback), (ctx))

/* The reply's error, or "no result" when a statement produced nothing
   usable; NULL when every statement succeeded. */
const char *store_reply_error(const struct pg_reply *reply);
/* Column values of text-format results; NULL reads as 0 / "". */
int64_t store_get_int64(const PGresult *res, int row, int col);
const char *store_get_text(const PGresult *res, int row, int col);
bool store_get_bool(const PGresult *res, int row, int col);
/* The SQLSTATE embedded in a pool error ("... (sqlstate XXXXX)"), so a
   caller can map Petrel's own codes (schema/002_imap.sql); "" if none. */
const char *store_error_sqlstate(const char *error, char buf[6]);

#endif
