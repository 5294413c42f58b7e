/*
 * password.c — hashing and verifying account passwords (see password.h).
 *
 * All hashing goes through libxcrypt's crypt_r(); this file only maps
 * Dovecot's {SCHEME} prefixes onto crypt strings, draws salts from
 * getrandom() and compares results in constant time.
 */
#include "password.h"

#include "xalloc.h"

#include <crypt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define PASSWORD_SALT_BYTES 16

struct password_scheme {
	const char *name;
	/* What the crypt string must start with; NULL for {PLAIN}. */
	const char *crypt_prefix;
};

static const struct password_scheme password_schemes[] = {
	{ "CRYPT", "" },
	{ "SHA512-CRYPT", "$6$" },
	{ "SHA256-CRYPT", "$5$" },
	{ "BLF-CRYPT", "$2" },
	{ "PLAIN", NULL },
};

/* crypt_r() into heap scratch space that is wiped afterwards. Returns the
   allocated crypt string, or NULL when the setting is unsupported. */
static char *password_crypt(const char *password, const char *setting)
{
	struct crypt_data *data = xcalloc(1, sizeof(*data));
	const char *out = crypt_r(password, setting, data);
	char *result = NULL;

	if (out != NULL && out[0] != '*')
		result = xstrdup(out);
	explicit_bzero(data, sizeof(*data));
	free(data);
	return result;
}

/* Constant time in the content of both strings; the loop runs over the
   stored value's length, which an attacker does not control. */
static bool password_equal(const char *candidate, const char *stored)
{
	size_t candidate_len = strlen(candidate), stored_len = strlen(stored);
	unsigned char diff = candidate_len != stored_len;

	for (size_t i = 0; i < stored_len; i++) {
		unsigned char c = i < candidate_len ? (unsigned char)candidate[i] : 0;

		diff |= c ^ (unsigned char)stored[i];
	}
	return diff == 0;
}

int password_hash(const char *password, char **hash_r, const char **error_r)
{
	unsigned char random[PASSWORD_SALT_BYTES];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char *hash;

	if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE) {
		*error_r = "password is too long (at most 511 bytes)";
		return -1;
	}
	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random)) {
		*error_r = "cannot read random bytes for a password salt";
		return -1;
	}
	if (crypt_gensalt_rn("$y$", 0, (const char *)random, sizeof(random),
			     setting, sizeof(setting)) == NULL ||
	    (hash = password_crypt(password, setting)) == NULL) {
		*error_r = "yescrypt hashing is not available in libcrypt";
		return -1;
	}
	*hash_r = xasprintf("{CRYPT}%s", hash);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	return 0;
}

/* The scheme named by stored's {PREFIX}, moving *stored past it; a stored
   value without a prefix is a bare crypt string. NULL when unknown. */
static const struct password_scheme *password_scheme_parse(const char **stored)
{
	const char *end;
	size_t len;

	if ((*stored)[0] != '{')
		return &password_schemes[0];
	end = strchr(*stored, '}');
	if (end == NULL)
		return NULL;
	len = end - (*stored + 1);
	for (size_t i = 0; i < sizeof(password_schemes) / sizeof(password_schemes[0]); i++) {
		if (strlen(password_schemes[i].name) == len &&
		    strncasecmp(*stored + 1, password_schemes[i].name, len) == 0) {
			*stored = end + 1;
			return &password_schemes[i];
		}
	}
	return NULL;
}

int password_verify(const char *password, const char *stored, const char **error_r)
{
	const struct password_scheme *scheme = password_scheme_parse(&stored);
	char *hash;
	int ret;

	if (scheme == NULL) {
		*error_r = "unsupported password scheme";
		return -1;
	}
	if (scheme->crypt_prefix == NULL)
		return password_equal(password, stored) ? 1 : 0;
	if (stored[0] == '\0' ||
	    strncmp(stored, scheme->crypt_prefix, strlen(scheme->crypt_prefix)) != 0) {
		*error_r = "password hash is empty or does not match its scheme";
		return -1;
	}
	/* password_hash() refuses such passwords, so none can match. */
	if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE)
		return 0;
	hash = password_crypt(password, stored);
	if (hash == NULL) {
		*error_r = "password hash is corrupt or uses an unsupported algorithm";
		return -1;
	}
	ret = password_equal(hash, stored) ? 1 : 0;
	free(hash);
	return ret;
}
