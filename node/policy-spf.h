/*
 * policy-spf.h — an SPF check (RFC 7208) of one client address and
 * envelope sender, evaluated by libspf2 without its blocking resolver:
 * the records it needs are fetched with c-ares (policy-dns.h) in rounds.
 */
#ifndef POLICY_SPF_H
#define POLICY_SPF_H

struct worker;
struct policy_spf;

/* result is the RFC 7208 result word ("pass", "fail", "softfail",
   "neutral", "none", "temperror", "permerror") and comment libspf2's
   sentence about it; both NULL with skipped set when the check could not
   finish (DNS deadline, no resolver). Valid during the call only; the
   callback may free the check. */
typedef void policy_spf_callback_t(void *ctx, const char *result, const char *comment,
				   const char *skipped);

/* Check ip (text) for sender (the MAIL FROM address; empty for the null
   sender, then postmaster@helo is checked). The callback runs once, later,
   unless policy_spf_free comes first. NULL (and no callback) when the
   worker has no DNS resolver. */
struct policy_spf *policy_spf_start(struct worker *worker, double timeout, const char *ip,
				    const char *helo, const char *sender,
				    policy_spf_callback_t *callback, void *ctx);
void policy_spf_free(struct policy_spf **spf);

#endif
