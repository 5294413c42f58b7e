/*
 * store-stats.c — the outbound queue's size per state (see store-stats.h).
 */
#include "store-stats.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

const char *const store_queue_state_names[STORE_QUEUE_STATES] = {
	"queued", "delivering", "deferred", "sent", "failed", "expired",
};

struct store_queue_counts_job {
	store_queue_counts_cb *callback;
	void *ctx;
};

static void store_queue_counts_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_queue_counts_job *job = ctx;
	int64_t counts[STORE_QUEUE_STATES] = { 0 };
	const PGresult *res = reply->results[0];

	if (reply->error != NULL) {
		job->callback(job->ctx, reply->error, NULL);
		free(job);
		return;
	}
	for (int row = 0; row < PQntuples(res); row++) {
		for (int i = 0; i < STORE_QUEUE_STATES; i++) {
			if (strcmp(PQgetvalue(res, row, 0), store_queue_state_names[i]) == 0)
				counts[i] = strtoll(PQgetvalue(res, row, 1), NULL, 10);
		}
	}
	job->callback(job->ctx, NULL, counts);
	free(job);
}

void store_queue_counts(struct pg_pool *pool, store_queue_counts_cb *callback, void *ctx)
{
	struct store_queue_counts_job *job = xcalloc(1, sizeof(*job));
	struct pg_request *req = pg_request_new(store_queue_counts_reply, job);

	job->callback = callback;
	job->ctx = ctx;
	pg_request_add(req, "SELECT state, count(*) FROM queue_recipients GROUP BY state");
	pg_pool_submit(pool, req);
}
