/*
 * test-mime-decode.c — base64 and quoted-printable body decoding and
 * charset conversion (mime-decode.c).
 */
#include "mime-decode.h"

#include "utf8.h"

#include "test-common.h"

#include <stdlib.h>

/* Decode str; the bytes with NUL shown as "\0" and "!" appended when the
   decoder reported an error. */
static char *decoded(enum mime_decode_encoding encoding, const char *str)
{
	struct strbuf out = STRBUF_INIT, shown = STRBUF_INIT;
	const char *error = NULL;
	int ret = mime_decode_transfer(encoding, (const unsigned char *)str, strlen(str),
				       &out, &error);

	for (size_t i = 0; i < out.len; i++) {
		if (out.data[i] == '\0')
			strbuf_append(&shown, "\\0");
		else
			strbuf_append_c(&shown, out.data[i]);
	}
	if (ret < 0) {
		test_assert(error != NULL);
		strbuf_append_c(&shown, '!');
	}
	strbuf_free(&out);
	return strbuf_steal(&shown);
}

static const struct {
	enum mime_decode_encoding encoding;
	const char *in, *out;
} cases[] = {
	{ MIME_DECODE_BASE64, "", "" },
	{ MIME_DECODE_BASE64, "aGVsbG8=", "hello" },
	{ MIME_DECODE_BASE64, "aGVs\r\nbG8=\r\n", "hello" },
	{ MIME_DECODE_BASE64, "aGVsbA==", "hell" },
	{ MIME_DECODE_BASE64, "aGVsbG8h", "hello!" },
	{ MIME_DECODE_BASE64, " aGVs bG8h\t", "hello!" },
	{ MIME_DECODE_BASE64, "AAEC", "\\0\1\2" },
	{ MIME_DECODE_BASE64, "aGVsbG8", "hello!" },        /* missing padding */
	{ MIME_DECODE_BASE64, "aGVs*bG8h", "hello!!" },     /* bad character */
	{ MIME_DECODE_BASE64, "aGVsb", "hel!" },            /* lone digit */
	{ MIME_DECODE_BASE64, "aA==aGk=", "hhi" },          /* concatenated */
	{ MIME_DECODE_BASE64, "a===", "!" },
	{ MIME_DECODE_BASE64, "====", "" },
	{ MIME_DECODE_BASE64, "-_", "!" },                  /* URL alphabet is not MIME's */
	{ MIME_DECODE_QP, "", "" },
	{ MIME_DECODE_QP, "plain text", "plain text" },
	{ MIME_DECODE_QP, "caf=C3=A9", "caf\xC3\xA9" },
	{ MIME_DECODE_QP, "caf=c3=a9", "caf\xC3\xA9" },
	{ MIME_DECODE_QP, "a=3Db", "a=b" },
	{ MIME_DECODE_QP, "soft=\r\nbreak\r\n", "softbreak\r\n" },
	{ MIME_DECODE_QP, "soft=\nbreak\n", "softbreak\n" },
	{ MIME_DECODE_QP, "soft=  \r\nbreak", "softbreak" },
	{ MIME_DECODE_QP, "trailing   \r\nspace\t\n", "trailing\r\nspace\n" },
	{ MIME_DECODE_QP, "a=\r\n", "a" },
	{ MIME_DECODE_QP, "end=", "end" },
	{ MIME_DECODE_QP, "bad=zz", "bad=zz!" },
	{ MIME_DECODE_QP, "bad=4", "bad=4!" },
	{ MIME_DECODE_QP, "nul=00", "nul\\0" },
	{ MIME_DECODE_QP, "=3D=3D", "==" },
	{ MIME_DECODE_QP, "a\rb", "a\rb" },
	{ MIME_DECODE_IDENTITY, "as =3D is", "as =3D is" },
};

static void test_transfer(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = decoded(cases[i].encoding, cases[i].in);

		if (strcmp(got, cases[i].out) != 0)
			fprintf(stderr, "case %zu: \"%s\"\n", i, cases[i].in);
		test_assert_str(got, cases[i].out);
		free(got);
	}
}

static void test_encoding_parse(void)
{
	const char *error = NULL;
	struct strbuf out = STRBUF_INIT;

	test_assert_int(mime_decode_encoding_parse(NULL), MIME_DECODE_IDENTITY);
	test_assert_int(mime_decode_encoding_parse("7BIT"), MIME_DECODE_IDENTITY);
	test_assert_int(mime_decode_encoding_parse("8bit"), MIME_DECODE_IDENTITY);
	test_assert_int(mime_decode_encoding_parse("Binary"), MIME_DECODE_IDENTITY);
	test_assert_int(mime_decode_encoding_parse("BASE64"), MIME_DECODE_BASE64);
	test_assert_int(mime_decode_encoding_parse("Quoted-Printable"), MIME_DECODE_QP);
	test_assert_int(mime_decode_encoding_parse("x-uuencode"), MIME_DECODE_UNKNOWN);
	test_assert_int(mime_decode_encoding_parse(""), MIME_DECODE_UNKNOWN);
	test_assert_int(mime_decode_transfer(MIME_DECODE_UNKNOWN, (const unsigned char *)"x", 1,
					     &out, &error), -1);
	test_assert(error != NULL && out.len == 0);
	strbuf_free(&out);
}

static char *converted(const char *charset, const char *in, size_t len)
{
	struct strbuf out = STRBUF_INIT;

	mime_decode_charset(charset, (const unsigned char *)in, len, &out);
	test_assert(utf8_is_valid((const unsigned char *)strbuf_cstr(&out), out.len));
	test_assert(memchr(strbuf_cstr(&out), '\0', out.len) == NULL);
	return strbuf_steal(&out);
}

#define CONV(charset, lit) converted(charset, lit, sizeof(lit) - 1)

static void check_conv(char *got, const char *expected)
{
	test_assert_str(got, expected);
	free(got);
}

static void test_charset(void)
{
	check_conv(CONV(NULL, "caf\xC3\xA9"), "caf\xC3\xA9");
	check_conv(CONV("UTF-8", "bad\xFF!"), "bad\xEF\xBF\xBD!");
	check_conv(CONV("us-ascii", "nul\0x"), "nul\xEF\xBF\xBDx");
	check_conv(CONV("ISO-8859-1", "caf\xE9 \x80"), "caf\xC3\xA9 \xE2\x82\xAC");
	check_conv(CONV("windows-1252", "\x93q\x94"), "\xE2\x80\x9Cq\xE2\x80\x9D");
	check_conv(CONV("iso-8859-2", "\xB1"), "\xC4\x85");
	check_conv(CONV("koi8-r", "\xF0\xD2\xC9"), "\xD0\x9F\xD1\x80\xD0\xB8");
	check_conv(CONV("UTF-16LE", "h\0i\0"), "hi");
	check_conv(CONV("UTF-16LE", "h\0\0\0i"), "h\xEF\xBF\xBD\xEF\xBF\xBD");
	check_conv(CONV("shift_jis", "\x82\xA0"), "\xE3\x81\x82");
	check_conv(CONV("shift_jis", "a\x82"), "a\xEF\xBF\xBD");   /* cut short */
	check_conv(CONV("iso-2022-jp", "\x1B$B$\"\x1B(Bx"), "\xE3\x81\x82x");
	check_conv(CONV("x-no-such-charset", "ok\xC3\xA9\xFF"), "ok\xC3\xA9\xEF\xBF\xBD");
	check_conv(CONV("", "x"), "x");
	check_conv(CONV("koi8-r", ""), "");
}

/* Every prefix of an encoded text decodes to a prefix of the whole. */
static void test_prefixes(void)
{
	static const char b64[] = "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5\r\n"
		"IGRvZy4gVGhlIHF1aWNrIGJyb3duIGZveC4=\r\n";
	static const char qp[] = "The quick =E2=80=94 brown fox=\r\njumps =3D over\r\n"
		"the lazy dog=2E   \r\nend=";
	const char *error;
	struct strbuf full = STRBUF_INIT, part = STRBUF_INIT;

	mime_decode_base64((const unsigned char *)b64, sizeof(b64) - 1, &full, &error);
	test_assert_str(full.data, "The quick brown fox jumps over the lazy dog. "
			"The quick brown fox.");
	for (size_t len = 0; len < sizeof(b64); len++) {
		strbuf_truncate(&part, 0);
		mime_decode_base64((const unsigned char *)b64, len, &part, &error);
		test_assert(part.len <= full.len &&
			    memcmp(strbuf_cstr(&part), full.data, part.len) == 0);
	}
	strbuf_truncate(&full, 0);
	test_assert_int(mime_decode_qp((const unsigned char *)qp, sizeof(qp) - 1, &full,
				       &error), 0);
	test_assert_str(full.data, "The quick \xE2\x80\x94 brown foxjumps = over\r\n"
			"the lazy dog.\r\nend");
	for (size_t len = 0; len < sizeof(qp); len++) {
		strbuf_truncate(&part, 0);
		mime_decode_qp((const unsigned char *)qp, len, &part, &error);
		test_assert(part.len <= full.len + 2);
	}
	strbuf_free(&full);
	strbuf_free(&part);
}

int main(void)
{
	test_run("transfer decoding", test_transfer);
	test_run("encoding names", test_encoding_parse);
	test_run("charset conversion", test_charset);
	test_run("prefixes", test_prefixes);
	return test_end();
}
