/*
 * store-delivery.h — the SQL of storing accepted messages.
 *
 * The node's group commit (node/delivery.c) puts several sessions'
 * messages into one pg_request with store_delivery_add(): first a lock of
 * every target mailbox of the batch (one global lock order, so concurrent
 * batches never deadlock), then set-based petrel_deliver_batch()
 * statements storing all messages, petrel_deliver_mark() setting the flags
 * and keywords delivery rules gave, then petrel_queue_add() queueing the
 * remote recipients. The request is one transaction; its Sync result means
 * all are durable: local copies and queue rows commit together.
 */
#ifndef STORE_DELIVERY_H
#define STORE_DELIVERY_H

#include "pg-pool.h"
#include "store-content.h"

#include <stddef.h>
#include <stdint.h>

struct store_message {
	char queue_id[32];
	const char *node_id;
	const char *protocol;        /* "smtp", "lmtp" */
	char client_ip[64];
	char *helo;
	char *mail_from;
	char **recipients;           /* as given in RCPT TO */
	unsigned int recipient_count;
	int64_t *account_ids;        /* target mailboxes, parallel arrays */
	int64_t *mailbox_ids;
	unsigned int target_count;
	char **remote_recipients;    /* queued for remote delivery (queue-pg) */
	unsigned int remote_count;
	int queue_lifetime;          /* seconds, setting queue_max_lifetime */
	/* Delivery rules' marks on every local copy: flag bits (messages.flags,
	   e.g. 0x01 seen, 0x04 flagged) and blank-separated keywords ("" none). */
	unsigned int flags;
	char *keywords;
	struct store_content content;
};

void store_message_free(struct store_message **msg);

/* Statements storing msgs[0..count) with their target mailboxes locked,
   and queueing their remote recipients; the messages must live until the
   request's callback. */
void store_delivery_add(struct pg_request *req, struct store_message *const *msgs,
			unsigned int count);

#endif
