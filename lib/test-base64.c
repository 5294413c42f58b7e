/*
 * test-base64.c — strict RFC 4648 base64 encoding and decoding
 * (base64.c): the RFC 4648 section 10 vectors, round trips of every byte
 * value, and the invalid inputs a strict decoder must refuse.
 */
#include "base64.h"

#include "test-common.h"

#include <stdlib.h>

static const struct {
	const char *plain, *encoded;
} vectors[] = {   /* RFC 4648 section 10 */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct strbuf out = STRBUF_INIT;
		unsigned char dec[16];
		size_t len = 99;
		size_t n = strlen(vectors[i].plain);

		base64_encode(&out, vectors[i].plain, n);
		test_assert_str(strbuf_cstr(&out), vectors[i].encoded);
		test_assert_int(out.len, BASE64_ENCODED_SIZE(n));
		test_assert_int(base64_decode(vectors[i].encoded, strlen(vectors[i].encoded),
					      dec, &len), 0);
		test_assert_int(len, n);
		test_assert(memcmp(dec, vectors[i].plain, n) == 0);
		strbuf_free(&out);
	}
}

static void test_roundtrip(void)
{
	unsigned char data[256], dec[258];
	struct strbuf out = STRBUF_INIT;
	size_t len;

	for (int i = 0; i < 256; i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t n = 0; n <= sizeof(data); n++) {
		strbuf_truncate(&out, 0);
		base64_encode(&out, data, n);
		test_assert(BASE64_DECODED_MAX(out.len) >= n);
		test_assert_int(base64_decode(out.data == NULL ? "" : out.data, out.len,
					      dec, &len), 0);
		test_assert_int(len, n);
		test_assert(memcmp(dec, data, n) == 0);
	}
	/* NUL bytes and the "+/" digits */
	strbuf_truncate(&out, 0);
	base64_encode(&out, "\0\xfb\xff", 3);
	test_assert_str(strbuf_cstr(&out), "APv/");
	strbuf_free(&out);
}

static const char *const invalid[] = {
	"Z", "Zg", "Zg=", "Zm9", "Zm9vY",          /* not a multiple of four */
	"Zg===", "====", "=Zg=", "Z===", "Zg=a",   /* misplaced padding */
	"Zg==Zg==", "Zm8=Zm9v",                     /* padding before the end */
	"Zh==", "Zm9=",                             /* non-zero unused bits */
	"Zm9v Zg==", "Zm9v\r\n", " Zm9v", "Zm9v\n", /* whitespace */
	"Zm,v", "Zm-v", "Zm_v", "Zm9\x80", "Zm9v!!!!",
};

static void test_invalid(void)
{
	unsigned char dec[16];
	size_t len;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		len = 99;
		if (base64_decode(invalid[i], strlen(invalid[i]), dec, &len) != -1)
			fprintf(stderr, "accepted \"%s\"\n", invalid[i]);
		test_assert_int(base64_decode(invalid[i], strlen(invalid[i]), dec, &len), -1);
		test_assert_int(len, 0);
	}
	/* an embedded NUL is not a digit */
	test_assert_int(base64_decode("Zm\0v", 4, dec, &len), -1);
}

static void test_digits(void)
{
	test_assert_int(base64_digit_value('A', BASE64_LAST_TWO_STANDARD), 0);
	test_assert_int(base64_digit_value('/', BASE64_LAST_TWO_STANDARD), 63);
	test_assert_int(base64_digit_value(',', BASE64_LAST_TWO_IMAP), 63);
	test_assert_int(base64_digit_value(',', BASE64_LAST_TWO_STANDARD), -1);
	test_assert_int(base64_digit_value('=', BASE64_LAST_TWO_STANDARD), -1);
}

int main(void)
{
	test_run("vectors", test_vectors);
	test_run("roundtrip", test_roundtrip);
	test_run("invalid", test_invalid);
	test_run("digits", test_digits);
	return test_end();
}
