/*
 * smtp-policy.h — the inbound policy pipeline: the checks that run at each
 * stage of an SMTP session (Traffic Inspector's events: Connect, HELO,
 * MailFrom, RcptTo, Headers, Complete) and what they may do to the
 * session and the message.
 *
 * A check is a small module (smtp-check-*.c) described by a struct
 * smtp_check in the pipeline's table (smtp-policy.c), in the order they
 * run: bans, lists, DNSBL, SPF, rules, greylisting, milters, DKIM/DMARC.
 * At each stage the session runs the checks registered for it one after
 * the other; each ends with a verdict through smtp_check_done(), now or
 * from a PostgreSQL/DNS/milter callback later. The session waits (input
 * paused) meanwhile, so a check never races the client.
 *
 *   CONTINUE  go on with the next check
 *   ACCEPT    skip the remaining checks: for the whole session when given
 *             at CONNECT or HELO, for the transaction otherwise (a
 *             whitelist, a rule's "accept")
 *   REJECT    refuse with the check's 5xx reply: the connection (554 and
 *             close at CONNECT), the command (HELO, MAIL), this recipient
 *             (RCPT), or the message (HEADERS, COMPLETE); recorded in the
 *             block log
 *   TEMPFAIL  the same with a 4xx reply (greylisting, a failing milter);
 *             not recorded in the block log
 *   DISCARD   the transaction goes on, but the message is thrown away
 *             after the final 250
 *
 * Checks do not run for LMTP (the MTA in front did its own) and, unless
 * the check says so, not for clients that may relay (authenticated or in
 * trusted_networks). Delivery checks (the global delivery rules) are the
 * exception: they run for every message stored, whoever sent it. The checks read the session (smtp-session-private.h:
 * s->ws.ip, s->helo, s->tx->mail_from, s->tx->body ...) only while they
 * hold it: after an asynchronous step a check calls smtp_check_session()
 * again, which returns NULL once the session is gone — then it only calls
 * smtp_check_done() (which frees the run) and touches nothing else.
 */
#ifndef SMTP_POLICY_H
#define SMTP_POLICY_H

#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>

struct smtp_session;
struct smtp_check_run;

enum smtp_stage {
	SMTP_STAGE_CONNECT,
	SMTP_STAGE_HELO,
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_HEADERS,
	SMTP_STAGE_COMPLETE,
	SMTP_STAGE_COUNT
};
#define SMTP_STAGE_BIT(stage) (1u << (stage))

enum smtp_verdict {
	SMTP_VERDICT_CONTINUE,
	SMTP_VERDICT_ACCEPT,
	SMTP_VERDICT_REJECT,
	SMTP_VERDICT_TEMPFAIL,
	SMTP_VERDICT_DISCARD,
};

struct smtp_check {
	const char *name;          /* in logs, the rule trace and the block log */
	unsigned int stages;       /* SMTP_STAGE_BIT()s it runs at */
	bool for_relay_clients;    /* run for authenticated/trusted clients too */
	bool delivery;             /* run for every message: LMTP, relay clients,
				      after an ACCEPT */
	/* Start the check at stage smtp_check_stage(run); it must end with
	   exactly one smtp_check_done(run, ...), now or later. */
	void (*start)(struct smtp_session *s, struct smtp_check_run *run);
	/* Optional: free what the check keeps in s->policy (session end). */
	void (*session_free)(struct smtp_session *s);
};

/* What the checks decided for one transaction (s->tx->policy), applied
   by the session when the message is stored. */
struct smtp_policy_tx {
	bool accepted;             /* a check said ACCEPT: skip the rest */
	bool discard;              /* store nothing, answer 250 */
	long long weight;          /* sum of the rules' weights */
	struct strbuf headers;     /* fields to add: "Name: value\r\n"... */
	char *subject_tag;         /* put in front of the Subject: text */
	char *folder;              /* local copies go here instead of INBOX */
	char **copies;             /* ... and get another copy in these folders */
	unsigned int copy_count;
	unsigned int flags;        /* delivery rules: flag bits of the local copies */
	struct strbuf keywords;    /* ... and their keywords, blank-separated */
	char **redirects;          /* recipients replacing the envelope's */
	unsigned int redirect_count;
};

/* Per-session policy state (s->policy). Checks keep their own session
   data here (one pointer each), freed by their session_free. */
struct smtp_policy_session {
	bool accepted;             /* ACCEPT at CONNECT/HELO: no more checks */
	bool discard;              /* DISCARD at CONNECT/HELO: every message */
	bool trace;                /* smtp_rule_trace: log every verdict */
	void *bans_lists;          /* smtp-check-lists.c */
	void *dnsbl;               /* smtp-check-dnsbl.c */
	void *auth_results;        /* smtp-check-auth.c: SPF, DKIM, DMARC */
	void *rules;               /* smtp-check-rules.c */
	void *milters;             /* smtp-check-milter.c */
};

/* ---- for checks ---- */

void smtp_check_done(struct smtp_check_run *run, enum smtp_verdict verdict, const char *reply,
		     const char *reason);
/* The session, or NULL when it ended while the check was waiting. */
struct smtp_session *smtp_check_session(struct smtp_check_run *run);
enum smtp_stage smtp_check_stage(const struct smtp_check_run *run);
const char *smtp_stage_name(enum smtp_stage stage);

/* The recipient being decided at the RCPT stage (normalized address) and
   the domain/account it resolved to (0 when remote or unknown). */
const char *smtp_policy_rcpt(const struct smtp_session *s);
int64_t smtp_policy_rcpt_domain_id(const struct smtp_session *s);
int64_t smtp_policy_rcpt_account_id(const struct smtp_session *s);

/* Changes to the current transaction's message. */
void smtp_policy_add_header(struct smtp_session *s, const char *name, const char *value);
void smtp_policy_add_weight(struct smtp_session *s, long long weight);
void smtp_policy_tag_subject(struct smtp_session *s, const char *tag);
void smtp_policy_file_into(struct smtp_session *s, const char *folder);
void smtp_policy_copy_into(struct smtp_session *s, const char *folder);
/* Delivery rules: flag bits (messages.flags) and a keyword (NULL: none)
   for the local copies. */
void smtp_policy_mark(struct smtp_session *s, unsigned int flags, const char *keyword);
void smtp_policy_redirect(struct smtp_session *s, const char *address);
/* Log a trace line when the session traces (smtp_rule_trace). */
void smtp_policy_trace(struct smtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- for the session ---- */

static inline bool smtp_verdict_refuses(enum smtp_verdict verdict)
{
	return verdict == SMTP_VERDICT_REJECT || verdict == SMTP_VERDICT_TEMPFAIL;
}

typedef void smtp_policy_callback_t(struct smtp_session *s, enum smtp_verdict verdict,
				    const char *reply);
/* Run the stage's checks; callback gets the final verdict (CONTINUE when
   all passed, ACCEPT when one accepted) and, for REJECT/TEMPFAIL, the
   reply line to send. The session is waiting meanwhile; callback is not
   called if the session ends first. */
void smtp_policy_run(struct smtp_session *s, enum smtp_stage stage,
		     smtp_policy_callback_t *callback);
void smtp_policy_session_init(struct smtp_session *s);
void smtp_policy_session_free(struct smtp_session *s);
void smtp_policy_tx_free(struct smtp_policy_tx *p);
/* Put the checks' header fields and Subject: tag into the finished
   message (s->tx->body). */
void smtp_policy_apply_message(struct smtp_session *s);

#endif
