/*
 * store-private.c — reply helpers shared by the store modules (see
 * store-private.h).
 */
#include "store-private.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct store_call *store_call_new(void (*callback)(void), void *ctx)
{
	struct store_call *call = xmalloc(sizeof(*call));

	call->callback = callback;
	call->ctx = ctx;
	return call;
}

const char *store_reply_error(const struct pg_reply *reply)
{
	if (reply->error != NULL)
		return reply->error;
	for (unsigned int i = 0; i < reply->count; i++) {
		ExecStatusType status = reply->results[i] == NULL ? PGRES_FATAL_ERROR :
			PQresultStatus(reply->results[i]);

		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
			return "no result";
	}
	return NULL;
}

int64_t store_get_int64(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *store_get_text(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col);   /* "" for NULL */
}

bool store_get_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

const char *store_error_sqlstate(const char *error, char buf[6])
{
	const char *p = error != NULL ? strstr(error, "(sqlstate ") : NULL;

	buf[0] = '\0';
	if (p != NULL && strlen(p) >= 16) {
		memcpy(buf, p + 10, 5);
		buf[5] = '\0';
	}
	return buf;
}
