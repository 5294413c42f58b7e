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
 *
 * When the answer is that the client's whole network is whitelisted (a
 * known sender, auto-whitelisted after greylist_auto_whitelist passes),
 * the worker remembers it for SMTP_GREYLIST_MEMORY_SECONDS: the next
 * recipients and messages from that client skip the round trip. That is
 * also how long `greylist flush` takes to reach a worker's memory.
 */
#include "smtp-checks.h"

#include "greylist-key.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "store-greylist.h"
#include "strcache.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* Longest address kept in a triplet (RFC 5321: 64 + 1 + 255). */
#define SMTP_GREYLIST_ADDRESS_MAX 321
#define SMTP_GREYLIST_MEMORY_SECONDS 60.
#define SMTP_GREYLIST_MEMORY_ENTRIES 10000

/* This worker process's memory of clients whose network is whitelisted,
   keyed "ip/v4 prefix/v6 prefix" (the prefixes may differ per recipient
   domain); the values only mark presence. */
static struct strcache *smtp_greylist_memory;

static void smtp_greylist_memory_key(const struct smtp_session *s, char *key, size_t size)
{
	const struct settings_cache *set = s->worker->settings;
	int64_t domain_id = smtp_policy_rcpt_domain_id(s);

	snprintf(key, size, "%s/%lld/%lld", s->ws.ip,
		 settings_get_number(set, "greylist_ipv4_prefix", domain_id, 0),
		 settings_get_number(set, "greylist_ipv6_prefix", domain_id, 0));
}

static bool smtp_greylist_remembered(const struct smtp_session *s)
{
	char key[128];

	if (smtp_greylist_memory == NULL)
		return false;
	smtp_greylist_memory_key(s, key, sizeof(key));
	return strcache_get(smtp_greylist_memory, key, ev_now(s->worker->loop),
			    SMTP_GREYLIST_MEMORY_SECONDS) != NULL;
}

static void smtp_greylist_remember(const struct smtp_session *s)
{
	char key[128];

	if (smtp_greylist_memory == NULL)
		smtp_greylist_memory = strcache_new(free);
	smtp_greylist_memory_key(s, key, sizeof(key));
	strcache_put(smtp_greylist_memory, key, xcalloc(1, 1), ev_now(s->worker->loop),
		     SMTP_GREYLIST_MEMORY_ENTRIES);
}

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
	metrics_count_greylist(s->worker, verdict);
	if (verdict == GREYLIST_NETWORK_WHITELISTED)
		smtp_greylist_remember(s);
	if (greylist_verdict_passes(verdict)) {
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
	if (smtp_greylist_remembered(s)) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, "network-whitelisted");
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
