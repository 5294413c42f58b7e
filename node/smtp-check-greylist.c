/*
 * smtp-check-greylist.c — greylisting at RCPT (after recipient
 * verification, so only real local recipients count): the triplet
 * (client network, sender, recipient) seen for the first time, or retried
 * before greylist_delay, gets "451 4.7.1"; a retry within
 * greylist_retry_window passes and is whitelisted. State is in PostgreSQL
 * (petrel_greylist_check(), one upsert), so a client may retry through
 * any node.
 *
 * greylist_enable is read for the recipient's domain; senders in
 * greylist_ignore_sender_domains skip. The null sender is the triplet's
 * empty sender (as Postgrey does). A failed lookup lets the recipient
 * through (logged): greylisting only delays, it must never lose mail.
 */
#include "smtp-checks.h"

#include "greylist-key.h"
#include "log.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "store-greylist.h"

#include <stdio.h>

/* Longest address kept in a triplet (RFC 5321: 64 + 1 + 255). */
#define SMTP_GREYLIST_ADDRESS_MAX 321

static void smtp_check_greylist_reply(void *ctx, const char *error, const char *text)
{
	struct smtp_check_run *run = ctx;
	struct smtp_session *s = smtp_check_session(run);
	enum greylist_verdict verdict = GREYLIST_PASS;
	unsigned int wait = 0;
	char reply[512];

	if (s == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	if (error == NULL && greylist_verdict_parse(text, &verdict, &wait) < 0)
		error = "unexpected verdict";
	if (error != NULL) {
		log_warning("smtp", s->ws.id_str, "event=greylist_failed error=\"%s\"", error);
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "greylist lookup failed");
		return;
	}
	if (verdict == GREYLIST_PASS || verdict == GREYLIST_WHITELISTED) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, text);
		return;
	}
	snprintf(reply, sizeof(reply), "451 4.7.1 <%.320s>: Greylisted, try again in %u seconds",
		 smtp_policy_rcpt(s), wait);
	smtp_check_done(run, SMTP_VERDICT_TEMPFAIL, reply,
			verdict == GREYLIST_NEW ? "greylisted: new" : "greylisted: too early");
}

static void smtp_check_greylist_start(struct smtp_session *s, struct smtp_check_run *run)
{
	const struct settings_cache *set = s->worker->settings;
	int64_t domain_id = smtp_policy_rcpt_domain_id(s);
	char sender[SMTP_GREYLIST_ADDRESS_MAX + 1], rcpt[SMTP_GREYLIST_ADDRESS_MAX + 1];
	struct store_greylist_query q;

	if (!settings_get_bool(set, "greylist_enable", domain_id, 0) || s->ws.ip[0] == '\0') {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	if (greylist_sender_ignored(settings_get(set, "greylist_ignore_sender_domains",
						 domain_id, 0), s->tx->mail_from)) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "sender domain ignored");
		return;
	}
	if (greylist_address_key(s->tx->mail_from, sender, sizeof(sender)) == NULL ||
	    greylist_address_key(smtp_policy_rcpt(s), rcpt, sizeof(rcpt)) == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "address too long");
		return;
	}
	q = (struct store_greylist_query){
		.ip = s->ws.ip, .sender = sender, .recipient = rcpt,
		.v4_prefix = (int)settings_get_number(set, "greylist_ipv4_prefix", domain_id, 0),
		.v6_prefix = (int)settings_get_number(set, "greylist_ipv6_prefix", domain_id, 0),
		.delay = settings_get_number(set, "greylist_delay", domain_id, 0),
		.window = settings_get_number(set, "greylist_retry_window", domain_id, 0),
		.lifetime = settings_get_number(set, "greylist_lifetime", domain_id, 0),
		.auto_whitelist = (int)settings_get_number(set, "greylist_auto_whitelist",
							   domain_id, 0),
	};
	store_greylist_check(s->worker->pool, &q, smtp_check_greylist_reply, run);
}

const struct smtp_check smtp_check_greylist = {
	.name = "greylist",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_RCPT),
	.start = smtp_check_greylist_start,
};
