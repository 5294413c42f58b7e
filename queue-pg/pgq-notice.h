/*
 * pgq-notice.h — the SQL side of delivery status notifications
 * (schema/007_dsn.sql): claiming queued messages whose sender must be told
 * about failed, expired or long-delayed recipients, under a lease, and
 * marking them notified in the transaction that stores or queues the DSN.
 *
 * Null-sender messages never come back from a claim: the SQL marks them
 * without a notice (no bounce of a bounce).
 */
#ifndef PGQ_NOTICE_H
#define PGQ_NOTICE_H

#include "pg-pool.h"
#include "pgq-dsn.h"

#include <stdint.h>
#include <time.h>

struct pgq_notice {
	int64_t message_id;          /* queue_messages.id, for the done mark */
	const char *queue_id;
	const char *sender;          /* never "" */
	time_t arrival;              /* queued at */
	time_t expires;              /* end of the queue lifetime */
	const unsigned char *headers;   /* original header block, <= 64 KB */
	size_t headers_size;
	/* what to report, parallel arrays of rcpt_count entries */
	const struct pgq_dsn_recipient *rcpts;
	const int64_t *rcpt_ids;     /* queue_recipients.id */
	unsigned int rcpt_count;     /* >= 1 */
};

/* notices (NULL with count 0 when nothing is due, or on error) and all
   their strings are valid only during the callback. */
typedef void pgq_notice_claim_callback_t(void *ctx, const char *error,
					 const struct pgq_notice *notices, unsigned int count);

/* Claim up to max messages for holder for lease_seconds. delay_seconds is
   the queue_delay_warning setting (0: no delay warnings). */
void pgq_notice_claim(struct pg_pool *pool, const char *holder, unsigned int max,
		      unsigned int lease_seconds, unsigned int delay_seconds,
		      pgq_notice_claim_callback_t *callback, void *ctx);

/* Add to req the statement marking the recipients of message message_id
   as reported (failed_ids notified, delayed_ids warned) and releasing its
   lease. It fails, and with it the whole request, when holder no longer
   holds the lease, so a DSN stored by the same request never goes out
   twice. */
void pgq_notice_done_add(struct pg_request *req, const char *holder, int64_t message_id,
			 const int64_t *failed_ids, unsigned int failed_count,
			 const int64_t *delayed_ids, unsigned int delayed_count);

#endif
