/*
 * store-imap-search.h — IMAP SEARCH, SORT and THREAD against the mail store.
 *
 * A key tree from lib-mail/imap-search (every sequence set resolved to
 * UIDs by the session, see imap_search_foreach_set()) becomes one
 * parameterised SELECT over one mailbox: client values only ever travel
 * as parameters, never in the SQL text. The builder is pure, so the SQL
 * can be unit-tested without a database; the executors run it on the pg
 * pool and hand back UIDs (SEARCH, SORT) or the threading columns
 * (THREAD).
 *
 * Semantics worth knowing:
 *  - only messages with uid <= max_uid (the session's view) are searched;
 *  - \Recent is not kept: RECENT and NEW match nothing, OLD everything;
 *  - FROM/TO/CC/SUBJECT are case-insensitive substring matches on the
 *    decoded header text; HEADER and BCC use petrel_header_matches();
 *  - BODY finds messages whose search text has every word of the value as
 *    a word prefix (the full-text index) AND contains the value as a
 *    case-insensitive substring; so a value starting inside a word
 *    ("ello" for "hello") does not match. TEXT is BODY or a substring of
 *    the decoded header lines;
 *  - SORT text keys compare as i;ascii-casemap; ties go by UID ascending.
 */
#ifndef STORE_IMAP_SEARCH_H
#define STORE_IMAP_SEARCH_H

#include "imap-search.h"
#include "pg-pool.h"

#include <stdint.h>

enum store_imap_search_select {
	/* Columns: uid, modseq. */
	STORE_IMAP_SEARCH_SELECT_UIDS,
	/* Columns: uid, message_id, in_reply_to, refs, subject, date
	   (epoch seconds of the Date: header, else the internal date). */
	STORE_IMAP_SEARCH_SELECT_THREAD,
};

struct store_imap_search_query {
	char *sql;                 /* owned (malloc) */
	char **params;             /* params[i] is $(i+1), owned, never NULL */
	unsigned int param_count;
};

/*
 * Build the SELECT for key (NULL = ALL) in the mailbox. With sort_count > 0
 * the rows come in that order (then UID ascending), else by UID. $1, $2, $3
 * are account_id, mailbox_id and max_uid. Returns 0 and fills *query_r
 * (free it with store_imap_search_query_free()), or -1 with *error_r a
 * static text when the tree has a sequence set that was not resolved (a
 * bug of the caller).
 */
int store_imap_search_sql(int64_t account_id, int64_t mailbox_id, uint32_t max_uid,
			  const struct imap_search_key *key,
			  const struct imap_sort_criterion *sort, unsigned int sort_count,
			  enum store_imap_search_select select,
			  struct store_imap_search_query *query_r, const char **error_r);
void store_imap_search_query_free(struct store_imap_search_query *query);

/*
 * SEARCH / SORT result. error != NULL: the search failed (database trouble
 * or an unresolved set), nothing else is valid. Otherwise uids[0..count)
 * are the matching UIDs, ascending when sort_count was 0 and else in sort
 * order, and highest_modseq the largest modseq among them (0 when none
 * matched). uids is valid only during the callback.
 */
typedef void store_imap_search_callback_t(void *ctx, const char *error, const uint32_t *uids,
					  unsigned int count, uint64_t highest_modseq);

/* Run the search; the callback always comes later, from the loop. key and
   sort are not kept after the call returns. */
void store_imap_search(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		       uint32_t max_uid, const struct imap_search_key *key,
		       const struct imap_sort_criterion *sort, unsigned int sort_count,
		       store_imap_search_callback_t *cb, void *ctx);

/* One matching message for THREAD (RFC 5256). Strings are never NULL
   ("" when the header is missing), valid only during the callback. */
struct store_imap_thread_row {
	uint32_t uid;
	const char *message_id;
	const char *in_reply_to;
	const char *references;
	const char *subject;       /* decoded; the session derives the base subject */
	int64_t date;              /* epoch seconds: sent date, else internal date */
};

/* rows ascending by UID; error as for store_imap_search_callback_t. */
typedef void store_imap_search_thread_callback_t(void *ctx, const char *error,
						 const struct store_imap_thread_row *rows,
						 unsigned int count);

void store_imap_search_thread(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			      uint32_t max_uid, const struct imap_search_key *key,
			      store_imap_search_thread_callback_t *cb, void *ctx);

#endif
