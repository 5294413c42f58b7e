/*
 * store-imap-message.c — message-level queries for IMAP and POP3 (see
 * store-imap-message.h).
 *
 * FETCH reads its rows in binary format, so message bytes arrive as they
 * are stored instead of hex-encoded at twice the size; every other query
 * uses text results.
 */
#include "store-imap-message.h"

#include "store-private.h"
#include "strbuf.h"
#include "xalloc.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

char *store_imap_uid_multirange(const struct imap_seqset *uids)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_append_c(&out, '{');
	for (unsigned int i = 0; i < uids->count; i++)
		strbuf_printf(&out, "%s[%u,%u]", i > 0 ? "," : "", uids->ranges[i].first,
			      uids->ranges[i].last);
	strbuf_append_c(&out, '}');
	return strbuf_steal(&out);
}

static void store_param_id(struct pg_request *req, int64_t id)
{
	pg_request_param_textf(req, "%lld", (long long)id);
}

/* Binary-format column readers; NULL reads as 0 / NULL. */
static uint64_t store_bin_u64(const PGresult *res, int row, int col)
{
	uint64_t v;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return 0;
	memcpy(&v, PQgetvalue(res, row, col), 8);
	return be64toh(v);
}

static uint32_t store_bin_u32(const PGresult *res, int row, int col)
{
	uint32_t v;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 4)
		return 0;
	memcpy(&v, PQgetvalue(res, row, col), 4);
	return be32toh(v);
}

static uint16_t store_bin_u16(const PGresult *res, int row, int col)
{
	uint16_t v;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 2)
		return 0;
	memcpy(&v, PQgetvalue(res, row, col), 2);
	return be16toh(v);
}

static const char *store_bin_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void store_imap_fetch_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_fetch_callback_t *cb = (store_imap_fetch_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	struct store_imap_message *rows = xcalloc(count + 1, sizeof(*rows));

	for (unsigned int i = 0; i < count; i++) {
		struct store_imap_message *m = &rows[i];

		m->uid = (uint32_t)store_bin_u64(res, i, 0);
		m->flags = store_bin_u16(res, i, 1);
		m->keywords = store_bin_text(res, i, 2);
		m->modseq = store_bin_u64(res, i, 3);
		m->internal_date = (int64_t)store_bin_u64(res, i, 4);
		m->size = store_bin_u32(res, i, 5);
		m->envelope = store_bin_text(res, i, 6);
		m->bodystructure = store_bin_text(res, i, 7);
		m->body = store_bin_text(res, i, 8);
		m->raw = (const unsigned char *)store_bin_text(res, i, 9);
		m->raw_len = m->raw != NULL ? (size_t)PQgetlength(res, i, 9) : 0;
		m->header_size = store_bin_u32(res, i, 10);
	}
	cb(call->ctx, error, rows, count);
	free(rows);
	free(call);
}

#define STORE_FETCH_BASIC_COLUMNS \
	"SELECT m.uid, m.flags, array_to_string(m.keywords, ' '), m.modseq, " \
	"extract(epoch FROM m.internal_date)::int8, m.size, "
#define STORE_FETCH_WHERE \
	" WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.uid > $4 " \
	"AND m.uid >= lower($3::int8multirange) AND m.uid < upper($3::int8multirange) " \
	"AND m.uid <@ $3::int8multirange AND m.modseq > $6 " \
	"ORDER BY m.uid LIMIT $5"
#define STORE_FETCH_JOIN " FROM messages m JOIN message_contents c ON c.id = m.content_id"

void store_imap_fetch(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		      const char *uids, uint32_t after_uid, unsigned int limit,
		      uint64_t changedsince, unsigned int columns,
		      store_imap_fetch_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_fetch_reply, STORE_CALL(callback, ctx));

	if ((columns & STORE_FETCH_RAW) != 0)
		pg_request_add(req, STORE_FETCH_BASIC_COLUMNS
			       "c.envelope, c.bodystructure, c.body, c.raw, c.header_size"
			       STORE_FETCH_JOIN STORE_FETCH_WHERE);
	else if ((columns & STORE_FETCH_HEADER) != 0)
		pg_request_add(req, STORE_FETCH_BASIC_COLUMNS
			       "c.envelope, c.bodystructure, c.body, "
			       "substring(c.raw FROM 1 FOR c.header_size), c.header_size"
			       STORE_FETCH_JOIN STORE_FETCH_WHERE);
	else if ((columns & STORE_FETCH_META) != 0)
		pg_request_add(req, STORE_FETCH_BASIC_COLUMNS
			       "c.envelope, c.bodystructure, c.body, NULL::bytea, c.header_size"
			       STORE_FETCH_JOIN STORE_FETCH_WHERE);
	else
		pg_request_add(req, STORE_FETCH_BASIC_COLUMNS
			       "NULL::text, NULL::text, NULL::text, NULL::bytea, 0::int4 "
			       "FROM messages m" STORE_FETCH_WHERE);
	pg_request_binary_result(req);
	store_param_id(req, account_id);
	store_param_id(req, mailbox_id);
	pg_request_param_text(req, uids);
	pg_request_param_textf(req, "%u", after_uid);
	pg_request_param_textf(req, "%u", limit);
	pg_request_param_textf(req, "%llu", (unsigned long long)changedsince);
	pg_pool_submit(pool, req);
}

static void store_imap_sync_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_sync_callback_t *cb = (store_imap_sync_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	struct store_imap_message *changed = xcalloc(count + 1, sizeof(*changed));
	uint32_t *expunged = xcalloc(count + 1, sizeof(*expunged));
	struct store_imap_changes ch = { .changed = changed, .expunged = expunged };

	for (unsigned int i = 0; i < count; i++) {
		char kind = store_get_text(res, i, 0)[0];

		if (kind == 'M') {
			ch.exists = true;
			ch.highestmodseq = (uint64_t)store_get_int64(res, i, 2);
			ch.uidnext = (uint32_t)store_get_int64(res, i, 1);
		} else if (kind == 'X') {
			expunged[ch.expunged_count++] = (uint32_t)store_get_int64(res, i, 1);
		} else {
			changed[ch.changed_count++] = (struct store_imap_message){
				.uid = (uint32_t)store_get_int64(res, i, 1),
				.modseq = (uint64_t)store_get_int64(res, i, 2),
				.flags = (uint16_t)store_get_int64(res, i, 3),
				.keywords = store_get_text(res, i, 4),
			};
		}
	}
	cb(call->ctx, error, error == NULL ? &ch : NULL);
	free(changed);
	free(expunged);
	free(call);
}

void store_imap_sync(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		     uint64_t since_modseq, bool with_expunged,
		     store_imap_sync_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_sync_reply, STORE_CALL(callback, ctx));

	/* One statement, so one snapshot: the mailbox row, the changed
	   messages and the tombstones agree with each other. */
	pg_request_add(req, "SELECT 'M', uidnext, highestmodseq, NULL::smallint, NULL::text "
		       "FROM mailboxes WHERE account_id = $1 AND id = $2 "
		       "UNION ALL SELECT 'C', m.uid, m.modseq, m.flags, "
		       "array_to_string(m.keywords, ' ') FROM messages m "
		       "WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.modseq > $3 "
		       "UNION ALL SELECT 'X', e.uid, e.modseq, NULL, NULL FROM expunged_messages e "
		       "WHERE $4 AND e.account_id = $1 AND e.mailbox_id = $2 AND e.modseq > $3 "
		       "ORDER BY 1, 2");
	store_param_id(req, account_id);
	store_param_id(req, mailbox_id);
	pg_request_param_textf(req, "%llu", (unsigned long long)since_modseq);
	pg_request_param_text(req, with_expunged ? "true" : "false");
	pg_pool_submit(pool, req);
}

static void store_imap_flags_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_flags_callback_t *cb = (store_imap_flags_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	struct store_imap_stored *rows = xcalloc(count + 1, sizeof(*rows));

	for (unsigned int i = 0; i < count; i++) {
		const char *status = store_get_text(res, i, 4);

		rows[i] = (struct store_imap_stored){
			.uid = (uint32_t)store_get_int64(res, i, 0),
			.flags = (uint16_t)store_get_int64(res, i, 1),
			.keywords = store_get_text(res, i, 2),
			.modseq = (uint64_t)store_get_int64(res, i, 3),
			.changed = strcmp(status, "changed") == 0,
			.conflict = strcmp(status, "conflict") == 0,
		};
	}
	cb(call->ctx, error, rows, count);
	free(rows);
	free(call);
}

void store_imap_store_flags(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			    const char *uids, const struct store_imap_flag_change *change,
			    store_imap_flags_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_flags_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT uid, flags, array_to_string(keywords, ' '), modseq, status "
		       "FROM petrel_store_flags($1, $2, $3::int8multirange, $4::int, "
		       "$5::smallint, $6::text[], $7::bigint)");
	store_param_id(req, account_id);
	store_param_id(req, mailbox_id);
	pg_request_param_text(req, uids);
	pg_request_param_textf(req, "%d", (int)change->mode);
	pg_request_param_textf(req, "%u", change->flags);
	pg_request_param_text_array(req, change->keywords, change->keyword_count);
	if (change->unchangedsince >= 0)
		pg_request_param_textf(req, "%lld", (long long)change->unchangedsince);
	else
		pg_request_param_null(req);
	pg_pool_submit(pool, req);
}

static void store_imap_uids_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_uids_callback_t *cb = (store_imap_uids_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	uint32_t *uids = xcalloc(count + 1, sizeof(*uids));

	for (unsigned int i = 0; i < count; i++)
		uids[i] = (uint32_t)store_get_int64(res, i, 0);
	cb(call->ctx, error, uids, count);
	free(uids);
	free(call);
}

void store_imap_expunge(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			const char *uids, store_imap_uids_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_uids_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT u FROM petrel_expunge($1, $2, $3::int8multirange) AS u "
		       "ORDER BY u");
	store_param_id(req, account_id);
	store_param_id(req, mailbox_id);
	if (uids != NULL)
		pg_request_param_text(req, uids);
	else
		pg_request_param_null(req);
	pg_pool_submit(pool, req);
}

static void store_imap_copy_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_copy_callback_t *cb = (store_imap_copy_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	const PGresult *res = reply->results[0];
	unsigned int count = error == NULL ? (unsigned int)PQntuples(res) : 0;
	uint32_t *src = xcalloc(count + 1, sizeof(*src));
	uint32_t *dst = xcalloc(count + 1, sizeof(*dst));
	uint32_t uidvalidity = count > 0 ? (uint32_t)store_get_int64(res, 0, 0) : 0;

	for (unsigned int i = 0; i < count; i++) {
		src[i] = (uint32_t)store_get_int64(res, i, 1);
		dst[i] = (uint32_t)store_get_int64(res, i, 2);
	}
	cb(call->ctx, error, uidvalidity, src, dst, count);
	free(src);
	free(dst);
	free(call);
}

void store_imap_copy(struct pg_pool *pool, int64_t account_id, int64_t src_id,
		     const char *dst_name, const char *uids, bool move,
		     store_imap_copy_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_copy_reply, STORE_CALL(callback, ctx));

	pg_request_add(req, "SELECT uidvalidity, src_uid, dst_uid FROM petrel_copy($1, $2, "
		       "(SELECT id FROM mailboxes WHERE account_id = $1 AND name = $3), "
		       "$4::int8multirange, $5::boolean) ORDER BY src_uid");
	store_param_id(req, account_id);
	store_param_id(req, src_id);
	pg_request_param_text(req, dst_name);
	pg_request_param_text(req, uids);
	pg_request_param_text(req, move ? "true" : "false");
	pg_pool_submit(pool, req);
}

static void store_imap_append_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_call *call = ctx;
	store_imap_append_callback_t *cb = (store_imap_append_callback_t *)call->callback;
	const char *error = store_reply_error(reply);
	unsigned int total = 0, n = 0;
	uint32_t *uids;
	uint32_t uidvalidity = 0;

	for (unsigned int i = 0; error == NULL && i < reply->count; i++)
		total += (unsigned int)PQntuples(reply->results[i]);
	uids = xcalloc(total + 1, sizeof(*uids));
	for (unsigned int i = 0; error == NULL && i < reply->count; i++) {
		const PGresult *res = reply->results[i];

		for (int row = 0; row < PQntuples(res); row++) {
			uidvalidity = (uint32_t)store_get_int64(res, row, 0);
			uids[n++] = (uint32_t)store_get_int64(res, row, 1);
		}
	}
	cb(call->ctx, error, uidvalidity, uids, n);
	free(uids);
	free(call);
}

/* Messages per petrel_append_batch() statement: 2 + 23 per message
   parameters stay far below PostgreSQL's 65535. */
#define STORE_APPEND_CHUNK 256
/* petrel_append_batch() array arguments after account and mailbox. */
static const char *const store_append_columns[] = {
	"smallint", "text", "float8",   /* flags, keywords, internal date */
	STORE_CONTENT_PARAM_TYPES,
};
#define STORE_APPEND_PARAMS (sizeof(store_append_columns) / sizeof(store_append_columns[0]))

/* Message i's values are parameters 3 + 23 i on. */
static char *store_append_sql(unsigned int count)
{
	struct strbuf sql = STRBUF_INIT;

	strbuf_append(&sql, "SELECT uidvalidity, uid FROM petrel_append_batch($1, "
		      "(SELECT id FROM mailboxes WHERE account_id = $1 AND name = $2)");
	store_sql_param_arrays(&sql, store_append_columns, STORE_APPEND_PARAMS, 3, count);
	strbuf_append(&sql, ") ORDER BY uid");
	return strbuf_steal(&sql);
}

static void store_append_params(struct pg_request *req, const struct store_imap_append *a)
{
	struct strbuf keywords = STRBUF_INIT;

	pg_request_param_textf(req, "%u", a->flags);
	/* keywords are atoms: a space cannot be part of one */
	for (unsigned int k = 0; k < a->keyword_count; k++)
		strbuf_printf(&keywords, "%s%s", k > 0 ? " " : "", a->keywords[k]);
	pg_request_param_text(req, strbuf_cstr(&keywords));
	strbuf_free(&keywords);
	if (a->internal_date >= 0)
		pg_request_param_textf(req, "%lld", (long long)a->internal_date);
	else
		pg_request_param_null(req);
	store_content_params(req, &a->content);
}

void store_imap_append(struct pg_pool *pool, int64_t account_id, const char *name,
		       struct store_imap_append *const *messages, unsigned int count,
		       store_imap_append_callback_t *callback, void *ctx)
{
	struct pg_request *req = pg_request_new(store_imap_append_reply, STORE_CALL(callback, ctx));

	/* one set-based statement per chunk: the mailbox is locked and
	   updated once, not once per message */
	for (unsigned int first = 0; first < count; first += STORE_APPEND_CHUNK) {
		unsigned int n = count - first < STORE_APPEND_CHUNK ? count - first
								    : STORE_APPEND_CHUNK;

		pg_request_add_owned(req, store_append_sql(n));
		store_param_id(req, account_id);
		pg_request_param_text(req, name);
		for (unsigned int i = 0; i < n; i++)
			store_append_params(req, messages[first + i]);
	}
	pg_pool_submit(pool, req);
}
