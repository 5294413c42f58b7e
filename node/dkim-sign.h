/*
 * dkim-sign.h — a worker's DKIM signer for outgoing mail.
 *
 * The signing domain is the From: domain; its keys come from PostgreSQL
 * (store-dkim.h) and are cached per worker until dkim_signer_clear() (the
 * worker calls it when PostgreSQL announces a settings/keys change). A
 * message is signed with every key of its domain when the domain's
 * dkim_sign setting is on. Signing problems never lose mail: the message
 * simply goes out unsigned and the problem is logged and reported.
 */
#ifndef DKIM_SIGN_H
#define DKIM_SIGN_H

#include <stddef.h>

struct worker;
struct dkim_signer;

/* headers: malloc'd "DKIM-Signature: ...\r\n" fields to put in front of the
   message (the callee owns them), or NULL when nothing was signed. error:
   why signing failed (NULL when it did not fail — "no key", "not a local
   domain" and "dkim_sign off" are not failures); with several keys, headers
   may hold the signatures that worked despite an error. */
typedef void dkim_sign_callback_t(void *ctx, char *headers, const char *error);

struct dkim_signer *dkim_signer_new(struct worker *worker);
/* Calls back every unfinished signing with error "shutting down". */
void dkim_signer_free(struct dkim_signer **signer);
/* Forget the cached keys (they changed in PostgreSQL). */
void dkim_signer_clear(struct dkim_signer *signer);

/* Sign msg[0..len) — the complete message as it will be stored, CRLF line
   ends. msg need not outlive the call. cb runs exactly once, always from
   the loop, never from inside this call. */
void dkim_signer_sign(struct dkim_signer *signer, const unsigned char *msg, size_t len,
		      dkim_sign_callback_t *cb, void *ctx);

#endif
