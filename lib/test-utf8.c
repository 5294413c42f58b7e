/* Unit tests for utf8.c */
#include "test-common.h"
#include "utf8.h"

#include <stdlib.h>

static void test_utf8_valid(void)
{
	test_assert(utf8_valid((const unsigned char *)"plain", 5));
	test_assert(utf8_valid((const unsigned char *)"\xc3\xa9t\xc3\xa9", 6));
	test_assert(utf8_valid((const unsigned char *)"\xf0\x9f\x93\xa7", 4));
	test_assert(!utf8_valid((const unsigned char *)"\xe9t\xe9", 3));       /* latin-1 */
	test_assert(!utf8_valid((const unsigned char *)"\xc0\xaf", 2));        /* overlong */
	test_assert(!utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));    /* surrogate */
	test_assert(!utf8_valid((const unsigned char *)"\xf4\x90\x80\x80", 4));/* > U+10FFFF */
	test_assert(!utf8_valid((const unsigned char *)"\xe2\x82", 2));        /* truncated */
}

static void test_utf8_repair(void)
{
	char *s = utf8_repair("caf\xe9 ok \xc3\xa9");

	test_assert_str(s, "caf\xef\xbf\xbd ok \xc3\xa9");
	free(s);
	s = utf8_repair("");
	test_assert_str(s, "");
	free(s);
}

int main(void)
{
	test_run("utf8_valid", test_utf8_valid);
	test_run("utf8_repair", test_utf8_repair);
	return test_end();
}
