/*
 * smtp-check-delivery-rules.c — the delivery-time global rules (Tegu
 * model): conditions on a delivered message's Subject/From/To/body/Date/
 * size/spam score, tested once the message is complete, for every local
 * delivery — SMTP and LMTP, submitted mail too, and whitelisted senders
 * (a whitelist skips SMTP checks, not the filing of mail). They run before
 * any per-user filter would.
 *
 * Actions: move files the local copies into a folder instead of INBOX;
 * copy adds a copy in a folder; mark_read, flag and keyword mark the
 * stored copies; reject refuses the message. Rules run in priority order
 * and all that match apply (a later move wins), until a reject.
 */
#include "smtp-checks.h"

#include "log.h"
#include "policy-rules-cache.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "store-imap-message.h"

#include <stdio.h>

/* Largest body text delivery rules search (body conditions). */
#define SMTP_DELIVERY_RULES_BODY_MAX (256 * 1024)

/* Apply one matching rule; true when it rejected the message. */
static bool smtp_delivery_rule_apply(struct smtp_session *s, struct smtp_check_run *run,
				     const struct delivery_rule *rule)
{
	char reason[300];

	smtp_policy_trace(s, "stage=complete delivery_rule=\"%s\" id=%lld action=%s",
			  rule->name, (long long)rule->id, delivery_rule_action_name(rule->action));
	switch (rule->action) {
	case DELIVERY_RULE_MOVE:
		smtp_policy_file_into(s, rule->action_arg);
		break;
	case DELIVERY_RULE_COPY:
		smtp_policy_copy_into(s, rule->action_arg);
		break;
	case DELIVERY_RULE_MARK_READ:
		smtp_policy_mark(s, STORE_FLAG_SEEN, NULL);
		break;
	case DELIVERY_RULE_FLAG:
		smtp_policy_mark(s, STORE_FLAG_FLAGGED, NULL);
		break;
	case DELIVERY_RULE_KEYWORD:
		smtp_policy_mark(s, 0, rule->action_arg);
		break;
	case DELIVERY_RULE_REJECT:
		snprintf(reason, sizeof(reason), "delivery rule %s", rule->name);
		smtp_check_done(run, SMTP_VERDICT_REJECT, rule->action_arg[0] != '\0' ?
				rule->action_arg : "550 5.7.1 Rejected by policy", reason);
		return true;
	}
	return false;
}

static void smtp_check_delivery_rules_start(struct smtp_session *s, struct smtp_check_run *run)
{
	struct smtp_transaction *tx = s->tx;
	unsigned int count, seen = 0;
	const struct delivery_rule *rules = policy_rules_delivery(s->worker->rules, &count);
	struct delivery_rule_message msg;
	struct rule_matcher m;
	bool rejected = false;

	if (count == 0 || tx->target_count == 0) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	rule_matcher_init(&m, (unsigned long)smtp_setting(s, "smtp_rule_regex_match_limit"));
	delivery_rule_message_parse(buffer_data(&tx->body) + tx->header_start,
				    buffer_len(&tx->body) - tx->header_start,
				    SMTP_DELIVERY_RULES_BODY_MAX,
				    settings_get(s->worker->settings, "spam_score_header", 0, 0),
				    &msg);
	for (unsigned int i = 0; i < count && !rejected; i++) {
		bool fired = delivery_rule_matches(&rules[i], &msg, &m);

		smtp_rules_limit_logged(s, &m, &seen, "delivery_rule", rules[i].name);
		if (fired)
			rejected = smtp_delivery_rule_apply(s, run, &rules[i]);
	}
	delivery_rule_message_free(&msg);
	rule_matcher_deinit(&m);
	if (!rejected)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
}

const struct smtp_check smtp_check_delivery_rules = {
	.name = "delivery_rules",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_COMPLETE),
	.delivery = true,
	.start = smtp_check_delivery_rules_start,
};
