/*
 * test-imap-parser.c — unit tests for imap-parser.c.
 *
 * Each case is an input stream and the transcript the parser must produce
 * for it: parsed commands in a canonical form, literal announcements and
 * errors, one per line. Every input is fed whole, one byte at a time and in
 * random splits, and all three transcripts must be the expected one.
 */
#include "imap-parser.h"

#include "strbuf.h"
#include "test-common.h"
#include "xalloc.h"

#include <stdlib.h>

static void print_arg(struct strbuf *out, const struct imap_arg *arg)
{
	switch (arg->type) {
	case IMAP_ARG_NIL:
		strbuf_append(out, "NIL");
		break;
	case IMAP_ARG_ATOM:
		strbuf_append(out, arg->str);
		break;
	case IMAP_ARG_STRING:
		strbuf_append_c(out, '"');
		for (size_t i = 0; i < arg->len; i++) {
			if (arg->str[i] == '"' || arg->str[i] == '\\')
				strbuf_append_c(out, '\\');
			strbuf_append_c(out, arg->str[i]);
		}
		strbuf_append_c(out, '"');
		break;
	case IMAP_ARG_LITERAL:
		strbuf_printf(out, "%s{%zu}", arg->literal8 ? "~" : "", arg->len);
		for (size_t i = 0; i < arg->len; i++) {
			if (arg->str[i] == '\0')
				strbuf_append(out, "\\0");
			else
				strbuf_append_c(out, arg->str[i]);
		}
		break;
	case IMAP_ARG_LIST:
		strbuf_append_c(out, '(');
		for (unsigned int i = 0; i < arg->list_count; i++) {
			if (i > 0)
				strbuf_append_c(out, ' ');
			print_arg(out, &arg->list[i]);
		}
		strbuf_append_c(out, ')');
		break;
	}
}

static void print_command(struct strbuf *out, const struct imap_command *cmd)
{
	strbuf_printf(out, "%s %s", cmd->tag, cmd->name);
	for (unsigned int i = 0; i < cmd->arg_count; i++) {
		strbuf_append_c(out, ' ');
		print_arg(out, &cmd->args[i]);
	}
	strbuf_append_c(out, '\n');
}

struct run_opts {
	const struct imap_parser_limits *limits;
	uint64_t refuse_over;     /* refuse literals larger than this (0: never) */
	bool append_big;          /* name callback: APPEND gets 1 MB literals */
};

static void name_callback(struct imap_parser *parser, const char *name, void *context)
{
	(void)context;
	if (strcmp(name, "APPEND") == 0)
		imap_parser_set_literal_limit(parser, 1024 * 1024);
}

/* One feed() result into the transcript. */
static void record(struct imap_parser *p, int ret, const struct run_opts *opts,
		   struct strbuf *out)
{
	enum imap_parser_error error;
	const char *tag, *text;
	uint64_t size;
	bool sync;

	if (ret == 1) {
		test_assert(imap_parser_command(p) != NULL);
		print_command(out, imap_parser_command(p));
	} else if (ret < 0) {
		text = imap_parser_error_text(p, &error, &tag);
		test_assert(text != NULL && error != IMAP_PARSER_ERROR_NONE);
		test_assert((ret == -1) == (error == IMAP_PARSER_ERROR_SYNTAX));
		strbuf_printf(out, "ERR%d %s %s\n", ret, tag != NULL ? tag : "*", text);
	} else if (imap_parser_literal_pending(p, &size, &sync)) {
		strbuf_printf(out, "+%llu%s\n", (unsigned long long)size, sync ? "" : "+");
		if (opts->refuse_over > 0 && size > opts->refuse_over) {
			imap_parser_literal_refuse(p);
			strbuf_append(out, "refused\n");
		}
	}
}

/* mode 0: whole, 1: one byte at a time, else: random splits seeded by mode. */
static char *run(const char *input, size_t len, int mode, const struct run_opts *opts)
{
	struct imap_parser *p = imap_parser_new(opts->limits);
	struct strbuf out = STRBUF_INIT;
	size_t pos = 0, chunk_end = 0, consumed;
	unsigned int seed = (unsigned int)mode;

	if (opts->append_big)
		imap_parser_set_name_callback(p, name_callback, NULL);
	while (pos < len) {
		if (pos >= chunk_end) {
			chunk_end = mode == 0 ? len : mode == 1 ? pos + 1 :
				pos + 1 + (size_t)(rand_r(&seed) % 13);
			if (chunk_end > len)
				chunk_end = len;
		}
		int ret = imap_parser_feed(p, (const unsigned char *)input + pos,
					   chunk_end - pos, &consumed);

		test_assert(consumed <= chunk_end - pos);
		test_assert(consumed > 0 || ret == 0);
		pos += consumed;
		record(p, ret, opts, &out);
		if (ret == 0 && consumed == 0)
			break;
	}
	imap_parser_free(&p);
	test_assert(p == NULL);
	return strbuf_steal(&out);
}

static void check_run(const char *input, size_t len, const char *expected,
		      const struct run_opts *opts)
{
	for (int mode = 0; mode < 6; mode++) {
		char *got = run(input, len, mode, opts);

		if (strcmp(got, expected) != 0)
			fprintf(stderr, "mode %d for input:\n%.200s\n", mode, input);
		test_assert_str(got, expected);
		free(got);
	}
}

/* A case whose input holds NUL bytes. */
#define BIN(s) s, sizeof(s) - 1

struct parse_case {
	const char *input;
	size_t len;          /* 0: strlen(input) */
	const char *expected;
};

static void check_cases(const struct parse_case *cases, size_t count,
			const struct run_opts *opts)
{
	for (size_t i = 0; i < count; i++) {
		size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].input);

		check_run(cases[i].input, len, cases[i].expected, opts);
	}
}

static const struct run_opts default_opts = { NULL, 0, false };

static void test_valid(void)
{
	static const struct parse_case cases[] = {
		{ "a1 NOOP\r\n", 0, "a1 NOOP\n" },
		{ "a2 login bob \"pa ss\"\r\n", 0, "a2 LOGIN bob \"pa ss\"\n" },
		{ "a3 LOGIN \"a\\\"b\" \"c\\\\d\"\r\n", 0, "a3 LOGIN \"a\\\"b\" \"c\\\\d\"\n" },
		{ "a4 LOGIN {3}\r\nbob {4}\r\npass\r\n", 0, "+3\n+4\na4 LOGIN {3}bob {4}pass\n" },
		{ "a5 APPEND INBOX (\\Seen $Junk) {5+}\r\nhello\r\n", 0,
		  "+5+\na5 APPEND INBOX (\\Seen $Junk) {5}hello\n" },
		{ BIN("a6 APPEND INBOX ~{3}\r\na\0b\r\n"), "+3\na6 APPEND INBOX ~{3}a\\0b\n" },
		{ "a7 SEARCH OR (FROM x (SUBJECT y)) NOT DELETED\r\n", 0,
		  "a7 SEARCH OR (FROM x (SUBJECT y)) NOT DELETED\n" },
		{ "a8 UID FETCH 1:*,5 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BODY[])\r\n",
		  0, "a8 UID FETCH 1:*,5 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BODY[])\n" },
		{ "a9 X nil NIL \"NIL\"\r\n", 0, "a9 X NIL NIL \"NIL\"\n" },
		{ "b1 NOOP\n", 0, "b1 NOOP\n" },
		{ "b2 X () (())\r\n", 0, "b2 X () (())\n" },
		{ "b3 SELECT \"Entw\xc3\xbc rfe\"\r\n", 0, "b3 SELECT \"Entw\xc3\xbc rfe\"\n" },
		{ "c1 NOOP\r\nc2 capability\r\n", 0, "c1 NOOP\nc2 CAPABILITY\n" },
		{ "c3 X {0}\r\n\r\n", 0, "+0\nc3 X {0}\n" },
		{ "c4 FETCH 1 BODY[HEADER.FIELDS (\"X]\" \"a\\\"]\")]\r\n", 0,
		  "c4 FETCH 1 BODY[HEADER.FIELDS (\"X]\" \"a\\\"]\")]\n" },
		{ "t] NOOP\r\n", 0, "t] NOOP\n" },
		{ "c5 X ~ a ~b\r\n", 0, "c5 X ~ a ~b\n" },
		{ "c6 X  a   b \r\n", 0, "c6 X a b\n" },
		{ "c7 FOOBAR x\r\n", 0, "c7 FOOBAR x\n" },
		{ "c8 X ({2}\r\nab \"c\")\r\n", 0, "+2\nc8 X ({2}ab \"c\")\n" },
		{ "c9 STORE 1 +FLAGS.SILENT (\\Deleted \\*)\r\n", 0,
		  "c9 STORE 1 +FLAGS.SILENT (\\Deleted \\*)\n" },
		{ "d1 X \"\"\r\n", 0, "d1 X \"\"\n" },
		{ "d2 LIST \"\" %/*\r\n", 0, "d2 LIST \"\" %/*\n" },
		{ "d3 X a\xc3\xa9\r\n", 0, "d3 X a\xc3\xa9\n" },
		{ "d4 X {3}\r\n\r\n\r\r\n", 0, "+3\nd4 X {3}\r\n\r\n" },
		{ BIN("d5 X ~{2+}\r\n\0\0)\r\n"), "+2+\nERR-1 d5 Unexpected ')'\n" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]), &default_opts);
}

static void test_tree(void)
{
	static const char input[] = "a FETCH 1 (FLAGS {3}\r\nx\0y NIL)\r\n";
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_command *cmd;
	const struct imap_arg *list;
	unsigned int count;
	const char *str;
	size_t pos = 0, consumed;
	int ret;

	while ((ret = imap_parser_feed(p, (const unsigned char *)input + pos,
				       sizeof(input) - 1 - pos, &consumed)) == 0 &&
	       consumed > 0)
		pos += consumed;
	test_assert_int(ret, -1);   /* NUL in an ordinary literal */
	imap_parser_reset(p);

	static const char input2[] = "a FETCH 1 (FLAGS ~{3}\r\nx\0y NIL)\r\n";
	pos = 0;
	while ((ret = imap_parser_feed(p, (const unsigned char *)input2 + pos,
				       sizeof(input2) - 1 - pos, &consumed)) == 0 &&
	       consumed > 0)
		pos += consumed;
	test_assert_int(ret, 1);
	cmd = imap_parser_command(p);
	test_assert(cmd != NULL);
	test_assert_str(cmd->name, "FETCH");
	test_assert_int(cmd->arg_count, 2);
	test_assert(imap_arg_get_atom(&cmd->args[0], &str) && strcmp(str, "1") == 0);
	test_assert(imap_arg_get_list(&cmd->args[1], &list, &count));
	test_assert_int(count, 3);
	test_assert(imap_arg_atom_equals(&list[0], "flags"));
	test_assert(list[1].type == IMAP_ARG_LITERAL && list[1].literal8);
	test_assert_int(list[1].len, 3);
	test_assert(memcmp(list[1].str, "x\0y", 3) == 0);
	test_assert(!imap_arg_get_astring(&list[1], &str));
	test_assert(imap_arg_get_nstring(&list[2], &str) && str == NULL);
	test_assert(imap_arg_get_astring(&list[2], &str) && strcmp(str, "NIL") == 0);
	imap_parser_reset(p);
	test_assert(imap_parser_command(p) == NULL);
	imap_parser_free(&p);
}

static void test_errors(void)
{
	static const struct parse_case cases[] = {
		{ "a(1 NOOP\r\nz NOOP\r\n", 0, "ERR-1 * Invalid characters in tag\nz NOOP\n" },
		{ "* NOOP\r\nz NOOP\r\n", 0, "ERR-1 * Invalid characters in tag\nz NOOP\n" },
		{ "+ x\r\nz NOOP\r\n", 0, "ERR-1 * Invalid characters in tag\nz NOOP\n" },
		{ "\r\nz NOOP\r\n", 0, "ERR-1 * Empty command line\nz NOOP\n" },
		{ " a\r\nz NOOP\r\n", 0, "ERR-1 * Empty command line\nz NOOP\n" },
		{ "a1\r\nz NOOP\r\n", 0, "ERR-1 a1 Missing command name\nz NOOP\n" },
		{ "a1 FE(TCH\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Invalid characters in command name\nz NOOP\n" },
		{ "a1 LOGIN \"bob\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 CR, LF or NUL in quoted string\nz NOOP\n" },
		{ "a1 LOGIN \"b\rob\" x\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 CR, LF or NUL in quoted string\nz NOOP\n" },
		{ "a1 X \"a\\b\"\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Invalid escape in quoted string\nz NOOP\n" },
		{ "a1 X \"\xff\"\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Invalid UTF-8 in quoted string\nz NOOP\n" },
		{ "a1 X a\xff\r\nz NOOP\r\n", 0, "ERR-1 a1 Invalid UTF-8 in atom\nz NOOP\n" },
		{ "a1 X \"a\"b\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Missing space after string, literal or list\nz NOOP\n" },
		{ "a1 X (a b\r\nz NOOP\r\n", 0, "ERR-1 a1 Missing ')'\nz NOOP\n" },
		{ "a1 X a)\r\nz NOOP\r\n", 0, "ERR-1 a1 Unexpected ')'\nz NOOP\n" },
		{ "a1 X BODY[HEADER\r\nz NOOP\r\n", 0, "ERR-1 a1 Missing ']'\nz NOOP\n" },
		{ "a1 X {12a}\r\nz NOOP\r\n", 0, "ERR-1 a1 Invalid literal size\nz NOOP\n" },
		{ "a1 X {}\r\nz NOOP\r\n", 0, "ERR-1 a1 Invalid literal size\nz NOOP\n" },
		{ "a1 X {123456789012345678901}\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Invalid literal size\nz NOOP\n" },
		{ "a1 X {3} abc\r\nz NOOP\r\n", 0,
		  "ERR-1 a1 Missing CRLF after literal size\nz NOOP\n" },
		{ "a1 X \r\rz NOOP\r\n", 0, "ERR-1 a1 CR without LF\n" },
		/* NUL outside literal8 */
		{ BIN("a1 X a\0b\r\nz NOOP\r\n"), "ERR-1 a1 Invalid characters in atom\nz NOOP\n" },
		{ BIN("a1 X \"a\0b\"\r\nz NOOP\r\n"),
		  "ERR-1 a1 CR, LF or NUL in quoted string\nz NOOP\n" },
		{ BIN("a1 X {3}\r\na\0b c\r\nz NOOP\r\n"),
		  "+3\nERR-1 a1 NUL in literal (use literal8)\nz NOOP\n" },
		/* literal length mismatch: fewer bytes, then more */
		{ "a1 LOGIN {10}\r\nabc\r\nz NOOP\r\ny NOOP\r\n", 0,
		  "+10\nERR-1 a1 Missing space after string, literal or list\ny NOOP\n" },
		{ "a1 LOGIN {3}\r\nbobxyz pass\r\nz NOOP\r\n", 0,
		  "+3\nERR-1 a1 Missing space after string, literal or list\nz NOOP\n" },
		/* oversized literals: sync is refused at once, non-sync skipped */
		{ "a1 LOGIN {70000}\r\nz NOOP\r\n", 0, "ERR-2 a1 Literal too big\nz NOOP\n" },
		{ "a1 X {9999999999999999999}\r\nz NOOP\r\n", 0,
		  "ERR-2 a1 Literal too big\nz NOOP\n" },
		/* a bad command's non-synchronizing literals are skipped */
		{ "a(1 X {3+}\r\na\r\n x {2+}\r\n\r\n\r\nz NOOP\r\n", 0,
		  "ERR-1 * Invalid characters in tag\nz NOOP\n" },
		{ "a1 X ) {3}\r\nz NOOP\r\n", 0, "ERR-1 a1 Unexpected ')'\nz NOOP\n" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]), &default_opts);
}

static char *repeat(const char *head, const char *unit, size_t count, const char *tail,
		    size_t *len_r)
{
	struct strbuf buf = STRBUF_INIT;

	strbuf_append(&buf, head);
	for (size_t i = 0; i < count; i++)
		strbuf_append(&buf, unit);
	strbuf_append(&buf, tail);
	*len_r = buf.len;
	return strbuf_steal(&buf);
}

static void test_big_literals(void)
{
	struct run_opts opts = default_opts;
	struct strbuf in = STRBUF_INIT, exp = STRBUF_INIT;
	char *data = xmalloc(70000);

	memset(data, 'x', 70000);
	/* non-synchronizing and too big: the 70,000 bytes and the rest of the
	   line are skipped */
	strbuf_append(&in, "a1 APPEND x {70000+}\r\n");
	strbuf_append_n(&in, data, 70000);
	strbuf_append(&in, " more {3+}\r\nabc\r\nz NOOP\r\n");
	check_run(in.data, in.len, "ERR-2 a1 Literal too big\nz NOOP\n", &opts);

	/* APPEND raised to 1 MB by the name callback; LOGIN is not */
	opts.append_big = true;
	strbuf_truncate(&in, 0);
	strbuf_append(&in, "a2 APPEND INBOX {70000}\r\n");
	strbuf_append_n(&in, data, 70000);
	strbuf_append(&in, "\r\na3 LOGIN {70000}\r\n");
	strbuf_append(&exp, "+70000\na2 APPEND INBOX {70000}");
	strbuf_append_n(&exp, data, 70000);
	strbuf_append(&exp, "\nERR-2 a3 Literal too big\n");
	check_run(in.data, in.len, exp.data, &opts);

	/* the session refuses a literal the parser would accept */
	opts.refuse_over = 4;
	check_run("a4 APPEND INBOX {5}\r\nz NOOP\r\n", 29, "+5\nrefused\nz NOOP\n", &opts);
	check_run("a4 APPEND INBOX {5+}\r\nhello more {2+}\r\nab\r\nz NOOP\r\n", 51,
		  "+5+\nrefused\nz NOOP\n", &opts);
	free(data);
	strbuf_free(&in);
	strbuf_free(&exp);
}

static void test_limits(void)
{
	struct imap_parser_limits limits = { 1024 * 1024, 0, 0, 200000 };
	struct run_opts opts = default_opts;
	size_t len;
	char *in, *got;

	in = repeat("a1 SEARCH ", "(", 1000, "ALL\r\nz NOOP\r\n", &len);
	check_run(in, len, "ERR-2 a1 Too deeply nested parentheses\nz NOOP\n", &opts);
	free(in);
	/* exactly the default depth of 32 is fine */
	char *head = repeat("a1 SEARCH ", "(", 32, "ALL", &len);
	in = repeat(head, ")", 32, "\r\n", &len);
	char *expected = repeat(head, ")", 32, "\n", &len);
	check_run(in, strlen(in), expected, &opts);
	free(head);
	free(expected);
	free(in);

	/* 100,000 elements: too many arguments by default ... */
	in = repeat("a1 X (", "1 ", 100000, ")\r\nz NOOP\r\n", &len);
	check_run(in, len, "ERR-2 a1 Too many arguments\nz NOOP\n", &opts);
	/* ... but fine when the limits allow them */
	opts.limits = &limits;
	got = run(in, len, 0, &opts);
	test_assert_int(strlen(got), len - 3);
	test_assert(strncmp(got, "a1 X (1 1 ", 10) == 0);
	test_assert(strcmp(got + strlen(got) - 11, " 1)\nz NOOP\n") == 0);
	free(got);
	free(in);
	/* a 100,000-element sequence set is one huge atom */
	opts.limits = NULL;
	in = repeat("a1 FETCH 1", ",12345", 100000, " FLAGS\r\nz NOOP\r\n", &len);
	check_run(in, len, "ERR-2 a1 Command line too long\nz NOOP\n", &opts);
	free(in);
	in = repeat("a1 X \"", "a", 70000, "\"\r\nz NOOP\r\n", &len);
	check_run(in, len, "ERR-2 a1 Command line too long\nz NOOP\n", &opts);
	free(in);
	/* the line gets too long inside a literal announcement: its bytes are
	   still skipped */
	for (size_t max = 16; max <= 20; max++) {
		struct imap_parser_limits tiny = { max, 0, 0, 0 };
		struct run_opts tiny_opts = { &tiny, 0, false };

		check_run("a1 APPEND INBOX {5+}\r\nz NOO\r\nz NOOP\r\n", 37,
			  "ERR-2 a1 Command line too long\nz NOOP\n", &tiny_opts);
	}
	in = repeat("", "a", 70000, " NOOP\r\nz NOOP\r\n", &len);
	check_run(in, len, "ERR-2 * Command line too long\nz NOOP\n", &opts);
	free(in);
}

static void test_fetch_att(void)
{
	char buf[128];
	const char *name, *section;
	bool partial;
	uint64_t offset, count;

	test_assert_int(imap_arg_fetch_att_split("BODY.PEEK[HEADER.FIELDS (A B)]<0.100>",
						 buf, sizeof(buf), &name, &section,
						 &partial, &offset, &count), 0);
	test_assert_str(name, "BODY.PEEK");
	test_assert_str(section, "HEADER.FIELDS (A B)");
	test_assert(partial);
	test_assert_int(offset, 0);
	test_assert_int(count, 100);
	test_assert_int(imap_arg_fetch_att_split("BODY[]", buf, sizeof(buf), &name,
						 &section, &partial, &offset, &count), 0);
	test_assert_str(name, "BODY");
	test_assert_str(section, "");
	test_assert(!partial);
	test_assert_int(imap_arg_fetch_att_split("FLAGS", buf, sizeof(buf), &name,
						 &section, &partial, &offset, &count), 0);
	test_assert_str(name, "FLAGS");
	test_assert(section == NULL);
	static const char *const bad[] = {
		"BODY[", "[1]", "BODY[]<", "BODY[]<1>", "BODY[]<1.0>", "BODY[]<1.2>x",
		"BODY[]x", "FLAGS]", "BODY[]<a.1>", "BODY[]<1.99999999999999999999999>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_assert_int(imap_arg_fetch_att_split(bad[i], buf, sizeof(buf), &name,
							 &section, &partial, &offset,
							 &count), -1);
	}
	test_assert_int(imap_arg_fetch_att_split("BODY[1]", buf, 8, &name, &section,
						 &partial, &offset, &count), -1);
}

int main(void)
{
	test_run("valid commands", test_valid);
	test_run("argument tree", test_tree);
	test_run("errors", test_errors);
	test_run("big literals", test_big_literals);
	test_run("limits", test_limits);
	test_run("fetch attributes", test_fetch_att);
	return test_end();
}
