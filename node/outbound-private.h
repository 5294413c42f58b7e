/*
 * outbound-private.h — the delivery runner's internals shared by
 * outbound-runner.c (claims, limits, leases, results, drain) and
 * outbound-batch.c (one claimed batch: contents, routes, DNS, SMTP).
 *
 * A batch is one claim: recipients of one destination domain, grouped by
 * message. Its messages are split into route groups (transport, the
 * sender domain's smarthost, or MX), each delivered by one or more SMTP
 * clients. Every recipient ends with a result (code 0 while it has none);
 * when no group is busy any more the runner records the results and
 * releases the recipients that were never attempted (drain, rate limit).
 */
#ifndef OUTBOUND_PRIVATE_H
#define OUTBOUND_PRIVATE_H

#include "dns.h"
#include "outbound-runner.h"
#include "pgq-lease.h"
#include "pgq-route.h"
#include "smtp-client.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct worker;
struct outbound_batch;

struct outbound_msg {
	struct smtp_client_message m;   /* what the client sends; m.owner = this */
	char *queue_id;
	int64_t content_id;
	int64_t sender_domain_id;
	unsigned int first;             /* index of its first recipient in batch->results */
	struct outbound_group *group;
	bool handed_out;                /* given to a client: its outcome is the client's */
};

/* Messages of a batch that take the same route. */
struct outbound_group {
	struct outbound_batch *batch;
	char route[1024];               /* "mx:", "transport:host:port", "smarthost:…" */
	char relay[300];                /* for logs: the route's host or the MX domain */
	struct pgq_route next_hop;      /* transport or smarthost, when fixed */
	bool fixed;                     /* false: MX of the destination domain */
	unsigned int *msgs;             /* indexes into batch->msgs */
	unsigned int msg_count, next_msg;
	struct dns_query *query;
	struct dns_mail_host *hosts;    /* the lookup's answer, kept for more connections */
	unsigned int host_count;
	struct smtp_client_params params;
	char *ehlo_name, *auth_user, *auth_password;   /* params' strings, owned */
	struct outbound_conn *conns;    /* connections open */
	bool finished;                  /* every message has its results, no connection left */
};

/* One SMTP connection of a group. */
struct outbound_conn {
	struct outbound_group *group;
	struct smtp_client *client;
	unsigned int handed;            /* messages given to it */
	struct outbound_conn *next;
};

struct outbound_batch {
	struct outbound_runner *runner;
	struct outbound_batch *prev, *next;
	char *domain;
	struct outbound_msg *msgs;
	unsigned int msg_count;
	struct pgq_lease_result *results;   /* one per recipient; code 0: none yet */
	unsigned int *rcpt_msg;             /* recipient -> index of its message */
	unsigned int rcpt_count;
	struct outbound_group *groups;
	unsigned int group_count;
	unsigned int clients;            /* connections open for this batch */
	bool loading;                    /* contents being loaded */
	bool recording;                  /* results being written */
};

/* Rate limiting: messages handed to connections per domain and minute. */
struct outbound_domain_use {
	char *domain;
	ev_tstamp window_start;          /* rate: messages sent in the current minute */
	unsigned int window_sent;
	struct outbound_domain_use *next;
};

struct outbound_runner {
	struct worker *worker;
	struct dns_resolver *dns;
	SSL_CTX *tls_ctx;
	char holder[128];
	struct outbound_batch *batches;
	struct outbound_domain_use *domains;
	bool claiming;                   /* a claim request is in flight */
	bool claim_again;                /* woken while claiming */
	bool started;                    /* settings loaded: claiming allowed */
	bool draining;
	unsigned int releasing;          /* release/result requests in flight during drain */
	ev_timer poll_timer, renew_timer;
};

/* outbound-runner.c */
/* May this batch open one more connection (beyond the one it reserves)? */
bool outbound_may_connect(struct outbound_runner *runner, const struct outbound_batch *batch);
/* May one more message for domain be handed out now? Not while draining
   or when this worker's share of the domain's rate is used up. */
bool outbound_may_send(struct outbound_runner *runner, const char *domain);
/* A message for domain was handed to a connection (rate limit). */
void outbound_count_message(struct outbound_runner *runner, const char *domain);
/* Every group is finished: record the results, free the batch. */
void outbound_batch_finished(struct outbound_batch *batch);

/* outbound-batch.c */
/* A batch from a claim's rows (ordered by message); loads the contents,
   then routes and delivers. */
struct outbound_batch *outbound_batch_new(struct outbound_runner *runner,
					  const struct pgq_claimed *rcpts, unsigned int count);
/* Drain: hand out no more messages, cancel lookups not answered yet. */
void outbound_batch_drain(struct outbound_batch *batch);
void outbound_batch_free(struct outbound_batch *batch);
/* The recipient ids of the batch, for lease renewal. */
unsigned int outbound_batch_ids(const struct outbound_batch *batch, int64_t *ids);

#endif
