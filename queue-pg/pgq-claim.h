/*
 * pgq-claim.h — one outbound recipient as a delivery runner's claim
 * returns it (petrel_queue_claim, claimed with pgq_lease_claim in
 * pgq-lease.h): a batch of due recipients of one destination domain, held
 * under a lease.
 */
#ifndef PGQ_CLAIM_H
#define PGQ_CLAIM_H

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

#endif
