/*
 * store-pop3.h — the one write POP3 needs that IMAP does not have: the
 * UPDATE state of RFC 1939 (QUIT after a transaction), which marks the
 * retrieved messages \Seen and removes exactly the messages the client
 * deleted with DELE, in one transaction.
 *
 * Reading the maildrop reuses store-imap-mailbox.h (store_imap_select for
 * the INBOX snapshot) and store-imap-message.h (store_imap_fetch).
 */
#ifndef STORE_POP3_H
#define STORE_POP3_H

#include "pg-pool.h"

#include <stdint.h>

/* removed: how many of the deleted messages were still there. */
typedef void store_pop3_update_callback_t(void *ctx, const char *error, unsigned int removed);

/* seen_uids and deleted_uids are int8multirange text (see
   store_imap_uid_multirange()), NULL for none. Messages already removed
   by another session are skipped. */
void store_pop3_update(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		       const char *seen_uids, const char *deleted_uids,
		       store_pop3_update_callback_t *callback, void *ctx);

#endif
