/*
 * outbound-bounce.h — the job that tells senders about their queued mail:
 * failure DSNs for recipients that failed or expired, delay warnings after
 * queue_delay_warning. Worker 0 of every node runs it; leases in the queue
 * (queue-pg/pgq-notice.h) make every notice go out exactly once across the
 * cluster.
 */
#ifndef OUTBOUND_BOUNCE_H
#define OUTBOUND_BOUNCE_H

struct worker;
struct outbound_bounce;

struct outbound_bounce *outbound_bounce_new(struct worker *worker);
/* Stops the job; notices in flight finish (or fail) on their own. */
void outbound_bounce_free(struct outbound_bounce **bounce);

#endif
