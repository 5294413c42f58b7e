/*
 * pgq-content.h — the bytes of queued messages, loaded for a delivery
 * batch in one query (message_contents.raw by id).
 */
#ifndef PGQ_CONTENT_H
#define PGQ_CONTENT_H

#include "pg-pool.h"

#include <stddef.h>
#include <stdint.h>

struct pgq_content {
	int64_t id;                 /* message_contents.id */
	const unsigned char *raw;   /* valid only during the callback */
	size_t size;
};

/* contents: those of ids that exist, in no particular order. */
typedef void pgq_content_callback_t(void *ctx, const char *error,
				    const struct pgq_content *contents, unsigned int count);

void pgq_content_load(struct pg_pool *pool, const int64_t *ids, unsigned int count,
		      pgq_content_callback_t *callback, void *ctx);

#endif
