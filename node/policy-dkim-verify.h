/*
 * policy-dkim-verify.h — verification of an inbound message's
 * DKIM-Signature fields (RFC 6376) with libopendkim, whose key lookups
 * are answered from TXT records fetched beforehand with c-ares, so the
 * library never resolves anything itself.
 */
#ifndef POLICY_DKIM_VERIFY_H
#define POLICY_DKIM_VERIFY_H

#include <stddef.h>

#define POLICY_DKIM_MAX_SIGS 8

struct worker;
struct policy_dkim_verify;

/* One signature's outcome (RFC 8601 words). */
struct policy_dkim_sig {
	const char *result;        /* pass fail temperror permerror neutral */
	char domain[256];          /* d= */
	char selector[64];         /* s= */
	char reason[128];          /* why it did not pass, or "" */
};

/* sigs (count of them, 0 when the message is not signed) or, when the
   check could not finish, skipped. Valid during the call only; the
   callback may free the check. */
typedef void policy_dkim_verify_callback_t(void *ctx, const struct policy_dkim_sig *sigs,
					   unsigned int count, const char *skipped);

/* Verify msg (the message as received, CRLF line ends; copied). The
   callback runs once, later, unless policy_dkim_verify_free comes first.
   NULL (and no callback) when the worker has no DNS resolver or
   libopendkim cannot start. */
struct policy_dkim_verify *policy_dkim_verify_start(struct worker *worker, double timeout,
						    const unsigned char *msg, size_t len,
						    policy_dkim_verify_callback_t *callback,
						    void *ctx);
void policy_dkim_verify_free(struct policy_dkim_verify **check);

#endif
