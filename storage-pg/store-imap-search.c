/*
 * store-imap-search.c — SEARCH/SORT/THREAD key trees into one
 * parameterised SELECT, and its execution on the pg pool (see
 * store-imap-search.h). The WHERE clause is built first, noting which
 * tables it needs, so message_contents and message_search_all are joined
 * only when some key or sort criterion reads them. message_search_all
 * (schema/003) is the word-indexed search text plus the rows still waiting
 * for the index, so just-stored messages are found too.
 */
#include "store-imap-search.h"

#include "strbuf.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* messages.flags bits (schema/001_init.sql). */
#define FLAG_SEEN 1
#define FLAG_ANSWERED 2
#define FLAG_FLAGGED 4
#define FLAG_DELETED 8
#define FLAG_DRAFT 16

struct sql_builder {
	struct strbuf where;
	char **params;
	unsigned int param_count, param_size;
	bool need_contents;    /* c: message_contents */
	bool need_search;      /* s: message_search_all */
	const char *error;
};

static int sql_key(struct sql_builder *b, const struct imap_search_key *key);

/* Add an owned parameter; returns its number ($n). */
static unsigned int sql_param(struct sql_builder *b, char *value)
{
	if (b->param_count == b->param_size) {
		b->param_size = b->param_size == 0 ? 8 : b->param_size * 2;
		b->params = xrealloc(b->params, b->param_size * sizeof(*b->params));
	}
	b->params[b->param_count++] = value;
	return b->param_count;
}

/* "%value%" with \ % _ escaped for LIKE (its default escape is \). */
static char *sql_like_pattern(const char *value)
{
	struct strbuf pat = STRBUF_INIT;

	strbuf_append_c(&pat, '%');
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '%' || *value == '_')
			strbuf_append_c(&pat, '\\');
		strbuf_append_c(&pat, *value);
	}
	strbuf_append_c(&pat, '%');
	return strbuf_steal(&pat);
}

/* A timestamptz literal for a parameter: "1994-02-01 00:00:00+00". */
static char *sql_timestamp(time_t t)
{
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S+00", &tm);
	return xstrdup(buf);
}

/* A day comparison on expr: whole UTC days as half-open timestamp ranges,
   so an index on expr could serve it. */
static void sql_date(struct sql_builder *b, const char *expr, const char *op, time_t day)
{
	if (strcmp(op, "=") == 0) {
		unsigned int from = sql_param(b, sql_timestamp(day));
		unsigned int to = sql_param(b, sql_timestamp(day + 86400));

		strbuf_printf(&b->where, "(%s >= $%u::timestamptz AND %s < $%u::timestamptz)",
			      expr, from, expr, to);
		return;
	}
	strbuf_printf(&b->where, "%s %s $%u::timestamptz", expr, op,
		      sql_param(b, sql_timestamp(day)));
}

/* The resolved UID set: false when empty, else a multirange test with the
   bounds spelled out so the primary key can narrow the scan. */
static int sql_uid_set(struct sql_builder *b, const struct imap_search_key *key)
{
	const struct imap_seqset *set = &key->resolved_uids;
	struct strbuf text = STRBUF_INIT;

	if (!key->resolved) {
		b->error = "sequence set not resolved";
		return -1;
	}
	if (set->count == 0) {
		strbuf_append(&b->where, "false");
		return 0;
	}
	strbuf_append_c(&text, '{');
	for (unsigned int i = 0; i < set->count; i++) {
		strbuf_printf(&text, "%s[%" PRIu32 ",%" PRIu32 "]", i > 0 ? "," : "",
			      set->ranges[i].first, set->ranges[i].last);
	}
	strbuf_append_c(&text, '}');
	unsigned int lo = sql_param(b, xasprintf("%" PRIu32, set->ranges[0].first));
	unsigned int hi = sql_param(b, xasprintf("%" PRIu32, set->ranges[set->count - 1].last));
	unsigned int ranges = sql_param(b, strbuf_steal(&text));

	strbuf_printf(&b->where, "(m.uid BETWEEN $%u AND $%u AND m.uid <@ $%u::int8multirange)",
		      lo, hi, ranges);
	return 0;
}

/* Whether the word index can narrow a BODY search for value: it holds
   letters and digits only, so a value without any (e.g. "--") cannot be
   looked up and is matched by the substring test alone. */
static bool sql_value_has_words(const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p >= 0x80)
			return true;
	}
	return false;
}

/* BODY: every word of the value as a prefix in the word index, rechecked
   as a substring. The words are the value's own lexemes (to_tsvector with
   the index's configuration), each quoted for tsquery input. A value the
   index has no words for (say "<b>": tags are not indexed) gives no
   lexemes; then the query is 'x | !x', which every document matches, and
   the substring test alone decides. */
static void sql_body(struct sql_builder *b, const char *value, unsigned int like)
{
	b->need_search = true;
	if (!sql_value_has_words(value)) {
		strbuf_printf(&b->where, "s.body ILIKE $%u", like);
		return;
	}
	strbuf_printf(&b->where,
		      "(to_tsvector('simple', s.body) @@ coalesce((SELECT string_agg(''''"
		      " || replace(replace(w.lexeme, '\\', '\\\\'), '''', '''''')"
		      " || ''':*', ' & ')::tsquery"
		      " FROM unnest(to_tsvector('simple', $%u::text)) AS w),"
		      " 'x | !x'::tsquery)"
		      " AND s.body ILIKE $%u)",
		      sql_param(b, xstrdup(value)), like);
}

static void sql_substring(struct sql_builder *b, const char *column, const char *value)
{
	b->need_contents = true;
	strbuf_printf(&b->where, "c.%s ILIKE $%u", column, sql_param(b, sql_like_pattern(value)));
}

static int sql_children(struct sql_builder *b, const struct imap_search_key *key,
			const char *op)
{
	strbuf_append_c(&b->where, '(');
	for (unsigned int i = 0; i < key->child_count; i++) {
		if (i > 0)
			strbuf_printf(&b->where, " %s ", op);
		if (sql_key(b, &key->children[i]) < 0)
			return -1;
	}
	strbuf_append_c(&b->where, ')');
	return 0;
}

static bool sql_flag(struct sql_builder *b, enum imap_search_key_type type)
{
	static const struct { enum imap_search_key_type type; int bit; bool set; } flags[] = {
		{ IMAP_SEARCH_SEEN, FLAG_SEEN, true }, { IMAP_SEARCH_UNSEEN, FLAG_SEEN, false },
		{ IMAP_SEARCH_ANSWERED, FLAG_ANSWERED, true },
		{ IMAP_SEARCH_UNANSWERED, FLAG_ANSWERED, false },
		{ IMAP_SEARCH_FLAGGED, FLAG_FLAGGED, true },
		{ IMAP_SEARCH_UNFLAGGED, FLAG_FLAGGED, false },
		{ IMAP_SEARCH_DELETED, FLAG_DELETED, true },
		{ IMAP_SEARCH_UNDELETED, FLAG_DELETED, false },
		{ IMAP_SEARCH_DRAFT, FLAG_DRAFT, true }, { IMAP_SEARCH_UNDRAFT, FLAG_DRAFT, false },
	};

	for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (flags[i].type == type) {
			/* Exactly the partial indexes' expressions (002_imap.sql). */
			strbuf_printf(&b->where, "(m.flags & %d) %s 0", flags[i].bit,
				      flags[i].set ? "<>" : "=");
			return true;
		}
	}
	return false;
}

static void sql_keyword(struct sql_builder *b, const char *keyword, bool negate)
{
	strbuf_printf(&b->where, "%sEXISTS (SELECT 1 FROM unnest(m.keywords) AS k(kw)"
		      " WHERE lower(k.kw) = lower($%u::text))", negate ? "NOT " : "",
		      sql_param(b, xstrdup(keyword)));
}

static void sql_number(struct sql_builder *b, const char *fmt, int64_t n)
{
	strbuf_printf(&b->where, fmt, sql_param(b, xasprintf("%" PRId64, n)));
}

#define SENT_DATE "coalesce(c.sent_date, m.internal_date)"

static void sql_text_key(struct sql_builder *b, const struct imap_search_key *key)
{
	unsigned int like;

	switch (key->type) {
	case IMAP_SEARCH_FROM: sql_substring(b, "from_addr", key->value); break;
	case IMAP_SEARCH_TO: sql_substring(b, "to_addr", key->value); break;
	case IMAP_SEARCH_CC: sql_substring(b, "cc_addr", key->value); break;
	case IMAP_SEARCH_SUBJECT: sql_substring(b, "subject", key->value); break;
	case IMAP_SEARCH_BCC:
		b->need_search = true;
		strbuf_printf(&b->where, "petrel_header_matches(s.headers, 'Bcc', $%u)",
			      sql_param(b, xstrdup(key->value)));
		break;
	case IMAP_SEARCH_HEADER: {
		unsigned int field = sql_param(b, xstrdup(key->value));

		b->need_search = true;
		strbuf_printf(&b->where, "petrel_header_matches(s.headers, $%u, $%u)", field,
			      sql_param(b, xstrdup(key->value2)));
		break;
	}
	case IMAP_SEARCH_BODY: case IMAP_SEARCH_TEXT:
		if (*key->value == '\0') {
			/* Every message contains the empty string. */
			strbuf_append(&b->where, "true");
			break;
		}
		like = sql_param(b, sql_like_pattern(key->value));
		if (key->type == IMAP_SEARCH_BODY) {
			sql_body(b, key->value, like);
			break;
		}
		b->need_search = true;
		strbuf_printf(&b->where, "(s.headers ILIKE $%u OR ", like);
		sql_body(b, key->value, like);
		strbuf_append_c(&b->where, ')');
		break;
	default:
		break;
	}
}

static int sql_key(struct sql_builder *b, const struct imap_search_key *key)
{
	if (sql_flag(b, key->type))
		return 0;
	switch (key->type) {
	case IMAP_SEARCH_ALL: case IMAP_SEARCH_OLD:
		strbuf_append(&b->where, "true");
		return 0;
	case IMAP_SEARCH_RECENT: case IMAP_SEARCH_NEW:
		strbuf_append(&b->where, "false");
		return 0;
	case IMAP_SEARCH_AND:
		return sql_children(b, key, "AND");
	case IMAP_SEARCH_OR:
		return sql_children(b, key, "OR");
	case IMAP_SEARCH_NOT:
		strbuf_append(&b->where, "NOT ");
		return sql_children(b, key, "AND");
	case IMAP_SEARCH_SEQSET:
		return sql_uid_set(b, key);
	case IMAP_SEARCH_KEYWORD: case IMAP_SEARCH_UNKEYWORD:
		sql_keyword(b, key->value, key->type == IMAP_SEARCH_UNKEYWORD);
		return 0;
	case IMAP_SEARCH_BEFORE: sql_date(b, "m.internal_date", "<", key->date); return 0;
	case IMAP_SEARCH_ON: sql_date(b, "m.internal_date", "=", key->date); return 0;
	case IMAP_SEARCH_SINCE: sql_date(b, "m.internal_date", ">=", key->date); return 0;
	case IMAP_SEARCH_SENTBEFORE: case IMAP_SEARCH_SENTON: case IMAP_SEARCH_SENTSINCE:
		b->need_contents = true;
		sql_date(b, SENT_DATE, key->type == IMAP_SEARCH_SENTBEFORE ? "<" :
			 key->type == IMAP_SEARCH_SENTON ? "=" : ">=", key->date);
		return 0;
	case IMAP_SEARCH_LARGER: sql_number(b, "m.size > $%u::int8", key->number); return 0;
	case IMAP_SEARCH_SMALLER: sql_number(b, "m.size < $%u::int8", key->number); return 0;
	case IMAP_SEARCH_MODSEQ: sql_number(b, "m.modseq >= $%u::int8", key->number); return 0;
	case IMAP_SEARCH_OLDER:
		sql_number(b, "m.internal_date < now() - make_interval(secs => $%u::float8)",
			   key->number);
		return 0;
	case IMAP_SEARCH_YOUNGER:
		sql_number(b, "m.internal_date >= now() - make_interval(secs => $%u::float8)",
			   key->number);
		return 0;
	default:
		sql_text_key(b, key);
		return 0;
	}
}

/* ORDER BY for the sort criteria, then UID. */
static void sql_order(struct sql_builder *b, struct strbuf *sql,
		      const struct imap_sort_criterion *sort, unsigned int sort_count)
{
	static const char *const exprs[] = {
		[IMAP_SORT_ARRIVAL] = "m.internal_date",
		[IMAP_SORT_CC] = "lower(c.sort_cc COLLATE \"C\")",
		[IMAP_SORT_DATE] = SENT_DATE,
		[IMAP_SORT_FROM] = "lower(c.sort_from COLLATE \"C\")",
		[IMAP_SORT_SIZE] = "m.size",
		[IMAP_SORT_SUBJECT] = "lower(c.sort_subject COLLATE \"C\")",
		[IMAP_SORT_TO] = "lower(c.sort_to COLLATE \"C\")",
	};

	strbuf_append(sql, " ORDER BY ");
	for (unsigned int i = 0; i < sort_count; i++) {
		if (sort[i].key != IMAP_SORT_ARRIVAL && sort[i].key != IMAP_SORT_SIZE)
			b->need_contents = true;
		strbuf_printf(sql, "%s%s, ", exprs[sort[i].key], sort[i].reverse ? " DESC" : "");
	}
	strbuf_append(sql, "m.uid");
}

int store_imap_search_sql(int64_t account_id, int64_t mailbox_id, uint32_t max_uid,
			  const struct imap_search_key *key,
			  const struct imap_sort_criterion *sort, unsigned int sort_count,
			  enum store_imap_search_select select,
			  struct store_imap_search_query *query_r, const char **error_r)
{
	struct sql_builder b;
	struct strbuf order = STRBUF_INIT, sql = STRBUF_INIT;

	memset(&b, 0, sizeof(b));
	sql_param(&b, xasprintf("%" PRId64, account_id));
	sql_param(&b, xasprintf("%" PRId64, mailbox_id));
	sql_param(&b, xasprintf("%" PRIu32, max_uid));
	if (key == NULL)
		strbuf_append(&b.where, "true");
	else if (sql_key(&b, key) < 0) {
		*error_r = b.error;
		strbuf_free(&b.where);
		query_r->params = b.params;
		query_r->param_count = b.param_count;
		query_r->sql = NULL;
		store_imap_search_query_free(query_r);
		return -1;
	}
	sql_order(&b, &order, sort, sort_count);
	if (select == STORE_IMAP_SEARCH_SELECT_THREAD) {
		b.need_contents = true;
		strbuf_append(&sql, "SELECT m.uid, c.message_id, c.in_reply_to, c.refs, "
			      "c.subject, floor(extract(epoch FROM " SENT_DATE "))::int8");
	} else {
		strbuf_append(&sql, "SELECT m.uid, m.modseq");
	}
	strbuf_append(&sql, " FROM messages m");
	if (b.need_contents)
		strbuf_append(&sql, " JOIN message_contents c ON c.id = m.content_id");
	if (b.need_search)
		strbuf_append(&sql, " JOIN message_search_all s ON s.content_id = m.content_id");
	strbuf_printf(&sql, " WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.uid <= $3"
		      " AND (%s)%s", strbuf_cstr(&b.where), strbuf_cstr(&order));
	strbuf_free(&b.where);
	strbuf_free(&order);
	query_r->sql = strbuf_steal(&sql);
	query_r->params = b.params;
	query_r->param_count = b.param_count;
	return 0;
}

void store_imap_search_query_free(struct store_imap_search_query *query)
{
	for (unsigned int i = 0; i < query->param_count; i++)
		free(query->params[i]);
	free(query->params);
	free(query->sql);
	memset(query, 0, sizeof(*query));
}

/* ---- execution ---- */

struct store_imap_search_call {
	store_imap_search_callback_t *callback;
	store_imap_search_thread_callback_t *thread_callback;
	void *ctx;
	const char *build_error;   /* the SQL could not be built */
};

static const char *store_imap_search_error(const struct store_imap_search_call *call,
					   const struct pg_reply *reply)
{
	const PGresult *res = reply->count > 0 ? reply->results[0] : NULL;

	if (call->build_error != NULL)
		return call->build_error;
	if (reply->error != NULL)
		return reply->error;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return "no result";
	return NULL;
}

static void store_imap_search_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_imap_search_call *call = ctx;
	const char *error = store_imap_search_error(call, reply);

	if (error != NULL) {
		call->callback(call->ctx, error, NULL, 0, 0);
		free(call);
		return;
	}
	const PGresult *res = reply->results[0];
	unsigned int count = (unsigned int)PQntuples(res);
	uint32_t *uids = xcalloc(count > 0 ? count : 1, sizeof(*uids));
	uint64_t highest = 0;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t modseq = strtoull(PQgetvalue(res, (int)i, 1), NULL, 10);

		uids[i] = (uint32_t)strtoul(PQgetvalue(res, (int)i, 0), NULL, 10);
		if (modseq > highest)
			highest = modseq;
	}
	call->callback(call->ctx, NULL, uids, count, highest);
	free(uids);
	free(call);
}

static void store_imap_search_thread_reply(void *ctx, const struct pg_reply *reply)
{
	struct store_imap_search_call *call = ctx;
	const char *error = store_imap_search_error(call, reply);

	if (error != NULL) {
		call->thread_callback(call->ctx, error, NULL, 0);
		free(call);
		return;
	}
	const PGresult *res = reply->results[0];
	unsigned int count = (unsigned int)PQntuples(res);
	struct store_imap_thread_row *rows = xcalloc(count > 0 ? count : 1, sizeof(*rows));

	for (unsigned int i = 0; i < count; i++) {
		int r = (int)i;

		rows[i].uid = (uint32_t)strtoul(PQgetvalue(res, r, 0), NULL, 10);
		rows[i].message_id = PQgetvalue(res, r, 1);
		rows[i].in_reply_to = PQgetvalue(res, r, 2);
		rows[i].references = PQgetvalue(res, r, 3);
		rows[i].subject = PQgetvalue(res, r, 4);
		rows[i].date = strtoll(PQgetvalue(res, r, 5), NULL, 10);
	}
	call->thread_callback(call->ctx, NULL, rows, count);
	free(rows);
	free(call);
}

static void store_imap_search_submit(struct pg_pool *pool, struct store_imap_search_call *call,
				     pg_callback_t *reply, int64_t account_id, int64_t mailbox_id,
				     uint32_t max_uid, const struct imap_search_key *key,
				     const struct imap_sort_criterion *sort,
				     unsigned int sort_count, enum store_imap_search_select select)
{
	struct pg_request *req = pg_request_new(reply, call);
	struct store_imap_search_query query;

	if (store_imap_search_sql(account_id, mailbox_id, max_uid, key, sort, sort_count,
				  select, &query, &call->build_error) < 0) {
		/* Answer from the loop like any other failure. */
		pg_request_add(req, "SELECT 1 WHERE false");
		pg_pool_submit(pool, req);
		return;
	}
	pg_request_add_owned(req, query.sql);
	query.sql = NULL;
	for (unsigned int i = 0; i < query.param_count; i++)
		pg_request_param_text(req, query.params[i]);
	store_imap_search_query_free(&query);
	pg_pool_submit(pool, req);
}

void store_imap_search(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
		       uint32_t max_uid, const struct imap_search_key *key,
		       const struct imap_sort_criterion *sort, unsigned int sort_count,
		       store_imap_search_callback_t *cb, void *ctx)
{
	struct store_imap_search_call *call = xcalloc(1, sizeof(*call));

	call->callback = cb;
	call->ctx = ctx;
	store_imap_search_submit(pool, call, store_imap_search_reply, account_id, mailbox_id,
				 max_uid, key, sort, sort_count, STORE_IMAP_SEARCH_SELECT_UIDS);
}

void store_imap_search_thread(struct pg_pool *pool, int64_t account_id, int64_t mailbox_id,
			      uint32_t max_uid, const struct imap_search_key *key,
			      store_imap_search_thread_callback_t *cb, void *ctx)
{
	struct store_imap_search_call *call = xcalloc(1, sizeof(*call));

	call->thread_callback = cb;
	call->ctx = ctx;
	store_imap_search_submit(pool, call, store_imap_search_thread_reply, account_id,
				 mailbox_id, max_uid, key, NULL, 0,
				 STORE_IMAP_SEARCH_SELECT_THREAD);
}
