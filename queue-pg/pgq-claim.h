/*
 * pgq-claim.h — a delivery runner claims a batch of due outbound
 * recipients, all for one destination domain, under a lease
 * (petrel_queue_claim in schema/005_queue.sql).
 *
 * The holder names the runner (node id and worker, e.g. "node1/2"): only
 * that holder may record the recipients' results (pgq-result.h) until the
 * lease ends; after that, any runner's next claim may take them over.
 */
#ifndef PGQ_CLAIM_H
#define PGQ_CLAIM_H

#include "pg-pool.h"

#include <stdint.h>

struct pgq_recipient {
	int64_t id;              /* queue_recipients.id, for the result calls */
	const char *queue_id;
	const char *sender;      /* "" = null sender */
	const char *recipient;
	const char *domain;
	int64_t content_id;      /* message_contents.id */
	int64_t size;
	int attempts;            /* finished attempts before this one */
};

/* rcpts (NULL with count 0 when nothing is due, or on error) are ordered by
   message, so the recipients of one message are adjacent; the structs and
   their strings are valid only during the callback. error is NULL on
   success. */
typedef void pgq_claim_callback_t(void *ctx, const char *error,
				  const struct pgq_recipient *rcpts, unsigned int count);

void pgq_claim_batch(struct pg_pool *pool, const char *holder, unsigned int max,
		     unsigned int lease_seconds, pgq_claim_callback_t *callback, void *ctx);

#endif
