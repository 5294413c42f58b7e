/*
 * metrics.h — the node's counters for GET /metrics.
 *
 * Every worker counts into its own slice of the node's shared memory
 * (node-shm.h), so counting is a relaxed atomic add with no lock and no
 * message between processes, and any worker can answer a scrape for the
 * whole node by summing the slices. Counters are totals since the node
 * started: a dead worker's slice is kept (unlike its session counts).
 *
 * The worker's PostgreSQL pool counts its waits and query latencies
 * straight into the slice too (metrics_attach_pool()).
 */
#ifndef METRICS_H
#define METRICS_H

#include "config.h"
#include "greylist-key.h"
#include "pg-pool.h"
#include "pgq-result.h"
#include "smtp-policy.h"

#include <stdbool.h>
#include <stdint.h>

struct worker;

/* Messages, by what happened to them. */
enum metrics_message {
	METRICS_MSG_ACCEPTED,     /* stored after DATA (SMTP, submission, LMTP) */
	METRICS_MSG_DELIVERED,    /* copies filed into local mailboxes */
	METRICS_MSG_SENT,         /* remote recipients delivered */
	METRICS_MSG_DEFERRED,     /* remote attempts to retry later */
	METRICS_MSG_BOUNCED,      /* remote recipients failed or expired */
	METRICS_MSG_COUNT
};

/* Where in the SMTP dialogue a refusal happened. */
enum metrics_stage {
	METRICS_STAGE_CONNECT,
	METRICS_STAGE_HELO,
	METRICS_STAGE_MAIL,
	METRICS_STAGE_RCPT,
	METRICS_STAGE_DATA,
	METRICS_STAGE_COUNT
};

enum metrics_greylist {
	METRICS_GREYLIST_GREYLISTED,   /* answered 451 */
	METRICS_GREYLIST_PASSED,       /* a retry after the delay */
	METRICS_GREYLIST_WHITELISTED,  /* triplet or network already known */
	METRICS_GREYLIST_COUNT
};

enum metrics_auth_protocol {
	METRICS_AUTH_SMTP,
	METRICS_AUTH_IMAP,
	METRICS_AUTH_POP3,
	METRICS_AUTH_DAV,
	METRICS_AUTH_ADMIN,
	METRICS_AUTH_OTHER,
	METRICS_AUTH_COUNT
};

/* One worker's slice (also the sum over slices). */
struct metrics_slice {
	uint64_t messages[LISTENER_COUNT][METRICS_MSG_COUNT];
	/* [protocol][stage][0 = permanent 5xx, 1 = temporary 4xx] */
	uint64_t rejected[LISTENER_COUNT][METRICS_STAGE_COUNT][2];
	uint64_t greylist[METRICS_GREYLIST_COUNT];
	uint64_t auth_failures[METRICS_AUTH_COUNT];
	uint64_t admin_requests[5];            /* [status / 100 - 1] */
	struct pg_pool_stats pg;
};

const char *metrics_message_name(enum metrics_message m);
const char *metrics_stage_name(enum metrics_stage stage);
const char *metrics_greylist_name(enum metrics_greylist g);
const char *metrics_auth_protocol_name(enum metrics_auth_protocol p);

/* Counting, from the worker's loop. kind is the session's listener. */
void metrics_count_message(struct worker *w, enum listener_kind kind, enum metrics_message m,
			   unsigned int n);
/* A message stored after DATA, with copies filed into local mailboxes. */
void metrics_count_stored(struct worker *w, enum listener_kind kind, unsigned int local_copies);
void metrics_count_reject(struct worker *w, enum listener_kind kind, enum metrics_stage stage,
			  bool temporary);
/* A policy check refused at an SMTP stage (headers and end of data count as DATA). */
void metrics_count_policy_reject(struct worker *w, enum listener_kind kind,
				 enum smtp_stage stage, bool temporary);
/* One remote recipient's recorded outcome. */
void metrics_count_outbound(struct worker *w, enum pgq_state state);
/* A greylisting decision (a database verdict; not counted when the lookup failed). */
void metrics_count_greylist(struct worker *w, enum greylist_verdict verdict);
/* protocol as the auth layer names it ("imap", "pop3", "smtp", ...). */
void metrics_count_auth_failure(struct worker *w, const char *protocol);
/* An HTTP reply on listener kind (counted for the admin listener). */
void metrics_count_http_reply(struct worker *w, enum listener_kind kind, int status);

/* Make the worker's pool count into the worker's slice. */
void metrics_attach_pool(struct worker *w);

/* The node's totals: every worker's slice summed. */
void metrics_sum(const struct worker *w, struct metrics_slice *total);

#endif
