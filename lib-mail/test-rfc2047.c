/*
 * test-rfc2047.c — encoded-word decoding to UTF-8 (rfc2047.c).
 */
#include "rfc2047.h"

#include "test-common.h"

static void check_n(const char *input, size_t len, const char *expected)
{
	struct strbuf out = STRBUF_INIT;

	rfc2047_decode(input, len, &out);
	if (strcmp(strbuf_cstr(&out), expected) != 0)
		fprintf(stderr, "input: %s\n", input);
	test_assert_str(strbuf_cstr(&out), expected);
	test_assert_int(strlen(strbuf_cstr(&out)), out.len);
	strbuf_free(&out);
}

static void check(const char *input, const char *expected)
{
	check_n(input, strlen(input), expected);
}

static void test_plain(void)
{
	check("", "");
	check("plain text", "plain text");
	check("caf\xc3\xa9 raw UTF-8", "caf\xc3\xa9 raw UTF-8");
	check("raw latin-1 caf\xe9!", "raw latin-1 caf\xef\xbf\xbd!");
	check("abc=?", "abc=?");
	check("=?", "=?");
	check("a = b ? c ?= d", "a = b ? c ?= d");
	check_n("nul\0inside", 10, "nul\xef\xbf\xbdinside");
}

static void test_q_and_b(void)
{
	check("=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9");
	check("=?UTF-8?Q?caf=c3=a9?=", "caf\xc3\xa9");
	check("=?utf-8?q?a_b?=", "a b");
	check("=?utf-8?q?a=?=", "a=");
	check("=?utf-8?q?a=4?=", "a=4");
	check("=?utf-8?q?a=ZZ?=", "a=ZZ");
	check("=?utf-8?q?\?=", "");
	check("=?utf-8?b?w6k=?=", "\xc3\xa9");
	check("=?utf-8?B?w6k?=", "\xc3\xa9");
	check("=?utf-8?b?w6!k=?=", "\xc3\xa9");
	check("=?utf-8*en?q?hi?=", "hi");
	check("=?utf-8?q?a=00b?=", "a\xef\xbf\xbd" "b");
	check("=?utf-8?q?=FF?=", "\xef\xbf\xbd");
}

static void test_whitespace(void)
{
	check("=?utf-8?q?a?= =?utf-8?q?b?=", "ab");
	check("=?utf-8?q?a?= \t  =?utf-8?q?b?=", "ab");
	check("=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b");
	check("x =?utf-8?q?a?= y", "x a y");
	check("x=?utf-8?q?a?=y", "xay");
	check("=?utf-8?q?a?=  ", "a  ");
	check("Re: =?utf-8?q?hi?=", "Re: hi");
	/* a character split across two words survives */
	check("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "\xe2\x82\xac");
	check("=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", "\xc3\xa9\xc3\xa9");
}

static void test_charsets(void)
{
	check("=?iso-8859-1?q?caf=E9?=", "caf\xc3\xa9");
	check("=?ISO-8859-1?Q?=80?=", "\xe2\x82\xac");   /* read as windows-1252 */
	check("=?windows-1252?q?=93x=94?=", "\xe2\x80\x9cx\xe2\x80\x9d");
	check("=?us-ascii?q?plain?=", "plain");
	check("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=", "\xe5\xb1\xb1\xe7\x94\xb0");
	check("=?koi8-r?b?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	check("=?iso-8859-15?q?=A4?=", "\xe2\x82\xac");
	/* invalid input for the charset: U+FFFD, the rest kept */
	check("=?shift_jis?b?gSBB?=", "\xef\xbf\xbd A");
	check("=?shift_jis?b?QYE=?=", "A\xef\xbf\xbd");
	/* unknown charsets are read as UTF-8 */
	check("=?x-nonexistent?q?abc=C3=A9?=", "abc\xc3\xa9");
	check("=?x-nonexistent?q?=E9?=", "\xef\xbf\xbd");
	check("=?UTF-8//TRANSLIT?q?abc?=", "=?UTF-8//TRANSLIT?q?abc?=");
}

static void test_not_encoded_words(void)
{
	check("=?utf-8?q?unterminated", "=?utf-8?q?unterminated");
	check("=?utf-8?x?abc?=", "=?utf-8?x?abc?=");
	check("=??q?a?=", "=??q?a?=");
	check("=?utf-8?q?a b?=", "=?utf-8?q?a b?=");
	check("=?utf-8?qq?a?=", "=?utf-8?qq?a?=");
	check("=?*en?q?a?=", "=?*en?q?a?=");
	check("=?=?utf-8?q?x?=", "=?x");
	check("=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?q?x?=",
	      "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?q?x?=");
}

/* Alternating charsets: iconv_open() is attempted a bounded number of
   times, and the decoding stays correct. */
static void test_many_charsets(void)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;

	for (int i = 0; i < 1000; i++)
		strbuf_append(&in, i % 2 == 0 ? "=?koi8-r?q?a?= " : "=?x-unknown?q?b?= ");
	rfc2047_decode(in.data, in.len, &out);
	test_assert_int(out.len, 1001);
	test_assert(strncmp(strbuf_cstr(&out), "abab", 4) == 0);
	strbuf_free(&in);
	strbuf_free(&out);
}

int main(void)
{
	test_run("plain text", test_plain);
	test_run("Q and B", test_q_and_b);
	test_run("whitespace between words", test_whitespace);
	test_run("charsets", test_charsets);
	test_run("not encoded-words", test_not_encoded_words);
	test_run("many charsets", test_many_charsets);
	return test_end();
}
