/*
 * policy-spf.c — SPF through libspf2, fed by c-ares (see policy-spf.h).
 *
 * libspf2's own resolver blocks, so it gets a stack of two DNS layers of
 * our own: a zone layer (libspf2's in-memory zone) holding every record
 * fetched so far, over a "miss" layer that answers TRY_AGAIN and notes
 * the name and type asked for. Each round evaluates the request from the
 * zone; when names were missing they are fetched in parallel, put in the
 * zone, and the request is evaluated again. Each round adds at least one
 * answer, libspf2 keeps its RFC 7208 lookup limits (10 DNS mechanisms, 10
 * MX/PTR names), and POLICY_SPF_MAX_ROUNDS bounds the rest; the whole
 * check has one deadline (policy_dns_timeout).
 *
 * Not fetched: the obsolete SPF RR type (answered "no data", RFC 7208
 * 3.1) and PTR names (answered "not found": the deprecated ptr mechanism
 * never matches and %{p} expands to "unknown").
 */
#include "policy-spf.h"

#include "policy-dns.h"
#include "xalloc.h"

#include <netdb.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_dns_zone.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POLICY_SPF_MAX_ROUNDS 25
#define POLICY_SPF_MAX_MISSES 32

struct policy_spf_miss {
	struct policy_spf *spf;
	char *name;
	ns_type type;
};

struct policy_spf {
	struct policy_dns_batch *batch;
	SPF_server_t *server;
	SPF_dns_server_t *zone;           /* owned by server */
	struct policy_spf_miss misses[POLICY_SPF_MAX_MISSES];
	unsigned int miss_count, rounds;
	char ip[64];
	char *helo, *sender;
	policy_spf_callback_t *callback;
	void *ctx;
};

/* The miss layer: note what the zone did not have. */
static SPF_dns_rr_t *policy_spf_miss_lookup(SPF_dns_server_t *layer, const char *domain,
					    ns_type type, int should_cache)
{
	struct policy_spf *spf = layer->hook;

	(void)should_cache;
	if (type == ns_t_spf)
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
	if (type != ns_t_a && type != ns_t_aaaa && type != ns_t_mx && type != ns_t_txt)
		return SPF_dns_rr_new_init(layer, domain, type, 0, HOST_NOT_FOUND);
	for (unsigned int i = 0; i < spf->miss_count; i++) {
		if (spf->misses[i].type == type && strcasecmp(spf->misses[i].name, domain) == 0)
			return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	if (spf->miss_count < POLICY_SPF_MAX_MISSES) {
		struct policy_spf_miss *m = &spf->misses[spf->miss_count++];

		m->spf = spf;
		m->name = xstrdup(domain);
		m->type = type;
	}
	return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
}

static void policy_spf_miss_destroy(SPF_dns_server_t *layer)
{
	free(layer);
}

static SPF_dns_server_t *policy_spf_miss_layer_new(struct policy_spf *spf)
{
	SPF_dns_server_t *layer = xcalloc(1, sizeof(*layer));

	layer->destroy = policy_spf_miss_destroy;
	layer->lookup = policy_spf_miss_lookup;
	layer->name = "petrel-miss";
	layer->hook = spf;
	return layer;
}

static void policy_spf_misses_clear(struct policy_spf *spf)
{
	for (unsigned int i = 0; i < spf->miss_count; i++)
		free(spf->misses[i].name);
	spf->miss_count = 0;
}

/* One evaluation from the zone as it is. */
static SPF_result_t policy_spf_evaluate(struct policy_spf *spf, char *comment, size_t size)
{
	SPF_request_t *req = SPF_request_new(spf->server);
	SPF_response_t *resp = NULL;
	SPF_result_t result;
	const char *text;

	if (strchr(spf->ip, ':') != NULL)
		SPF_request_set_ipv6_str(req, spf->ip);
	else
		SPF_request_set_ipv4_str(req, spf->ip);
	SPF_request_set_helo_dom(req, spf->helo);
	if (SPF_request_set_env_from(req, spf->sender) != 0) {
		SPF_request_free(req);
		snprintf(comment, size, "sender %s has no domain to check", spf->sender);
		return SPF_RESULT_NONE;
	}
	SPF_request_query_mailfrom(req, &resp);
	result = SPF_response_result(resp);
	text = SPF_response_get_smtp_comment(resp);
	snprintf(comment, size, "%s", text != NULL ? text : "");
	SPF_response_free(resp);
	SPF_request_free(req);
	return result;
}

static void policy_spf_answer_cb(void *ctx, enum dns_result result, const char *error,
				 const char *const *records, unsigned int count)
{
	struct policy_spf_miss *m = ctx;
	SPF_dns_server_t *zone = m->spf->zone;

	(void)error;
	if (result == DNS_OK) {
		for (unsigned int i = 0; i < count; i++)
			SPF_dns_zone_add_str(zone, m->name, m->type, NETDB_SUCCESS, records[i]);
	} else {
		SPF_dns_zone_add_str(zone, m->name, m->type,
				     result == DNS_NOT_FOUND ? HOST_NOT_FOUND : TRY_AGAIN, NULL);
	}
}

static void policy_spf_round(struct policy_spf *spf);

static void policy_spf_fetched_cb(void *ctx, bool timed_out)
{
	struct policy_spf *spf = ctx;

	policy_spf_misses_clear(spf);
	if (timed_out) {
		spf->callback(spf->ctx, NULL, NULL, "SPF lookups timed out (policy_dns_timeout)");
		return;
	}
	policy_spf_round(spf);
}

/* Evaluate; report the result, or fetch what was missing and come back. */
static void policy_spf_round(struct policy_spf *spf)
{
	char comment[512];
	SPF_result_t result = policy_spf_evaluate(spf, comment, sizeof(comment));

	if (spf->miss_count == 0 || ++spf->rounds > POLICY_SPF_MAX_ROUNDS) {
		spf->callback(spf->ctx, SPF_strresult(result), comment, NULL);
		return;
	}
	for (unsigned int i = 0; i < spf->miss_count; i++) {
		struct policy_spf_miss *m = &spf->misses[i];
		enum dns_rr_type type = m->type == ns_t_a ? DNS_RR_A : m->type == ns_t_aaaa ?
			DNS_RR_AAAA : m->type == ns_t_mx ? DNS_RR_MX : DNS_RR_TXT;

		policy_dns_batch_add(spf->batch, m->name, type, policy_spf_answer_cb, m);
	}
	policy_dns_batch_wait(spf->batch);
}

struct policy_spf *policy_spf_start(struct worker *worker, double timeout, const char *ip,
				    const char *helo, const char *sender,
				    policy_spf_callback_t *callback, void *ctx)
{
	struct policy_spf *spf = xcalloc(1, sizeof(*spf));
	const char *error;

	spf->callback = callback;
	spf->ctx = ctx;
	/* an IPv4-mapped IPv6 client is checked as the IPv4 address */
	snprintf(spf->ip, sizeof(spf->ip), "%s",
		 strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL ? ip + 7 : ip);
	spf->helo = xstrdup(helo != NULL ? helo : "");
	spf->sender = sender != NULL && sender[0] != '\0' ? xstrdup(sender) :
		xasprintf("postmaster@%s", spf->helo);
	spf->zone = SPF_dns_zone_new(policy_spf_miss_layer_new(spf), "petrel-zone", 0);
	spf->server = SPF_server_new_dns(spf->zone, 0);
	spf->batch = policy_dns_batch_new(worker, timeout, policy_spf_fetched_cb, spf, &error);
	if (spf->batch == NULL) {
		policy_spf_free(&spf);
		return NULL;
	}
	/* the first round starts from the loop, so the callback comes later */
	policy_dns_batch_wait(spf->batch);
	return spf;
}

void policy_spf_free(struct policy_spf **spf_p)
{
	struct policy_spf *spf = *spf_p;

	if (spf == NULL)
		return;
	*spf_p = NULL;
	policy_dns_batch_free(&spf->batch);
	policy_spf_misses_clear(spf);
	SPF_server_free(spf->server);      /* and its DNS layers */
	free(spf->helo);
	free(spf->sender);
	free(spf);
}
