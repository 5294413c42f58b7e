/*
 * store-imap-mailbox.h — mailbox-level SQL for IMAP and POP3: the list of
 * an account's mailboxes with their status counters, SELECT's snapshot,
 * CREATE/DELETE/RENAME/SUBSCRIBE, and the account quota.
 *
 * Names are UTF-8 with '/' as the hierarchy separator; the session
 * converts from and to modified UTF-7 and spells INBOX in upper case.
 * Errors carry Petrel's SQLSTATEs (schema/002_imap.sql), read with
 * store_imap_error_code().
 */
#ifndef STORE_IMAP_MAILBOX_H
#define STORE_IMAP_MAILBOX_H

#include "pg-pool.h"

#include <stdbool.h>
#include <stdint.h>

enum store_imap_error {
	STORE_IMAP_ERR_NONE,
	STORE_IMAP_ERR_NONEXISTENT,     /* PTNMB */
	STORE_IMAP_ERR_OVERQUOTA,       /* PTQTA */
	STORE_IMAP_ERR_ALREADYEXISTS,   /* PTEXI */
	STORE_IMAP_ERR_HASCHILDREN,     /* PTCHL */
	STORE_IMAP_ERR_CANNOT,          /* PTINV */
	STORE_IMAP_ERR_OTHER,           /* the database failed */
};

enum store_imap_error store_imap_error_code(const char *error);

struct store_imap_mailbox {
	int64_t id;
	const char *name;
	const char *special_use;     /* "\Sent"..., "" when none */
	bool subscribed;
	uint32_t messages;
	uint32_t uidnext;
	uint32_t uidvalidity;
	uint64_t highestmodseq;
	uint64_t bytes;
	uint32_t unseen;             /* only when asked for */
	uint32_t deleted;            /* only when asked for */
};

/* Counters store_imap_mailboxes() computes on request (bits). */
#define STORE_IMAP_COUNT_UNSEEN  0x01
#define STORE_IMAP_COUNT_DELETED 0x02


typedef void store_imap_mailboxes_callback_t(void *ctx, const char *error,
					     const struct store_imap_mailbox *boxes,
					     unsigned int count);

/* The account's mailboxes sorted by name, or only the one called name
   (NULL for all). counts (STORE_IMAP_COUNT_* bits; true is UNSEEN) asks
   for unseen and \Deleted messages to be counted too (a partial index
   scan per mailbox each). */
void store_imap_mailboxes(struct pg_pool *pool, int64_t account_id, const char *name,
			  unsigned int counts, store_imap_mailboxes_callback_t *callback,
			  void *ctx);

struct store_imap_select {
	int64_t id;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	const char *keywords;        /* keywords ever used, space-separated */
	uint32_t first_unseen_uid;   /* 0 when all are seen */
	const char *uids;            /* the UIDs as a sequence set ("1:5,8:9"), "" if none */
};

/* error NULL and info NULL: no such mailbox. */
typedef void store_imap_select_callback_t(void *ctx, const char *error,
					  const struct store_imap_select *info);

/* A consistent snapshot for SELECT/EXAMINE, read by one statement
   (petrel_mailbox_select, schema/004_imap_speed.sql): the mailbox row, its
   UIDs as ranges (computed by PostgreSQL, so a large mailbox is a short
   string) and the first unseen UID. */
void store_imap_select(struct pg_pool *pool, int64_t account_id, const char *name,
		       store_imap_select_callback_t *callback, void *ctx);

enum store_imap_mailbox_op {
	STORE_IMAP_CREATE,           /* arg: special-use attribute or NULL */
	STORE_IMAP_DELETE,
	STORE_IMAP_RENAME,           /* arg: the new name */
	STORE_IMAP_SUBSCRIBE,
	STORE_IMAP_UNSUBSCRIBE,
};

typedef void store_imap_done_callback_t(void *ctx, const char *error);

void store_imap_mailbox_change(struct pg_pool *pool, int64_t account_id,
			       enum store_imap_mailbox_op op, const char *name, const char *arg,
			       store_imap_done_callback_t *callback, void *ctx);

/* Bytes used by all mailboxes of the account and its quota (0 = none). */
typedef void store_imap_quota_callback_t(void *ctx, const char *error, uint64_t used_bytes,
					 uint64_t quota_bytes, uint64_t messages);
void store_imap_quota(struct pg_pool *pool, int64_t account_id,
		      store_imap_quota_callback_t *callback, void *ctx);

#endif
