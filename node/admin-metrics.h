/*
 * admin-metrics.h — GET /metrics on the admin listener: the node's
 * counters in the Prometheus text format (version 0.0.4).
 *
 * Sessions per protocol, messages accepted/rejected/delivered/deferred/
 * bounced, greylist outcomes, auth failures (node/metrics.h, counted by
 * every worker in the node's shared memory, so any worker answers for the
 * whole node), PostgreSQL pool waits and query latency histogram, and the
 * cluster's queue size (one query, cached briefly).
 */
#ifndef ADMIN_METRICS_H
#define ADMIN_METRICS_H

#include <stddef.h>

struct worker;

/* text is malloc'd (the receiver frees it); NULL when it could not be
   made (logged), to be answered 503. Called in the loop, later, never
   from inside admin_metrics_render(). */
typedef void admin_metrics_reply_t(void *ctx, char *text, size_t len);

void admin_metrics_render(struct worker *worker, admin_metrics_reply_t *reply, void *ctx);

#endif
