/* Unit tests for http-url.c: percent-decoding and static-file paths that
   must never leave their folder. */
#include "test-common.h"
#include "http-url.h"

#include <stdlib.h>
#include <string.h>

static char result[256];

static const char *decode(const char *s, bool plus)
{
	char *out = http_url_decode(s, strlen(s), plus);

	snprintf(result, sizeof(result), "%s", out != NULL ? out : "(null)");
	free(out);
	return result;
}

static const char *static_path(const char *s)
{
	char *out = http_url_static_path(s);

	snprintf(result, sizeof(result), "%s", out != NULL ? out : "(null)");
	free(out);
	return result;
}

static void test_url_decode(void)
{
	test_assert_str(decode("a%40b.test", false), "a@b.test");
	test_assert_str(decode("a+b%2Bc", true), "a b+c");
	test_assert_str(decode("a+b", false), "a+b");
	test_assert_str(decode("%e2%82%ac", false), "\xe2\x82\xac");
	test_assert_str(decode("", false), "");
	test_assert_str(decode("100%", false), "(null)");
	test_assert_str(decode("%4", false), "(null)");
	test_assert_str(decode("%zz", false), "(null)");
	test_assert_str(decode("a%00b", false), "(null)");
}

static void test_url_static_path(void)
{
	test_assert_str(static_path("/"), "/");
	test_assert_str(static_path("/index.html"), "/index.html");
	test_assert_str(static_path("/js//app.js"), "/js/app.js");
	test_assert_str(static_path("/./js/./app.js"), "/js/app.js");
	test_assert_str(static_path("/js/"), "/js/");
	test_assert_str(static_path("/a%20b.css"), "/a b.css");
	/* every spelling of a climb is refused */
	test_assert_str(static_path("/../etc/passwd"), "(null)");
	test_assert_str(static_path("/js/../../x"), "(null)");
	test_assert_str(static_path("/%2e%2e/etc/passwd"), "(null)");
	test_assert_str(static_path("/.%2E/x"), "(null)");
	test_assert_str(static_path("/js/.."), "(null)");
	test_assert_str(static_path("/..%2fetc%2fpasswd"), "(null)");
	test_assert_str(static_path("/js%2f..%2f..%2fx"), "(null)");
	test_assert_str(static_path("/a%5c..%5cb"), "(null)");
	test_assert_str(static_path("/a%00.html"), "(null)");
	test_assert_str(static_path("/bad%zz"), "(null)");
	test_assert_str(static_path("relative"), "(null)");
	test_assert_str(static_path(""), "(null)");
}

int main(void)
{
	test_run("url_decode", test_url_decode);
	test_run("url_static_path", test_url_static_path);
	return test_end();
}
