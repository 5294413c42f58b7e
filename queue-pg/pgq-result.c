/*
 * pgq-result.c — reading the accepted results of a delivery batch (see
 * pgq-result.h). The lease check is in the SQL function, so a result is
 * recorded or refused atomically with respect to a takeover.
 */
#include "pgq-result.h"

#include "store-private.h"
#include "xalloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static enum pgq_state pgq_state_parse(const char *state)
{
	if (strcmp(state, "sent") == 0)
		return PGQ_STATE_SENT;
	if (strcmp(state, "failed") == 0)
		return PGQ_STATE_FAILED;
	if (strcmp(state, "expired") == 0)
		return PGQ_STATE_EXPIRED;
	assert(strcmp(state, "deferred") == 0);
	return PGQ_STATE_DEFERRED;
}

void pgq_result_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	pgq_result_callback_t *callback = (pgq_result_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	struct pgq_outcome *accepted = NULL;
	unsigned int count = 0;

	if (error == NULL) {
		const PGresult *res = reply->results[0];

		count = (unsigned int)PQntuples(res);
		accepted = count > 0 ? xcalloc(count, sizeof(*accepted)) : NULL;
		for (unsigned int i = 0; i < count; i++) {
			accepted[i].id = store_get_int64(res, i, 0);
			accepted[i].state = pgq_state_parse(store_get_text(res, i, 1));
		}
	}
	callback(call->ctx, error, accepted, count);
	free(accepted);
	free(call);
}
