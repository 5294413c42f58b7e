/*
 * pgq-result.h — what recording the outcome of delivery attempts answers
 * (pgq_lease_results in pgq-lease.h; petrel_queue_results in
 * schema/006_queue_runner.sql).
 *
 * A result is accepted only for recipients the holder still holds under
 * an unexpired lease: a runner whose lease was taken over gets them back
 * as not accepted and must not report anything for them (bounce, log as
 * delivered).
 */
#ifndef PGQ_RESULT_H
#define PGQ_RESULT_H

#include "pg-pool.h"

#include <stdint.h>

enum pgq_state {
	PGQ_STATE_SENT,
	PGQ_STATE_FAILED,     /* permanent (5xx): the sender gets a failure DSN */
	PGQ_STATE_DEFERRED,   /* temporary (4xx): tried again after the schedule's step */
	PGQ_STATE_EXPIRED,    /* temporary, but past the message's lifetime */
};

struct pgq_outcome {
	int64_t id;
	enum pgq_state state;
};

/* accepted lists the recipients whose result was recorded, with their new
   state (a deferral may have expired them); valid only during the
   callback. On error nothing was accepted (count 0). */
typedef void pgq_result_callback_t(void *ctx, const char *error,
				   const struct pgq_outcome *accepted, unsigned int count);

/* The pool callback of any request whose statement returns
   (recipient_id, state) rows, ctx a STORE_CALL of a pgq_result_callback_t
   (pgq-lease.c records whole batches with it). */
void pgq_result_reply(void *ctx, const struct pg_reply *reply);

#endif
