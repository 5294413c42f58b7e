/*
 * test-sasl.c — server side of SASL PLAIN and LOGIN (sasl.c): initial
 * responses, challenges, cancellation, and malformed credentials.
 */
#include "sasl.h"

#include "base64.h"
#include "test-common.h"

#include <stdlib.h>

/* base64 of data[0..size) in a static buffer */
static const char *b64(const char *data, size_t size)
{
	static struct strbuf out = STRBUF_INIT;

	strbuf_truncate(&out, 0);
	base64_encode(&out, data, size);
	return strbuf_cstr(&out);
}

#define B64(lit) b64(lit, sizeof(lit) - 1)

static void test_plain_initial(void)
{
	struct sasl_server *sasl = sasl_server_new("plain");
	const char *chal, *error;

	test_assert(sasl != NULL);
	test_assert_str(sasl_server_mechanism(sasl), "PLAIN");
	test_assert(sasl_server_authcid(sasl) == NULL);
	test_assert_int(sasl_server_step(sasl, B64("admin\0tim\0tanstaaftanstaaf"), &chal,
					 &error), SASL_SERVER_DONE);
	test_assert_str(sasl_server_authzid(sasl), "admin");
	test_assert_str(sasl_server_authcid(sasl), "tim");
	test_assert_str(sasl_server_password(sasl), "tanstaaftanstaaf");
	sasl_server_free(&sasl);
	test_assert(sasl == NULL);
	sasl_server_free(&sasl);
}

static void test_plain_challenge(void)
{
	struct sasl_server *sasl = sasl_server_new("PLAIN");
	const char *chal, *error;

	test_assert_int(sasl_server_step(sasl, NULL, &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_str(chal, "");
	test_assert_int(sasl_server_step(sasl, B64("\0us\xc3\xa9r\0p w"), &chal, &error),
			SASL_SERVER_DONE);
	test_assert_str(sasl_server_authzid(sasl), "");
	test_assert_str(sasl_server_authcid(sasl), "us\xc3\xa9r");
	test_assert_str(sasl_server_password(sasl), "p w");
	sasl_server_free(&sasl);
}

static int plain_once(const char *response, const char **error_r)
{
	struct sasl_server *sasl = sasl_server_new("PLAIN");
	const char *chal;
	int ret = sasl_server_step(sasl, response, &chal, error_r);

	sasl_server_free(&sasl);
	return ret;
}

static void test_plain_invalid(void)
{
	char big[SASL_SERVER_FIELD_MAX + 16];
	const char *error;

	test_assert_int(plain_once("=", &error), SASL_SERVER_ERROR);   /* empty message */
	test_assert_str(error, "Malformed PLAIN response");
	test_assert_int(plain_once("*", &error), SASL_SERVER_CANCELLED);
	test_assert_str(error, "Authentication cancelled");
	test_assert_int(plain_once("AHRpbQBwYXNz=", &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Invalid base64 data");
	test_assert_int(plain_once("AHRpbQBw YXNz", &error), SASL_SERVER_ERROR);
	test_assert_int(plain_once(B64("tim\0pass"), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Malformed PLAIN response");
	test_assert_int(plain_once(B64("timpass"), &error), SASL_SERVER_ERROR);
	test_assert_int(plain_once(B64("a\0tim\0pa\0ss"), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Malformed credentials");
	test_assert_int(plain_once(B64("\0\0pass"), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Empty user name or password");
	test_assert_int(plain_once(B64("\0tim\0"), &error), SASL_SERVER_ERROR);
	test_assert_int(plain_once(B64("\0t\xffm\0pass"), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Invalid UTF-8 in credentials");
	test_assert_int(plain_once(B64("\0tim\0\xc0\xaf"), &error), SASL_SERVER_ERROR);

	/* field length limits */
	big[0] = '\0';
	memset(big + 1, 'u', SASL_SERVER_FIELD_MAX);
	big[SASL_SERVER_FIELD_MAX + 1] = '\0';
	big[SASL_SERVER_FIELD_MAX + 2] = 'p';
	test_assert_int(plain_once(b64(big, SASL_SERVER_FIELD_MAX + 3), &error), SASL_SERVER_DONE);
	memset(big + 1, 'u', SASL_SERVER_FIELD_MAX + 1);
	big[SASL_SERVER_FIELD_MAX + 2] = '\0';
	big[SASL_SERVER_FIELD_MAX + 3] = 'p';
	test_assert_int(plain_once(b64(big, SASL_SERVER_FIELD_MAX + 4), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Credentials too long");
}

static void test_plain_max(void)
{
	char msg[3 * SASL_SERVER_FIELD_MAX + 2];
	struct strbuf line = STRBUF_INIT;
	const char *error;

	memset(msg, 'x', sizeof(msg));
	msg[SASL_SERVER_FIELD_MAX] = '\0';
	msg[2 * SASL_SERVER_FIELD_MAX + 1] = '\0';
	test_assert_int(plain_once(b64(msg, sizeof(msg)), &error), SASL_SERVER_DONE);
	test_assert(strlen(b64(msg, sizeof(msg))) <= SASL_SERVER_RESPONSE_MAX);
	for (int i = 0; i < 2000; i++)
		strbuf_append(&line, "AAAA");
	test_assert_int(plain_once(strbuf_cstr(&line), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Response too long");
	strbuf_free(&line);
}

static void test_plain_cancel(void)
{
	struct sasl_server *sasl = sasl_server_new("PLAIN");
	const char *chal, *error;

	test_assert_int(sasl_server_step(sasl, NULL, &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_int(sasl_server_step(sasl, "*", &chal, &error), SASL_SERVER_CANCELLED);
	sasl_server_free(&sasl);

	/* "=" means empty only as the initial response */
	sasl = sasl_server_new("PLAIN");
	test_assert_int(sasl_server_step(sasl, NULL, &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_int(sasl_server_step(sasl, "=", &chal, &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Invalid base64 data");
	sasl_server_free(&sasl);
	sasl = sasl_server_new("PLAIN");
	test_assert_int(sasl_server_step(sasl, NULL, &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_int(sasl_server_step(sasl, "", &chal, &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Malformed PLAIN response");
	sasl_server_free(&sasl);
}

static void test_login(void)
{
	struct sasl_server *sasl = sasl_server_new("Login");
	const char *chal, *error;
	unsigned char prompt[16];
	size_t len;

	test_assert_str(sasl_server_mechanism(sasl), "LOGIN");
	test_assert_int(sasl_server_step(sasl, NULL, &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_int(base64_decode(chal, strlen(chal), prompt, &len), 0);
	test_assert(len == 9 && memcmp(prompt, "Username:", 9) == 0);
	test_assert_int(sasl_server_step(sasl, B64("tim"), &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_int(base64_decode(chal, strlen(chal), prompt, &len), 0);
	test_assert(len == 9 && memcmp(prompt, "Password:", 9) == 0);
	test_assert(sasl_server_password(sasl) == NULL);
	test_assert_int(sasl_server_step(sasl, B64("secret pass"), &chal, &error),
			SASL_SERVER_DONE);
	test_assert_str(sasl_server_authzid(sasl), "");
	test_assert_str(sasl_server_authcid(sasl), "tim");
	test_assert_str(sasl_server_password(sasl), "secret pass");
	sasl_server_free(&sasl);

	/* initial response carries the username */
	sasl = sasl_server_new("LOGIN");
	test_assert_int(sasl_server_step(sasl, B64("bob"), &chal, &error), SASL_SERVER_CONTINUE);
	test_assert_str(chal, "UGFzc3dvcmQ6");
	test_assert_int(sasl_server_step(sasl, B64("pw"), &chal, &error), SASL_SERVER_DONE);
	test_assert_str(sasl_server_authcid(sasl), "bob");
	test_assert_str(sasl_server_password(sasl), "pw");
	sasl_server_free(&sasl);
}

static int login_fail(const char *user, const char *pass, const char **error_r)
{
	struct sasl_server *sasl = sasl_server_new("LOGIN");
	const char *chal;
	int ret;

	ret = sasl_server_step(sasl, user, &chal, error_r);
	if (ret == SASL_SERVER_CONTINUE)
		ret = sasl_server_step(sasl, pass, &chal, error_r);
	sasl_server_free(&sasl);
	return ret;
}

static void test_login_invalid(void)
{
	struct strbuf line = STRBUF_INIT;
	const char *error;

	test_assert_int(login_fail("=", NULL, &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Empty user name or password");
	test_assert_int(login_fail("*", NULL, &error), SASL_SERVER_CANCELLED);
	test_assert_int(login_fail("dGlt", "*", &error), SASL_SERVER_CANCELLED);
	test_assert_int(login_fail("dGlt", "", &error), SASL_SERVER_ERROR);
	test_assert_int(login_fail("dGlt", "cGFz!", &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Invalid base64 data");
	test_assert_int(login_fail(B64("t\0m"), NULL, &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Malformed credentials");
	test_assert_int(login_fail("dGlt", B64("\xed\xa0\x80"), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Invalid UTF-8 in credentials");
	for (int i = 0; i < SASL_SERVER_FIELD_MAX / 3 + 1; i++)
		strbuf_append(&line, "dXV1");
	test_assert_int(login_fail(strbuf_cstr(&line), NULL, &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Credentials too long");
	for (int i = 0; i < 100; i++)
		strbuf_append(&line, "dXV1");
	test_assert_int(login_fail("dGlt", strbuf_cstr(&line), &error), SASL_SERVER_ERROR);
	test_assert_str(error, "Response too long");
	strbuf_free(&line);
}

static void test_unsupported(void)
{
	test_assert(sasl_server_new("CRAM-MD5") == NULL);
	test_assert(sasl_server_new("") == NULL);
	test_assert(sasl_server_new("PLAINX") == NULL);
}

int main(void)
{
	test_run("plain_initial", test_plain_initial);
	test_run("plain_challenge", test_plain_challenge);
	test_run("plain_invalid", test_plain_invalid);
	test_run("plain_max", test_plain_max);
	test_run("plain_cancel", test_plain_cancel);
	test_run("login", test_login);
	test_run("login_invalid", test_login_invalid);
	test_run("unsupported", test_unsupported);
	return test_end();
}
