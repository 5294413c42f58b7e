/*
 * store-imap-message.h — message-level SQL for IMAP and POP3: reading
 * messages in UID order batch by batch, the changes since a modseq (for
 * the session's untagged updates), and the writes — flags, expunge,
 * copy/move, append — each one call of a schema function that takes its
 * mailbox locks in the global order.
 *
 * UID sets are passed as PostgreSQL int8multirange text ("{[1,3],[7,9]}"),
 * built by store_imap_uid_multirange().
 */
#ifndef STORE_IMAP_MESSAGE_H
#define STORE_IMAP_MESSAGE_H

#include "imap-seqset.h"
#include "pg-pool.h"
#include "store-content.h"
#include "store-imap-mailbox.h"

#include <stdbool.h>
#include <stdint.h>

/* Flag bits of messages.flags. */
#define STORE_FLAG_SEEN     0x01
#define STORE_FLAG_ANSWERED 0x02
#define STORE_FLAG_FLAGGED  0x04
#define STORE_FLAG_DELETED  0x08
#define STORE_FLAG_DRAFT    0x10

/* The int8multirange literal of a UID set (allocated). */
char *store_imap_uid_multirange(const struct imap_seqset *uids);

enum store_imap_fetch_columns {
	STORE_FETCH_BASIC = 0,          /* uid, flags, keywords, modseq, internal date, size */
	STORE_FETCH_META = 1 << 0,      /* envelope, bodystructure, body */
	STORE_FETCH_HEADER = 1 << 1,    /* raw bytes of the header only */
	STORE_FETCH_RAW = 1 << 2,       /* raw bytes of the whole message */
};

struct store_imap_message {
	uint32_t uid;
	uint16_t flags;
	const char *keywords;           /* space-separated */
	uint64_t modseq;
	int64_t internal_date;          /* seconds since the epoch */
	uint32_t size;
	const char *envelope, *bodystructure, *body;     /* NULL without META */
	const unsigned char *raw;       /* NULL without HEADER/RAW */
	size_t raw_len;
	uint32_t header_size;
};

/* Rows are valid during the callback only. */
typedef void store_imap_fetch_callback_t(void *ctx, const char *error,
					 const struct store_imap_message *rows,
					 unsigned int count);

/* At most limit messages of uids (multirange text) with UID above
   after_uid and modseq above changedsince (0: any), ascending. */
void store_imap_fetch(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		      const char *uids, uint32_t after_uid, unsigned int limit,
		      uint64_t changedsince, unsigned int columns,
		      store_imap_fetch_callback_t *callback, void *ctx);

struct store_imap_changes {
	bool exists;                    /* false: the mailbox was deleted */
	uint64_t highestmodseq;
	uint32_t uidnext;
	const struct store_imap_message *changed;   /* uid, flags, keywords, modseq only */
	unsigned int changed_count;
	const uint32_t *expunged;       /* ascending */
	unsigned int expunged_count;
};

typedef void store_imap_sync_callback_t(void *ctx, const char *error,
					const struct store_imap_changes *changes);

/* Everything that changed after since_modseq, read in one snapshot:
   messages added or whose flags changed, and (with_expunged) the UIDs
   expunged. */
void store_imap_sync(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		     uint64_t since_modseq, bool with_expunged,
		     store_imap_sync_callback_t *callback, void *ctx);

enum store_imap_flag_mode { STORE_FLAGS_REPLACE, STORE_FLAGS_ADD, STORE_FLAGS_REMOVE };

struct store_imap_flag_change {
	enum store_imap_flag_mode mode;
	uint16_t flags;
	const char *const *keywords;
	unsigned int keyword_count;
	int64_t unchangedsince;         /* -1: no UNCHANGEDSINCE */
};

struct store_imap_stored {
	uint32_t uid;
	uint16_t flags;
	const char *keywords;
	uint64_t modseq;
	bool changed;
	bool conflict;                  /* modseq above UNCHANGEDSINCE */
};

typedef void store_imap_flags_callback_t(void *ctx, const char *error,
					 const struct store_imap_stored *rows, unsigned int count);

void store_imap_store_flags(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			    const char *uids, const struct store_imap_flag_change *change,
			    store_imap_flags_callback_t *callback, void *ctx);

typedef void store_imap_uids_callback_t(void *ctx, const char *error, const uint32_t *uids,
					unsigned int count);

/* Remove the \Deleted messages, of uids only unless it is NULL. */
void store_imap_expunge(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			const char *uids, store_imap_uids_callback_t *callback, void *ctx);

typedef void store_imap_copy_callback_t(void *ctx, const char *error, uint32_t uidvalidity,
					const uint32_t *src_uids, const uint32_t *dst_uids,
					unsigned int count);

/* COPY/MOVE uids of mailbox src_id into the mailbox called dst_name. */
void store_imap_copy(struct pg_pool *pool, int64_t account_id, int64_t src_id,
		     const char *dst_name, const char *uids, bool move,
		     store_imap_copy_callback_t *callback, void *ctx);

struct store_imap_append {
	struct store_content content;   /* prepared with store_content_prepare() */
	uint16_t flags;
	char **keywords;
	unsigned int keyword_count;
	int64_t internal_date;          /* seconds since the epoch; -1: now */
};

typedef void store_imap_append_callback_t(void *ctx, const char *error, uint32_t uidvalidity,
					  const uint32_t *uids, unsigned int count);

/* Append messages to the mailbox called name in one transaction (MULTIAPPEND
   is all or nothing). The messages must live until the callback. */
void store_imap_append(struct pg_pool *pool, int64_t account_id, const char *name,
		       struct store_imap_append *const *messages, unsigned int count,
		       store_imap_append_callback_t *callback, void *ctx);

#endif
