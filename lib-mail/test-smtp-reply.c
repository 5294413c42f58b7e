/*
 * test-smtp-reply.c — SMTP reply parsing and EHLO keywords (smtp-reply.c):
 * single and multi-line replies, enhanced codes, every malformed shape and
 * limit, and each reply fed one byte at a time (never done early, never an
 * error before the bytes that make it one).
 */
#include "smtp-reply.h"

#include "test-common.h"

#include <stdlib.h>

#define BIG 65536

struct parsed {
	int ret;
	size_t consumed;
	const char *error;
	struct smtp_reply reply;
};

static int parse(const char *input, size_t max_size, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->ret = smtp_reply_parse((const unsigned char *)input, strlen(input), max_size,
				  &p->reply, &p->consumed, &p->error);
	return p->ret;
}

/* Feeding the bytes one at a time must answer 0 until the last one and
   then what the whole input answers. */
static void check_bytewise(const char *input, size_t max_size)
{
	struct parsed whole, part;
	size_t len = strlen(input);

	parse(input, max_size, &whole);
	for (size_t n = 1; n <= len; n++) {
		char *prefix = strndup(input, n);

		parse(prefix, max_size, &part);
		if (part.ret != 0) {
			test_assert_int(part.ret, whole.ret);
			if (part.ret == 1)
				test_assert_int(part.consumed, whole.consumed);
			smtp_reply_free(&part.reply);
			free(prefix);
			break;
		}
		free(prefix);
	}
	smtp_reply_free(&whole.reply);
}

static void test_single_line(void)
{
	struct parsed p;

	test_assert_int(parse("250 OK\r\n", BIG, &p), 1);
	test_assert_int(p.reply.code, 250);
	test_assert_str(p.reply.enhanced, "");
	test_assert_str(strbuf_cstr(&p.reply.text), "OK");
	test_assert_int(p.consumed, 8);
	smtp_reply_free(&p.reply);

	/* a bare code, a bare LF, and bytes after the reply stay unconsumed */
	test_assert_int(parse("354\r\n", BIG, &p), 1);
	test_assert_int(p.reply.code, 354);
	test_assert_str(strbuf_cstr(&p.reply.text), "");
	smtp_reply_free(&p.reply);
	test_assert_int(parse("221 bye\n250 next\r\n", BIG, &p), 1);
	test_assert_int(p.consumed, 8);
	test_assert_str(strbuf_cstr(&p.reply.text), "bye");
	smtp_reply_free(&p.reply);
	check_bytewise("250 OK\r\n", BIG);
}

static void test_need_more(void)
{
	struct parsed p;

	test_assert_int(parse("", BIG, &p), 0);
	test_assert_int(parse("25", BIG, &p), 0);
	test_assert_int(parse("250 OK", BIG, &p), 0);
	test_assert_int(parse("250 OK\r", BIG, &p), 0);
	test_assert_int(parse("250-first\r\n", BIG, &p), 0);
	test_assert_int(parse("250-first\r\n250 la", BIG, &p), 0);
}

static void test_multi_line(void)
{
	const char *ehlo = "250-mx.example greets you\r\n250-PIPELINING\r\n250 SIZE 1000\r\n";
	struct parsed p;

	test_assert_int(parse(ehlo, BIG, &p), 1);
	test_assert_int(p.reply.code, 250);
	test_assert_int(p.consumed, strlen(ehlo));
	test_assert_str(strbuf_cstr(&p.reply.text), "mx.example greets you PIPELINING SIZE 1000");
	smtp_reply_free(&p.reply);
	check_bytewise(ehlo, BIG);
}

static void test_enhanced(void)
{
	struct parsed p;

	test_assert_int(parse("550-5.1.1 No such user\r\n550 5.1.1 here\r\n", BIG, &p), 1);
	test_assert_int(p.reply.code, 550);
	test_assert_str(p.reply.enhanced, "5.1.1");
	test_assert_str(strbuf_cstr(&p.reply.text), "No such user here");
	smtp_reply_free(&p.reply);

	test_assert_int(parse("452 4.3.1 Insufficient storage\r\n", BIG, &p), 1);
	test_assert_str(p.reply.enhanced, "4.3.1");
	test_assert_str(strbuf_cstr(&p.reply.text), "Insufficient storage");
	smtp_reply_free(&p.reply);
	test_assert_int(parse("250 2.0.0\r\n", BIG, &p), 1);
	test_assert_str(p.reply.enhanced, "2.0.0");
	test_assert_str(strbuf_cstr(&p.reply.text), "");
	smtp_reply_free(&p.reply);

	/* not enhanced codes: class mismatch, too many digits, no separator */
	const char *plain[] = { "550 4.1.1 x\r\n", "250 2.1234.5 x\r\n", "250 2.1.5x\r\n",
				"250 2..5 x\r\n", "250 2.1. x\r\n", "250 2.1\r\n" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		test_assert_int(parse(plain[i], BIG, &p), 1);
		test_assert_str(p.reply.enhanced, "");
		smtp_reply_free(&p.reply);
	}
	test_assert_int(parse("250 2.999.999 max\r\n", BIG, &p), 1);
	test_assert_str(p.reply.enhanced, "2.999.999");
	smtp_reply_free(&p.reply);
}

static void test_control_chars(void)
{
	struct parsed p;

	test_assert_int(parse("250 a\tb\x01" "c\x7f\r\n", BIG, &p), 1);
	test_assert_str(strbuf_cstr(&p.reply.text), "a?b?c?");
	smtp_reply_free(&p.reply);
}

static void test_malformed(void)
{
	const char *bad[] = {
		"hello\r\n", "25\r\n", "2a0 x\r\n", "650 x\r\n", "150 x\r\n", "250x\r\n",
		"\r\n", "250-a\r\n251 b\r\n", "250-a\r\n550 b\r\n", "250-a\r\nbogus\r\n",
	};
	struct parsed p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_assert_int(parse(bad[i], BIG, &p), -1);
		test_assert(p.error != NULL && p.error[0] != '\0');
		check_bytewise(bad[i], BIG);
	}
	parse("250-a\r\n251 b\r\n", BIG, &p);
	test_assert_str(p.error, "reply lines carry different codes");
}

static void test_limits(void)
{
	char *line = malloc(SMTP_REPLY_MAX_LINE + 16);
	struct parsed p;

	/* a line of exactly the limit is fine, one byte more is not */
	memcpy(line, "250 ", 4);
	memset(line + 4, 'x', SMTP_REPLY_MAX_LINE - 4);
	strcpy(line + SMTP_REPLY_MAX_LINE, "\r\n");
	test_assert_int(parse(line, BIG, &p), 1);
	smtp_reply_free(&p.reply);
	check_bytewise(line, BIG);
	memset(line + 4, 'x', SMTP_REPLY_MAX_LINE - 3);
	strcpy(line + SMTP_REPLY_MAX_LINE + 1, "\r\n");
	test_assert_int(parse(line, BIG, &p), -2);
	test_assert_str(p.error, "reply line too long");
	/* ... decided before the line ends */
	line[SMTP_REPLY_MAX_LINE + 1] = '\0';
	test_assert_int(parse(line, BIG, &p), -2);
	line[SMTP_REPLY_MAX_LINE] = '\0';
	test_assert_int(parse(line, BIG, &p), 0);
	free(line);

	/* the whole reply over max_size: complete or not */
	test_assert_int(parse("250-aaaa\r\n250-bbbb\r\n250 c\r\n", 20, &p), -2);
	test_assert_str(p.error, "reply too large");
	test_assert_int(parse("250-aaaa\r\n250-bbbb\r\n", 20, &p), -2);
	test_assert_int(parse("250-aaaa\r\n250 b\r\n", 17, &p), 1);
	smtp_reply_free(&p.reply);
	test_assert_int(parse("250-aaaa\r\n250 b\r\n", 16, &p), -2);
	test_assert_int(parse("250 aaaaaaaaaaaaaaaaaaaaaaaaa", 20, &p), -2);
	/* a buffer full to the limit with an unfinished line cannot finish */
	test_assert_int(parse("250-aaaa\r\n250-bb", 16, &p), -2);
	test_assert_int(parse("250-aaaa\r\n250-bb", 17, &p), 0);
	check_bytewise("250-aaaa\r\n250-bbbb\r\n250 c\r\n", 20);
}

static void ehlo(const char *reply, struct smtp_ehlo *e)
{
	smtp_ehlo_parse((const unsigned char *)reply, strlen(reply), e);
}

static void test_ehlo_keywords(void)
{
	struct smtp_ehlo e;

	ehlo("250-mx.example PIPELINING SIZE 8BITMIME\r\n250-pipelining\r\n250-SIZE 10240000\r\n"
	     "250-8BITMIME\r\n250-SMTPUTF8\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
	     "250-CHUNKING\r\n250 AUTH CRAM-MD5 PLAIN\r\n", &e);
	test_assert(e.pipelining);
	test_assert(e.size);
	test_assert_int(e.size_max, 10240000);
	test_assert(e.eightbitmime && e.smtputf8 && e.starttls && e.enhancedstatuscodes);
	test_assert_int(e.auth, SMTP_AUTH_PLAIN);

	/* the greeting line's words are not keywords */
	ehlo("250-mx.example PIPELINING STARTTLS\r\n250 HELP\r\n", &e);
	test_assert(!e.pipelining && !e.starttls && !e.size && e.auth == 0);
	ehlo("250 mx.example\r\n", &e);
	test_assert(!e.pipelining && !e.eightbitmime);

	ehlo("250-x\r\n250-AUTH=LOGIN PLAIN\r\n250-SIZE\r\n250 STARTTLSX\r\n", &e);
	test_assert_int(e.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
	test_assert(e.size);
	test_assert_int(e.size_max, 0);
	test_assert(!e.starttls);
	ehlo("250-x\r\n250-AUTH LOGINX XPLAIN\r\n250 SIZE 99999999999999999999999\r\n", &e);
	test_assert_int(e.auth, 0);
	test_assert(e.size);
	test_assert_int(e.size_max, 0);
	ehlo("250-x\n250 size 12x\n", &e);
	test_assert(e.size);
	test_assert_int(e.size_max, 0);
}

int main(void)
{
	test_run("single line", test_single_line);
	test_run("need more", test_need_more);
	test_run("multi line", test_multi_line);
	test_run("enhanced codes", test_enhanced);
	test_run("control characters", test_control_chars);
	test_run("malformed", test_malformed);
	test_run("limits", test_limits);
	test_run("ehlo keywords", test_ehlo_keywords);
	return test_end();
}
