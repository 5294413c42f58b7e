/*
 * smtp-session-private.h — what the SMTP session core and its command
 * files (smtp-cmd-*.c) share.
 *
 * The session is an explicit state machine (OpenSMTPD style): `state` says
 * which commands are allowed; `waiting` is set while a PostgreSQL reply is
 * outstanding, during which input is paused and nothing else happens.
 */
#ifndef SMTP_SESSION_PRIVATE_H
#define SMTP_SESSION_PRIVATE_H

#include "smtp-session.h"

#include "buffer.h"
#include "smtp-data.h"
#include "smtp-parser.h"
#include "smtp-policy.h"
#include "worker.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct conn;
struct sasl_server;
struct store_rcpt_target;

enum smtp_state {
	SMTP_STATE_HELO,       /* waiting for EHLO/HELO (LHLO) */
	SMTP_STATE_READY,      /* MAIL allowed */
	SMTP_STATE_MAIL,       /* sender given; RCPT allowed */
	SMTP_STATE_RCPT,       /* recipients given; DATA/BDAT allowed */
	SMTP_STATE_DATA,       /* reading the DATA body */
	SMTP_STATE_BDAT,       /* reading a BDAT chunk */
	SMTP_STATE_CHUNKING,   /* between BDAT chunks */
	SMTP_STATE_CLOSING,    /* reply flushing, then close */
};

#define SMTP_STATE_BIT(s) (1u << (s))

/* Upper bound of the smtp_max_line_length setting (settings registry), and
   the most input a session buffers: one maximal line with its CRLF. */
#define SMTP_LINE_HARD_MAX 65536
#define SMTP_INPUT_MAX (SMTP_LINE_HARD_MAX + 2)

/* One mail transaction, from MAIL to the final reply; freed on RSET. */
struct smtp_transaction {
	char queue_id[32];
	char *mail_from;
	bool utf8;               /* MAIL ... SMTPUTF8 */
	uint64_t declared_size;  /* MAIL ... SIZE= */
	char **rcpts;            /* accepted recipients, as given */
	unsigned int rcpt_count;
	int64_t *account_ids;    /* distinct target mailboxes */
	int64_t *mailbox_ids;
	unsigned int target_count, target_alloc;
	char **remote_rcpts;     /* distinct addresses for the outbound queue */
	unsigned int remote_count;
	char *pending_rcpt;      /* RCPT waiting for its lookup */
	int64_t pending_domain_id;   /* ... and, once resolved, its local domain */
	int64_t pending_account_id;  /* and account (0: remote) */
	unsigned int pending_target_mark;   /* target/remote counts before it */
	unsigned int pending_remote_mark;
	struct smtp_policy_tx policy;
	struct buffer body;      /* Received: header + message */
	size_t header_start;     /* where the client's message starts in body */
	size_t body_size;        /* bytes received, counted even past the limit */
	bool too_big;
	bool body_started;
};

struct smtp_session {
	struct worker_session ws;    /* first: registered with the worker */
	struct worker *worker;
	struct conn *conn;
	enum smtp_state state;
	bool lmtp;
	bool submission;             /* submission/smtps: MAIL needs AUTH first */
	bool waiting;                /* a PostgreSQL reply is outstanding */
	bool draining;
	bool skipping_line;          /* discarding the rest of an over-long line */
	bool esmtp;
	char *helo;
	unsigned int commands;
	unsigned int errors;
	ev_tstamp started;
	struct smtp_transaction *tx;
	struct smtp_data_decoder decoder;
	uint64_t bdat_left;
	bool bdat_last;
	uint64_t bdat_discard;       /* bytes of a refused BDAT chunk still to skip */
	struct sasl_server *sasl;    /* an AUTH exchange reads the next lines */
	char *user;                  /* authenticated account's address, or NULL */
	int64_t account_id;
	int64_t domain_id;
	struct smtp_policy_session policy;
};

struct smtp_command_def {
	enum smtp_verb verb;
	unsigned int states;         /* SMTP_STATE_BIT()s where it may run */
	void (*proceed)(struct smtp_session *s, struct smtp_command *cmd);
};

/* Replies; a 4xx/5xx counts towards the hard error limit. */
void smtp_reply(struct smtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write a 421 and close the session. */
void smtp_close_421(struct smtp_session *s, const char *code, const char *text);
void smtp_set_state(struct smtp_session *s, enum smtp_state state);
/* Pause input while a database reply is awaited, and resume after. */
void smtp_wait_begin(struct smtp_session *s);
void smtp_wait_end(struct smtp_session *s);
/* Process whatever input is buffered (after a reply arrived). */
void smtp_session_process(struct smtp_session *s);
struct smtp_session *smtp_session_from_ticket(struct session_ticket *ticket);

void smtp_transaction_free(struct smtp_transaction **tx);
/* Forget the transaction and go back to READY (RSET, after a final reply). */
void smtp_transaction_reset(struct smtp_session *s);

/* Whether this client may send to domains we do not serve: it has
   authenticated, or its address is in the trusted_networks setting. Never
   over LMTP. */
bool smtp_relay_allowed(const struct smtp_session *s);

/* Add a local target mailbox / a remote address to the transaction (each
   once). */
void smtp_rcpt_add_target(struct smtp_transaction *tx, const struct store_rcpt_target *t);
void smtp_rcpt_add_remote(struct smtp_transaction *tx, const char *address);
/* Replace the transaction's targets by the policy's redirect addresses
   (tx->policy.redirects), resolved as recipients; then done(s). The
   session is waiting; done is not called if it ends first. */
void smtp_redirect_resolve(struct smtp_session *s, void (*done)(struct smtp_session *s));

/* File the local copies as the policy says (tx->policy.folder instead of
   INBOX, another copy in each of tx->policy.copies), then done(s); a
   folder an account lacks leaves its copy where it was. The session is
   waiting; done is not called if it ends first. */
void smtp_filing_run(struct smtp_session *s, void (*done)(struct smtp_session *s));

/* Give a submitted message (tx->body complete) the Message-ID and Date
   fields it lacks (smtp-submit.c). */
void smtp_submit_add_missing_headers(struct smtp_session *s);
/* Put header fields ("Name: value\r\n"...) in front of the client's
   header, after our Received: field. */
void smtp_submit_insert_header(struct smtp_session *s, const char *fields);

/* Effective server-level settings, by name. */
long long smtp_setting(const struct smtp_session *s, const char *name);
const char *smtp_hostname(const struct smtp_session *s);

/* Body phase: consume buffered DATA/BDAT bytes; false when more are needed
   or the session now waits for the database. */
bool smtp_data_input(struct smtp_session *s);

/* Command handlers (smtp-cmd-*.c). */
void smtp_cmd_helo(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_starttls(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_mail(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_rcpt(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_data(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_bdat(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_rset(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_noop(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_vrfy(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_help(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_quit(struct smtp_session *s, struct smtp_command *cmd);
void smtp_cmd_auth(struct smtp_session *s, struct smtp_command *cmd);

/* SMTP AUTH (smtp-cmd-auth.c). */
/* Whether AUTH may be used (and advertised) on this connection now. */
bool smtp_auth_allowed(const struct smtp_session *s);
/* The next client line of an AUTH exchange (s->sasl set). */
void smtp_auth_continue(struct smtp_session *s, const char *line);
/* End an AUTH exchange whose response line was too long. */
void smtp_auth_abort_long_line(struct smtp_session *s);
/* Forget the login and any exchange (STARTTLS, session end). */
void smtp_auth_forget(struct smtp_session *s);

#endif
