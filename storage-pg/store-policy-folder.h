/*
 * store-policy-folder.h — where a policy decision files a message: the
 * mailbox called folder (e.g. "Junk") of each target account, so the
 * node can deliver there instead of INBOX.
 */
#ifndef STORE_POLICY_FOLDER_H
#define STORE_POLICY_FOLDER_H

#include <stdint.h>

struct pg_pool;

/* mailbox_ids[i] is account_ids[i]'s mailbox called folder, or 0 when it
   has none; error != NULL when the lookup failed. */
typedef void store_policy_folder_callback_t(void *ctx, const int64_t *mailbox_ids,
					    const char *error);

void store_policy_folder_find(struct pg_pool *pool, const int64_t *account_ids,
			      unsigned int count, const char *folder,
			      store_policy_folder_callback_t *callback, void *ctx);

#endif
