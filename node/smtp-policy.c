/*
 * smtp-policy.c — the inbound policy pipeline (see smtp-policy.h): the
 * table of checks in the order they run, the runner that walks it at one
 * stage, verdict handling (block log, rule trace) and the changes checks
 * make to the transaction.
 *
 * One run walks the table for one stage. A check that answers at once
 * (smtp_check_done inside start) is followed by the next in the same
 * loop; one that answers later resumes the walk from its callback. The
 * session waits (input paused) from the first check to the verdict.
 */
#include "smtp-policy.h"

#include "log.h"
#include "message-edit.h"
#include "metrics.h"
#include "settings.h"
#include "smtp-checks.h"
#include "smtp-session-private.h"
#include "store-block-log.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the order they run: refusals that need no work first, then the ones
   that cost DNS lookups, rules, greylisting (so a rule can accept before
   it), milters, and the message checks that need the whole body. */
static const struct smtp_check *const smtp_policy_checks[] = {
	/* bans and lists */
	&smtp_check_bans, &smtp_check_lists,
	/* DNSBL */
	&smtp_check_dnsbl,
	/* SPF, DKIM, DMARC */
	&smtp_check_auth,
	/* SMTP rules */
	&smtp_check_rules,
	/* greylisting */
	&smtp_check_greylist,
	/* milters */
	&smtp_check_milter,
	/* delivery-time rules: every delivery, LMTP too */
	&smtp_check_delivery_rules,
	NULL
};

static const char *const smtp_stage_names[SMTP_STAGE_COUNT] = {
	"connect", "helo", "mail", "rcpt", "headers", "complete",
};

static const char *const smtp_verdict_names[] = {
	"continue", "accept", "reject", "tempfail", "discard",
};

struct smtp_check_run {
	struct session_ticket *ticket;     /* while a check is out */
	enum smtp_stage stage;
	unsigned int index;                /* the check running */
	smtp_policy_callback_t *callback;
	bool starting;                     /* inside a check's start() */
	bool answered;                     /* the check has called done */
	bool async;                        /* smtp_policy_run has returned */
	bool finished;
	bool relay_client;                 /* may relay: checked once per run */
	enum smtp_verdict verdict;
	char reply[512];
};

const char *smtp_stage_name(enum smtp_stage stage)
{
	return stage < SMTP_STAGE_COUNT ? smtp_stage_names[stage] : "?";
}

enum smtp_stage smtp_check_stage(const struct smtp_check_run *run)
{
	return run->stage;
}

struct smtp_session *smtp_check_session(struct smtp_check_run *run)
{
	struct smtp_session *s;

	if (run->ticket == NULL)
		return NULL;
	s = smtp_session_from_ticket(run->ticket);
	run->ticket = s != NULL ? session_ticket_new(&s->ws) : NULL;
	return s;
}

static bool smtp_policy_stage_has_tx(enum smtp_stage stage)
{
	return stage >= SMTP_STAGE_MAIL;
}

static bool smtp_policy_applies(struct smtp_session *s, const struct smtp_check *check,
				const struct smtp_check_run *run)
{
	enum smtp_stage stage = run->stage;

	if ((check->stages & SMTP_STAGE_BIT(stage)) == 0)
		return false;
	if (check->delivery)
		return true;
	if (s->lmtp || s->policy.accepted)
		return false;
	if (smtp_policy_stage_has_tx(stage) && s->tx != NULL && s->tx->policy.accepted)
		return false;
	return check->for_relay_clients || !run->relay_client;
}

void smtp_policy_trace(struct smtp_session *s, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	if (!s->policy.trace)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_info("smtp", s->ws.id_str, "event=policy_trace %s", text);
}

static void smtp_policy_block_log(struct smtp_session *s, const struct smtp_check_run *run,
				  const char *reason)
{
	struct store_block_entry e = {
		.node_id = s->worker->config->node_id, .client_ip = s->ws.ip,
		.helo = s->helo, .stage = smtp_stage_name(run->stage),
		.check = smtp_policy_checks[run->index]->name, .reason = reason,
		.reply = run->reply,
	};

	if (s->tx != NULL) {
		e.sender = s->tx->mail_from;
		e.recipient = run->stage == SMTP_STAGE_RCPT ? s->tx->pending_rcpt : NULL;
	}
	store_block_log_add(s->worker->pool, &e);
}

static const char *smtp_policy_default_reply(enum smtp_stage stage, enum smtp_verdict verdict)
{
	if (verdict == SMTP_VERDICT_TEMPFAIL)
		return "451 4.7.1 Try again later";
	return stage == SMTP_STAGE_CONNECT ? "554 5.7.1 Service unavailable" :
					     "550 5.7.1 Rejected by policy";
}

/* Take in one check's verdict: run->finished when the run is over. */
static void smtp_policy_verdict(struct smtp_session *s, struct smtp_check_run *run,
				enum smtp_verdict verdict, const char *reply, const char *reason)
{
	const char *name = smtp_policy_checks[run->index]->name;

	smtp_policy_trace(s, "stage=%s check=%s verdict=%s reason=\"%s\"",
			  smtp_stage_name(run->stage), name, smtp_verdict_names[verdict],
			  reason != NULL ? reason : "");
	switch (verdict) {
	case SMTP_VERDICT_CONTINUE:
		return;
	case SMTP_VERDICT_ACCEPT:
		if (smtp_policy_stage_has_tx(run->stage) && s->tx != NULL)
			s->tx->policy.accepted = true;
		else
			s->policy.accepted = true;
		break;
	case SMTP_VERDICT_DISCARD:
		if (smtp_policy_stage_has_tx(run->stage) && s->tx != NULL)
			s->tx->policy.discard = true;
		else
			s->policy.discard = true;
		break;
	case SMTP_VERDICT_REJECT:
	case SMTP_VERDICT_TEMPFAIL:
		snprintf(run->reply, sizeof(run->reply), "%s",
			 reply != NULL && reply[0] != '\0' ? reply :
				smtp_policy_default_reply(run->stage, verdict));
		log_info("smtp", s->ws.id_str, "event=policy_refused stage=%s check=%s "
			 "reason=\"%s\" reply=\"%s\"", smtp_stage_name(run->stage), name,
			 reason != NULL ? reason : "", run->reply);
		metrics_count_policy_reject(s->worker, s->ws.kind, run->stage,
					    verdict == SMTP_VERDICT_TEMPFAIL);
		if (verdict == SMTP_VERDICT_REJECT)
			smtp_policy_block_log(s, run, reason != NULL ? reason : name);
		break;
	}
	run->verdict = verdict;
	run->finished = true;
}

static void smtp_policy_finish(struct smtp_session *s, struct smtp_check_run *run)
{
	smtp_policy_callback_t *callback = run->callback;
	enum smtp_verdict verdict = run->finished ? run->verdict : SMTP_VERDICT_CONTINUE;
	bool async = run->async;
	char reply[sizeof(run->reply)];

	memcpy(reply, run->reply, sizeof(reply));
	free(run);
	smtp_wait_end(s);
	callback(s, verdict, reply[0] != '\0' ? reply : NULL);
	if (async)
		smtp_session_process(s);
}

/* Start the checks from run->index on until one is still out (its
   callback resumes the walk) or the run is over. */
static void smtp_policy_walk(struct smtp_session *s, struct smtp_check_run *run)
{
	for (; smtp_policy_checks[run->index] != NULL && !run->finished; run->index++) {
		const struct smtp_check *check = smtp_policy_checks[run->index];

		if (!smtp_policy_applies(s, check, run))
			continue;
		run->answered = false;
		run->ticket = session_ticket_new(&s->ws);
		run->starting = true;
		check->start(s, run);
		run->starting = false;
		if (!run->answered) {
			run->async = true;
			return;
		}
	}
	smtp_policy_finish(s, run);
}

void smtp_check_done(struct smtp_check_run *run, enum smtp_verdict verdict, const char *reply,
		     const char *reason)
{
	struct smtp_session *s = run->ticket != NULL ? smtp_session_from_ticket(run->ticket) : NULL;

	run->ticket = NULL;
	run->answered = true;
	if (s == NULL) {              /* the session ended while the check waited */
		free(run);
		return;
	}
	smtp_policy_verdict(s, run, verdict, reply, reason);
	if (run->starting)            /* answered at once: the walk goes on */
		return;
	run->index++;
	smtp_policy_walk(s, run);
}

void smtp_policy_run(struct smtp_session *s, enum smtp_stage stage,
		     smtp_policy_callback_t *callback)
{
	struct smtp_check_run *run = xcalloc(1, sizeof(*run));

	run->stage = stage;
	run->callback = callback;
	/* trusted_networks is a list to parse: once, not per check */
	run->relay_client = smtp_relay_allowed(s);
	smtp_wait_begin(s);
	smtp_policy_walk(s, run);
}

/* ---- the session's policy state ---- */

void smtp_policy_session_init(struct smtp_session *s)
{
	s->policy.trace = settings_get_bool(s->worker->settings, "smtp_rule_trace", 0, 0);
}

void smtp_policy_session_free(struct smtp_session *s)
{
	for (unsigned int i = 0; smtp_policy_checks[i] != NULL; i++) {
		if (smtp_policy_checks[i]->session_free != NULL)
			smtp_policy_checks[i]->session_free(s);
	}
}

void smtp_policy_tx_free(struct smtp_policy_tx *p)
{
	strbuf_free(&p->headers);
	free(p->subject_tag);
	free(p->folder);
	for (unsigned int i = 0; i < p->copy_count; i++)
		free(p->copies[i]);
	free(p->copies);
	strbuf_free(&p->keywords);
	for (unsigned int i = 0; i < p->redirect_count; i++)
		free(p->redirects[i]);
	free(p->redirects);
	memset(p, 0, sizeof(*p));
}

void smtp_policy_apply_message(struct smtp_session *s)
{
	struct smtp_transaction *tx = s->tx;

	if (tx->policy.subject_tag != NULL)
		message_edit_prefix_subject(&tx->body, tx->header_start, tx->policy.subject_tag);
	if (tx->policy.headers.len > 0)
		smtp_submit_insert_header(s, strbuf_cstr(&tx->policy.headers));
	tx->body_size = buffer_len(&tx->body);
}

/* ---- what checks change (from MAIL on: they need a transaction) ---- */

const char *smtp_policy_rcpt(const struct smtp_session *s)
{
	return s->tx != NULL ? s->tx->pending_rcpt : NULL;
}

int64_t smtp_policy_rcpt_domain_id(const struct smtp_session *s)
{
	return s->tx != NULL ? s->tx->pending_domain_id : 0;
}

int64_t smtp_policy_rcpt_account_id(const struct smtp_session *s)
{
	return s->tx != NULL ? s->tx->pending_account_id : 0;
}

void smtp_policy_add_header(struct smtp_session *s, const char *name, const char *value)
{
	if (s->tx != NULL)
		strbuf_printf(&s->tx->policy.headers, "%s: %s\r\n", name, value);
}

void smtp_policy_add_weight(struct smtp_session *s, long long weight)
{
	if (s->tx != NULL)
		s->tx->policy.weight += weight;
}

void smtp_policy_tag_subject(struct smtp_session *s, const char *tag)
{
	if (s->tx == NULL)
		return;
	free(s->tx->policy.subject_tag);
	s->tx->policy.subject_tag = xstrdup(tag);
}

void smtp_policy_mark(struct smtp_session *s, unsigned int flags, const char *keyword)
{
	if (s->tx == NULL)
		return;
	s->tx->policy.flags |= flags;
	if (keyword != NULL)
		strbuf_printf(&s->tx->policy.keywords, "%s%s",
			      s->tx->policy.keywords.len > 0 ? " " : "", keyword);
}

void smtp_policy_file_into(struct smtp_session *s, const char *folder)
{
	if (s->tx == NULL)
		return;
	free(s->tx->policy.folder);
	s->tx->policy.folder = xstrdup(folder);
}

void smtp_policy_copy_into(struct smtp_session *s, const char *folder)
{
	struct smtp_policy_tx *p;

	if (s->tx == NULL)
		return;
	p = &s->tx->policy;
	p->copies = xrealloc(p->copies, (p->copy_count + 1) * sizeof(char *));
	p->copies[p->copy_count++] = xstrdup(folder);
}

void smtp_policy_redirect(struct smtp_session *s, const char *address)
{
	struct smtp_policy_tx *p;

	if (s->tx == NULL)
		return;
	p = &s->tx->policy;
	p->redirects = xrealloc(p->redirects, (p->redirect_count + 1) * sizeof(char *));
	p->redirects[p->redirect_count++] = xstrdup(address);
}
