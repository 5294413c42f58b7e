/*
 * smtp-cmd-rcpt.c — RCPT TO: the recipient is resolved in PostgreSQL
 * (accounts, aliases, sub-addresses, catch-alls) while the session waits,
 * then accepted with its target mailboxes or refused with the reason.
 * VRFY, when enabled, asks the same question.
 *
 * A domain we do not serve is relaying: accepted only from a client that
 * authenticated or is in trusted_networks, and then queued for remote
 * delivery; alias targets outside our domains are queued too. Nothing in
 * the local part routes mail ('%', '!', quoted '@' are just characters of
 * a local mailbox name that does not exist), so the classic open-relay
 * tricks all end as "unknown user" or "relay access denied".
 */
#include "smtp-session-private.h"

#include "log.h"
#include "metrics.h"
#include "netlist.h"
#include "rcpt-cache.h"
#include "settings.h"
#include "store-rcpt.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void smtp_rcpt_lookup(struct smtp_session *s, const char *address,
			     store_rcpt_callback_t *callback)
{
	const struct settings_cache *settings = s->worker->settings;

	smtp_wait_begin(s);
	store_rcpt_resolve(s->worker->pool, address,
			   settings_get(settings, "recipient_delimiter", 0, 0),
			   (int)settings_get_number(settings, "alias_max_depth", 0, 0),
			   callback, session_ticket_new(&s->ws));
}

bool smtp_relay_allowed(const struct smtp_session *s)
{
	const char *error;
	int ret;

	if (s->lmtp)
		return false;
	if (s->user != NULL)
		return true;
	ret = netlist_contains(settings_get(s->worker->settings, "trusted_networks", 0, 0),
			       s->ws.ip, &error);
	if (ret < 0)
		log_warning("smtp", s->ws.id_str, "event=bad_setting name=trusted_networks "
			    "error=\"%s\"", error);
	return ret > 0;
}

void smtp_rcpt_add_remote(struct smtp_transaction *tx, const char *address)
{
	for (unsigned int i = 0; i < tx->remote_count; i++) {
		if (strcmp(tx->remote_rcpts[i], address) == 0)
			return;
	}
	tx->remote_rcpts = xrealloc(tx->remote_rcpts, (tx->remote_count + 1) * sizeof(char *));
	tx->remote_rcpts[tx->remote_count++] = xstrdup(address);
}

void smtp_rcpt_add_target(struct smtp_transaction *tx, const struct store_rcpt_target *t)
{
	for (unsigned int i = 0; i < tx->target_count; i++) {
		if (tx->mailbox_ids[i] == t->mailbox_id && tx->account_ids[i] == t->account_id)
			return;
	}
	if (tx->target_count == tx->target_alloc) {
		tx->target_alloc = tx->target_alloc == 0 ? 4 : tx->target_alloc * 2;
		tx->account_ids = xrealloc(tx->account_ids, tx->target_alloc * sizeof(int64_t));
		tx->mailbox_ids = xrealloc(tx->mailbox_ids, tx->target_alloc * sizeof(int64_t));
	}
	tx->account_ids[tx->target_count] = t->account_id;
	tx->mailbox_ids[tx->target_count++] = t->mailbox_id;
}

/* Whether the sender may write to a list that rejects external senders:
   it authenticated, or its address is of the list's domain. */
static bool smtp_rcpt_sender_internal(const struct smtp_session *s, const char *rcpt)
{
	const char *from = s->tx->mail_from != NULL ? strrchr(s->tx->mail_from, '@') : NULL;
	const char *list = strrchr(rcpt, '@');

	return s->user != NULL || (from != NULL && list != NULL && strcasecmp(from, list) == 0);
}

/* The refusal for a resolved recipient, or NULL when it can be accepted. */
static const char *smtp_rcpt_refusal(struct smtp_session *s, const struct store_rcpt_target *t,
				     unsigned int count, char *buf, size_t size)
{
	const char *addr = s->tx->pending_rcpt;

	switch (t[0].kind) {
	case STORE_RCPT_NODOMAIN:
		if (!smtp_relay_allowed(s))
			snprintf(buf, size, "554 5.7.1 <%s>: Relay access denied", addr);
		else if (strchr(addr, '[') != NULL)
			/* no MX to look up; an IP literal also bypasses routing policy */
			snprintf(buf, size, "550 5.1.2 <%s>: Address literals are not relayed",
				 addr);
		else
			return NULL;
		return buf;
	case STORE_RCPT_UNKNOWN:
		snprintf(buf, size, "550 5.1.1 <%s>: Recipient address rejected: User unknown", addr);
		return buf;
	case STORE_RCPT_LOOP:
		snprintf(buf, size, "550 5.4.6 <%s>: Alias expansion loop", addr);
		return buf;
	default:
		break;
	}
	if (t[0].reject_external && !smtp_rcpt_sender_internal(s, addr)) {
		snprintf(buf, size, "550 5.7.1 <%s>: This list accepts mail from internal senders only",
			 addr);
		return buf;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (t[i].kind != STORE_RCPT_ACCOUNT)
			continue;
		uint64_t need = s->tx->declared_size;

		if (t[i].quota_bytes > 0 &&
		    (t[i].used_bytes >= t[i].quota_bytes ||
		     (uint64_t)t[i].used_bytes + need > (uint64_t)t[i].quota_bytes)) {
			bool permanent = settings_get_bool(s->worker->settings,
							   "quota_exceeded_permanent",
							   t[i].domain_id, t[i].account_id);

			snprintf(buf, size, "%s <%s>: Mailbox full",
				 permanent ? "552 5.2.2" : "452 4.2.2", addr);
			return buf;
		}
	}
	return NULL;
}

/* The RcptTo checks' verdict on a verified recipient: accepted, or its
   targets (added tentatively before the checks) taken back. */
static void smtp_rcpt_checked(struct smtp_session *s, enum smtp_verdict verdict,
			      const char *reply)
{
	struct smtp_transaction *tx = s->tx;

	if (smtp_verdict_refuses(verdict)) {
		for (unsigned int i = tx->pending_remote_mark; i < tx->remote_count; i++)
			free(tx->remote_rcpts[i]);
		tx->remote_count = tx->pending_remote_mark;
		tx->target_count = tx->pending_target_mark;
		smtp_reply(s, "%s", reply);
	} else {
		tx->rcpts = xrealloc(tx->rcpts, (tx->rcpt_count + 1) * sizeof(char *));
		tx->rcpts[tx->rcpt_count++] = tx->pending_rcpt;
		tx->pending_rcpt = NULL;
		smtp_set_state(s, SMTP_STATE_RCPT);
		smtp_reply(s, "250 2.1.5 Ok");
	}
	free(tx->pending_rcpt);
	tx->pending_rcpt = NULL;
}

/* Take the verified recipient's targets into the transaction (new ones
   are at the end: the checks' refusal can take them back) and run the
   RcptTo checks. */
static void smtp_rcpt_accept(struct smtp_session *s, const struct store_rcpt_target *targets,
			     unsigned int count)
{
	struct smtp_transaction *tx = s->tx;

	tx->pending_target_mark = tx->target_count;
	tx->pending_remote_mark = tx->remote_count;
	tx->pending_domain_id = 0;
	tx->pending_account_id = 0;
	for (unsigned int i = 0; i < count; i++) {
		if (targets[i].kind == STORE_RCPT_ACCOUNT) {
			smtp_rcpt_add_target(tx, &targets[i]);
			if (tx->pending_account_id == 0) {
				tx->pending_domain_id = targets[i].domain_id;
				tx->pending_account_id = targets[i].account_id;
			}
		} else if (targets[i].kind == STORE_RCPT_REMOTE) {
			smtp_rcpt_add_remote(tx, targets[i].address);
		} else if (targets[i].kind == STORE_RCPT_NODOMAIN) {
			smtp_rcpt_add_remote(tx, tx->pending_rcpt);
		}
	}
	smtp_policy_run(s, SMTP_STAGE_RCPT, smtp_rcpt_checked);
}

/* Answer the pending RCPT from its lookup result. */
static void smtp_rcpt_decide(struct smtp_session *s, const struct store_rcpt_target *targets,
			     unsigned int count, const char *error)
{
	struct smtp_transaction *tx = s->tx;
	char buf[700];
	const char *refusal;

	if (error != NULL || count == 0) {
		log_error("smtp", s->ws.id_str, "event=rcpt_lookup_failed error=\"%s\"",
			  error != NULL ? error : "no rows");
		smtp_reply(s, "451 4.3.0 <%s>: Temporary lookup failure", tx->pending_rcpt);
	} else if ((refusal = smtp_rcpt_refusal(s, targets, count, buf, sizeof(buf))) != NULL) {
		log_info("smtp", s->ws.id_str, "event=rcpt_rejected to=<%s> reply=\"%s\"",
			 tx->pending_rcpt, refusal);
		metrics_count_reject(s->worker, s->ws.kind, METRICS_STAGE_RCPT, refusal[0] == '4');
		smtp_reply(s, "%s", refusal);
	} else {
		smtp_rcpt_accept(s, targets, count);
		return;
	}
	free(tx->pending_rcpt);
	tx->pending_rcpt = NULL;
}

static void smtp_rcpt_resolved(void *ctx, const struct store_rcpt_target *targets,
			       unsigned int count, const char *error)
{
	struct smtp_session *s = smtp_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (error == NULL && count > 0)
		rcpt_cache_put(s->worker->rcpt_cache, s->tx->pending_rcpt, targets, count,
			       ev_now(s->worker->loop),
			       smtp_setting(s, "recipient_cache_size"));
	smtp_wait_end(s);     /* before the RcptTo checks, which may wait again */
	smtp_rcpt_decide(s, targets, count, error);
	smtp_session_process(s);
}

/* RFC 5321 4.5.1: <Postmaster> without a domain must be accepted. */
static const char *smtp_rcpt_path(struct smtp_session *s, const char *path, char *buf,
				  size_t size)
{
	if (strcasecmp(path, "postmaster") != 0)
		return path;
	snprintf(buf, size, "postmaster@%s", smtp_hostname(s));
	return buf;
}

void smtp_cmd_rcpt(struct smtp_session *s, struct smtp_command *cmd)
{
	struct smtp_transaction *tx = s->tx;
	char address[512], postmaster[300];
	const struct store_rcpt_target *cached;
	unsigned int count;
	const char *error;

	if (cmd->path == NULL) {
		smtp_reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (cmd->param_count > 0) {
		smtp_reply(s, "555 5.5.4 Unsupported RCPT parameter");
		return;
	}
	if (tx->rcpt_count >= smtp_setting(s, "smtp_max_recipients")) {
		smtp_reply(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (smtp_address_normalize(smtp_rcpt_path(s, cmd->path, postmaster, sizeof(postmaster)),
				   tx->utf8, false, false, address, sizeof(address), &error) < 0) {
		smtp_reply(s, "%s", error);
		return;
	}
	tx->pending_rcpt = xstrdup(address);
	cached = rcpt_cache_get(s->worker->rcpt_cache, address, ev_now(s->worker->loop),
				smtp_setting(s, "recipient_cache_ttl"), &count);
	if (cached != NULL)
		smtp_rcpt_decide(s, cached, count, NULL);
	else
		smtp_rcpt_lookup(s, address, smtp_rcpt_resolved);
}

static void smtp_vrfy_resolved(void *ctx, const struct store_rcpt_target *targets,
			       unsigned int count, const char *error)
{
	struct smtp_session *s = smtp_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (error != NULL || count == 0)
		smtp_reply(s, "451 4.3.0 Temporary lookup failure");
	else if (targets[0].kind == STORE_RCPT_ACCOUNT)
		smtp_reply(s, "250 2.1.5 <%s>", targets[0].address);
	else
		smtp_reply(s, "550 5.1.1 User unknown");
	smtp_wait_end(s);
	smtp_session_process(s);
}

void smtp_cmd_vrfy(struct smtp_session *s, struct smtp_command *cmd)
{
	char address[512], path[512];
	const char *error;
	size_t len = strlen(cmd->arg);

	if (!settings_get_bool(s->worker->settings, "smtp_vrfy_enabled", 0, 0)) {
		/* No address harvesting: RFC 5321 3.5.3's non-committal answer. */
		smtp_reply(s, "252 2.5.2 Cannot VRFY user, but will accept message and attempt "
			   "delivery");
		return;
	}
	/* VRFY takes "user@domain" or "<user@domain>" */
	if (len >= 2 && cmd->arg[0] == '<' && cmd->arg[len - 1] == '>')
		snprintf(path, sizeof(path), "%.*s", (int)(len - 2), cmd->arg + 1);
	else
		snprintf(path, sizeof(path), "%s", cmd->arg);
	if (smtp_address_normalize(path, true, false, false, address, sizeof(address),
				   &error) < 0) {
		smtp_reply(s, "501 5.1.3 Syntax: VRFY user@domain");
		return;
	}
	smtp_rcpt_lookup(s, address, smtp_vrfy_resolved);
}
