/*
 * store-block-log.h — recording a policy refusal in block_log
 * (schema/011). Fire and forget: a failed insert is logged, the
 * refusal itself does not wait for it.
 */
#ifndef STORE_BLOCK_LOG_H
#define STORE_BLOCK_LOG_H

struct pg_pool;

struct store_block_entry {
	const char *node_id;
	const char *client_ip;   /* "" or NULL when unknown */
	const char *helo;        /* NULL before HELO */
	const char *sender;      /* NULL before MAIL */
	const char *recipient;   /* NULL unless refused at RCPT */
	const char *stage;       /* connect, helo, mail, rcpt, headers, complete */
	const char *check;
	const char *reason;
	const char *reply;
};

void store_block_log_add(struct pg_pool *pool, const struct store_block_entry *e);

#endif
