/*
 * store-block-log.c — the block_log insert (see store-block-log.h).
 */
#include "store-block-log.h"

#include "log.h"
#include "pg-pool.h"
#include "store-content.h"
#include "store-private.h"

#include <stddef.h>

static void store_block_log_inserted(void *ctx, const struct pg_reply *reply)
{
	const char *error = store_reply_error(reply);

	if (error != NULL)
		log_warning("policy", NULL, "event=block_log_failed error=\"%s\"", error);
}

/* Client-supplied text may be anything; the columns are UTF-8 text. */
static void store_block_log_text(struct pg_request *req, const char *text)
{
	if (text == NULL)
		pg_request_param_null(req);
	else
		store_param_utf8(req, text);
}

void store_block_log_add(struct pg_pool *pool, const struct store_block_entry *e)
{
	struct pg_request *req = pg_request_new(store_block_log_inserted, NULL);

	pg_request_add(req, "INSERT INTO block_log (node_id, client_ip, helo, sender, recipient, "
		       "stage, check_name, reason, reply) "
		       "VALUES ($1, $2::inet, $3, $4, $5, $6, $7, $8, $9)");
	pg_request_param_text(req, e->node_id);
	if (e->client_ip == NULL || e->client_ip[0] == '\0')
		pg_request_param_null(req);
	else
		pg_request_param_text(req, e->client_ip);
	store_block_log_text(req, e->helo);
	store_block_log_text(req, e->sender);
	store_block_log_text(req, e->recipient);
	pg_request_param_text(req, e->stage);
	pg_request_param_text(req, e->check);
	store_block_log_text(req, e->reason);
	store_block_log_text(req, e->reply);
	pg_pool_submit(pool, req);
}
