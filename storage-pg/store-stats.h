/*
 * store-stats.h — cluster figures for GET /metrics that only the database
 * knows: recipients in the outbound queue per state. One cheap grouped
 * query; the caller caches the answer (node/admin-metrics.c).
 */
#ifndef STORE_STATS_H
#define STORE_STATS_H

#include "pg-pool.h"

#include <stdint.h>

/* Every state of queue_recipients.state, in this order. */
#define STORE_QUEUE_STATES 6
extern const char *const store_queue_state_names[STORE_QUEUE_STATES];

/* counts[i]: recipients in state store_queue_state_names[i]; NULL with an error. */
typedef void store_queue_counts_cb(void *ctx, const char *error, const int64_t *counts);

void store_queue_counts(struct pg_pool *pool, store_queue_counts_cb *callback, void *ctx);

#endif
