/* Unit tests for utf8.c: validation edges and repair. */
#include "test-common.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdlib.h>

static bool valid(const char *s)
{
	return utf8_is_valid((const unsigned char *)s, strlen(s));
}

static void test_utf8_valid(void)
{
	test_assert(valid("plain"));
	test_assert(valid("\xc3\xa9t\xc3\xa9"));
	test_assert(valid("\xf0\x9f\x93\xa7"));
	test_assert(!valid("\xe9t\xe9"));            /* latin-1 */
	test_assert(!valid("\xc0\xaf"));             /* overlong */
	test_assert(!valid("\xe0\x80\xaf"));         /* overlong, 3 bytes */
	test_assert(!valid("\xed\xa0\x80"));         /* surrogate */
	test_assert(!valid("\xf4\x90\x80\x80"));     /* > U+10FFFF */
	test_assert(!valid("\xe2\x82"));             /* truncated */
}

static void test_utf8_sanitize(void)
{
	struct strbuf buf = STRBUF_INIT;
	const char in[] = "caf\xe9 ok \xc3\xa9";

	utf8_append_sanitized(&buf, (const unsigned char *)in, sizeof(in) - 1);
	test_assert_str(strbuf_cstr(&buf), "caf\xef\xbf\xbd ok \xc3\xa9");
	strbuf_free(&buf);
	utf8_append_codepoint(&buf, 0x1F4E7);
	utf8_append_codepoint(&buf, 0xD800);
	test_assert_str(strbuf_cstr(&buf), "\xf0\x9f\x93\xa7\xef\xbf\xbd");
	strbuf_free(&buf);
}

int main(void)
{
	test_run("utf8_valid", test_utf8_valid);
	test_run("utf8_sanitize", test_utf8_sanitize);
	return test_end();
}
