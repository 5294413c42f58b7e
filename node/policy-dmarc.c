/*
 * policy-dmarc.c — DMARC through libopendmarc without its resolver (see
 * policy-dmarc.h).
 *
 * _dmarc.<From domain> and, when the From domain is a subdomain,
 * _dmarc.<organizational domain> are fetched in parallel; the first one
 * holding a "v=DMARC1" record is handed to libopendmarc
 * (opendmarc_policy_store_dmarc) with the SPF and DKIM results, and its
 * opendmarc_get_policy_to_enforce gives the verdict. The organizational
 * domain is the last two labels of the From domain: Petrel ships no
 * public suffix list, so "example.co.uk"-style registries are not known.
 */
#include "policy-dmarc.h"

#include "policy-dns.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <opendmarc/dmarc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct policy_dmarc_lookup {
	struct policy_dmarc *dmarc;
	char *record;               /* the v=DMARC1 record, or NULL */
	bool temporary;
};

struct policy_dmarc {
	struct policy_dns_batch *batch;
	struct policy_dmarc_lookup own, org;
	char *from_domain, *org_domain;   /* org_domain NULL when the same */
	char ip[64];
	char *spf_result, *spf_domain;
	struct policy_dkim_sig sigs[POLICY_DKIM_MAX_SIGS];
	unsigned int sig_count;
	policy_dmarc_callback_t *callback;
	void *ctx;
};

static bool policy_dmarc_library_ready;

static void policy_dmarc_answer_cb(void *ctx, enum dns_result result, const char *error,
				   const char *const *records, unsigned int count)
{
	struct policy_dmarc_lookup *l = ctx;

	(void)error;
	l->temporary = result == DNS_TEMPORARY;
	for (unsigned int i = 0; result == DNS_OK && i < count && l->record == NULL; i++) {
		if (strncasecmp(records[i], "v=DMARC1", 8) == 0 &&
		    (records[i][8] == ';' || records[i][8] == ' ' || records[i][8] == '\0'))
			l->record = xstrdup(records[i]);
	}
}

static int policy_dmarc_spf_outcome(const char *spf)
{
	if (spf == NULL || strcmp(spf, "none") == 0)
		return DMARC_POLICY_SPF_OUTCOME_NONE;
	if (strcmp(spf, "pass") == 0)
		return DMARC_POLICY_SPF_OUTCOME_PASS;
	if (strcmp(spf, "temperror") == 0)
		return DMARC_POLICY_SPF_OUTCOME_TMPFAIL;
	return DMARC_POLICY_SPF_OUTCOME_FAIL;
}

static int policy_dmarc_dkim_outcome(const char *result)
{
	if (strcmp(result, "pass") == 0)
		return DMARC_POLICY_DKIM_OUTCOME_PASS;
	if (strcmp(result, "temperror") == 0)
		return DMARC_POLICY_DKIM_OUTCOME_TMPFAIL;
	return DMARC_POLICY_DKIM_OUTCOME_FAIL;
}

/* libopendmarc's verdict on record (found at the From or org domain). */
static const char *policy_dmarc_evaluate(struct policy_dmarc *d, char *record,
					 const char *org_domain, char *policy_r)
{
	bool v6 = strchr(d->ip, ':') != NULL;
	DMARC_POLICY_T *pctx = opendmarc_policy_connect_init((u_char *)d->ip,
		v6 ? DMARC_POLICY_IP_TYPE_IPV6 : DMARC_POLICY_IP_TYPE_IPV4);
	const char *result = "permerror";
	int p = 0;

	if (pctx == NULL)
		return "temperror";
	opendmarc_policy_store_from_domain(pctx, (u_char *)d->from_domain);
	if (opendmarc_policy_store_dmarc(pctx, (u_char *)record, (u_char *)d->from_domain,
					 (u_char *)org_domain) == DMARC_PARSE_OKAY) {
		if (d->spf_domain != NULL)
			opendmarc_policy_store_spf(pctx, (u_char *)d->spf_domain,
						   policy_dmarc_spf_outcome(d->spf_result),
						   DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
		for (unsigned int i = 0; i < d->sig_count; i++)
			opendmarc_policy_store_dkim(pctx, (u_char *)d->sigs[i].domain,
						    (u_char *)d->sigs[i].selector,
						    policy_dmarc_dkim_outcome(d->sigs[i].result),
						    NULL);
		result = opendmarc_get_policy_to_enforce(pctx) == DMARC_POLICY_PASS ? "pass" :
			"fail";
		opendmarc_policy_fetch_p(pctx, &p);
	}
	if (strcmp(result, "fail") == 0)
		*policy_r = (char)p;
	opendmarc_policy_connect_shutdown(pctx);
	return result;
}

static void policy_dmarc_fetched_cb(void *ctx, bool timed_out)
{
	struct policy_dmarc *d = ctx;
	char policy = 0;
	const char *result;

	if (timed_out) {
		d->callback(d->ctx, NULL, 0, "DMARC lookups timed out (policy_dns_timeout)");
		return;
	}
	if (d->own.record != NULL)
		result = policy_dmarc_evaluate(d, d->own.record, NULL, &policy);
	else if (d->own.temporary)
		result = "temperror";
	else if (d->org.record != NULL)
		result = policy_dmarc_evaluate(d, d->org.record, d->org_domain, &policy);
	else
		result = d->org.temporary ? "temperror" : "none";
	d->callback(d->ctx, result, policy, NULL);
}

/* The last two labels of domain, or NULL when that is domain itself. */
static char *policy_dmarc_org_domain(const char *domain)
{
	const char *last = strrchr(domain, '.'), *p;

	if (last == NULL)
		return NULL;
	for (p = last - 1; p > domain && *p != '.'; p--)
		;
	return p > domain ? xstrdup(p + 1) : NULL;
}

static void policy_dmarc_lookup(struct policy_dmarc *d, struct policy_dmarc_lookup *l,
				const char *domain)
{
	char name[300];

	l->dmarc = d;
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	policy_dns_batch_add(d->batch, name, DNS_RR_TXT, policy_dmarc_answer_cb, l);
}

struct policy_dmarc *policy_dmarc_start(struct worker *worker, double timeout,
					const struct policy_dmarc_input *in,
					policy_dmarc_callback_t *callback, void *ctx)
{
	struct policy_dmarc *d = xcalloc(1, sizeof(*d));
	const char *error;

	if (!policy_dmarc_library_ready) {
		OPENDMARC_LIB_T lib = { .tld_type = OPENDMARC_TLD_TYPE_NONE };

		opendmarc_policy_library_init(&lib);
		policy_dmarc_library_ready = true;
	}
	d->callback = callback;
	d->ctx = ctx;
	d->from_domain = xstrdup(in->from_domain);
	d->org_domain = policy_dmarc_org_domain(in->from_domain);
	snprintf(d->ip, sizeof(d->ip), "%s", in->ip);
	d->spf_result = in->spf_result != NULL ? xstrdup(in->spf_result) : NULL;
	d->spf_domain = in->spf_domain != NULL ? xstrdup(in->spf_domain) : NULL;
	d->sig_count = in->sig_count < POLICY_DKIM_MAX_SIGS ? in->sig_count : POLICY_DKIM_MAX_SIGS;
	memcpy(d->sigs, in->sigs, d->sig_count * sizeof(d->sigs[0]));
	d->batch = policy_dns_batch_new(worker, timeout, policy_dmarc_fetched_cb, d, &error);
	if (d->batch == NULL) {
		policy_dmarc_free(&d);
		return NULL;
	}
	policy_dmarc_lookup(d, &d->own, d->from_domain);
	if (d->org_domain != NULL)
		policy_dmarc_lookup(d, &d->org, d->org_domain);
	policy_dns_batch_wait(d->batch);
	return d;
}

void policy_dmarc_free(struct policy_dmarc **dmarc_p)
{
	struct policy_dmarc *d = *dmarc_p;

	if (d == NULL)
		return;
	*dmarc_p = NULL;
	policy_dns_batch_free(&d->batch);
	free(d->own.record);
	free(d->org.record);
	free(d->from_domain);
	free(d->org_domain);
	free(d->spf_result);
	free(d->spf_domain);
	free(d);
}
