/*
 * pgq-lease.h — a delivery runner's claims from start to end
 * (schema/006_queue_runner.sql): claim a batch of one destination domain
 * while skipping domains the runner is at its limit for, renew the lease
 * of a slow batch, record the whole batch's results in one statement, and
 * give back on shutdown what was never attempted.
 *
 * The holder names one runner process uniquely ("node/worker/pid"): only
 * it may renew, report or release its rows, and only while its lease
 * lasts (release excepted: giving back is always safe).
 */
#ifndef PGQ_LEASE_H
#define PGQ_LEASE_H

#include "pg-pool.h"
#include "pgq-claim.h"
#include "pgq-result.h"
#include "pgq-schedule.h"

#include <stdbool.h>
#include <stdint.h>

struct pgq_claimed {
	struct pgq_recipient r;
	int64_t sender_domain_id;   /* the sender's local domain, 0 when not local */
};

/* rcpts ordered by message (recipients of one message adjacent), valid only
   during the callback. */
typedef void pgq_lease_claim_callback_t(void *ctx, const char *error,
					const struct pgq_claimed *rcpts, unsigned int count);

/* Claim up to max due recipients of the oldest due domain not in skip
   (skip_count names, may be 0). */
void pgq_lease_claim(struct pg_pool *pool, const char *holder, unsigned int max,
		     unsigned int lease_seconds, const char *const *skip, unsigned int skip_count,
		     pgq_lease_claim_callback_t *callback, void *ctx);

/* When to look again without a NOTIFY (petrel_queue_next_due): found
   false when nothing waits, else seconds from now (<= 0: due already,
   e.g. rows of skipped domains or rows others hold locked). */
typedef void pgq_lease_next_due_callback_t(void *ctx, const char *error, bool found,
					   double seconds);

void pgq_lease_next_due(struct pg_pool *pool, pgq_lease_next_due_callback_t *callback, void *ctx);

/* One recipient's result for pgq_lease_results. */
struct pgq_lease_result {
	int64_t id;
	enum pgq_state state;     /* SENT, FAILED or DEFERRED */
	int code;
	const char *text;
};

/* Record every result of a batch; accepted as in pgq-result.h. */
void pgq_lease_results(struct pg_pool *pool, const char *holder,
		       const struct pgq_lease_result *results, unsigned int count,
		       const struct pgq_schedule *schedule, pgq_result_callback_t *callback,
		       void *ctx);

/* renewed: how many of ids the holder still holds (their lease now lasts
   lease_seconds more); -1 on error. */
typedef void pgq_lease_count_callback_t(void *ctx, const char *error, long long count);

void pgq_lease_renew(struct pg_pool *pool, const char *holder, const int64_t *ids,
		     unsigned int count, unsigned int lease_seconds,
		     pgq_lease_count_callback_t *callback, void *ctx);
/* Back to due without counting an attempt. */
void pgq_lease_release(struct pg_pool *pool, const char *holder, const int64_t *ids,
		       unsigned int count, pgq_lease_count_callback_t *callback, void *ctx);

#endif
