/*
 * delivery.h — group commit of accepted messages.
 *
 * Sessions hand over a finished message; the worker stores it together with
 * whatever other sessions finished meanwhile, in one PostgreSQL transaction
 * (one fsync for the whole batch). With nothing in flight a message is sent
 * at once, so an idle node adds no latency; under load, batches grow by
 * themselves. A batch that PostgreSQL rejected is retried one message per
 * transaction, so one bad message cannot fail its neighbours.
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include "store-delivery.h"

struct delivery;
struct pg_pool;
struct settings_cache;

/* error NULL: the message is committed. */
typedef void delivery_callback_t(void *ctx, const char *error);

struct delivery *delivery_new(struct pg_pool *pool, const struct settings_cache *settings);
void delivery_free(struct delivery **delivery);
/* Takes ownership of msg; callback runs from the loop once it is decided. */
void delivery_submit(struct delivery *delivery, struct store_message *msg,
		     delivery_callback_t *callback, void *ctx);

#endif
