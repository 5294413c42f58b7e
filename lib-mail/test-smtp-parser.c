/*
 * test-smtp-parser.c — SMTP/LMTP command line parsing and address
 * canonicalisation (smtp-parser.c, smtp-address.c).
 */
#include "smtp-parser.h"

#include "test-common.h"

#include <stdlib.h>

static char line_buf[1024];

/* Parse a copy of s (len bytes, may hold NULs); returns the parser's result. */
static int parse_n(const char *s, size_t len, struct smtp_command *cmd, const char **error)
{
	memcpy(line_buf, s, len);
	line_buf[len] = 'X';   /* the parser must terminate the line itself */
	*error = NULL;
	return smtp_command_parse(line_buf, len, cmd, error);
}

static int parse(const char *s, struct smtp_command *cmd, const char **error)
{
	return parse_n(s, strlen(s), cmd, error);
}

static void test_verbs(void)
{
	static const struct {
		const char *line;
		enum smtp_verb verb;
		const char *arg;
	} tests[] = {
		{ "HELO example.com", SMTP_VERB_HELO, "example.com" },
		{ "ehlo example.com", SMTP_VERB_EHLO, "example.com" },
		{ "LhLo client.example", SMTP_VERB_LHLO, "client.example" },
		{ "EHLO   [192.0.2.1]   ", SMTP_VERB_EHLO, "[192.0.2.1]" },
		{ "DATA", SMTP_VERB_DATA, "" },
		{ "data  ", SMTP_VERB_DATA, "" },
		{ "RSET", SMTP_VERB_RSET, "" },
		{ "NOOP", SMTP_VERB_NOOP, "" },
		{ "NOOP anything goes", SMTP_VERB_NOOP, "anything goes" },
		{ "VRFY user", SMTP_VERB_VRFY, "user" },
		{ "EXPN list", SMTP_VERB_EXPN, "list" },
		{ "HELP", SMTP_VERB_HELP, "" },
		{ "HELP mail", SMTP_VERB_HELP, "mail" },
		{ "QUIT", SMTP_VERB_QUIT, "" },
		{ "StartTLS", SMTP_VERB_STARTTLS, "" },
		{ "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=", SMTP_VERB_AUTH, "PLAIN dGVzdAB0ZXN0AHRlc3Q=" },
		{ "AUTH\tLOGIN", SMTP_VERB_AUTH, "LOGIN" },
		{ "XCLIENT ADDR=1.2.3.4", SMTP_VERB_UNKNOWN, "ADDR=1.2.3.4" },
		{ "MAILX FROM:<a@b>", SMTP_VERB_UNKNOWN, "FROM:<a@b>" },
		{ "", SMTP_VERB_UNKNOWN, "" },
		{ "   ", SMTP_VERB_UNKNOWN, "" },
		{ "GET / HTTP/1.1", SMTP_VERB_UNKNOWN, "/ HTTP/1.1" },
	};
	struct smtp_command cmd;
	const char *error;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_assert_int(parse(tests[i].line, &cmd, &error), 0);
		test_assert_int(cmd.verb, tests[i].verb);
		test_assert_str(cmd.arg, tests[i].arg);
		test_assert_int(cmd.param_count, 0);
	}
}

static void test_argument_rules(void)
{
	static const struct {
		const char *line, *error;
	} tests[] = {
		{ "DATA x", "501 5.5.4 Syntax: DATA" },
		{ "RSET now", "501 5.5.4 Syntax: RSET" },
		{ "QUIT bye", "501 5.5.4 Syntax: QUIT" },
		{ "STARTTLS x", "501 5.5.4 Syntax: STARTTLS" },
		{ "EHLO", "501 5.5.4 Syntax: EHLO hostname" },
		{ "HELO  ", "501 5.5.4 Syntax: HELO hostname" },
		{ "LHLO", "501 5.5.4 Syntax: LHLO hostname" },
		{ "VRFY", "501 5.5.4 Syntax: VRFY address" },
		{ "EXPN", "501 5.5.4 Syntax: EXPN mailing-list" },
		{ "AUTH", "501 5.5.4 Syntax: AUTH mechanism [initial-response]" },
		{ "MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "RCPT", "501 5.5.4 Syntax: RCPT TO:<address>" },
		{ "BDAT", "501 5.5.4 Syntax: BDAT chunk-size [LAST]" },
	};
	struct smtp_command cmd;
	const char *error;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_assert_int(parse(tests[i].line, &cmd, &error), -1);
		test_assert_str(error, tests[i].error);
	}
}

static void test_invalid_chars(void)
{
	static const struct {
		const char *line;
		size_t len;
	} tests[] = {
		{ "NOOP a\0b", 8 },
		{ "\0", 1 },
		{ "MAIL FROM:<a@b>\r", 16 },
		{ "MAIL FROM:<a@b>\n", 16 },
		{ "NOOP \x01", 6 },
		{ "NOOP \x7f", 6 },
		{ "NOOP \x1b[0m", 9 },
		{ "NOOP \xff", 6 },
		{ "NOOP \xc3", 6 },             /* truncated sequence */
		{ "NOOP \xc0\xaf", 7 },         /* overlong '/' */
		{ "NOOP \xed\xa0\x80", 8 },     /* UTF-16 surrogate */
		{ "NOOP \xf4\x90\x80\x80", 9 }, /* above U+10FFFF */
		{ "RCPT TO:<\xe4@example.com>", 23 },   /* Latin-1, not UTF-8 */
	};
	struct smtp_command cmd;
	const char *error;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_assert_int(parse_n(tests[i].line, tests[i].len, &cmd, &error), -1);
		test_assert_str(error, "500 5.5.2 Invalid characters in command");
	}
	/* valid UTF-8 and TAB pass the byte check */
	test_assert_int(parse("NOOP gr\xc3\xbc\xc3\x9f\tdich \xf0\x9f\x90\xa7", &cmd, &error), 0);
	test_assert_str(cmd.arg, "gr\xc3\xbc\xc3\x9f\tdich \xf0\x9f\x90\xa7");
}

static void test_mail_from(void)
{
	struct smtp_command cmd;
	const char *error, *value;

	test_assert_int(parse("MAIL FROM:<user@example.com>", &cmd, &error), 0);
	test_assert_int(cmd.verb, SMTP_VERB_MAIL);
	test_assert_str(cmd.path, "user@example.com");
	test_assert_str(cmd.arg, "FROM:");
	test_assert_int(cmd.param_count, 0);

	test_assert_int(parse("mail from: <user@example.com> size=123 BODY=8BITMIME SMTPUTF8",
			      &cmd, &error), 0);
	test_assert_str(cmd.path, "user@example.com");
	test_assert_int(cmd.param_count, 3);
	test_assert_str(cmd.params[0].keyword, "SIZE");
	test_assert_str(cmd.params[0].value, "123");
	test_assert_str(cmd.params[1].keyword, "BODY");
	test_assert_str(cmd.params[1].value, "8BITMIME");
	test_assert_str(cmd.params[2].keyword, "SMTPUTF8");
	test_assert(cmd.params[2].value == NULL);
	test_assert(smtp_command_param(&cmd, "size", &value));
	test_assert_str(value, "123");
	test_assert(smtp_command_param(&cmd, "SmtpUtf8", &value));
	test_assert(value == NULL);
	test_assert(!smtp_command_param(&cmd, "RET", &value));
	test_assert(!smtp_command_param(&cmd, "SIZ", &value));

	/* null reverse-path */
	test_assert_int(parse("MAIL FROM:<>", &cmd, &error), 0);
	test_assert_str(cmd.path, "");
	test_assert_int(parse("MAIL FROM:<> BODY=7BIT", &cmd, &error), 0);
	test_assert_str(cmd.path, "");
	test_assert_str(cmd.params[0].value, "7BIT");

	/* source routes are dropped */
	test_assert_int(parse("MAIL FROM:<@a.example,@b.example:user@d.example>", &cmd, &error), 0);
	test_assert_str(cmd.path, "user@d.example");
	test_assert_int(parse("MAIL FROM:<@[192.0.2.1]:user@d.example>", &cmd, &error), 0);
	test_assert_str(cmd.path, "user@d.example");

	/* '>' inside a quoted local part does not end the path */
	test_assert_int(parse("MAIL FROM:<\"a>b\\\"c\"@example.com> RET=HDRS", &cmd, &error), 0);
	test_assert_str(cmd.path, "\"a>b\\\"c\"@example.com");
	test_assert_str(cmd.params[0].keyword, "RET");

	/* extra spaces between parameters, UTF-8 in a value (RFC 6531) */
	test_assert_int(parse("MAIL FROM:<a@b>   ENVID=x\xc3\xa9y    AUTH=<>  ", &cmd, &error), 0);
	test_assert_int(cmd.param_count, 2);
	test_assert_str(cmd.params[0].value, "x\xc3\xa9y");
	test_assert_str(cmd.params[1].keyword, "AUTH");
	test_assert_str(cmd.params[1].value, "<>");
}

static void test_mail_from_errors(void)
{
	static const struct {
		const char *line, *error;
	} tests[] = {
		{ "MAIL FROM:user@example.com", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<user@example.com", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM <user@example.com>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL TO:<user@example.com>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<a@b>junk", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<a@b>>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<\"a@b>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<@a.example>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<@a.example:>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<@:u@d>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<@a,b:u@d>", "501 5.5.4 Syntax: MAIL FROM:<address>" },
		{ "MAIL FROM:<a@b> SIZE=", "501 5.5.4 Syntax error in parameters" },
		{ "MAIL FROM:<a@b> =123", "501 5.5.4 Syntax error in parameters" },
		{ "MAIL FROM:<a@b> SI_ZE=1", "501 5.5.4 Syntax error in parameters" },
		{ "MAIL FROM:<a@b> A=b=c", "501 5.5.4 Syntax error in parameters" },
		{ "MAIL FROM:<a@b> -X=1", "501 5.5.4 Syntax error in parameters" },
		{ "MAIL FROM:<a@b> 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
		  "501 5.5.4 Too many parameters" },
		{ "RCPT TO:postmaster", "501 5.5.4 Syntax: RCPT TO:<address>" },
		{ "RCPT FROM:<a@b>", "501 5.5.4 Syntax: RCPT TO:<address>" },
		{ "RCPT TO:<a@b> NOTIFY=", "501 5.5.4 Syntax error in parameters" },
	};
	struct smtp_command cmd;
	const char *error;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_assert_int(parse(tests[i].line, &cmd, &error), -1);
		test_assert_str(error, tests[i].error);
	}
	/* exactly SMTP_MAX_PARAMS is fine */
	test_assert_int(parse("MAIL FROM:<a@b> 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
			      &cmd, &error), 0);
	test_assert_int(cmd.param_count, 16);
	test_assert_str(cmd.params[15].keyword, "16");
}

static void test_rcpt_to(void)
{
	struct smtp_command cmd;
	const char *error;

	test_assert_int(parse("RCPT TO:<postmaster>", &cmd, &error), 0);
	test_assert_int(cmd.verb, SMTP_VERB_RCPT);
	test_assert_str(cmd.path, "postmaster");
	test_assert_str(cmd.arg, "TO:");

	test_assert_int(parse("rcpt to: <User@Example.COM> NOTIFY=SUCCESS,FAILURE "
			      "ORCPT=rfc822;User@Example.COM", &cmd, &error), 0);
	test_assert_str(cmd.path, "User@Example.COM");
	test_assert_int(cmd.param_count, 2);
	test_assert_str(cmd.params[0].value, "SUCCESS,FAILURE");
	test_assert_str(cmd.params[1].keyword, "ORCPT");
	test_assert_str(cmd.params[1].value, "rfc822;User@Example.COM");

	/* the session decides whether RCPT TO:<> is acceptable */
	test_assert_int(parse("RCPT TO:<>", &cmd, &error), 0);
	test_assert_str(cmd.path, "");
}

static void test_bdat(void)
{
	static const struct {
		const char *line;
		int ret;
		uint64_t size;
		bool last;
	} tests[] = {
		{ "BDAT 0", 0, 0, false },
		{ "BDAT 1000", 0, 1000, false },
		{ "bdat 1000 last", 0, 1000, true },
		{ "BDAT 0 LAST", 0, 0, true },
		{ "BDAT 0007  LAST  ", 0, 7, true },
		{ "BDAT 9223372036854775807", 0, 9223372036854775807ULL, false },
		{ "BDAT 00000000000000000000000009223372036854775807 LAST", 0,
		  9223372036854775807ULL, true },
		{ "BDAT 9223372036854775808", -1, 0, false },
		{ "BDAT 18446744073709551616", -1, 0, false },
		{ "BDAT 99999999999999999999999999", -1, 0, false },
		{ "BDAT -1", -1, 0, false },
		{ "BDAT +1", -1, 0, false },
		{ "BDAT 1x", -1, 0, false },
		{ "BDAT 0x10", -1, 0, false },
		{ "BDAT x1", -1, 0, false },
		{ "BDAT 1 LAS", -1, 0, false },
		{ "BDAT 1 LASTX", -1, 0, false },
		{ "BDAT 1 LAST x", -1, 0, false },
		{ "BDAT LAST", -1, 0, false },
		{ "BDAT 1.5", -1, 0, false },
	};
	struct smtp_command cmd;
	const char *error;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_assert_int(parse(tests[i].line, &cmd, &error), tests[i].ret);
		test_assert_int(cmd.verb, SMTP_VERB_BDAT);
		if (tests[i].ret == 0) {
			test_assert(cmd.bdat_size == tests[i].size);
			test_assert_int(cmd.bdat_last, tests[i].last);
		} else {
			test_assert_str(error, "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
		}
	}
}

struct norm_test {
	const char *path;
	bool utf8, allow_empty, is_sender;
	int ret;
	const char *result;   /* the output, or the error on -1 */
};

#define BAD_RCPT "501 5.1.3 Bad recipient address syntax"
#define BAD_SENDER "501 5.1.7 Bad sender address syntax"
#define LONG_RCPT "501 5.1.3 Recipient address too long"
#define NEED_UTF8 "553 5.6.7 Non-ASCII address requires SMTPUTF8"

static const struct norm_test norm_tests[] = {
	{ "user@example.com", false, false, false, 0, "user@example.com" },
	{ "User.Name@EXAMPLE.Com", false, false, false, 0, "User.Name@example.com" },
	{ "user@example.com.", false, false, false, 0, "user@example.com" },
	{ "\"user\"@example.com", false, false, false, 0, "user@example.com" },
	{ "\"first.last\"@example.com", false, false, false, 0, "first.last@example.com" },
	{ "\"us\\er\"@example.com", false, false, false, 0, "user@example.com" },
	{ "\"a b\"@example.com", false, false, false, 0, "\"a b\"@example.com" },
	{ "\"a..b\"@example.com", false, false, false, 0, "\"a..b\"@example.com" },
	{ "\".a\"@example.com", false, false, false, 0, "\".a\"@example.com" },
	{ "\"a\\\"b\"@example.com", false, false, false, 0, "\"a\\\"b\"@example.com" },
	{ "\"a\\\\b\"@example.com", false, false, false, 0, "\"a\\\\b\"@example.com" },
	{ "\"a@b\"@example.com", false, false, false, 0, "\"a@b\"@example.com" },
	{ "\"\"@example.com", false, false, false, 0, "\"\"@example.com" },
	{ "a%b@example.com", false, false, false, 0, "a%b@example.com" },
	{ "a!b@example.com", false, false, false, 0, "a!b@example.com" },
	{ "host!user@example.com", false, false, false, 0, "host!user@example.com" },
	{ "user%other.example@example.com", false, false, false, 0,
	  "user%other.example@example.com" },
	{ "a+tag@sub-domain.example.com", false, false, false, 0, "a+tag@sub-domain.example.com" },
	{ "x@[192.0.2.1]", false, false, false, 0, "x@[192.0.2.1]" },
	{ "x@[IPv6:2001:db8::1]", false, false, false, 0, "x@[IPv6:2001:db8::1]" },
	{ "x@[ipv6:2001:DB8::1]", false, false, false, 0, "x@[ipv6:2001:DB8::1]" },
	{ "x@[tag:any-thing]", false, false, false, 0, "x@[tag:any-thing]" },
	{ "postmaster", false, false, false, 0, "postmaster" },
	{ "PostMaster", false, false, false, 0, "postmaster" },
	{ "\"postmaster\"", false, false, false, 0, "postmaster" },
	{ "", false, true, true, 0, "" },
	{ "", false, true, false, 0, "" },
	/* SMTPUTF8 */
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", true, false, false, 0,
	  "j\xc3\xb6rg@b\xc3\xbc" "cher.example" },
	{ "\xe7\x94\xa8\xe6\x88\xb7@EXAMPLE.\xe4\xb8\xad\xe5\x9b\xbd", true, false, false, 0,
	  "\xe7\x94\xa8\xe6\x88\xb7@example.\xe4\xb8\xad\xe5\x9b\xbd" },
	{ "\"j\xc3\xb6rg\"@example.com", true, false, false, 0, "j\xc3\xb6rg@example.com" },
	{ "j\xc3\xb6rg@example.com", false, false, false, -1, NEED_UTF8 },
	{ "jorg@b\xc3\xbc" "cher.example", false, false, true, -1, NEED_UTF8 },
	{ "j\xc3rg@example.com", true, false, false, -1, BAD_RCPT },
	/* syntax errors */
	{ "", false, false, false, -1, BAD_RCPT },
	{ "", false, false, true, -1, BAD_SENDER },
	{ "user", false, false, false, -1, BAD_RCPT },
	{ "postmaster", false, false, true, -1, BAD_SENDER },
	{ "postmasterx", false, false, false, -1, BAD_RCPT },
	{ "user@", false, false, false, -1, BAD_RCPT },
	{ "@example.com", false, false, false, -1, BAD_RCPT },
	{ "a@b..c", false, false, false, -1, BAD_RCPT },
	{ "a@.b.c", false, false, false, -1, BAD_RCPT },
	{ "a@.", false, false, false, -1, BAD_RCPT },
	{ "a@b.c..", false, false, false, -1, BAD_RCPT },
	{ "a@b_c.example", false, false, false, -1, BAD_RCPT },
	{ "a@b c.example", false, false, false, -1, BAD_RCPT },
	{ "a@-b.example", false, false, false, -1, BAD_RCPT },
	{ "a@b-.example", false, false, false, -1, BAD_RCPT },
	{ "a@b@c.example", false, false, false, -1, BAD_RCPT },
	{ "a@b\"c", false, false, false, -1, BAD_RCPT },
	{ "a@[192.0.2.256]", false, false, false, -1, BAD_RCPT },
	{ "a@[192.0.2]", false, false, false, -1, BAD_RCPT },
	{ "a@[IPv6:2001:db8::g]", false, false, false, -1, BAD_RCPT },
	{ "a@[192.0.2.1", false, false, false, -1, BAD_RCPT },
	{ "a@[]", false, false, false, -1, BAD_RCPT },
	{ "a@[:x]", false, false, false, -1, BAD_RCPT },
	{ "a@[x:]", false, false, false, -1, BAD_RCPT },
	{ ".a@example.com", false, false, false, -1, BAD_RCPT },
	{ "a.@example.com", false, false, false, -1, BAD_RCPT },
	{ "a..b@example.com", false, false, false, -1, BAD_RCPT },
	{ "a b@example.com", false, false, false, -1, BAD_RCPT },
	{ "a\"b@example.com", false, false, false, -1, BAD_RCPT },
	{ "a(b)@example.com", false, false, false, -1, BAD_RCPT },
	{ "\"unbalanced@example.com", false, false, false, -1, BAD_RCPT },
	{ "\"ab\"c@example.com", false, false, false, -1, BAD_RCPT },
	{ "\"ab\\", false, false, false, -1, BAD_RCPT },
	{ "\"ab\\\"@example.com", false, false, false, -1, BAD_RCPT },
	{ "\"a\tb\"@example.com", false, false, false, -1, BAD_RCPT },
	{ "\"a\\\tb\"@example.com", false, false, false, -1, BAD_RCPT },
	{ "a@b.example", false, false, true, 0, "a@b.example" },
	{ "a..b@example.com", false, false, true, -1, BAD_SENDER },
};

static void test_address_normalize(void)
{
	char out[SMTP_PATH_MAX];
	const char *error;
	int ret;

	for (size_t i = 0; i < sizeof(norm_tests) / sizeof(norm_tests[0]); i++) {
		const struct norm_test *t = &norm_tests[i];

		error = NULL;
		strcpy(out, "unchanged");
		ret = smtp_address_normalize(t->path, t->utf8, t->allow_empty, t->is_sender,
					     out, sizeof(out), &error);
		test_assert_int(ret, t->ret);
		if (ret != t->ret)
			fprintf(stderr, "  path: %s\n", t->path);
		test_assert_str(t->ret == 0 ? out : error, t->result);
	}
}

static void test_address_lengths(void)
{
	char path[400], out[SMTP_PATH_MAX];
	const char *error;

	/* a 254-octet path (256 with the brackets) is the longest allowed */
	memset(path, 'a', 60);
	path[60] = '@';
	for (int i = 61; i < 254; i++)
		path[i] = (i - 61) % 50 == 49 ? '.' : 'b';
	path[254] = '\0';
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), 0);
	test_assert_str(out, path);
	path[254] = 'c';
	path[255] = '\0';
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), -1);
	test_assert_str(error, LONG_RCPT);

	/* 64-octet local part, 63-octet labels; quoting counts */
	memset(path, 'a', 64);
	strcpy(path + 64, "@example.com");
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), 0);
	test_assert_str(out, path);
	memset(path, 'a', 65);
	strcpy(path + 65, "@example.com");
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), -1);
	test_assert_str(error, LONG_RCPT);
	path[0] = '"';
	memset(path + 1, 'a', 61);
	strcpy(path + 62, " \"@example.com");   /* "aaa… " is 64 quoted */
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), 0);
	test_assert_str(out, path);
	strcpy(path + 62, "  \"@example.com");
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), -1);
	test_assert_str(error, LONG_RCPT);
	strcpy(path, "a@");
	memset(path + 2, 'b', 63);
	strcpy(path + 65, ".example");
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), 0);
	memset(path + 2, 'b', 64);
	strcpy(path + 66, ".example");
	test_assert_int(smtp_address_normalize(path, false, false, false, out,
					       sizeof(out), &error), -1);
	test_assert_str(error, BAD_RCPT);

	/* a too small output buffer is reported, never overrun */
	test_assert_int(smtp_address_normalize("user@example.com", false, false, false,
					       out, 10, &error), -1);
	test_assert_str(error, LONG_RCPT);
	test_assert_int(smtp_address_normalize("user@example.com", false, false, true,
					       out, 17, &error), 0);
	test_assert_int(smtp_address_normalize("user@example.com", false, false, true,
					       out, 16, &error), -1);
	test_assert_str(error, "501 5.1.7 Sender address too long");
}

static void test_address_split(void)
{
	char buf[128], *local, *domain;

	strcpy(buf, "user@example.com");
	test_assert_int(smtp_address_split(buf, &local, &domain), 0);
	test_assert_str(local, "user");
	test_assert_str(domain, "example.com");

	strcpy(buf, "\"a@b\"@example.com");
	test_assert_int(smtp_address_split(buf, &local, &domain), 0);
	test_assert_str(local, "\"a@b\"");
	test_assert_str(domain, "example.com");

	strcpy(buf, "x@[tag:a@b]");
	test_assert_int(smtp_address_split(buf, &local, &domain), 0);
	test_assert_str(local, "x");
	test_assert_str(domain, "[tag:a@b]");

	strcpy(buf, "postmaster");
	test_assert_int(smtp_address_split(buf, &local, &domain), -1);
}

/* Normalised output feeds back in unchanged (canonical form is a fixpoint). */
static void test_address_idempotent(void)
{
	char out[SMTP_PATH_MAX], again[SMTP_PATH_MAX];
	const char *error;

	for (size_t i = 0; i < sizeof(norm_tests) / sizeof(norm_tests[0]); i++) {
		const struct norm_test *t = &norm_tests[i];

		if (t->ret != 0)
			continue;
		test_assert_int(smtp_address_normalize(t->path, t->utf8, t->allow_empty,
						       t->is_sender, out, sizeof(out), &error), 0);
		test_assert_int(smtp_address_normalize(out, t->utf8, t->allow_empty,
						       t->is_sender, again, sizeof(again),
						       &error), 0);
		test_assert_str(again, out);
	}
}

int main(void)
{
	test_run("verbs", test_verbs);
	test_run("argument rules", test_argument_rules);
	test_run("invalid characters", test_invalid_chars);
	test_run("MAIL FROM", test_mail_from);
	test_run("MAIL FROM errors", test_mail_from_errors);
	test_run("RCPT TO", test_rcpt_to);
	test_run("BDAT", test_bdat);
	test_run("address normalize", test_address_normalize);
	test_run("address lengths", test_address_lengths);
	test_run("address split", test_address_split);
	test_run("address idempotent", test_address_idempotent);
	return test_end();
}
