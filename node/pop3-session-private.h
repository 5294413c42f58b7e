/*
 * pop3-session-private.h — what the POP3 session core (pop3-session.c)
 * and its command files (pop3-cmd-*.c) share.
 *
 * The session is an explicit state machine (RFC 1939 3): AUTHORIZATION
 * until a login succeeded and the maildrop was read, TRANSACTION while the
 * client works on it, and QUIT's UPDATE (or a closing connection) at the
 * end. One command runs at a time: while it waits for PostgreSQL or for
 * the client to read a long RETR, `busy` is set and input is paused; later
 * pipelined commands wait in the input buffer.
 */
#ifndef POP3_SESSION_PRIVATE_H
#define POP3_SESSION_PRIVATE_H

#include "pop3-session.h"

#include "pop3-parser.h"
#include "worker.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sasl_server;

enum pop3_state {
	POP3_STATE_AUTHORIZATION,
	POP3_STATE_TRANSACTION,
	POP3_STATE_CLOSED,           /* QUIT answered or the session is closing */
};

/* Bad commands (unknown, malformed, wrong state) in a row before the
   session is closed. */
#define POP3_MAX_BAD_COMMANDS 20

/* One message of the maildrop; message number = index + 1. */
struct pop3_message {
	uint32_t uid;
	uint32_t size;
	bool deleted;                /* DELE'd in this session */
	bool retrieved;              /* RETR'd: marked \Seen at QUIT */
};

/* The INBOX as it was when the session logged in (RFC 1939 5: message
   numbers do not change during the session). */
struct pop3_maildrop {
	int64_t mailbox_id;
	uint32_t uidvalidity;
	struct pop3_message *msgs;
	unsigned int count, size;
	char *loading_uids;          /* the snapshot's UIDs while reading sizes */
};

/* A RETR or TOP being written to the client batch by batch. */
struct pop3_retr {
	unsigned int msg_index;
	bool top;
	uint32_t top_lines;
	unsigned char *data;         /* the bytes to send, before dot-stuffing */
	size_t len, pos;
	bool at_line_start;
};

struct pop3_session {
	struct worker_session ws;    /* first: registered with the worker */
	struct worker *worker;
	struct conn *conn;
	enum pop3_state state;
	bool busy;                   /* a command is running */
	bool draining;
	bool processing;             /* inside pop3_session_process() */
	bool skipping_line;          /* discarding the rest of an over-long line */
	unsigned int commands;
	unsigned int bad_commands;   /* in a row */

	char *user_arg;              /* USER's name, waiting for PASS */
	int64_t account_id;
	int64_t domain_id;
	char *user;                  /* canonical address once logged in */

	struct sasl_server *sasl;    /* AUTH exchange in progress */
	struct pop3_maildrop drop;
	struct pop3_retr retr;
	/* a LIST or UIDL listing being written: next message index */
	unsigned int list_next;
	bool list_uidl;
};

/* One reply line, CRLF added ("+OK ..." / "-ERR ..." or a multi-line
   response's lines). */
void pop3_send(struct pop3_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* End the running command with "+OK text" or "-ERR text" (ok false);
   resumes reading commands. */
void pop3_cmd_finish(struct pop3_session *s, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* End a multi-line response (its "+OK" line and data were sent) with
   ".". */
void pop3_cmd_finish_multiline(struct pop3_session *s);
/* Close the connection after sending line (NULL: nothing). */
void pop3_close(struct pop3_session *s, const char *line);
/* The session behind a ticket, or NULL when it has gone meanwhile (or is
   closing). */
struct pop3_session *pop3_session_from_ticket(struct session_ticket *ticket);
/* Settings in effect for the logged-in account (server level before). */
long long pop3_setting(const struct pop3_session *s, const char *name);
/* How much output may wait for the client before a long response
   (RETR, TOP, LIST, UIDL) waits for it to read: imap_output_buffer_max. */
size_t pop3_output_max(const struct pop3_session *s);
/* A long response stopped at the output bound: call pump when the client
   has read half of it (the inactivity timer restarts meanwhile). */
void pop3_wait_output(struct pop3_session *s, void (*pump)(void *ctx));
/* Whether USER/PASS and AUTH may be used now (TLS or a setting). */
bool pop3_auth_allowed(const struct pop3_session *s);

/* The message a number argument names, or NULL after answering -ERR
   (no such message, or DELE'd). */
struct pop3_message *pop3_message_arg(struct pop3_session *s, uint32_t msgnum);

/* Commands (pop3-cmd-*.c). */
void pop3_cmd_capa(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_stls(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_user(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_pass(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_auth(struct pop3_session *s, const struct pop3_command *cmd);
/* A line of an AUTH exchange arrived. */
void pop3_auth_continue(struct pop3_session *s, const char *line);
void pop3_cmd_stat(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_list(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_uidl(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_dele(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_rset(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_noop(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_quit(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_retr(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_cmd_top(struct pop3_session *s, const struct pop3_command *cmd);

/* Read the INBOX into s->drop after a login (pop3-cmd-maildrop.c); the
   command finishes with the login's +OK or an -ERR. */
void pop3_maildrop_open(struct pop3_session *s);
void pop3_maildrop_free(struct pop3_maildrop *drop);
/* Free a RETR/TOP in progress (pop3-cmd-retr.c). */
void pop3_retr_free(struct pop3_retr *retr);

#endif
