/*
 * policy-dns.h — the DNS lookups of one policy check, bounded by one
 * deadline (setting policy_dns_timeout): DNSBL, SPF, DKIM and DMARC start
 * lookups on the worker's c-ares resolver, get each answer through their
 * own callback, and hear once when all are answered or the deadline hit.
 *
 * A batch may be waited on several times (SPF fetches in rounds); the
 * deadline runs from policy_dns_batch_new for all of them.
 */
#ifndef POLICY_DNS_H
#define POLICY_DNS_H

#include "dns.h"

#include <stdbool.h>

struct worker;
struct policy_dns_batch;

/* All lookups added so far are answered (timed_out false), or the
   deadline passed (timed_out true: the ones still out are cancelled and
   their callbacks never run). The callback may free the batch. */
typedef void policy_dns_done_t(void *ctx, bool timed_out);

/* NULL with *error_r when the worker has no resolver. */
struct policy_dns_batch *policy_dns_batch_new(struct worker *worker, double timeout,
					      policy_dns_done_t *done, void *ctx,
					      const char **error_r);
/* Cancel what is out (no callback runs) and free. */
void policy_dns_batch_free(struct policy_dns_batch **batch);
/* Start one lookup; callback gets its answer (dns_lookup_records) and
   must not free the batch (done may). */
void policy_dns_batch_add(struct policy_dns_batch *batch, const char *name,
			  enum dns_rr_type type, dns_records_callback_t *callback, void *ctx);
/* Call done when nothing is out any more: later, never from inside this
   call (also when nothing is out now). */
void policy_dns_batch_wait(struct policy_dns_batch *batch);
/* Lookups still out. */
unsigned int policy_dns_batch_pending(const struct policy_dns_batch *batch);

#endif
