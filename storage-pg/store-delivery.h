/*
 * store-delivery.h — the SQL of storing accepted messages.
 *
 * The node's group commit (node/delivery.c) puts several sessions'
 * messages into one pg_request: first store_delivery_lock() for every
 * target mailbox of the batch (one global lock order, so concurrent
 * batches never deadlock), then one store_delivery_add() per message. The
 * request is one transaction; its Sync result means all are durable.
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
	struct store_content content;
};

void store_message_free(struct store_message **msg);

/* Statement locking all target mailboxes of msgs[0..count). */
void store_delivery_lock(struct pg_request *req, struct store_message *const *msgs,
			 unsigned int count);
/* Statement storing one message; msg must live until the request's callback. */
void store_delivery_add(struct pg_request *req, const struct store_message *msg);

#endif
