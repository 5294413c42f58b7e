/*
 * policy-dmarc.h — the DMARC verdict (RFC 7489) for an inbound message:
 * the policy record of its From: domain (or of the organizational
 * domain) fetched with c-ares, evaluated by libopendmarc with the SPF and
 * DKIM results already known.
 */
#ifndef POLICY_DMARC_H
#define POLICY_DMARC_H

#include "policy-dkim-verify.h"

struct worker;
struct policy_dmarc;

struct policy_dmarc_input {
	const char *from_domain;            /* of the single From: address */
	const char *ip;                     /* the client's address */
	const char *spf_result;             /* RFC 7208 word, NULL when not checked */
	const char *spf_domain;             /* the MAIL FROM (or HELO) domain */
	const struct policy_dkim_sig *sigs;
	unsigned int sig_count;
};

/* result: "pass", "fail", "none" (no record), "permerror" (bad record)
   or "temperror"; policy the record's p= ('n', 'q', 'r') when result is
   "fail", else 0. skipped when the check could not finish (both others
   NULL/0). The callback may free the check. */
typedef void policy_dmarc_callback_t(void *ctx, const char *result, char policy,
				     const char *skipped);

/* The callback runs once, later, unless policy_dmarc_free comes first.
   NULL (and no callback) when the worker has no DNS resolver. The input
   is copied where needed. */
struct policy_dmarc *policy_dmarc_start(struct worker *worker, double timeout,
					const struct policy_dmarc_input *in,
					policy_dmarc_callback_t *callback, void *ctx);
void policy_dmarc_free(struct policy_dmarc **dmarc);

#endif
