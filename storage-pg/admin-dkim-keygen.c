/*
 * admin-dkim-keygen.c — making DKIM key pairs and the DNS TXT records
 * that publish them (see admin-dkim.h), for petrelctl dkim generate and
 * the web admin alike.
 *
 * Both halves are stored: the private key as PKCS#8 PEM, which
 * libopendkim loads for RSA and Ed25519 alike, and the public key as the
 * p= value (RFC 6376 3.6.1; RFC 8463 4.2 for the raw Ed25519 key).
 */
#include "admin-dkim.h"

#include "admin-private.h"
#include "base64.h"
#include "strbuf.h"
#include "xalloc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ADMIN_DKIM_RSA_BITS 2048

struct admin_dkim_algorithm {
	const char *option;     /* what the operator asks for */
	const char *name;       /* dkim_keys.algorithm, the a= tag */
	const char *k_tag;      /* the record's k= tag */
	int pkey_type;
};

static const struct admin_dkim_algorithm admin_dkim_algorithms[] = {
	{ "rsa", "rsa-sha256", "rsa", EVP_PKEY_RSA },
	{ "ed25519", "ed25519-sha256", "ed25519", EVP_PKEY_ED25519 },
};

static const struct admin_dkim_algorithm *admin_dkim_algorithm_find(const char *text,
								    bool by_name)
{
	for (size_t i = 0; i < sizeof(admin_dkim_algorithms) / sizeof(admin_dkim_algorithms[0]);
	     i++) {
		const struct admin_dkim_algorithm *a = &admin_dkim_algorithms[i];

		if (strcmp(by_name ? a->name : a->option, text) == 0)
			return a;
	}
	return NULL;
}

char *admin_dkim_record(const struct admin_dkim_key *key)
{
	const struct admin_dkim_algorithm *a = admin_dkim_algorithm_find(key->algorithm, true);

	return xasprintf("v=DKIM1; k=%s; p=%s", a != NULL ? a->k_tag : "rsa", key->public_key);
}

char *admin_dkim_record_name(const struct admin_dkim_key *key)
{
	return xasprintf("%s._domainkey.%s.", key->selector, key->domain);
}

static EVP_PKEY *admin_dkim_keygen(const struct admin_dkim_algorithm *a)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(a->pkey_type, NULL);
	EVP_PKEY *key = NULL;

	if (pctx == NULL || EVP_PKEY_keygen_init(pctx) <= 0 ||
	    (a->pkey_type == EVP_PKEY_RSA &&
	     EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, ADMIN_DKIM_RSA_BITS) <= 0) ||
	    EVP_PKEY_keygen(pctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(pctx);
	return key;
}

/* The p= value: base64 of the DER SubjectPublicKeyInfo for RSA, of the
   raw 32-byte key for Ed25519. NULL on an OpenSSL failure. */
static char *admin_dkim_public_key(EVP_PKEY *key, const struct admin_dkim_algorithm *a)
{
	struct strbuf out = STRBUF_INIT;
	unsigned char raw[64], *der = NULL;
	size_t raw_len = sizeof(raw);
	int der_len;

	if (a->pkey_type == EVP_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key, raw, &raw_len) != 1)
			return NULL;
		base64_encode(&out, raw, raw_len);
	} else {
		if ((der_len = i2d_PUBKEY(key, &der)) <= 0)
			return NULL;
		base64_encode(&out, der, der_len);
		OPENSSL_free(der);
	}
	return strbuf_steal(&out);
}

static char *admin_dkim_private_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem = NULL;
	long len;

	if (bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (len = BIO_get_mem_data(bio, &data)) > 0)
		pem = xstrndup(data, len);
	BIO_free(bio);
	return pem;
}

/* The default selector: petrel-YYYYMM-ALGORITHM, dated so a yearly or
   monthly rotation gets a fresh name, and per algorithm so an RSA and an
   Ed25519 key of one month can live side by side. */
static void admin_dkim_default_selector(const struct admin_dkim_algorithm *a, char *buf,
					size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, size, "petrel-%04d%02d-%s", tm.tm_year + 1900, tm.tm_mon + 1, a->option);
}

int admin_dkim_generate(struct admin_db *db, const char *domain, const char *selector,
			const char *algorithm, char selector_buf[static ADMIN_DKIM_SELECTOR_MAX + 1],
			const char **selector_r, const char **error_r)
{
	const struct admin_dkim_algorithm *a = admin_dkim_algorithm_find(algorithm, false);
	char *private_pem = NULL, *public_key = NULL;
	EVP_PKEY *key;
	int ret = -1;

	if (a == NULL) {
		*error_r = admin_error(db, "invalid algorithm '%.100s': expected rsa or ed25519",
				       algorithm);
		return -1;
	}
	if (selector == NULL) {
		admin_dkim_default_selector(a, selector_buf, ADMIN_DKIM_SELECTOR_MAX + 1);
		selector = selector_buf;
	}
	if ((key = admin_dkim_keygen(a)) != NULL) {
		private_pem = admin_dkim_private_pem(key);
		public_key = admin_dkim_public_key(key, a);
		EVP_PKEY_free(key);
	}
	if (private_pem == NULL || public_key == NULL)
		*error_r = admin_error_of(db, ADMIN_ERROR_DATABASE,
					  "OpenSSL could not generate the key");
	else
		ret = admin_dkim_add(db, domain, selector, a->name, private_pem, public_key,
				     error_r);
	if (private_pem != NULL)
		OPENSSL_cleanse(private_pem, strlen(private_pem));
	free(private_pem);
	free(public_key);
	*selector_r = selector;
	return ret;
}
