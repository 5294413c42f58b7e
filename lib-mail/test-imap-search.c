/*
 * test-imap-search.c — unit tests for imap-search.c.
 *
 * Each case is command text run through imap-parser first (so the search
 * parser sees exactly the tree a session would), then through the search
 * parser; the result is compared in the canonical form of
 * imap_search_key_append(), or the error text and code.
 */
#include "imap-search.h"

#include "strbuf.h"
#include "test-common.h"
#include "xalloc.h"

#include <stdlib.h>

enum which { CMD_SEARCH, CMD_SORT, CMD_THREAD };

struct parsed {
	struct imap_parser *parser;
	const struct imap_command *cmd;
};

/* "a SEARCH <text>\r\n" through imap-parser; the line may be long. */
static void parse_line(struct parsed *p, const char *verb, const char *text)
{
	struct imap_parser_limits limits = { .max_line_length = 4 * 1024 * 1024 };
	char *line = xasprintf("a %s %s\r\n", verb, text);
	size_t len = strlen(line), pos = 0, consumed;
	int ret = 0;

	p->parser = imap_parser_new(&limits);
	p->cmd = NULL;
	while (pos < len) {
		ret = imap_parser_feed(p->parser, (const unsigned char *)line + pos,
				       len - pos, &consumed);
		pos += consumed;
		if (ret != 0)
			break;
	}
	test_assert_int(ret, 1);
	if (ret == 1)
		p->cmd = imap_parser_command(p->parser);
	free(line);
}

/* Parse text as the arguments of SEARCH/SORT/THREAD; returns the parse
   result and the printed tree (or the error) in *out_r (free it). */
static int run(enum which which, const char *text, const struct imap_search_limits *limits,
	       struct imap_search **search_r, char **out_r)
{
	static const char *const verbs[] = { "SEARCH", "SORT", "THREAD" };
	struct parsed p;
	struct strbuf out = STRBUF_INIT;
	const char *error = NULL;
	int ret = -100;

	*search_r = NULL;
	parse_line(&p, verbs[which], text);
	if (p.cmd != NULL) {
		if (which == CMD_SEARCH)
			ret = imap_search_parse(p.cmd->args, p.cmd->arg_count, limits, search_r, &error);
		else if (which == CMD_SORT)
			ret = imap_sort_parse(p.cmd->args, p.cmd->arg_count, limits, search_r, &error);
		else
			ret = imap_thread_parse(p.cmd->args, p.cmd->arg_count, limits, search_r, &error);
	}
	/* The tree must not point into the command. */
	imap_parser_free(&p.parser);
	if (ret == 0)
		imap_search_key_append(&out, (*search_r)->root);
	else
		strbuf_printf(&out, "error %d: %s", ret, error != NULL ? error : "(null)");
	*out_r = strbuf_steal(&out);
	return ret;
}

static void check(const char *text, const char *expected)
{
	struct imap_search *search;
	char *out;

	run(CMD_SEARCH, text, NULL, &search, &out);
	test_assert_str(out, expected);
	free(out);
	imap_search_free(&search);
	test_assert(search == NULL);
}

static void check_limits(const char *text, const struct imap_search_limits *limits,
			 const char *expected)
{
	struct imap_search *search;
	char *out;

	run(CMD_SEARCH, text, limits, &search, &out);
	test_assert_str(out, expected);
	free(out);
	imap_search_free(&search);
}

static void test_simple_keys(void)
{
	check("ALL", "ALL");
	check("seen Unseen ANSWERED unanswered DELETED UNDELETED DRAFT UNDRAFT FLAGGED "
	      "UNFLAGGED RECENT NEW OLD",
	      "(AND SEEN UNSEEN ANSWERED UNANSWERED DELETED UNDELETED DRAFT UNDRAFT "
	      "FLAGGED UNFLAGGED RECENT NEW OLD)");
	check("FROM bob to \"Alice Smith\" CC {3}\r\ncar BCC \"\" SUBJECT \"a\\\"b\"",
	      "(AND (FROM \"bob\") (TO \"Alice Smith\") (CC \"car\") (BCC \"\") "
	      "(SUBJECT \"a\\\"b\"))");
	check("BODY hello TEXT \"w\\\\x\"", "(AND (BODY \"hello\") (TEXT \"w\\\\x\"))");
	check("HEADER X-Spam-Flag \"YES\" HEADER Message-ID \"\"",
	      "(AND (HEADER \"X-Spam-Flag\" \"YES\") (HEADER \"Message-ID\" \"\"))");
	check("KEYWORD $Forwarded UNKEYWORD Junk",
	      "(AND (KEYWORD \"$Forwarded\") (UNKEYWORD \"Junk\"))");
	check("LARGER 100 SMALLER 9223372036854775807",
	      "(AND (LARGER 100) (SMALLER 9223372036854775807))");
	check("OLDER 3600 YOUNGER 1", "(AND (OLDER 3600) (YOUNGER 1))");
	check("FROM \"J\xc3\xbcrgen\"", "(FROM \"J\xc3\xbcrgen\")");
}

static void test_dates(void)
{
	check("BEFORE 1-Feb-1994 ON \"02-mar-2020\" SINCE 31-Dec-1999",
	      "(AND (BEFORE 01-Feb-1994) (ON 02-Mar-2020) (SINCE 31-Dec-1999))");
	check("SENTBEFORE 1-Jan-2000 SENTON 29-Feb-2024 SENTSINCE 7-Jul-2007",
	      "(AND (SENTBEFORE 01-Jan-2000) (SENTON 29-Feb-2024) (SENTSINCE 07-Jul-2007))");

	struct imap_search *search;
	char *out;

	test_assert_int(run(CMD_SEARCH, "SINCE 1-Feb-1994", NULL, &search, &out), 0);
	test_assert_int(search->root->date, 760060800);
	free(out);
	imap_search_free(&search);
}

static void test_sets(void)
{
	struct imap_search *search;
	char *out;

	check("1:3,5 UID 7:*", "(AND (SEQ 1:3,5) (UID 7:*))");
	check("* uid 4,2,3", "(AND (SEQ *) (UID 2:4))");
	test_assert_int(run(CMD_SEARCH, "$ UID 1", NULL, &search, &out), 0);
	test_assert_str(out, "(AND (SEQ $) (UID 1))");
	test_assert(search->uses_searchres);
	test_assert(!search->uses_modseq);
	free(out);
	imap_search_free(&search);
	check("UID $", "(UID $)");
}

static void test_nesting(void)
{
	check("OR SEEN (FLAGGED DELETED)", "(OR SEEN (AND FLAGGED DELETED))");
	check("NOT NOT (SEEN)", "(NOT (NOT SEEN))");
	check("OR (OR FROM a TO b) NOT 1:2 ((ALL))",
	      "(AND (OR (OR (FROM \"a\") (TO \"b\")) (NOT (SEQ 1:2))) ALL)");
	check("(SEEN) DRAFT", "(AND SEEN DRAFT)");
}

static void test_modseq(void)
{
	struct imap_search *search;
	char *out;

	test_assert_int(run(CMD_SEARCH, "MODSEQ 620162338", NULL, &search, &out), 0);
	test_assert_str(out, "(MODSEQ 620162338)");
	test_assert(search->uses_modseq);
	free(out);
	imap_search_free(&search);
	check("modseq \"/flags/\\\\draft\" ALL 5", "(MODSEQ \"/flags/\\\\draft\" all 5)");
	check("MODSEQ \"/flags/x\" bogus 5", "error -1: Invalid MODSEQ entry type");
	check("MODSEQ", "error -1: Missing argument to search key");
}

static void test_return_charset(void)
{
	struct imap_search *search;
	char *out;

	test_assert_int(run(CMD_SEARCH, "RETURN (MIN count) CHARSET utf-8 UNSEEN", NULL,
			    &search, &out), 0);
	test_assert_str(out, "UNSEEN");
	test_assert(search->has_return);
	test_assert_int(search->return_options,
			IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_COUNT);
	test_assert_str(search->charset, "UTF-8");
	free(out);
	imap_search_free(&search);

	test_assert_int(run(CMD_SEARCH, "RETURN () CHARSET \"us-ascii\" ALL", NULL,
			    &search, &out), 0);
	test_assert_int(search->return_options, IMAP_SEARCH_RETURN_ALL);
	test_assert_str(search->charset, "US-ASCII");
	free(out);
	imap_search_free(&search);

	test_assert_int(run(CMD_SEARCH, "RETURN (SAVE MAX ALL) 1:*", NULL, &search, &out), 0);
	test_assert_int(search->return_options, IMAP_SEARCH_RETURN_SAVE |
			IMAP_SEARCH_RETURN_MAX | IMAP_SEARCH_RETURN_ALL);
	test_assert(search->charset == NULL);
	free(out);
	imap_search_free(&search);

	test_assert_int(run(CMD_SEARCH, "ALL", NULL, &search, &out), 0);
	test_assert(!search->has_return);
	free(out);
	imap_search_free(&search);

	check("CHARSET KOI8-R FROM x", "error -2: Unsupported charset");
	check("RETURN (FOO) ALL", "error -1: Unknown RETURN option");
	check("RETURN ALL", "error -1: RETURN needs a list of options");
	check("CHARSET", "error -1: Missing charset");
	check("RETURN (MIN) CHARSET UTF-8", "error -1: Missing search keys");
}

static void test_errors(void)
{
	check("FOO", "error -1: Unknown search key");
	check("SEEN \"SEEN\"", "error -1: Unknown search key");
	check("FROM", "error -1: Missing argument to search key");
	check("HEADER Subject", "error -1: Missing argument to search key");
	check("OR SEEN", "error -1: Missing argument to search key");
	check("NOT", "error -1: Missing argument to search key");
	check("FROM (a)", "error -1: Search key needs a string argument");
	check("SINCE 31-Feb-2020", "error -1: Invalid date in search key");
	check("BEFORE yesterday", "error -1: Invalid date in search key");
	check("LARGER -1", "error -1: Search key needs a number");
	check("LARGER 99999999999999999999", "error -1: Number out of range in search key");
	check("OLDER 0", "error -1: Number out of range in search key");
	check("YOUNGER 4294967296", "error -1: Number out of range in search key");
	check("UID", "error -1: Missing argument to search key");
	check("UID abc", "error -1: Invalid sequence set");
	check("1:x", "error -1: Invalid sequence set");
	check("0", "error -1: Invalid sequence set");
	check("()", "error -1: Missing search keys");
	check("", "error -1: Missing search keys");
	check("BODY ~{2}\r\nab", "error -1: Search key needs a string argument");
	check("BODY {2}\r\n\xff\xfe", "error -1: Search string is not valid UTF-8");
}

static void test_limits(void)
{
	struct strbuf text = STRBUF_INIT;
	struct imap_search_limits limits = { .max_depth = 5, .max_keys = 11 };

	/* NOT chains are not parentheses: the parser must bound them itself. */
	for (unsigned int i = 0; i < 40; i++)
		strbuf_append(&text, "NOT ");
	strbuf_append(&text, "SEEN");
	check(strbuf_cstr(&text), "error -1: Search keys nested too deeply");
	strbuf_free(&text);
	for (unsigned int i = 0; i < 31; i++)
		strbuf_append(&text, "NOT ");
	strbuf_append(&text, "SEEN");
	check_limits(strbuf_cstr(&text), NULL,
		     "(NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT "
		     "(NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT (NOT "
		     "(NOT (NOT (NOT (NOT (NOT SEEN)))))))))))))))))))))))))))))))");
	strbuf_free(&text);

	check_limits("OR OR OR OR OR SEEN SEEN SEEN SEEN SEEN SEEN", &limits,
		     "error -1: Search keys nested too deeply");
	check_limits("OR OR OR OR SEEN SEEN SEEN SEEN SEEN", &limits,
		     "(OR (OR (OR (OR SEEN SEEN) SEEN) SEEN) SEEN)");
	check_limits("((((SEEN))))", &limits, "SEEN");
	check_limits("NOT NOT NOT NOT NOT SEEN", &limits,
		     "error -1: Search keys nested too deeply");
	check_limits("NOT NOT NOT NOT SEEN", &limits,
		     "(NOT (NOT (NOT (NOT SEEN))))");
	check_limits("SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN", &limits,
		     "(AND SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN)");
	check_limits("SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN SEEN", &limits,
		     "error -1: Too many search keys");
	check_limits("(((((SEEN)))))", &limits, "error -1: Search keys nested too deeply");

	/* 100,000 elements: refused by the sequence-set limit. */
	for (unsigned int i = 0; i < 100000; i++)
		strbuf_printf(&text, "%s%u", i > 0 ? "," : "", i * 2 + 1);
	check(strbuf_cstr(&text), "error -1: Too many elements in sequence set");
	strbuf_free(&text);
	struct imap_search_limits small = { .max_seqset_ranges = 3 };

	check_limits("UID 1,3,5", &small, "(UID 1,3,5)");
	check_limits("UID 1,3,5,7", &small, "error -1: Too many elements in sequence set");
}

static void test_sort(void)
{
	struct imap_search *search;
	struct strbuf crit = STRBUF_INIT;
	char *out;

	test_assert_int(run(CMD_SORT, "(REVERSE DATE subject ARRIVAL cc FROM REVERSE SIZE TO) "
			    "UTF-8 SINCE 1-Feb-1994 NOT FROM bob", NULL, &search, &out), 0);
	test_assert_str(out, "(AND (SINCE 01-Feb-1994) (NOT (FROM \"bob\")))");
	imap_sort_criteria_append(&crit, search->sort, search->sort_count);
	test_assert_str(strbuf_cstr(&crit),
			"(REVERSE DATE SUBJECT ARRIVAL CC FROM REVERSE SIZE TO)");
	test_assert_int(search->sort_count, 7);
	test_assert(search->sort[0].reverse && search->sort[0].key == IMAP_SORT_DATE);
	test_assert(!search->sort[1].reverse);
	free(out);
	imap_search_free(&search);
	strbuf_free(&crit);

	test_assert_int(run(CMD_SORT, "RETURN (COUNT) (ARRIVAL) us-ascii ALL", NULL,
			    &search, &out), 0);
	test_assert(search->has_return);
	test_assert_int(search->return_options, IMAP_SEARCH_RETURN_COUNT);
	free(out);
	imap_search_free(&search);

	struct { const char *text, *expected; } bad[] = {
		{ "(REVERSE) UTF-8 ALL", "error -1: REVERSE needs a sort criterion" },
		{ "(REVERSE REVERSE DATE) UTF-8 ALL", "error -1: Unknown sort criterion" },
		{ "() UTF-8 ALL", "error -1: SORT needs a list of sort criteria" },
		{ "DATE UTF-8 ALL", "error -1: SORT needs a list of sort criteria" },
		{ "(DISPLAYFROM) UTF-8 ALL", "error -1: Unknown sort criterion" },
		{ "(DATE) KOI8-R ALL", "error -2: Unsupported charset" },
		{ "(DATE) ALL", "error -2: Unsupported charset" },
		{ "(DATE) UTF-8", "error -1: Missing search keys" },
		{ "(DATE)", "error -1: Missing charset" },
		{ "(DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE "
		  "DATE DATE DATE) UTF-8 ALL", "error -1: Too many sort criteria" },
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(CMD_SORT, bad[i].text, NULL, &search, &out);
		test_assert_str(out, bad[i].expected);
		test_assert(search == NULL);
		free(out);
	}
}

static void test_thread(void)
{
	struct imap_search *search;
	char *out;

	test_assert_int(run(CMD_THREAD, "references UTF-8 SINCE 1-Jan-2020 UNDELETED", NULL,
			    &search, &out), 0);
	test_assert_str(out, "(AND (SINCE 01-Jan-2020) UNDELETED)");
	test_assert_str(search->thread_algorithm, "REFERENCES");
	test_assert_str(search->charset, "UTF-8");
	free(out);
	imap_search_free(&search);

	run(CMD_THREAD, "ORDEREDSUBJECT BIG5 ALL", NULL, &search, &out);
	test_assert_str(out, "error -2: Unsupported charset");
	free(out);
	run(CMD_THREAD, "(REFERENCES) UTF-8 ALL", NULL, &search, &out);
	test_assert_str(out, "error -1: THREAD needs an algorithm");
	free(out);
}

/* Resolve like a session would: sequence numbers n map to UID 10n, "*"
   to the last of 5 messages. */
static int resolve_set(void *ctx, struct imap_search_key *key, const char **error_r)
{
	unsigned int *calls = ctx;
	struct imap_seqset seqs;

	(*calls)++;
	if (key->set.searchres) {
		*error_r = "no saved result";
		return -1;
	}
	imap_seqset_resolve(&key->set, key->uid ? 50 : 5, &seqs);
	for (unsigned int i = 0; i < seqs.count; i++) {
		for (uint32_t n = seqs.ranges[i].first; n <= seqs.ranges[i].last; n++) {
			uint32_t uid = key->uid ? n : n * 10;

			if (!key->uid || uid % 10 == 0)
				imap_seqset_add_range(&key->resolved_uids, uid, uid);
		}
	}
	imap_seqset_free(&seqs);
	key->resolved = true;
	return 0;
}

static void test_foreach_set(void)
{
	struct imap_search *search;
	const char *error = NULL;
	unsigned int calls = 0;
	struct strbuf out = STRBUF_INIT;
	char *text;

	test_assert_int(run(CMD_SEARCH, "1:2 OR UID 10:30 SEEN NOT (4:*)", NULL,
			    &search, &text), 0);
	free(text);
	test_assert_int(imap_search_foreach_set(search->root, resolve_set, &calls, &error), 0);
	test_assert_int(calls, 3);
	imap_search_key_append(&out, search->root);
	test_assert_str(strbuf_cstr(&out), "(AND (SEQ 1:2 =10,20) (OR (UID 10:30 =10,20,30) "
			"SEEN) (NOT (SEQ 4:* =40,50)))");
	strbuf_free(&out);
	imap_search_free(&search);

	calls = 0;
	test_assert_int(run(CMD_SEARCH, "1 $ 2", NULL, &search, &text), 0);
	free(text);
	test_assert_int(imap_search_foreach_set(search->root, resolve_set, &calls, &error), -1);
	test_assert_str(error, "no saved result");
	test_assert_int(calls, 2);
	imap_search_free(&search);
}

int main(void)
{
	test_run("simple keys", test_simple_keys);
	test_run("dates", test_dates);
	test_run("sequence sets", test_sets);
	test_run("nesting", test_nesting);
	test_run("modseq", test_modseq);
	test_run("return and charset", test_return_charset);
	test_run("errors", test_errors);
	test_run("limits", test_limits);
	test_run("sort", test_sort);
	test_run("thread", test_thread);
	test_run("foreach set", test_foreach_set);
	return test_end();
}
