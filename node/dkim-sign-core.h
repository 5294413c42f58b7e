/*
 * dkim-sign-core.h — the pure part of DKIM signing: which domain a message
 * is signed for, and the DKIM-Signature header fields for a set of keys
 * (libopendkim does the canonicalisation and the cryptography).
 *
 * No I/O and no event loop: node/dkim-sign.c wraps this with key lookup,
 * caching and asynchronous callbacks; test-dkim-sign-core.c tests it alone.
 */
#ifndef DKIM_SIGN_CORE_H
#define DKIM_SIGN_CORE_H

#include "strbuf.h"

#include <opendkim/dkim.h>
#include <stddef.h>

/* One signing key of a domain, as schema/008_dkim.sql stores it. */
struct dkim_sign_key {
	const char *selector;
	const char *algorithm;     /* "rsa-sha256" | "ed25519-sha256" */
	const char *private_key;   /* PKCS#8 PEM */
};

/* A libopendkim handle set up for Petrel's signatures (the signed header
   list, From over-signed); NULL when the library cannot start. Free with
   dkim_close(). */
DKIM_LIB *dkim_sign_core_lib_new(void);

/* The domain a message is signed for: that of the single mailbox in its
   single From: field, lower-cased. NULL (nothing to sign for) when there
   is no From:, more than one, or no usable address in it. malloc'd. */
char *dkim_sign_core_from_domain(const unsigned char *msg, size_t len);

/* Append one "DKIM-Signature: ...\r\n" field per key to headers_r, each
   signing msg (the message as it will be stored, CRLF line ends) with
   relaxed/relaxed canonicalisation for domain. Returns 0, or -1 with a
   sentence about the first key that failed in error; the fields of the
   keys that worked are appended either way. */
int dkim_sign_core_sign(DKIM_LIB *lib, const char *domain, const struct dkim_sign_key *keys,
			unsigned int key_count, const unsigned char *msg, size_t len,
			struct strbuf *headers_r, char *error, size_t error_size);

#endif
