/*
 * smtp-check-rules.c — the staged SMTP rules check (Traffic Inspector
 * model).
 *
 * At each stage the worker's compiled rules of that stage run in order
 * against what the session knows then (lib-policy/smtp-rule.h). accept,
 * reject, tempfail and discard end the check with that verdict; weight,
 * add_header, tag_subject and redirect change the transaction and the
 * next rule runs. Weights given before MAIL count for every transaction
 * of the session. At Complete the total weight is compared with
 * smtp_rule_weight_threshold: reject, or tag the Subject and add
 * X-Spam-Flag: YES (smtp_rule_weight_action). The delivery-time global
 * rules are smtp-check-delivery-rules.c.
 */
#include "smtp-checks.h"

#include "log.h"
#include "policy-dns.h"
#include "policy-rules-cache.h"
#include "rfc822-header.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)SMTP_RULE_STAGE_COMPLETE == (int)SMTP_STAGE_COMPLETE &&
	       (int)SMTP_RULE_STAGE_CONNECT == (int)SMTP_STAGE_CONNECT,
	       "lib-policy's rule stages follow the session's");

/* What the rules keep per session (s->policy.rules). */
struct smtp_rules_session {
	long long weight;        /* given at CONNECT/HELO, before any transaction */
	char *client_name;       /* the client's PTR name ("" none), when a rule needs it */
};

static struct smtp_rules_session *smtp_rules_session(struct smtp_session *s)
{
	if (s->policy.rules == NULL)
		s->policy.rules = xcalloc(1, sizeof(struct smtp_rules_session));
	return s->policy.rules;
}

static void smtp_rules_facts(const struct smtp_session *s, enum smtp_stage stage,
			     const char **rcpt, struct smtp_rule_facts *f)
{
	const struct smtp_transaction *tx = s->tx;

	memset(f, 0, sizeof(*f));
	f->client_ip = s->ws.ip;
	if (s->policy.rules != NULL)
		f->client_name = ((const struct smtp_rules_session *)s->policy.rules)->client_name;
	f->helo = s->helo;
	f->size = -1;
	if (tx == NULL)
		return;
	f->sender = tx->mail_from;
	if (tx->declared_size > 0)
		f->size = (long long)tx->declared_size;
	if (stage == SMTP_STAGE_RCPT) {
		*rcpt = smtp_policy_rcpt(s);
		f->recipients = rcpt;
		f->recipient_count = *rcpt != NULL;
	} else {
		f->recipients = (const char *const *)tx->rcpts;
		f->recipient_count = tx->rcpt_count;
	}
	if (stage >= SMTP_STAGE_HEADERS) {
		const unsigned char *msg = buffer_data(&tx->body) + tx->header_start;
		size_t len = buffer_len(&tx->body) - tx->header_start;

		f->size = (long long)len;
		f->header = msg;
		f->header_size = rfc822_header_size(msg, len);
	}
}

/* Apply an action that lets the next rule run. */
static void smtp_rules_change(struct smtp_session *s, const struct smtp_rule *rule)
{
	const char *arg = rule->action_arg, *colon;
	char *name;

	switch (rule->action) {
	case SMTP_RULE_WEIGHT:
		if (s->tx != NULL)
			smtp_policy_add_weight(s, rule->weight);
		else
			smtp_rules_session(s)->weight += rule->weight;
		break;
	case SMTP_RULE_ADD_HEADER:
		colon = strchr(arg, ':');
		name = xstrndup(arg, (size_t)(colon - arg));
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		smtp_policy_add_header(s, name, colon);
		free(name);
		break;
	case SMTP_RULE_TAG_SUBJECT:
		smtp_policy_tag_subject(s, arg);
		break;
	case SMTP_RULE_REDIRECT:
		smtp_policy_redirect(s, arg);
		break;
	default:
		break;
	}
}

/* End the check with a rule's final action; false for the others. */
static bool smtp_rules_finish(struct smtp_check_run *run, const struct smtp_rule *rule)
{
	char reason[300];
	const char *arg = rule->action_arg[0] != '\0' ? rule->action_arg : NULL;

	snprintf(reason, sizeof(reason), "rule %s", rule->name);
	switch (rule->action) {
	case SMTP_RULE_ACCEPT:
		smtp_check_done(run, SMTP_VERDICT_ACCEPT, NULL, reason);
		return true;
	case SMTP_RULE_REJECT:
		smtp_check_done(run, SMTP_VERDICT_REJECT,
				arg != NULL ? arg : "550 5.7.1 Rejected by policy", reason);
		return true;
	case SMTP_RULE_TEMPFAIL:
		smtp_check_done(run, SMTP_VERDICT_TEMPFAIL,
				arg != NULL ? arg : "451 4.7.1 Try again later", reason);
		return true;
	case SMTP_RULE_DISCARD:
		smtp_check_done(run, SMTP_VERDICT_DISCARD, NULL, reason);
		return true;
	default:
		return false;
	}
}

void smtp_rules_limit_logged(struct smtp_session *s, struct rule_matcher *m,
			     unsigned int *seen, const char *kind, const char *name)
{
	if (m->limit_hits == *seen)
		return;
	*seen = m->limit_hits;
	log_warning("smtp", s->ws.id_str, "event=rule_regex_limit %s=\"%s\" result=no_match",
		    kind, name);
}

/* The stage's SMTP rules; true when one ended the check. */
static bool smtp_rules_run_stage(struct smtp_session *s, struct smtp_check_run *run,
				 struct rule_matcher *m)
{
	enum smtp_stage stage = smtp_check_stage(run);
	const struct smtp_rule *rules;
	unsigned int count, seen = 0;
	struct smtp_rule_facts facts;
	const char *rcpt = NULL;

	rules = policy_rules_smtp(s->worker->rules, &count);
	smtp_rules_facts(s, stage, &rcpt, &facts);
	for (unsigned int i = 0; i < count; i++) {
		const struct smtp_rule *rule = &rules[i];
		bool fired;

		if ((int)rule->stage != (int)stage)
			continue;
		fired = smtp_rule_matches(rule, &facts, m);
		smtp_rules_limit_logged(s, m, &seen, "rule", rule->name);
		if (!fired)
			continue;
		smtp_policy_trace(s, "stage=%s rule=\"%s\" id=%lld action=%s",
				  smtp_stage_name(stage), rule->name, (long long)rule->id,
				  smtp_rule_action_name(rule->action));
		if (smtp_rules_finish(run, rule))
			return true;
		smtp_rules_change(s, rule);
	}
	return false;
}

/* The weight verdict at Complete; true when it refused the message. */
static bool smtp_rules_weigh(struct smtp_session *s, struct smtp_check_run *run)
{
	long long total = s->tx->policy.weight + smtp_rules_session(s)->weight;
	long long threshold = smtp_setting(s, "smtp_rule_weight_threshold");
	const char *action = settings_get(s->worker->settings, "smtp_rule_weight_action", 0, 0);
	char reason[96];

	if (total < threshold)
		return false;
	snprintf(reason, sizeof(reason), "rule weight %lld >= %lld", total, threshold);
	smtp_policy_trace(s, "stage=complete weight=%lld threshold=%lld action=%s", total,
			  threshold, action);
	if (strcmp(action, "tag") == 0) {
		smtp_policy_tag_subject(s, settings_get(s->worker->settings,
							"smtp_rule_subject_tag", 0, 0));
		smtp_policy_add_header(s, "X-Spam-Flag", "YES");
		return false;
	}
	smtp_check_done(run, SMTP_VERDICT_REJECT, "550 5.7.1 Message rejected as spam", reason);
	return true;
}

static void smtp_check_rules_evaluate(struct smtp_session *s, struct smtp_check_run *run)
{
	struct rule_matcher m;
	bool done;

	rule_matcher_init(&m, (unsigned long)smtp_setting(s, "smtp_rule_regex_match_limit"));
	done = smtp_rules_run_stage(s, run, &m);
	if (!done && smtp_check_stage(run) == SMTP_STAGE_COMPLETE)
		done = smtp_rules_weigh(s, run);
	rule_matcher_deinit(&m);
	if (!done)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
}

struct smtp_rules_ptr {
	struct smtp_check_run *run;
	struct policy_dns_batch *batch;
	char *name;
};

static void smtp_rules_ptr_answer(void *ctx, enum dns_result result, const char *error,
				  const char *const *records, unsigned int count)
{
	struct smtp_rules_ptr *p = ctx;

	if (result == DNS_OK && count > 0)
		p->name = xstrdup(records[0]);
}

static void smtp_rules_ptr_done(void *ctx, bool timed_out)
{
	struct smtp_rules_ptr *p = ctx;
	struct smtp_session *s = smtp_check_session(p->run);

	policy_dns_batch_free(&p->batch);
	if (s == NULL) {
		smtp_check_done(p->run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	} else {
		if (timed_out)
			log_info("smtp", s->ws.id_str, "event=client_name_skipped reason=timeout");
		smtp_rules_session(s)->client_name = p->name != NULL ? p->name : xstrdup("");
		p->name = NULL;
		smtp_check_rules_evaluate(s, p->run);
	}
	free(p->name);
	free(p);
}

/* Look the client's PTR name up; an address without one (or a failed
   lookup) has the empty name. */
static bool smtp_rules_lookup_client_name(struct smtp_session *s, struct smtp_check_run *run)
{
	struct smtp_rules_ptr *p = xcalloc(1, sizeof(*p));
	const char *error;
	char name[128];

	p->run = run;
	p->batch = policy_dns_batch_new(s->worker, (double)smtp_setting(s, "policy_dns_timeout"),
					smtp_rules_ptr_done, p, &error);
	if (p->batch == NULL ||
	    dns_reverse_name(s->ws.ip, strchr(s->ws.ip, ':') != NULL ? "ip6.arpa" : "in-addr.arpa",
			     name, sizeof(name)) < 0) {
		policy_dns_batch_free(&p->batch);
		free(p);
		return false;
	}
	policy_dns_batch_add(p->batch, name, DNS_RR_PTR, smtp_rules_ptr_answer, p);
	policy_dns_batch_wait(p->batch);
	return true;
}

static void smtp_check_rules_start(struct smtp_session *s, struct smtp_check_run *run)
{
	if (smtp_check_stage(run) == SMTP_STAGE_CONNECT &&
	    policy_rules_need_client_name(s->worker->rules) &&
	    smtp_rules_lookup_client_name(s, run))
		return;
	smtp_check_rules_evaluate(s, run);
}

static void smtp_check_rules_session_free(struct smtp_session *s)
{
	struct smtp_rules_session *rs = s->policy.rules;

	if (rs != NULL)
		free(rs->client_name);
	free(rs);
	s->policy.rules = NULL;
}

const struct smtp_check smtp_check_rules = {
	.name = "rules",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_CONNECT) | SMTP_STAGE_BIT(SMTP_STAGE_HELO) |
		  SMTP_STAGE_BIT(SMTP_STAGE_MAIL) | SMTP_STAGE_BIT(SMTP_STAGE_RCPT) |
		  SMTP_STAGE_BIT(SMTP_STAGE_HEADERS) | SMTP_STAGE_BIT(SMTP_STAGE_COMPLETE),
	.start = smtp_check_rules_start,
	.session_free = smtp_check_rules_session_free,
};
