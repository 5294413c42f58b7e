/*
 * test-password.c — unit tests for password hashing and verification,
 * with known hashes from independent implementations (OpenSSL's
 * `openssl passwd -6/-5`, the Openwall bcrypt test vectors).
 */
#include "password.h"

#include "test-common.h"

#include <stdlib.h>

/* openssl passwd -6 -salt saltsalt secret */
#define SHA512_SECRET "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"
/* openssl passwd -5 -salt saltsalt secret */
#define SHA256_SECRET "$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA"
/* Openwall crypt_blowfish test vector for "U*U" */
#define BCRYPT_UU "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
/* "secret" with $2b$ and Dovecot's usual $2y$ spelling of the same hash */
#define BCRYPT_2B "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a"
#define BCRYPT_2Y "$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a"
/* yescrypt of "pleaseletmein", as produced by libxcrypt 4.4 */
#define YESCRYPT "$y$j9T$k2XAnEHBqQ1Ct2aMXFKNa/$HmrKD1gbCKnuzxVScQp24Kin6bgilmq0gy1wUYnq2EC"

static int verify(const char *password, const char *stored)
{
	const char *error = NULL;
	int ret = password_verify(password, stored, &error);

	if (ret < 0)
		test_assert(error != NULL);
	return ret;
}

static void test_known_hashes(void)
{
	test_assert_int(verify("secret", "{SHA512-CRYPT}" SHA512_SECRET), 1);
	test_assert_int(verify("Secret", "{SHA512-CRYPT}" SHA512_SECRET), 0);
	test_assert_int(verify("secret", "{sha512-crypt}" SHA512_SECRET), 1);
	test_assert_int(verify("secret", "{CRYPT}" SHA512_SECRET), 1);
	test_assert_int(verify("secret", SHA512_SECRET), 1);
	test_assert_int(verify("secret", "{SHA256-CRYPT}" SHA256_SECRET), 1);
	test_assert_int(verify("secre", "{SHA256-CRYPT}" SHA256_SECRET), 0);
	test_assert_int(verify("U*U", "{BLF-CRYPT}" BCRYPT_UU), 1);
	test_assert_int(verify("U*V", "{BLF-CRYPT}" BCRYPT_UU), 0);
	test_assert_int(verify("secret", "{BLF-CRYPT}" BCRYPT_2B), 1);
	test_assert_int(verify("secret", "{BLF-CRYPT}" BCRYPT_2Y), 1);
	test_assert_int(verify("pleaseletmein", "{CRYPT}" YESCRYPT), 1);
	test_assert_int(verify("pleaseletmeout", "{CRYPT}" YESCRYPT), 0);
	test_assert_int(verify("", "{CRYPT}" YESCRYPT), 0);
}

static void test_plain(void)
{
	test_assert_int(verify("hunter2", "{PLAIN}hunter2"), 1);
	test_assert_int(verify("hunter2", "{plain}hunter2"), 1);
	test_assert_int(verify("hunter", "{PLAIN}hunter2"), 0);
	test_assert_int(verify("hunter22", "{PLAIN}hunter2"), 0);
	test_assert_int(verify("", "{PLAIN}"), 1);
	test_assert_int(verify("x", "{PLAIN}"), 0);
}

static void test_bad_hashes(void)
{
	/* scheme and hash disagree */
	test_assert_int(verify("secret", "{SHA256-CRYPT}" SHA512_SECRET), -1);
	test_assert_int(verify("U*U", "{SHA512-CRYPT}" BCRYPT_UU), -1);
	/* unknown or unterminated scheme */
	test_assert_int(verify("secret", "{SSHA}abcdef"), -1);
	test_assert_int(verify("secret", "{SHA512-CRYPT" SHA512_SECRET), -1);
	/* empty or corrupt crypt strings */
	test_assert_int(verify("secret", ""), -1);
	test_assert_int(verify("secret", "{CRYPT}"), -1);
	test_assert_int(verify("secret", "{CRYPT}$y$"), -1);
	test_assert_int(verify("secret", "{SHA512-CRYPT}$6$rounds=x$ab$cd"), -1);
	test_assert_int(verify("secret", "{CRYPT}$y$!!!$abc$def"), -1);
	test_assert_int(verify("secret", "{CRYPT}$9$unknown$method"), -1);
	test_assert_int(verify("secret", "{BLF-CRYPT}$2b$99$abcdefghijklmnopqrstuu"), -1);
}

static void test_hash_roundtrip(void)
{
	const char *error = NULL;
	char *hash1 = NULL, *hash2 = NULL;

	test_assert_int(password_hash("correct horse", &hash1, &error), 0);
	test_assert_int(password_hash("correct horse", &hash2, &error), 0);
	test_assert(hash1 != NULL && strncmp(hash1, "{CRYPT}$y$", 10) == 0);
	/* fresh salt every time */
	test_assert(hash1 != NULL && hash2 != NULL && strcmp(hash1, hash2) != 0);
	test_assert_int(verify("correct horse", hash1), 1);
	test_assert_int(verify("correct horse", hash2), 1);
	test_assert_int(verify("correct horsf", hash1), 0);
	test_assert_int(verify("", hash1), 0);
	free(hash1);
	free(hash2);

	test_assert_int(password_hash("", &hash1, &error), 0);
	test_assert_int(verify("", hash1), 1);
	test_assert_int(verify(" ", hash1), 0);
	free(hash1);
}

static void test_long_password(void)
{
	char password[600];
	const char *error = NULL;
	char *hash = NULL;

	memset(password, 'a', sizeof(password) - 1);
	password[sizeof(password) - 1] = '\0';
	test_assert_int(password_hash(password, &hash, &error), -1);
	test_assert(hash == NULL && error != NULL);
	test_assert_int(verify(password, "{CRYPT}" YESCRYPT), 0);
	password[512] = '\0';
	test_assert_int(password_hash(password, &hash, &error), -1);
	password[511] = '\0';
	test_assert_int(password_hash(password, &hash, &error), 0);
	test_assert_int(verify(password, hash), 1);
	free(hash);
}

int main(void)
{
	test_run("known_hashes", test_known_hashes);
	test_run("plain", test_plain);
	test_run("bad_hashes", test_bad_hashes);
	test_run("hash_roundtrip", test_hash_roundtrip);
	test_run("long_password", test_long_password);
	return test_end();
}
