/*
 * test-imap-quote.c — IMAP string output (imap-quote.c).
 */
#include "imap-quote.h"
#include "test-imap-syntax.h"

#include "test-common.h"

static struct strbuf out;

static const char *nstring(const char *s)
{
	strbuf_truncate(&out, 0);
	imap_append_nstring(&out, s);
	return strbuf_cstr(&out);
}

static const char *text(const char *s)
{
	strbuf_truncate(&out, 0);
	imap_append_nstring_text(&out, s);
	return strbuf_cstr(&out);
}

static const char *upper(const char *s)
{
	strbuf_truncate(&out, 0);
	imap_append_upper(&out, s);
	return strbuf_cstr(&out);
}

static void test_nstring(void)
{
	test_assert_str(nstring(NULL), "NIL");
	test_assert_str(nstring(""), "\"\"");
	test_assert_str(nstring("NIL"), "\"NIL\"");
	test_assert_str(nstring("abc def"), "\"abc def\"");
	test_assert_str(nstring("a\"b\\c"), "\"a\\\"b\\\\c\"");
	test_assert_str(nstring("tab\there"), "\"tab\there\"");
	test_assert_str(nstring("a\r\nb"), "{4}\r\na\r\nb");
	test_assert_str(nstring("\n"), "{1}\r\n\n");
	test_assert_str(nstring("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
	test_assert_str(nstring("\"\xc3\xa9\""), "{4}\r\n\"\xc3\xa9\"");
	test_assert_str(nstring("Fran\xe7ois"), "{10}\r\nFran\xef\xbf\xbdois");
}

static void test_text(void)
{
	test_assert_str(text(NULL), "NIL");
	test_assert_str(text(""), "\"\"");
	test_assert_str(text("   "), "\"\"");
	test_assert_str(text("  a \t b  "), "\"a b\"");
	test_assert_str(text("a\r\n b"), "\"a b\"");
	test_assert_str(text("a\r\n\tb\r\n"), "\"a b\"");
	test_assert_str(text("x \xc3\xa9 "), "{4}\r\nx \xc3\xa9");
}

static void test_upper(void)
{
	test_assert_str(upper("text"), "\"TEXT\"");
	test_assert_str(upper("x-Foo_1"), "\"X-FOO_1\"");
	test_assert_str(upper("x\xc3\xa4"), "{3}\r\nX\xc3\xa4");
}

#define SYNTAX(s) imap_syntax_check(s, sizeof(s) - 1)

/* The checker the other tests and the fuzz targets rely on. */
static void test_syntax_checker(void)
{
	test_assert(SYNTAX("(NIL)"));
	test_assert(SYNTAX("(\"a\\\"b\" 12 {3}\r\nabc NIL)"));
	test_assert(SYNTAX("((NIL)(NIL) \"MIXED\")"));
	test_assert(SYNTAX("({2}\r\n\r\n)"));
	test_assert(!SYNTAX(""));
	test_assert(!SYNTAX("()"));
	test_assert(!SYNTAX("(NIL )"));
	test_assert(!SYNTAX("( NIL)"));
	test_assert(!SYNTAX("(NIL  NIL)"));
	test_assert(!SYNTAX("(NIL)(NIL)"));
	test_assert(!SYNTAX("(NIL) "));
	test_assert(!SYNTAX("(NIL"));
	test_assert(!SYNTAX("(NILNIL)"));
	test_assert(!SYNTAX("(NIL(NIL))"));
	test_assert(!SYNTAX("(\"a)"));
	test_assert(!SYNTAX("(\"a\\x\")"));
	test_assert(!SYNTAX("(\"\xc3\xa9\")"));
	test_assert(!SYNTAX("({5}\r\nab)"));
	test_assert(!SYNTAX("({1}\nab)"));
	test_assert(!SYNTAX("(atom)"));
}

int main(void)
{
	test_run("nstring", test_nstring);
	test_run("text", test_text);
	test_run("upper", test_upper);
	test_run("syntax checker", test_syntax_checker);
	strbuf_free(&out);
	return test_end();
}
