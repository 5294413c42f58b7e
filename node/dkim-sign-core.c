/*
 * dkim-sign-core.c — the signing domain of a message and its
 * DKIM-Signature fields through libopendkim (see dkim-sign-core.h).
 */
#include "dkim-sign-core.h"

#include "rfc822-address.h"
#include "rfc822-header.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DKIM_SIGN_CORE_HEADER_NAME "DKIM-Signature: "

/* RFC 6376 5.4.1's recommendations that Petrel's submissions carry. */
static const char *dkim_sign_core_headers[] = {
	"from", "to", "cc", "subject", "date", "message-id", "reply-to", "in-reply-to",
	"references", "mime-version", "content-type", "content-transfer-encoding", NULL
};
/* Signed once more than present, so a second From: added on the way breaks
   the signature (RFC 6376 8.15). */
static const char *dkim_sign_core_oversign[] = { "from", NULL };

DKIM_LIB *dkim_sign_core_lib_new(void)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);

	if (lib == NULL)
		return NULL;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, dkim_sign_core_headers,
			 sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, dkim_sign_core_oversign,
			 sizeof(char **)) != DKIM_STAT_OK) {
		dkim_close(lib);
		return NULL;
	}
	return lib;
}

/* The domain of the address list's only mailbox, lower-cased, without a
   trailing dot; NULL for none, several or a domain literal. */
static char *dkim_sign_core_list_domain(const struct rfc822_address_list *list)
{
	const struct rfc822_address *first = rfc822_address_list_first_mailbox(list);
	unsigned int mailboxes = 0;
	char *domain;
	size_t len;

	for (size_t i = 0; i < list->count; i++) {
		if (!list->addrs[i].group_start && !list->addrs[i].group_end &&
		    list->addrs[i].mailbox != NULL)
			mailboxes++;
	}
	if (first == NULL || mailboxes != 1 || first->domain == NULL ||
	    first->domain[0] == '\0' || first->domain[0] == '[')
		return NULL;
	domain = xstrdup(first->domain);
	for (char *p = domain; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		domain[len - 1] = '\0';
	if (domain[0] == '\0') {
		free(domain);
		return NULL;
	}
	return domain;
}

char *dkim_sign_core_from_domain(const unsigned char *msg, size_t len)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf value = STRBUF_INIT;
	unsigned int from_count = 0;
	char *domain = NULL;

	rfc822_header_iter_init(&iter, msg, len);
	while (rfc822_header_iter_next(&iter, &field)) {
		if (!rfc822_header_name_is(&field, "From"))
			continue;
		if (++from_count == 1)
			rfc822_header_unfold(field.value, field.value_len, &value);
	}
	if (from_count == 1) {
		struct rfc822_address_list list;

		rfc822_address_list_parse(value.data != NULL ? value.data : "", value.len, &list);
		domain = dkim_sign_core_list_domain(&list);
		rfc822_address_list_free(&list);
	}
	strbuf_free(&value);
	return domain;
}

/* libopendkim folds with bare LF; the stored message uses CRLF. */
static void dkim_sign_core_append_crlf(struct strbuf *dest, const unsigned char *field,
				       size_t len)
{
	strbuf_append(dest, DKIM_SIGN_CORE_HEADER_NAME);
	for (size_t i = 0; i < len; i++) {
		if (field[i] == '\r')
			continue;
		if (field[i] == '\n')
			strbuf_append_c(dest, '\r');
		strbuf_append_c(dest, (char)field[i]);
	}
	strbuf_append(dest, "\r\n");
}

static int dkim_sign_core_one(DKIM_LIB *lib, const char *domain,
			      const struct dkim_sign_key *key, const unsigned char *msg,
			      size_t len, struct strbuf *dest, char *error, size_t error_size)
{
	dkim_alg_t alg = strcmp(key->algorithm, "ed25519-sha256") == 0 ?
		DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
	DKIM_STAT status;
	DKIM *dkim;
	unsigned char *field;
	size_t field_len;

	dkim = dkim_sign(lib, (const unsigned char *)"petrel", NULL,
			 (dkim_sigkey_t)key->private_key, (const unsigned char *)key->selector,
			 (const unsigned char *)domain, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
			 alg, -1, &status);
	if (dkim == NULL) {
		snprintf(error, error_size, "selector %s: %s", key->selector,
			 dkim_getresultstr(status));
		return -1;
	}
	if ((status = dkim_chunk(dkim, (unsigned char *)msg, len)) == DKIM_STAT_OK &&
	    (status = dkim_chunk(dkim, NULL, 0)) == DKIM_STAT_OK &&
	    (status = dkim_eom(dkim, NULL)) == DKIM_STAT_OK &&
	    (status = dkim_getsighdr_d(dkim, strlen(DKIM_SIGN_CORE_HEADER_NAME), &field,
				       &field_len)) == DKIM_STAT_OK)
		dkim_sign_core_append_crlf(dest, field, field_len);
	else
		snprintf(error, error_size, "selector %s: %s%s%s", key->selector,
			 dkim_getresultstr(status), dkim_geterror(dkim) != NULL ? ": " : "",
			 dkim_geterror(dkim) != NULL ? dkim_geterror(dkim) : "");
	dkim_free(dkim);
	return status == DKIM_STAT_OK ? 0 : -1;
}

int dkim_sign_core_sign(DKIM_LIB *lib, const char *domain, const struct dkim_sign_key *keys,
			unsigned int key_count, const unsigned char *msg, size_t len,
			struct strbuf *headers_r, char *error, size_t error_size)
{
	char key_error[256];
	int ret = 0;

	for (unsigned int i = 0; i < key_count; i++) {
		if (dkim_sign_core_one(lib, domain, &keys[i], msg, len, headers_r, key_error,
				       sizeof(key_error)) < 0 && ret == 0) {
			snprintf(error, error_size, "%s", key_error);
			ret = -1;
		}
	}
	return ret;
}
