/*
 * ctl-dkim.c — `petrelctl dkim generate|show|list|del`: DKIM signing keys
 * for the local domains, and the DNS TXT records that publish them.
 *
 * generate makes the key pair here with OpenSSL (petrelctl runs outside
 * any event loop, so the second or so an RSA-2048 key takes is fine) and
 * stores both halves: the private key as PKCS#8 PEM, which libopendkim
 * loads for RSA and Ed25519 alike, and the public key as the p= value
 * (RFC 6376 3.6.1; RFC 8463 4.2 for the raw Ed25519 key).
 *
 * For people, generate and show print zone-file records whose TXT data is
 * split into strings of at most 255 bytes (RFC 1035 3.3.14); --json gives
 * the record name and the whole TXT value instead.
 */
#include "ctl.h"

#include "admin-dkim.h"
#include "base64.h"
#include "ctl-output.h"
#include "strbuf.h"
#include "xalloc.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CTL_DKIM_RSA_BITS 2048
#define CTL_DKIM_TXT_STRING_MAX 255

struct ctl_dkim_algorithm {
	const char *option;     /* --algorithm value */
	const char *name;       /* dkim_keys.algorithm, the a= tag */
	const char *k_tag;      /* the record's k= tag */
	int pkey_type;
};

static const struct ctl_dkim_algorithm ctl_dkim_algorithms[] = {
	{ "rsa", "rsa-sha256", "rsa", EVP_PKEY_RSA },
	{ "ed25519", "ed25519-sha256", "ed25519", EVP_PKEY_ED25519 },
};

#define CTL_DKIM_ALGORITHM_COUNT (sizeof(ctl_dkim_algorithms) / sizeof(ctl_dkim_algorithms[0]))

static const struct ctl_column ctl_dkim_columns[] = {
	{ "DOMAIN", "domain", CTL_CELL_TEXT, NULL },
	{ "SELECTOR", "selector", CTL_CELL_TEXT, NULL },
	{ "ALGORITHM", "algorithm", CTL_CELL_TEXT, NULL },
	{ "CREATED", "created_at", CTL_CELL_TEXT, NULL },
	{ NULL, "name", CTL_CELL_TEXT, NULL },
	{ NULL, "record", CTL_CELL_TEXT, NULL },
};

/* What the printing callbacks collect. */
struct ctl_dkim_output {
	struct ctl_table *table;
	const char *selector;   /* only this key (generate), NULL = all */
};

static const struct ctl_dkim_algorithm *ctl_dkim_algorithm_find(const char *text, bool by_name)
{
	for (size_t i = 0; i < CTL_DKIM_ALGORITHM_COUNT; i++) {
		const struct ctl_dkim_algorithm *a = &ctl_dkim_algorithms[i];

		if (strcmp(by_name ? a->name : a->option, text) == 0)
			return a;
	}
	return NULL;
}

/* The TXT value publishing key: "v=DKIM1; k=rsa; p=..." (malloc'd). */
static char *ctl_dkim_record(const struct admin_dkim_key *key)
{
	const struct ctl_dkim_algorithm *a = ctl_dkim_algorithm_find(key->algorithm, true);

	return xasprintf("v=DKIM1; k=%s; p=%s", a != NULL ? a->k_tag : "rsa", key->public_key);
}

/* One zone-file record, the TXT data in strings of at most 255 bytes. */
static void ctl_dkim_print_zone(const struct admin_dkim_key *key, const char *record)
{
	size_t len = strlen(record);

	printf("%s._domainkey.%s. IN TXT (", key->selector, key->domain);
	for (size_t off = 0; off < len; off += CTL_DKIM_TXT_STRING_MAX) {
		int chunk = len - off < CTL_DKIM_TXT_STRING_MAX ?
			(int)(len - off) : CTL_DKIM_TXT_STRING_MAX;

		printf("%s\"%.*s\"", off == 0 ? " " : "\n\t", chunk, record + off);
	}
	printf(" )\n");
}

static void ctl_dkim_row(const struct admin_dkim_key *key, void *context)
{
	struct ctl_dkim_output *out = context;
	char *record, *name;

	if (out->selector != NULL && strcasecmp(out->selector, key->selector) != 0)
		return;
	record = ctl_dkim_record(key);
	if (out->table == NULL) {
		ctl_dkim_print_zone(key, record);
	} else {
		name = xasprintf("%s._domainkey.%s.", key->selector, key->domain);
		ctl_table_add(out->table, key->domain, key->selector, key->algorithm,
			      key->created_at, name, record);
		free(name);
	}
	free(record);
}

/* Print the domain's keys (only selector's when not NULL): zone records
   for people, JSON objects (one when single) for scripts. */
static enum ctl_exit ctl_dkim_print(struct ctl_context *ctx, const char *domain,
				    const char *selector, bool single)
{
	static char error[512];
	struct ctl_dkim_output out = { .selector = selector };
	int ret;

	if (ctx->json)
		out.table = CTL_TABLE_NEW(ctl_dkim_columns);
	ret = admin_dkim_list(ctx->db, domain, ctl_dkim_row, &out, &ctx->error);
	if (ret == 0) {
		snprintf(error, sizeof(error), "domain %.300s has no DKIM keys "
			 "(see petrelctl dkim generate)", domain);
		ctx->error = error;
		ret = -1;
	}
	if (out.table != NULL)
		return ctl_table_done(ctx, &out.table, ret, single);
	return ret < 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

static EVP_PKEY *ctl_dkim_keygen(const struct ctl_dkim_algorithm *a)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(a->pkey_type, NULL);
	EVP_PKEY *key = NULL;

	if (pctx == NULL || EVP_PKEY_keygen_init(pctx) <= 0 ||
	    (a->pkey_type == EVP_PKEY_RSA &&
	     EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, CTL_DKIM_RSA_BITS) <= 0) ||
	    EVP_PKEY_keygen(pctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(pctx);
	return key;
}

/* The p= value: base64 of the DER SubjectPublicKeyInfo for RSA, of the
   raw 32-byte key for Ed25519. NULL on an OpenSSL failure. */
static char *ctl_dkim_public_key(EVP_PKEY *key, const struct ctl_dkim_algorithm *a)
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

static char *ctl_dkim_private_pem(EVP_PKEY *key)
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
static void ctl_dkim_default_selector(const struct ctl_dkim_algorithm *a, char *buf,
				      size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, size, "petrel-%04d%02d-%s", tm.tm_year + 1900, tm.tm_mon + 1, a->option);
}

enum ctl_exit ctl_dkim_generate(struct ctl_context *ctx)
{
	const char *option = ctx->given[CTL_OPT_ALGORITHM] ? ctx->value[CTL_OPT_ALGORITHM] : "rsa";
	const struct ctl_dkim_algorithm *a = ctl_dkim_algorithm_find(option, false);
	const char *selector = ctx->value[CTL_OPT_SELECTOR];
	char default_selector[64], *private_pem = NULL, *public_key = NULL;
	EVP_PKEY *key;
	int ret = -1;

	if (a == NULL) {
		ctx->error = "--algorithm must be rsa or ed25519";
		return CTL_EXIT_USAGE;
	}
	if (selector == NULL) {
		ctl_dkim_default_selector(a, default_selector, sizeof(default_selector));
		selector = default_selector;
	}
	if ((key = ctl_dkim_keygen(a)) != NULL) {
		private_pem = ctl_dkim_private_pem(key);
		public_key = ctl_dkim_public_key(key, a);
		EVP_PKEY_free(key);
	}
	if (private_pem == NULL || public_key == NULL)
		ctx->error = "OpenSSL could not generate the key";
	else
		ret = admin_dkim_add(ctx->db, ctx->args[0], selector, a->name, private_pem,
				     public_key, &ctx->error);
	if (private_pem != NULL)
		OPENSSL_cleanse(private_pem, strlen(private_pem));
	free(private_pem);
	free(public_key);
	if (ret < 0)
		return CTL_EXIT_ERROR;
	return ctl_dkim_print(ctx, ctx->args[0], selector, true);
}

enum ctl_exit ctl_dkim_show(struct ctl_context *ctx)
{
	return ctl_dkim_print(ctx, ctx->args[0], NULL, false);
}

enum ctl_exit ctl_dkim_list(struct ctl_context *ctx)
{
	struct ctl_dkim_output out = { .table = CTL_TABLE_NEW(ctl_dkim_columns) };
	const char *domain = ctx->arg_count > 0 ? ctx->args[0] : NULL;

	return ctl_table_done(ctx, &out.table, admin_dkim_list(ctx->db, domain, ctl_dkim_row,
								&out, &ctx->error), false);
}

enum ctl_exit ctl_dkim_del(struct ctl_context *ctx)
{
	return ctl_done(ctx, admin_dkim_del(ctx->db, ctx->args[0], ctx->args[1], &ctx->error),
			"DKIM key %s of domain %s deleted", ctx->args[1], ctx->args[0]);
}
