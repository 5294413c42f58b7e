/*
 * test-store-imap-search.c — unit tests for the SQL that store-imap-search
 * builds, without a database: search text goes through imap-parser and
 * imap-search like a session's would, sets are resolved, and the SQL text
 * and parameters are compared.
 *
 * Run with --dump ACCOUNT MAILBOX UIDS it is the driver of
 * tests/integration/test_search_sql.py instead: UIDS lists the mailbox's
 * UIDs in order ("1,2,5"; sequence number n is the n-th), and each stdin
 * line "SEARCH keys", "SORT (criteria) charset keys" or "THREAD algorithm
 * charset keys" becomes one JSON line {"sql": ..., "params": [...]} or
 * {"error": ...} on stdout, for the test to run against PostgreSQL.
 */
#include "store-imap-search.h"

#include "strbuf.h"
#include "test-common.h"
#include "xalloc.h"

#include <stdlib.h>

/* The mailbox the sets resolve against: sequence number n is uids[n-1]. */
struct mailbox_view {
	const uint32_t *uids;
	unsigned int count;
};

static int resolve_set(void *ctx, struct imap_search_key *key, const char **error_r)
{
	const struct mailbox_view *view = ctx;
	uint32_t max = view->count == 0 ? 0 :
		key->uid ? view->uids[view->count - 1] : view->count;
	struct imap_seqset set;

	if (key->set.searchres) {
		*error_r = "no saved search result";
		return -1;
	}
	imap_seqset_resolve(&key->set, max, &set);
	for (unsigned int i = 0; i < view->count; i++) {
		uint32_t n = key->uid ? view->uids[i] : i + 1;

		if (imap_seqset_contains(&set, n))
			imap_seqset_add_range(&key->resolved_uids, view->uids[i], view->uids[i]);
	}
	imap_seqset_free(&set);
	key->resolved = true;
	return 0;
}

/* "SEARCH ..." / "SORT ..." / "THREAD ..." into a resolved search. */
static int parse_command(const char *line, const struct mailbox_view *view,
			 struct imap_search **search_r, const char **error_r)
{
	struct imap_parser_limits limits = { .max_line_length = 1024 * 1024 };
	struct imap_parser *parser = imap_parser_new(&limits);
	char *text = xasprintf("t %s\r\n", line);
	size_t len = strlen(text), pos = 0, consumed;
	const struct imap_command *cmd;
	int ret = 0;

	*search_r = NULL;
	while (pos < len && ret == 0) {
		ret = imap_parser_feed(parser, (const unsigned char *)text + pos, len - pos,
				       &consumed);
		pos += consumed;
	}
	free(text);
	if (ret != 1) {
		imap_parser_free(&parser);
		*error_r = "imap-parser refused the line";
		return -1;
	}
	cmd = imap_parser_command(parser);
	if (strcmp(cmd->name, "SORT") == 0)
		ret = imap_sort_parse(cmd->args, cmd->arg_count, NULL, search_r, error_r);
	else if (strcmp(cmd->name, "THREAD") == 0)
		ret = imap_thread_parse(cmd->args, cmd->arg_count, NULL, search_r, error_r);
	else
		ret = imap_search_parse(cmd->args, cmd->arg_count, NULL, search_r, error_r);
	imap_parser_free(&parser);
	if (ret == 0 && imap_search_foreach_set((*search_r)->root, resolve_set, (void *)view,
						error_r) != 0) {
		imap_search_free(search_r);
		ret = -1;
	}
	return ret;
}

static const uint32_t test_uids[] = { 1, 2, 3, 5, 8, 9 };
static const struct mailbox_view test_view = { test_uids, 6 };

/* Build the SQL for line; *params_r gets the parameters from $4 on,
   joined by " | ". */
static char *build(const char *line, char **params_r)
{
	struct imap_search *search;
	struct store_imap_search_query query;
	const char *error = NULL;
	bool thread = strncmp(line, "THREAD", 6) == 0;

	*params_r = NULL;
	if (parse_command(line, &test_view, &search, &error) != 0)
		return xasprintf("parse error: %s", error);
	if (store_imap_search_sql(7, 3, 9, search->root, search->sort, search->sort_count,
				  thread ? STORE_IMAP_SEARCH_SELECT_THREAD :
				  STORE_IMAP_SEARCH_SELECT_UIDS, &query, &error) < 0) {
		imap_search_free(&search);
		return xasprintf("sql error: %s", error);
	}
	imap_search_free(&search);

	struct strbuf params = STRBUF_INIT;

	test_assert(query.param_count >= 3);
	test_assert_str(query.params[0], "7");
	test_assert_str(query.params[1], "3");
	test_assert_str(query.params[2], "9");
	for (unsigned int i = 3; i < query.param_count; i++)
		strbuf_printf(&params, "%s%s", i > 3 ? " | " : "", query.params[i]);
	*params_r = strbuf_steal(&params);
	char *sql = query.sql;

	query.sql = NULL;
	store_imap_search_query_free(&query);
	return sql;
}

#define BASE "SELECT m.uid, m.modseq FROM messages m"
#define JOIN_C " JOIN message_contents c ON c.id = m.content_id"
#define JOIN_S " JOIN message_search_all s ON s.content_id = m.content_id"
#define WHERE " WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.uid <= $3 AND "
/* BODY's word query for the value in parameter $n. */
#define TSQUERY(n) "coalesce((SELECT string_agg('''' || replace(replace(w.lexeme, '\\', " \
	"'\\\\'), '''', '''''') || ''':*', ' & ')::tsquery FROM unnest(to_tsvector('simple', $" \
	n "::text)) AS w), 'x | !x'::tsquery)"

static void check(const char *line, const char *sql, const char *params)
{
	char *got_params, *got = build(line, &got_params);

	test_assert_str(got, sql);
	if (got_params != NULL || params != NULL)
		test_assert_str(got_params, params);
	free(got);
	free(got_params);
}

static void test_flags(void)
{
	check("SEARCH ALL", BASE WHERE "(true) ORDER BY m.uid", "");
	check("SEARCH UNSEEN", BASE WHERE "((m.flags & 1) = 0) ORDER BY m.uid", "");
	check("SEARCH DELETED seen UNANSWERED FLAGGED undraft",
	      BASE WHERE "(((m.flags & 8) <> 0 AND (m.flags & 1) <> 0 AND (m.flags & 2) = 0"
	      " AND (m.flags & 4) <> 0 AND (m.flags & 16) = 0)) ORDER BY m.uid", "");
	check("SEARCH OR RECENT NEW NOT OLD",
	      BASE WHERE "(((false OR false) AND NOT (true))) ORDER BY m.uid", "");
	check("SEARCH KEYWORD $Junk UNKEYWORD Work",
	      BASE WHERE "((EXISTS (SELECT 1 FROM unnest(m.keywords) AS k(kw) WHERE "
	      "lower(k.kw) = lower($4::text)) AND NOT EXISTS (SELECT 1 FROM unnest(m.keywords) "
	      "AS k(kw) WHERE lower(k.kw) = lower($5::text)))) ORDER BY m.uid", "$Junk | Work");
	check("SEARCH LARGER 100 SMALLER 2000 MODSEQ 17",
	      BASE WHERE "((m.size > $4::int8 AND m.size < $5::int8 AND m.modseq >= $6::int8))"
	      " ORDER BY m.uid", "100 | 2000 | 17");
	check("SEARCH OLDER 60 YOUNGER 3600",
	      BASE WHERE "((m.internal_date < now() - make_interval(secs => $4::float8) AND "
	      "m.internal_date >= now() - make_interval(secs => $5::float8))) ORDER BY m.uid",
	      "60 | 3600");
}

static void test_strings(void)
{
	check("SEARCH FROM \"50%_off\\\\\"", BASE JOIN_C WHERE "(c.from_addr ILIKE $4) ORDER BY m.uid",
	      "%50\\%\\_off\\\\%");
	check("SEARCH TO a CC b SUBJECT c",
	      BASE JOIN_C WHERE "((c.to_addr ILIKE $4 AND c.cc_addr ILIKE $5 AND "
	      "c.subject ILIKE $6)) ORDER BY m.uid", "%a% | %b% | %c%");
	check("SEARCH BCC bob HEADER X-Spam \"\"",
	      BASE JOIN_S WHERE "((petrel_header_matches(s.headers, 'Bcc', $4) AND "
	      "petrel_header_matches(s.headers, $5, $6))) ORDER BY m.uid", "bob | X-Spam | ");
	check("SEARCH BODY \"hello wor\"",
	      BASE JOIN_S WHERE "((to_tsvector('simple', s.body) @@ " TSQUERY("5")
	      " AND s.body ILIKE $4)) ORDER BY m.uid", "%hello wor% | hello wor");
	check("SEARCH BODY \"--\" TEXT \"\" BODY \"\"",
	      BASE JOIN_S WHERE "((s.body ILIKE $4 AND true AND true)) ORDER BY m.uid", "%--%");
	check("SEARCH TEXT x",
	      BASE JOIN_S WHERE "((s.headers ILIKE $4 OR (to_tsvector('simple', s.body) @@ "
	      TSQUERY("5") " AND s.body ILIKE $4))) ORDER BY m.uid", "%x% | x");
	/* A value that looks like SQL stays a parameter. */
	check("SEARCH SUBJECT \"'); DROP TABLE messages; --\"",
	      BASE JOIN_C WHERE "(c.subject ILIKE $4) ORDER BY m.uid",
	      "%'); DROP TABLE messages; --%");
}

static void test_dates(void)
{
	check("SEARCH BEFORE 1-Feb-1994 SINCE 2-Mar-2020",
	      BASE WHERE "((m.internal_date < $4::timestamptz AND m.internal_date >= "
	      "$5::timestamptz)) ORDER BY m.uid",
	      "1994-02-01 00:00:00+00 | 2020-03-02 00:00:00+00");
	check("SEARCH ON 31-Dec-1999",
	      BASE WHERE "((m.internal_date >= $4::timestamptz AND m.internal_date < "
	      "$5::timestamptz)) ORDER BY m.uid",
	      "1999-12-31 00:00:00+00 | 2000-01-01 00:00:00+00");
	check("SEARCH SENTON 29-Feb-2024 SENTBEFORE 1-Jan-2030 SENTSINCE 1-Jan-1970",
	      BASE JOIN_C WHERE "(((coalesce(c.sent_date, m.internal_date) >= $4::timestamptz "
	      "AND coalesce(c.sent_date, m.internal_date) < $5::timestamptz) AND "
	      "coalesce(c.sent_date, m.internal_date) < $6::timestamptz AND "
	      "coalesce(c.sent_date, m.internal_date) >= $7::timestamptz)) ORDER BY m.uid",
	      "2024-02-29 00:00:00+00 | 2024-03-01 00:00:00+00 | 2030-01-01 00:00:00+00 | "
	      "1970-01-01 00:00:00+00");
}

static void test_sets(void)
{
	check("SEARCH 2:4",
	      BASE WHERE "((m.uid BETWEEN $4 AND $5 AND m.uid <@ $6::int8multirange)) "
	      "ORDER BY m.uid", "2 | 5 | {[2,3],[5,5]}");
	check("SEARCH UID 3:* NOT 1",
	      BASE WHERE "(((m.uid BETWEEN $4 AND $5 AND m.uid <@ $6::int8multirange) AND "
	      "NOT ((m.uid BETWEEN $7 AND $8 AND m.uid <@ $9::int8multirange)))) ORDER BY m.uid",
	      "3 | 9 | {[3,3],[5,5],[8,9]} | 1 | 1 | {[1,1]}");
	check("SEARCH UID 4,6:7", BASE WHERE "(false) ORDER BY m.uid", "");
	check("SEARCH 7:10", BASE WHERE "(false) ORDER BY m.uid", "");
	check("SEARCH $", "parse error: no saved search result", NULL);
	check("SEARCH OR 1 (2 SEEN)",
	      BASE WHERE "(((m.uid BETWEEN $4 AND $5 AND m.uid <@ $6::int8multirange) OR "
	      "((m.uid BETWEEN $7 AND $8 AND m.uid <@ $9::int8multirange) AND "
	      "(m.flags & 1) <> 0))) ORDER BY m.uid",
	      "1 | 1 | {[1,1]} | 2 | 2 | {[2,2]}");

	/* An unresolved set is refused, not searched. */
	struct imap_search_key key;
	struct store_imap_search_query query;
	const char *error = NULL;

	memset(&key, 0, sizeof(key));
	key.type = IMAP_SEARCH_SEQSET;
	test_assert_int(store_imap_search_sql(1, 2, 3, &key, NULL, 0,
					      STORE_IMAP_SEARCH_SELECT_UIDS, &query, &error), -1);
	test_assert_str(error, "sequence set not resolved");
	test_assert(query.sql == NULL && query.params == NULL);
}

static void test_sort_thread(void)
{
	check("SORT (REVERSE ARRIVAL) UTF-8 ALL",
	      BASE WHERE "(true) ORDER BY m.internal_date DESC, m.uid", "");
	check("SORT (SIZE REVERSE DATE FROM) UTF-8 SEEN",
	      BASE JOIN_C WHERE "((m.flags & 1) <> 0) ORDER BY m.size, coalesce(c.sent_date, "
	      "m.internal_date) DESC, lower(c.sort_from COLLATE \"C\"), m.uid", "");
	check("SORT (SUBJECT TO REVERSE CC) UTF-8 ALL",
	      BASE JOIN_C WHERE "(true) ORDER BY lower(c.sort_subject COLLATE \"C\"), "
	      "lower(c.sort_to COLLATE \"C\"), lower(c.sort_cc COLLATE \"C\") DESC, m.uid", "");
	check("THREAD REFERENCES UTF-8 BODY x",
	      "SELECT m.uid, c.message_id, c.in_reply_to, c.refs, c.subject, "
	      "floor(extract(epoch FROM coalesce(c.sent_date, m.internal_date)))::int8 "
	      "FROM messages m" JOIN_C JOIN_S WHERE "((to_tsvector('simple', s.body) @@ "
	      TSQUERY("5") " AND s.body ILIKE $4)) ORDER BY m.uid", "%x% | x");

	struct store_imap_search_query query;
	const char *error;

	test_assert_int(store_imap_search_sql(1, 2, 3, NULL, NULL, 0,
					      STORE_IMAP_SEARCH_SELECT_UIDS, &query, &error), 0);
	test_assert_str(query.sql, BASE WHERE "(true) ORDER BY m.uid");
	test_assert_int(query.param_count, 3);
	store_imap_search_query_free(&query);
}

static void json_string(FILE *out, const char *str)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)str; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* One stdin line into one JSON line (see the top of the file). */
static void dump_line(const char *line, int64_t account_id, int64_t mailbox_id,
		      const struct mailbox_view *view)
{
	struct imap_search *search;
	struct store_imap_search_query query;
	const char *error = NULL;
	uint32_t max_uid = view->count > 0 ? view->uids[view->count - 1] : 0;

	if (parse_command(line, view, &search, &error) != 0) {
		fputs("{\"error\": ", stdout);
		json_string(stdout, error);
		fputs("}\n", stdout);
		return;
	}
	if (store_imap_search_sql(account_id, mailbox_id, max_uid, search->root, search->sort,
				  search->sort_count, search->thread_algorithm != NULL ?
				  STORE_IMAP_SEARCH_SELECT_THREAD : STORE_IMAP_SEARCH_SELECT_UIDS,
				  &query, &error) < 0) {
		fputs("{\"error\": ", stdout);
		json_string(stdout, error);
		fputs("}\n", stdout);
		imap_search_free(&search);
		return;
	}
	fputs("{\"sql\": ", stdout);
	json_string(stdout, query.sql);
	fputs(", \"params\": [", stdout);
	for (unsigned int i = 0; i < query.param_count; i++) {
		if (i > 0)
			fputs(", ", stdout);
		json_string(stdout, query.params[i]);
	}
	fprintf(stdout, "], \"modseq\": %s}\n", search->uses_modseq ? "true" : "false");
	store_imap_search_query_free(&query);
	imap_search_free(&search);
}

static int dump(int argc, char **argv)
{
	uint32_t uids[10000];
	struct mailbox_view view = { uids, 0 };
	char line[65536];

	if (argc != 5) {
		fprintf(stderr, "usage: %s --dump ACCOUNT MAILBOX UID,UID,...\n", argv[0]);
		return 2;
	}
	for (char *p = argv[4]; *p != '\0' && view.count < 10000;) {
		uids[view.count++] = (uint32_t)strtoul(p, &p, 10);
		if (*p == ',')
			p++;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			dump_line(line, strtoll(argv[2], NULL, 10), strtoll(argv[3], NULL, 10), &view);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--dump") == 0)
		return dump(argc, argv);
	test_run("flags and numbers", test_flags);
	test_run("strings", test_strings);
	test_run("dates", test_dates);
	test_run("sets", test_sets);
	test_run("sort and thread", test_sort_thread);
	return test_end();
}
