/*
 * admin-queue.h — the outbound queue for operators (petrelctl queue):
 * listing queued messages with totals, one message with its recipients,
 * "retry now" and deleting what still waits.
 *
 * The queue itself is schema/005_queue.sql. Waiting recipients are those
 * in state 'queued' (new) or 'deferred' (waiting for a retry); 'delivering'
 * ones belong to a runner's lease and are never touched here.
 */
#ifndef ADMIN_QUEUE_H
#define ADMIN_QUEUE_H

#include "admin-paging.h"

#include "admin-db.h"

#include <stdbool.h>

/* At most this many messages are listed, the newest first; the totals
   always count the whole queue. */
#define ADMIN_QUEUE_LIST_MAX 1000

struct admin_queue_message {
	const char *queue_id;
	const char *node_id;         /* the node that accepted it */
	const char *sender;          /* "" = null sender */
	long long recipients;
	long long pending;           /* queued, deferred or delivering */
	long long size;
	const char *queued_at;       /* ISO 8601 UTC */
	const char *expires_at;      /* ISO 8601 UTC */
	const char *next_attempt;    /* earliest of the waiting ones; NULL when none waits */
	const char *last_error;      /* the latest recipient's error; NULL when none */
};

struct admin_queue_recipient {
	const char *recipient;
	const char *state;
	long long attempts;
	const char *next_attempt;    /* ISO 8601 UTC; NULL unless waiting */
	const char *last_code;       /* decimal text; NULL before a reply */
	const char *last_error;      /* NULL when none */
	const char *lease_node;      /* NULL unless delivering */
	const char *lease_until;
};

/* Recipients by state among those a listing selects. */
struct admin_queue_totals {
	long long messages;
	long long recipients;
	long long queued;            /* new, not tried yet */
	long long deferred;          /* waiting for a retry */
	long long delivering;
	long long done;              /* sent, failed or expired, not yet cleaned up */
};

typedef void admin_queue_message_cb(const struct admin_queue_message *msg, void *context);
typedef void admin_queue_recipient_cb(const struct admin_queue_recipient *rcpt,
				      void *context);

/* Messages having a recipient in destination domain (NULL = any) and in
   state (NULL = any; else one of the schema's states), newest first, at
   most ADMIN_QUEUE_LIST_MAX; totals_r counts the matching recipients.
   Pointers are valid during the callback only. */
int admin_queue_list(struct admin_db *db, const char *domain, const char *state,
		     admin_queue_message_cb *cb, void *context,
		     struct admin_queue_totals *totals_r, const char **error_r);
/* A page of admin_queue_list()'s messages, also searched: search is a
   queue id, or a substring of the sender or of a recipient (any case). */
struct admin_queue_query {
	const char *domain;          /* NULL = any */
	const char *state;           /* NULL = any */
	struct admin_paging paging;  /* search: queue id, sender or recipient; by
				   queued time */
};

/* The messages of one page, by the time they were queued; *total_r is
   how many match in all. Pointers are valid during the callback only. */
int admin_queue_page(struct admin_db *db, const struct admin_queue_query *query,
		     admin_queue_message_cb *cb, void *context, long long *total_r,
		     const char **error_r);

/* The summary shows this many destination domains. */
#define ADMIN_QUEUE_TOP_DOMAINS 10

typedef void admin_queue_domain_cb(const char *domain, long long waiting, void *context);

/* The whole queue's totals, then (unless cb is NULL) the destination
   domains with the most waiting (queued or deferred) recipients, most
   first. */
int admin_queue_summary(struct admin_db *db, struct admin_queue_totals *totals_r,
			admin_queue_domain_cb *cb, void *context, const char **error_r);

/* One message, then each of its recipients; -1 with "no such queued
   message ID" when it does not exist. */
int admin_queue_show(struct admin_db *db, const char *queue_id,
		     admin_queue_message_cb *msg_cb, admin_queue_recipient_cb *rcpt_cb,
		     void *context, const char **error_r);
/* Make the waiting recipients of one message (queue_id NULL: of every
   message) due now and wake the runners; *count_r is how many. */
int admin_queue_retry(struct admin_db *db, const char *queue_id, long long *count_r,
		      const char **error_r);
/* Delete the waiting recipients of one message (NULL: of every message)
   and the messages left without any recipient. */
int admin_queue_delete(struct admin_db *db, const char *queue_id, long long *recipients_r,
		       long long *messages_r, const char **error_r);

#endif
