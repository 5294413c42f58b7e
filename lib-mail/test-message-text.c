/*
 * test-message-text.c — searchable text extraction (message-text.c):
 * decoded headers, text and HTML parts in their charsets and transfer
 * encodings, nested messages, skipped attachments, the size cap, and
 * valid NUL-free UTF-8 for every prefix of every testdata message.
 */
#include "message-text.h"

#include "strbuf.h"
#include "utf8.h"

#include "test-common.h"
#include "test-files.h"

#include <stdlib.h>

#define TESTDATA "testdata"

static void extract(const char *msg, size_t size, size_t max, char **headers, char **body)
{
	message_text_extract((const unsigned char *)msg, size, max, headers, body);
	test_assert(utf8_is_valid((const unsigned char *)*headers, strlen(*headers)));
	test_assert(utf8_is_valid((const unsigned char *)*body, strlen(*body)));
	test_assert(strlen(*body) <= max);
}

static void check(const char *msg, size_t max, const char *headers, const char *body)
{
	char *h, *b;

	extract(msg, strlen(msg), max, &h, &b);
	if (headers != NULL)
		test_assert_str(h, headers);
	test_assert_str(b, body);
	free(h);
	free(b);
}

static void test_headers(void)
{
	check("Subject: =?UTF-8?Q?caf=C3=A9?= au lait\r\n"
	      "From: =?iso-8859-1?q?Andr=E9?= <andre@example.com>\r\n"
	      "X-Folded: one\r\n"
	      "  two\r\n"
	      "X-Encoded-Break: =?utf-8?b?YQpi?=\r\n"
	      "X-8bit: raw \xFF byte\r\n"
	      "no colon line\r\n"
	      "\r\n"
	      "Subject: not a header\r\n",
	      1000,
	      "Subject: caf\xC3\xA9 au lait\n"
	      "From: Andr\xC3\xA9 <andre@example.com>\n"
	      "X-Folded: one  two\n"
	      "X-Encoded-Break: a b\n"
	      "X-8bit: raw \xEF\xBF\xBD byte\n",
	      "Subject: not a header\r\n");
	check("", 100, "", "");
}

static const char alternative[] =
	"Subject: alt\r\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
	"\r\n"
	"--outer\r\n"
	"Content-Type: multipart/alternative; boundary=inner\r\n"
	"\r\n"
	"--inner\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Caf=E9 cr=E8me =\r\n"
	"br=FBl=E9e\r\n"
	"--inner\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"PGh0bWw+PGhlYWQ+PHN0eWxlPnAge2NvbG9yOnJlZH08L3N0eWxlPjwvaGVhZD48Ym9keT48\r\n"
	"cD5DYWbDqSAmYW1wOyAmbHQ7Y3LDqG1lJmd0OzwvcD48c2NyaXB0PmFsZXJ0KDEpPC9zY3Jp\r\n"
	"cHQ+PC9ib2R5PjwvaHRtbD4=\r\n"
	"--inner--\r\n"
	"--outer\r\n"
	"Content-Type: image/png\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\r\n"
	"--outer\r\n"
	"Content-Type: text/plain; name=notes.txt\r\n"
	"Content-Disposition: attachment; filename=notes.txt\r\n"
	"\r\n"
	"attached notes\r\n"
	"--outer--\r\n";

static void test_alternative(void)
{
	/* the html part is "<html><head><style>p {color:red}</style></head><body>
	   <p>Café &amp; &lt;crème&gt;</p><script>alert(1)</script></body></html>" */
	check(alternative, 1000,
	      "Subject: alt\nContent-Type: multipart/mixed; boundary=\"outer\"\n",
	      "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e\n"
	      "Caf\xC3\xA9 & <cr\xC3\xA8me>\n"
	      "attached notes");
}

static void test_nested(void)
{
	size_t size;
	char *msg = test_read_file(TESTDATA "/nested-rfc822.eml", &size), *h, *b;

	test_assert(msg != NULL);
	if (msg == NULL)
		return;
	extract(msg, size, 1000, &h, &b);
	test_assert_str(b, "See the forwarded message below.\r\n"
			"Build #123 failed.\r\nBuild #123 failed. \r\n");
	test_assert(strstr(h, "Subject: Fwd: Build failed\n") != NULL);
	test_assert(strstr(h, "Subject: Build failed") == NULL);
	free(h);
	free(b);
	free(msg);
}

static void test_html(void)
{
	check("Content-Type: text/html\r\n\r\n"
	      "<!DOCTYPE html><!-- a <b>comment</b> -->one<br>two<SCRIPT type=x>if (a<b) x();"
	      "</script>three &#233;&#xE9;&#0;&nbsp;&bogus; &amp 4 < 5 <STYLE>x</Style>six",
	      1000, NULL, "one\ntwo three \xC3\xA9\xC3\xA9\xEF\xBF\xBD &bogus; &amp 4 < 5 six");
	check("Content-Type: text/html\r\n\r\nbefore<script>never closed", 1000, NULL, "before ");
	check("Content-Type: text/html\r\n\r\nbefore<!-- never closed", 1000, NULL, "before");
	check("Content-Type: text/html\r\n\r\nbefore<a href=\"x", 1000, NULL, "before ");
	check("Content-Type: text/html\r\n\r\n&#x110000;&#55296;&#99999999999;", 1000, NULL,
	      "\xEF\xBF\xBD\xEF\xBF\xBD&#99999999999;");
}

static void test_charsets(void)
{
	check("Content-Type: text/plain; charset=koi8-r\r\n\r\n\xF0\xD2\xC9\xD7\xC5\xD4", 1000,
	      NULL, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
	check("Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: base64\r\n\r\nYQBi/2M=", 1000, NULL,
	      "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
	check("Content-Type: text/plain; charset=x-unknown\r\n\r\nok\xC3\xA9", 1000, NULL,
	      "ok\xC3\xA9");
	check("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-weird\r\n\r\nas is",
	      1000, NULL, "as is");
	check("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	      "bad*base64", 1000, NULL, "m\xEF\xBF\xBD[j\xC7\xBA");
}

static void test_cap(void)
{
	static const char msg[] = "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
	static const char *const expected[] = {
		"", "a", "a", "a\xC3\xA9", "a\xC3\xA9", "a\xC3\xA9", "a\xC3\xA9\xE2\x82\xAC",
		"a\xC3\xA9\xE2\x82\xAC", "a\xC3\xA9\xE2\x82\xAC", "a\xC3\xA9\xE2\x82\xAC",
		"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
		"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z",
		"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z",
	};

	for (size_t max = 0; max < sizeof(expected) / sizeof(expected[0]); max++)
		check(msg, max, NULL, expected[max]);
	/* later parts are not even decoded once the cap is reached */
	check(alternative, 4, NULL, "Caf");
}

/* Every prefix of every testdata message: valid UTF-8 without NUL (the
   strlen() checks in extract() would miss a NUL, so compare sizes too). */
static void check_prefixes(const char *name, char *data, size_t size)
{
	char *h, *b;

	for (size_t n = 0; n <= size; n += 1 + n / 64) {
		char *copy = malloc(n + 1);

		memcpy(copy, data, n);
		extract(copy, n, 1 + n / 3, &h, &b);
		free(h);
		free(b);
		free(copy);
	}
}

static void test_testdata_prefixes(void)
{
	test_assert(test_foreach_file(TESTDATA, ".eml", check_prefixes) >= 15);
}

static void test_nul(void)
{
	static const char msg[] = "Subject: a\0b\r\nContent-Type: text/html\r\n\r\nx\0y<p>\0</p>";
	char *h, *b;

	message_text_extract((const unsigned char *)msg, sizeof(msg) - 1, 100, &h, &b);
	test_assert_str(h, "Subject: a\xEF\xBF\xBD" "b\nContent-Type: text/html\n");
	test_assert_str(b, "x\xEF\xBF\xBDy\n\xEF\xBF\xBD\n");
	free(h);
	free(b);
	message_text_extract(NULL, 0, 100, &h, &b);
	test_assert_str(h, "");
	test_assert_str(b, "");
	free(h);
	free(b);
}

int main(void)
{
	test_run("headers", test_headers);
	test_run("multipart/alternative with attachments", test_alternative);
	test_run("nested message/rfc822", test_nested);
	test_run("html", test_html);
	test_run("charsets and encodings", test_charsets);
	test_run("size cap", test_cap);
	test_run("NUL bytes", test_nul);
	test_run("testdata prefixes", test_testdata_prefixes);
	return test_end();
}
