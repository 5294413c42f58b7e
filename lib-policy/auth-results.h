/*
 * auth-results.h — the value of the Authentication-Results: header field
 * (RFC 8601) that records what SPF, DKIM and DMARC said about an inbound
 * message. Pure formatting: the checks (node/smtp-check-auth.c) fill a
 * struct auth_results and the session adds the field.
 */
#ifndef AUTH_RESULTS_H
#define AUTH_RESULTS_H

#include "strbuf.h"

#include <stdbool.h>

#define AUTH_RESULTS_MAX_DKIM 8

/* One method's outcome; result NULL when the method was not evaluated. */
struct auth_results_dkim {
	const char *result;        /* pass fail neutral policy temperror permerror none */
	const char *domain;        /* header.d */
	const char *selector;      /* header.s */
};

struct auth_results {
	const char *spf;           /* none neutral pass fail softfail temperror permerror */
	const char *spf_mailfrom;  /* smtp.mailfrom: the envelope sender (domain) */
	const char *spf_helo;      /* smtp.helo, when the sender was empty */
	struct auth_results_dkim dkim[AUTH_RESULTS_MAX_DKIM];
	unsigned int dkim_count;   /* 0 with dkim_none: "dkim=none" (unsigned) */
	bool dkim_none;
	const char *dmarc;         /* pass fail none temperror permerror */
	const char *dmarc_from;    /* header.from */
	const char *dmarc_policy;  /* policy.applied-disposition comment, or NULL */
};

/* Append the field's value (without "Authentication-Results:") for
   authserv_id to out: "authserv-id; spf=pass smtp.mailfrom=d; ..." with
   one method per folded line, or "authserv-id; none" when nothing was
   evaluated. Property values that are not plain tokens are quoted. */
void auth_results_format(const struct auth_results *ar, const char *authserv_id,
			 struct strbuf *out);

/* Whether an Authentication-Results: field value (len bytes, as found in
   a message, maybe folded) names authserv_id: such fields arriving from
   outside are forgeries to remove (RFC 8601 5). */
bool auth_results_names(const char *value, size_t len, const char *authserv_id);

#endif
