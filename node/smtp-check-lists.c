/*
 * smtp-check-lists.c — the first checks of the inbound pipeline: bans and
 * the white/black lists, both kept in PostgreSQL so every node decides
 * alike.
 *
 *   bans   CONNECT: a client address banned for failed logins (on any
 *          node) is refused with 554, even a trusted or relaying one.
 *   lists  CONNECT (client address) and MAIL (sender): a white entry
 *          accepts (skips every later check: for the session at CONNECT,
 *          for the transaction at MAIL), a black one refuses.
 *
 * A failed lookup lets the client through (logged): the lists and bans
 * only keep unwanted clients out, they never protect stored data. When
 * no list entry (of the kind tested) or ban exists, no lookup is made;
 * while no regex entry exists, the lists are matched in the worker's
 * copy (node/policy-rules-cache.c), without a round trip.
 */
#include "smtp-checks.h"

#include "log.h"
#include "policy-rules-cache.h"
#include "smtp-session-private.h"
#include "store-policy-lists.h"

#include <stdio.h>

static void smtp_check_bans_reply(void *ctx, const char *error, const char *reason,
				  const char *expires_at)
{
	struct smtp_check_run *run = ctx;
	struct smtp_session *s = smtp_check_session(run);
	char why[256];

	if (s != NULL && error != NULL)
		log_warning("smtp", s->ws.id_str, "event=ban_check_failed error=\"%s\"", error);
	if (s == NULL || error != NULL || reason == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	snprintf(why, sizeof(why), "banned until %s: %s", expires_at, reason);
	smtp_check_done(run, SMTP_VERDICT_REJECT,
			"554 5.7.1 Your address is banned for failed logins, try later", why);
}

static void smtp_check_bans_start(struct smtp_session *s, struct smtp_check_run *run)
{
	/* not an IP client, or no ban anywhere */
	if (s->ws.ip[0] == '\0' || !policy_rules_presence(s->worker->rules)->bans) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	store_ban_check(s->worker->pool, s->ws.ip, smtp_check_bans_reply, run);
}

const struct smtp_check smtp_check_bans = {
	.name = "bans",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_CONNECT),
	.for_relay_clients = true,
	.start = smtp_check_bans_start,
};

static void smtp_check_lists_refuse(struct smtp_session *s, struct smtp_check_run *run,
				    const char *why)
{
	char reply[512];

	if (smtp_check_stage(run) == SMTP_STAGE_CONNECT)
		snprintf(reply, sizeof(reply), "554 5.7.1 Client address %s is blacklisted",
			 s->ws.ip);
	else
		snprintf(reply, sizeof(reply), "550 5.7.1 Sender address <%.320s> is blacklisted",
			 s->tx->mail_from);
	smtp_check_done(run, SMTP_VERDICT_REJECT, reply, why);
}

/* The verdict of the deciding entry (white: accept, black: refuse). */
static void smtp_check_lists_decide(struct smtp_session *s, struct smtp_check_run *run,
				    bool white, const char *type, const char *value)
{
	char why[640];

	snprintf(why, sizeof(why), "%slist %s %s", white ? "white" : "black", type, value);
	if (white)
		smtp_check_done(run, SMTP_VERDICT_ACCEPT, NULL, why);
	else
		smtp_check_lists_refuse(s, run, why);
}

static void smtp_check_lists_reply(void *ctx, const char *error,
				   const struct store_policy_match *match)
{
	struct smtp_check_run *run = ctx;
	struct smtp_session *s = smtp_check_session(run);

	if (s != NULL && error != NULL)
		log_warning("smtp", s->ws.id_str, "event=list_check_failed error=\"%s\"", error);
	if (s == NULL || match == NULL)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	else
		smtp_check_lists_decide(s, run, match->kind[0] == 'w', match->type, match->value);
}

static void smtp_check_lists_start(struct smtp_session *s, struct smtp_check_run *run)
{
	bool connect = smtp_check_stage(run) == SMTP_STAGE_CONNECT;
	const struct store_policy_presence *present = policy_rules_presence(s->worker->rules);
	const char *ip = connect ? s->ws.ip : NULL, *sender = connect ? NULL : s->tx->mail_from;
	const struct policy_list_entry *entries, *match;
	unsigned int count;

	if (connect ? s->ws.ip[0] == '\0' || !present->ip_lists : !present->sender_lists) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	if (present->regex_lists) {     /* PostgreSQL's regex dialect: ask it */
		store_policy_lists_lookup(s->worker->pool, ip, sender, smtp_check_lists_reply, run);
		return;
	}
	entries = policy_rules_lists(s->worker->rules, &count);
	match = policy_list_match(entries, count, ip, sender);
	if (match == NULL)
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
	else
		smtp_check_lists_decide(s, run, match->white, policy_list_type_name(match->type),
					match->value);
}

const struct smtp_check smtp_check_lists = {
	.name = "lists",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_CONNECT) | SMTP_STAGE_BIT(SMTP_STAGE_MAIL),
	.start = smtp_check_lists_start,
};
