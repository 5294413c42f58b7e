/*
 * smtp-check-auth.c — sender authentication of inbound mail: SPF at MAIL
 * (setting spf_check; spf_reject_fail refuses "fail" with 550 5.7.23),
 * DKIM verification (dkim_verify) and DMARC (dmarc_check) at COMPLETE,
 * and the Authentication-Results: field (RFC 8601) recording them, added
 * at COMPLETE with smtp_hostname as the authserv-id.
 *
 * DMARC needs the DKIM results, so dmarc_check verifies signatures too
 * (recorded only when dkim_verify is on). With dmarc_enforce, a failing
 * message whose policy is p=reject is refused (550 5.7.1) and p=quarantine
 * files it into Junk. A check whose DNS lookups outlast
 * policy_dns_timeout is skipped with a logged reason; the mail goes on.
 * Authentication-Results: fields that arrive claiming our authserv-id are
 * removed (RFC 8601 5), so only ours can speak for this host.
 */
#include "smtp-checks.h"

#include "auth-results.h"
#include "buffer.h"
#include "dkim-sign-core.h"
#include "log.h"
#include "message-edit.h"
#include "policy-dkim-verify.h"
#include "policy-dmarc.h"
#include "policy-spf.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct auth_state {
	struct smtp_check_run *run;          /* the stage waiting for a result */
	struct policy_spf *spf;
	struct policy_dkim_verify *dkim;
	struct policy_dmarc *dmarc;
	/* the current transaction's results */
	char spf_result[16];                 /* "" when not checked */
	char spf_domain[256];
	bool spf_helo;                       /* null sender: the HELO name was checked */
	bool dkim_checked, dkim_record;
	struct policy_dkim_sig sigs[POLICY_DKIM_MAX_SIGS];
	unsigned int sig_count;
	char dmarc_result[16];
	char dmarc_policy;
	char *from_domain;
};

static struct auth_state *auth_state(struct smtp_session *s)
{
	if (s->policy.auth_results == NULL)
		s->policy.auth_results = xcalloc(1, sizeof(struct auth_state));
	return s->policy.auth_results;
}

static double auth_timeout(const struct smtp_session *s)
{
	return (double)smtp_setting(s, "policy_dns_timeout");
}

/* The waiting run and its session; NULL session when it has gone (then
   the run is finished here). */
static struct smtp_session *auth_resume(struct auth_state *st, struct smtp_check_run **run_r)
{
	struct smtp_check_run *run = st->run;
	struct smtp_session *s = smtp_check_session(run);

	st->run = NULL;
	*run_r = run;
	if (s == NULL)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	return s;
}

/* ---- SPF at MAIL ---- */

static void auth_spf_done(void *ctx, const char *result, const char *comment,
			  const char *skipped)
{
	struct auth_state *st = ctx;
	struct smtp_check_run *run;
	struct smtp_session *s;
	char reply[512], reason[700];

	policy_spf_free(&st->spf);
	s = auth_resume(st, &run);
	if (s == NULL)
		return;
	if (skipped != NULL) {
		log_warning("smtp", s->ws.id_str, "event=spf_skipped reason=\"%s\"", skipped);
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, skipped);
		return;
	}
	snprintf(st->spf_result, sizeof(st->spf_result), "%s", result);
	snprintf(reason, sizeof(reason), "SPF %s for %s: %.300s", result, st->spf_domain, comment);
	if (strcmp(result, "fail") == 0 && smtp_setting(s, "spf_reject_fail")) {
		snprintf(reply, sizeof(reply), "550 5.7.23 SPF validation failed for %.250s: "
			 "%.200s", st->spf_domain, comment[0] != '\0' ? comment :
			 "client not authorized");
		smtp_check_done(run, SMTP_VERDICT_REJECT, reply, reason);
		return;
	}
	smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, reason);
}

static void auth_mail(struct smtp_session *s, struct smtp_check_run *run)
{
	struct auth_state *st = auth_state(s);
	const char *sender = s->tx->mail_from, *at = strrchr(sender, '@');
	const char *helo = s->helo != NULL ? s->helo : "";

	st->spf_result[0] = '\0';
	st->spf_helo = sender[0] == '\0';
	snprintf(st->spf_domain, sizeof(st->spf_domain), "%s", st->spf_helo ? helo :
		 at != NULL ? at + 1 : sender);
	if (!smtp_setting(s, "spf_check")) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "spf_check off");
		return;
	}
	st->run = run;
	st->spf = policy_spf_start(s->worker, auth_timeout(s), s->ws.ip, helo, sender,
				   auth_spf_done, st);
	if (st->spf == NULL) {
		st->run = NULL;
		log_warning("smtp", s->ws.id_str, "event=spf_skipped reason=\"no DNS resolver\"");
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "no DNS resolver");
	}
}

/* ---- DKIM, DMARC and Authentication-Results: at COMPLETE ---- */

/* Delete the client's Authentication-Results: fields naming authserv_id. */
static void auth_remove_forged(struct smtp_session *s, const char *authserv_id)
{
	struct buffer *msg = &s->tx->body;
	struct message_field f;
	unsigned int index = 1;

	while (message_edit_find(msg, s->tx->header_start, "Authentication-Results", index, &f)) {
		const char *value = (const char *)buffer_data(msg) + f.value;

		if (!auth_results_names(value, f.end - f.value, authserv_id)) {
			index++;
			continue;
		}
		log_info("smtp", s->ws.id_str, "event=auth_results_removed reason=\"names %s\"",
			 authserv_id);
		message_edit_change(msg, s->tx->header_start, "Authentication-Results", index,
				    NULL);
	}
}

static void auth_add_header(struct smtp_session *s, struct auth_state *st)
{
	struct auth_results ar = { 0 };
	struct strbuf value = STRBUF_INIT;

	auth_remove_forged(s, smtp_hostname(s));
	if (st->spf_result[0] != '\0') {
		ar.spf = st->spf_result;
		if (st->spf_helo)
			ar.spf_helo = st->spf_domain;
		else
			ar.spf_mailfrom = st->spf_domain;
	}
	if (st->dkim_record) {
		ar.dkim_none = st->sig_count == 0;
		for (unsigned int i = 0; i < st->sig_count && i < AUTH_RESULTS_MAX_DKIM; i++) {
			ar.dkim[i] = (struct auth_results_dkim){ st->sigs[i].result,
				st->sigs[i].domain, st->sigs[i].selector };
			ar.dkim_count++;
		}
	}
	if (st->dmarc_result[0] != '\0') {
		ar.dmarc = st->dmarc_result;
		ar.dmarc_from = st->from_domain;
		ar.dmarc_policy = st->dmarc_policy == 'r' ? "reject" : st->dmarc_policy == 'q' ?
			"quarantine" : st->dmarc_policy == 'n' ? "none" : NULL;
	}
	if (ar.spf == NULL && ar.dmarc == NULL && !st->dkim_record)
		return;                    /* nothing was evaluated */
	auth_results_format(&ar, smtp_hostname(s), &value);
	smtp_policy_add_header(s, "Authentication-Results", strbuf_cstr(&value));
	strbuf_free(&value);
}

/* The end of COMPLETE: the header, then DMARC's policy when enforced. */
static void auth_complete_done(struct smtp_session *s, struct auth_state *st,
			       struct smtp_check_run *run)
{
	char reply[400], reason[300];

	auth_add_header(s, st);
	if (strcmp(st->dmarc_result, "fail") != 0 || !smtp_setting(s, "dmarc_enforce")) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	snprintf(reason, sizeof(reason), "DMARC fail for %.200s (p=%s)", st->from_domain,
		 st->dmarc_policy == 'r' ? "reject" : st->dmarc_policy == 'q' ? "quarantine" :
		 "none");
	if (st->dmarc_policy == 'r') {
		snprintf(reply, sizeof(reply), "550 5.7.1 Email rejected per DMARC policy for "
			 "%.200s", st->from_domain);
		smtp_check_done(run, SMTP_VERDICT_REJECT, reply, reason);
		return;
	}
	if (st->dmarc_policy == 'q')
		smtp_policy_file_into(s, "Junk");
	smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, reason);
}

static void auth_dmarc_done(void *ctx, const char *result, char policy, const char *skipped)
{
	struct auth_state *st = ctx;
	struct smtp_check_run *run;
	struct smtp_session *s;

	policy_dmarc_free(&st->dmarc);
	s = auth_resume(st, &run);
	if (s == NULL)
		return;
	if (skipped != NULL)
		log_warning("smtp", s->ws.id_str, "event=dmarc_skipped reason=\"%s\"", skipped);
	else
		snprintf(st->dmarc_result, sizeof(st->dmarc_result), "%s", result);
	log_info("smtp", s->ws.id_str, "event=dmarc from=%s result=%s policy=%c", st->from_domain,
		 result != NULL ? result : "skipped", policy != 0 ? policy : '-');
	st->dmarc_policy = policy;
	auth_complete_done(s, st, run);
}

/* DMARC after DKIM (its results are an input); false when not started. */
static bool auth_dmarc_start(struct smtp_session *s, struct auth_state *st,
			     struct smtp_check_run *run)
{
	struct smtp_transaction *tx = s->tx;
	struct policy_dmarc_input in = {
		.ip = s->ws.ip, .sigs = st->sigs, .sig_count = st->sig_count,
		.spf_result = st->spf_result[0] != '\0' ? st->spf_result : NULL,
		.spf_domain = st->spf_domain[0] != '\0' ? st->spf_domain : NULL,
	};

	if (!smtp_setting(s, "dmarc_check"))
		return false;
	st->from_domain = dkim_sign_core_from_domain(buffer_data(&tx->body) + tx->header_start,
						     buffer_len(&tx->body) - tx->header_start);
	if (st->from_domain == NULL)
		return false;              /* no single From: address: out of DMARC's scope */
	in.from_domain = st->from_domain;
	st->run = run;
	st->dmarc = policy_dmarc_start(s->worker, auth_timeout(s), &in, auth_dmarc_done, st);
	if (st->dmarc == NULL)
		st->run = NULL;
	return st->dmarc != NULL;
}

static void auth_dkim_done(void *ctx, const struct policy_dkim_sig *sigs, unsigned int count,
			   const char *skipped)
{
	struct auth_state *st = ctx;
	struct smtp_check_run *run;
	struct smtp_session *s;

	policy_dkim_verify_free(&st->dkim);
	s = auth_resume(st, &run);
	if (s == NULL)
		return;
	if (skipped != NULL) {
		/* DMARC without the DKIM results could fail good mail: skip it too */
		log_warning("smtp", s->ws.id_str, "event=dkim_skipped reason=\"%s\"", skipped);
		auth_complete_done(s, st, run);
		return;
	}
	st->sig_count = count;
	if (count > 0)          /* sigs may be NULL for an unsigned message */
		memcpy(st->sigs, sigs, count * sizeof(sigs[0]));
	for (unsigned int i = 0; i < count; i++)
		log_info("smtp", s->ws.id_str, "event=dkim d=%s s=%s result=%s reason=\"%s\"",
			 sigs[i].domain, sigs[i].selector, sigs[i].result, sigs[i].reason);
	st->dkim_record = smtp_setting(s, "dkim_verify") != 0;
	if (!auth_dmarc_start(s, st, run))
		auth_complete_done(s, st, run);
}

static void auth_complete(struct smtp_session *s, struct smtp_check_run *run)
{
	struct auth_state *st = auth_state(s);
	struct smtp_transaction *tx = s->tx;

	st->sig_count = 0;
	st->dkim_record = false;
	st->dmarc_result[0] = '\0';
	st->dmarc_policy = 0;
	free(st->from_domain);
	st->from_domain = NULL;
	if (!smtp_setting(s, "dkim_verify") && !smtp_setting(s, "dmarc_check")) {
		auth_complete_done(s, st, run);
		return;
	}
	st->run = run;
	st->dkim = policy_dkim_verify_start(s->worker, auth_timeout(s),
					    buffer_data(&tx->body) + tx->header_start,
					    buffer_len(&tx->body) - tx->header_start,
					    auth_dkim_done, st);
	if (st->dkim == NULL) {
		st->run = NULL;
		log_warning("smtp", s->ws.id_str, "event=dkim_skipped reason=\"no DNS resolver "
			    "or libopendkim\"");
		auth_complete_done(s, st, run);
	}
}

static void auth_start(struct smtp_session *s, struct smtp_check_run *run)
{
	if (smtp_check_stage(run) == SMTP_STAGE_MAIL)
		auth_mail(s, run);
	else
		auth_complete(s, run);
}

static void auth_session_free(struct smtp_session *s)
{
	struct auth_state *st = s->policy.auth_results;

	if (st == NULL)
		return;
	s->policy.auth_results = NULL;
	policy_spf_free(&st->spf);
	policy_dkim_verify_free(&st->dkim);
	policy_dmarc_free(&st->dmarc);
	if (st->run != NULL)          /* the session is gone: this frees the run */
		smtp_check_done(st->run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	free(st->from_domain);
	free(st);
}

const struct smtp_check smtp_check_auth = {
	.name = "auth",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_MAIL) | SMTP_STAGE_BIT(SMTP_STAGE_COMPLETE),
	.start = auth_start,
	.session_free = auth_session_free,
};
