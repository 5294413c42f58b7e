/*
 * policy-dkim-verify.c — DKIM verification (see policy-dkim-verify.h).
 *
 * libopendkim asks for keys as soon as it has read the header, so the
 * message is read twice. A first handle reads only the header: its
 * signature list names the keys needed (s=._domainkey.d=; its own key
 * lookups are answered "not found" and the handle is dropped). They are
 * fetched in parallel with c-ares under the policy_dns_timeout deadline.
 * Then a second handle reads the whole message, and its key lookups are
 * answered from what was fetched. One DKIM_LIB serves the worker process
 * (it is only configuration: the key lookup callback), created on first
 * use.
 */
#include "policy-dkim-verify.h"

#include "policy-dns.h"
#include "xalloc.h"

#include <opendkim/dkim.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy_dkim_key {
	struct policy_dkim_verify *check;
	char name[330];            /* selector._domainkey.domain */
	char *record;              /* the TXT record, NULL when none */
	bool temporary;            /* the lookup failed temporarily */
};

struct policy_dkim_verify {
	struct policy_dns_batch *batch;
	DKIM *dkim;                /* the pass now reading */
	unsigned char *msg;        /* a copy of the message */
	size_t len;
	bool fetched;              /* keys are here: answer lookups */
	struct policy_dkim_key keys[POLICY_DKIM_MAX_SIGS];
	unsigned int key_count;
	policy_dkim_verify_callback_t *callback;
	void *ctx;
};

static DKIM_LIB *policy_dkim_lib;

/* libopendkim asks for a signature's key: give the fetched record. */
static DKIM_CBSTAT policy_dkim_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf,
					  size_t buflen)
{
	struct policy_dkim_verify *check = dkim_get_user_context(dkim);
	char name[sizeof(check->keys[0].name)];

	snprintf(name, sizeof(name), "%s._domainkey.%s", (const char *)dkim_sig_getselector(sig),
		 (const char *)dkim_sig_getdomain(sig));
	if (!check->fetched)
		return DKIM_CBSTAT_NOTFOUND;   /* the first pass: keys come later */
	for (unsigned int i = 0; i < check->key_count; i++) {
		struct policy_dkim_key *key = &check->keys[i];

		if (strcmp(key->name, name) != 0)
			continue;
		if (key->temporary)
			return DKIM_CBSTAT_TRYAGAIN;
		if (key->record == NULL || strlen(key->record) >= buflen)
			return DKIM_CBSTAT_NOTFOUND;
		memcpy(buf, key->record, strlen(key->record) + 1);
		return DKIM_CBSTAT_CONTINUE;
	}
	return DKIM_CBSTAT_NOTFOUND;      /* beyond POLICY_DKIM_MAX_SIGS */
}

static DKIM_LIB *policy_dkim_lib_get(void)
{
	if (policy_dkim_lib == NULL) {
		policy_dkim_lib = dkim_init(NULL, NULL);
		if (policy_dkim_lib != NULL)
			dkim_set_key_lookup(policy_dkim_lib, policy_dkim_key_lookup);
	}
	return policy_dkim_lib;
}

static void policy_dkim_key_cb(void *ctx, enum dns_result result, const char *error,
			       const char *const *records, unsigned int count)
{
	struct policy_dkim_key *key = ctx;

	(void)error;
	key->temporary = result == DNS_TEMPORARY;
	if (result == DNS_OK && count > 0)
		key->record = xstrdup(records[0]);
}

/* RFC 8601 result of one processed signature. */
static void policy_dkim_sig_result(DKIM_SIGINFO *sig, struct policy_dkim_sig *out)
{
	int error = dkim_sig_geterror(sig);
	const char *text = dkim_sig_geterrorstr(error);

	snprintf(out->domain, sizeof(out->domain), "%s", (const char *)dkim_sig_getdomain(sig));
	snprintf(out->selector, sizeof(out->selector), "%s",
		 (const char *)dkim_sig_getselector(sig));
	out->reason[0] = '\0';
	if (DKIM_SIG_CHECK(sig)) {
		out->result = "pass";
		return;
	}
	snprintf(out->reason, sizeof(out->reason), "%s",
		 dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH ? "body hash mismatch" :
		 text != NULL ? text : "signature did not verify");
	if (error == DKIM_SIGERROR_KEYFAIL)
		out->result = "temperror";
	else if (error == DKIM_SIGERROR_NOKEY || error == DKIM_SIGERROR_DNSSYNTAX ||
		 error == DKIM_SIGERROR_KEYDECODE || (dkim_sig_getflags(sig) &
						      DKIM_SIGFLAG_PROCESSED) == 0)
		out->result = "permerror";
	else
		out->result = "fail";
}

/* A new handle that has read len bytes of the message (whole lines). */
static DKIM *policy_dkim_pass(struct policy_dkim_verify *check, size_t len)
{
	DKIM_STAT status;
	DKIM *dkim = dkim_verify(policy_dkim_lib, (const unsigned char *)"petrel", NULL, &status);

	if (dkim == NULL)
		return NULL;
	dkim_set_user_context(dkim, check);
	(void)dkim_chunk(dkim, check->msg, len);
	(void)dkim_chunk(dkim, NULL, 0);
	return dkim;
}

/* The length of the header with its empty line (or of the message). */
static size_t policy_dkim_header_len(const unsigned char *msg, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++) {
		if (memcmp(msg + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	}
	return len;
}

static void policy_dkim_fetched_cb(void *ctx, bool timed_out)
{
	struct policy_dkim_verify *check = ctx;
	struct policy_dkim_sig sigs[POLICY_DKIM_MAX_SIGS];
	DKIM_SIGINFO **list;
	int n = 0;

	if (timed_out) {
		check->callback(check->ctx, NULL, 0, "DKIM key lookups timed out "
				"(policy_dns_timeout)");
		return;
	}
	if (check->key_count == 0) {       /* not signed */
		check->callback(check->ctx, NULL, 0, NULL);
		return;
	}
	check->fetched = true;
	dkim_free(check->dkim);
	check->dkim = policy_dkim_pass(check, check->len);
	if (check->dkim == NULL) {
		check->callback(check->ctx, NULL, 0, "libopendkim cannot verify");
		return;
	}
	(void)dkim_eom(check->dkim, NULL);
	if (dkim_getsiglist(check->dkim, &list, &n) != DKIM_STAT_OK)
		n = 0;
	if (n > POLICY_DKIM_MAX_SIGS)
		n = POLICY_DKIM_MAX_SIGS;
	for (int i = 0; i < n; i++)
		policy_dkim_sig_result(list[i], &sigs[i]);
	check->callback(check->ctx, sigs, (unsigned int)n, NULL);
}

/* The first pass: start a key lookup per signature. */
static void policy_dkim_scan(struct policy_dkim_verify *check)
{
	DKIM_SIGINFO **list;
	int n = 0;

	if (dkim_getsiglist(check->dkim, &list, &n) != DKIM_STAT_OK)
		n = 0;
	for (int i = 0; i < n && check->key_count < POLICY_DKIM_MAX_SIGS; i++) {
		struct policy_dkim_key *key = &check->keys[check->key_count];
		const char *d = (const char *)dkim_sig_getdomain(list[i]);
		const char *s = (const char *)dkim_sig_getselector(list[i]);

		if (d == NULL || s == NULL)
			continue;              /* libopendkim reports it as broken */
		key->check = check;
		snprintf(key->name, sizeof(key->name), "%s._domainkey.%s", s, d);
		check->key_count++;
		policy_dns_batch_add(check->batch, key->name, DNS_RR_TXT, policy_dkim_key_cb, key);
	}
}

struct policy_dkim_verify *policy_dkim_verify_start(struct worker *worker, double timeout,
						    const unsigned char *msg, size_t len,
						    policy_dkim_verify_callback_t *callback,
						    void *ctx)
{
	struct policy_dkim_verify *check = xcalloc(1, sizeof(*check));
	const char *error;

	check->callback = callback;
	check->ctx = ctx;
	check->msg = xmalloc(len > 0 ? len : 1);
	memcpy(check->msg, msg, len);
	check->len = len;
	check->batch = policy_dns_batch_new(worker, timeout, policy_dkim_fetched_cb, check,
					    &error);
	if (policy_dkim_lib_get() != NULL)
		check->dkim = policy_dkim_pass(check, policy_dkim_header_len(msg, len));
	if (check->batch == NULL || check->dkim == NULL) {
		policy_dkim_verify_free(&check);
		return NULL;
	}
	policy_dkim_scan(check);
	policy_dns_batch_wait(check->batch);
	return check;
}

void policy_dkim_verify_free(struct policy_dkim_verify **check_p)
{
	struct policy_dkim_verify *check = *check_p;

	if (check == NULL)
		return;
	*check_p = NULL;
	policy_dns_batch_free(&check->batch);
	if (check->dkim != NULL)
		dkim_free(check->dkim);
	for (unsigned int i = 0; i < check->key_count; i++)
		free(check->keys[i].record);
	free(check->msg);
	free(check);
}
