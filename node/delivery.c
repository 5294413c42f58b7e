/*
 * delivery.c — group commit (see delivery.h).
 *
 * One batch is in flight per worker at a time: while it commits, the next
 * one gathers everything that arrives, up to the delivery_batch_max
 * setting. (Measured: allowing two in flight only halves the batch size
 * and costs PostgreSQL more CPU per message; the node's several workers
 * already keep several batches in flight.)
 */
#include "delivery.h"

#include "log.h"
#include "pg-pool.h"
#include "settings.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdlib.h>

#define DELIVERY_MAX_INFLIGHT 1

struct delivery_item {
	struct delivery_item *next;
	struct store_message *msg;
	delivery_callback_t *callback;
	void *ctx;
	bool alone;          /* retried on its own after a failed batch */
};

struct delivery_batch {
	struct delivery *delivery;
	struct delivery_item **items;
	unsigned int count;
};

struct delivery {
	struct pg_pool *pool;
	const struct settings_cache *settings;
	struct delivery_item *head, *tail;
	unsigned int inflight;
};

static void delivery_kick(struct delivery *d);

struct delivery *delivery_new(struct pg_pool *pool, const struct settings_cache *settings)
{
	struct delivery *d = xcalloc(1, sizeof(*d));

	d->pool = pool;
	d->settings = settings;
	return d;
}

static void delivery_item_finish(struct delivery_item *item, const char *error)
{
	item->callback(item->ctx, error);
	store_message_free(&item->msg);
	free(item);
}

void delivery_free(struct delivery **dp)
{
	struct delivery *d = *dp;

	if (d == NULL)
		return;
	*dp = NULL;
	while (d->head != NULL) {
		struct delivery_item *item = d->head;

		d->head = item->next;
		delivery_item_finish(item, "shutting down");
	}
	free(d);
}

static void delivery_requeue_alone(struct delivery *d, struct delivery_batch *batch)
{
	/* back to the front, in their original order */
	for (unsigned int i = batch->count; i-- > 0;) {
		struct delivery_item *item = batch->items[i];

		item->alone = true;
		item->next = d->head;
		d->head = item;
		if (d->tail == NULL)
			d->tail = item;
	}
}

static void delivery_batch_done(void *ctx, const struct pg_reply *reply)
{
	struct delivery_batch *batch = ctx;
	struct delivery *d = batch->delivery;

	d->inflight--;
	if (reply->error != NULL && reply->rolled_back && batch->count > 1) {
		log_warning("delivery", NULL, "event=batch_failed messages=%u action=retry_each "
			    "error=\"%s\"", batch->count, reply->error);
		delivery_requeue_alone(d, batch);
	} else {
		if (reply->error != NULL) {
			log_error("delivery", NULL, "event=store_failed messages=%u error=\"%s\"",
				  batch->count, reply->error);
		}
		for (unsigned int i = 0; i < batch->count; i++)
			delivery_item_finish(batch->items[i], reply->error);
	}
	free(batch->items);
	free(batch);
	delivery_kick(d);
}

static void delivery_start_batch(struct delivery *d)
{
	unsigned int max = settings_get_number(d->settings, "delivery_batch_max", 0, 0);
	struct delivery_batch *batch = xcalloc(1, sizeof(*batch));
	struct store_message **msgs;

	batch->delivery = d;
	batch->items = xmalloc(sizeof(*batch->items) * max);
	while (d->head != NULL && batch->count < max) {
		struct delivery_item *item = d->head;

		/* a message being retried alone travels alone */
		if (item->alone && batch->count > 0)
			break;
		d->head = item->next;
		if (d->head == NULL)
			d->tail = NULL;
		batch->items[batch->count++] = item;
		if (item->alone)
			break;
	}
	msgs = xmalloc(sizeof(*msgs) * batch->count);
	for (unsigned int i = 0; i < batch->count; i++)
		msgs[i] = batch->items[i]->msg;

	struct pg_request *req = pg_request_new(delivery_batch_done, batch);

	store_delivery_add(req, msgs, batch->count);
	free(msgs);
	log_debug("delivery", NULL, "event=batch messages=%u queued=%u", batch->count,
		  pg_pool_queued(d->pool));
	d->inflight++;
	pg_pool_submit(d->pool, req);
}

static void delivery_kick(struct delivery *d)
{
	while (d->head != NULL && d->inflight < DELIVERY_MAX_INFLIGHT)
		delivery_start_batch(d);
}

void delivery_submit(struct delivery *d, struct store_message *msg,
		     delivery_callback_t *callback, void *ctx)
{
	struct delivery_item *item = xcalloc(1, sizeof(*item));

	item->msg = msg;
	item->callback = callback;
	item->ctx = ctx;
	if (d->tail != NULL)
		d->tail->next = item;
	else
		d->head = item;
	d->tail = item;
	delivery_kick(d);
}
