/*
 * imap-session-private.h — what the IMAP session core (imap-session.c),
 * the selected-mailbox synchronisation (imap-sync.c) and the command files
 * (imap-cmd-*.c) share.
 *
 * The session is an explicit state machine: `state` says which commands
 * are allowed (RFC 9051 3: not authenticated, authenticated, selected,
 * logout). One command runs at a time: while it waits for PostgreSQL,
 * `busy` is set and input is paused, and the parser keeps the command's
 * arguments untouched until the command finishes with imap_cmd_finish().
 */
#ifndef IMAP_SESSION_PRIVATE_H
#define IMAP_SESSION_PRIVATE_H

#include "imap-session.h"

#include "imap-msgmap.h"
#include "imap-parser.h"
#include "imap-seqset.h"
#include "mailbox-watch.h"
#include "strbuf.h"
#include "worker.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct conn;
struct sasl_server;

enum imap_state {
	IMAP_STATE_NOT_AUTH,
	IMAP_STATE_AUTH,
	IMAP_STATE_SELECTED,
	IMAP_STATE_LOGOUT,
};

#define IMAP_STATE_BIT(s) (1u << (s))
#define IMAP_ANY_STATE (IMAP_STATE_BIT(IMAP_STATE_NOT_AUTH) | \
	IMAP_STATE_BIT(IMAP_STATE_AUTH) | IMAP_STATE_BIT(IMAP_STATE_SELECTED))
#define IMAP_AUTHED (IMAP_STATE_BIT(IMAP_STATE_AUTH) | IMAP_STATE_BIT(IMAP_STATE_SELECTED))
#define IMAP_SELECTED IMAP_STATE_BIT(IMAP_STATE_SELECTED)

/* Most input the connection buffers before the parser takes it. */
#define IMAP_INPUT_MAX 65536

/* The selected mailbox as this session's client sees it. */
struct imap_selected {
	struct imap_session *session;
	int64_t id;
	char *name;                 /* UTF-8 */
	bool readonly;              /* EXAMINE */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t modseq;            /* changes up to here are known to the client */
	struct imap_msgmap map;
	struct mailbox_watcher watcher;
	bool changed;               /* a NOTIFY arrived since the last sync */
	/* modseqs this session's own STOREs produced: their FETCH responses
	   were already sent, so a sync does not repeat them */
	uint64_t own_modseqs[16];
	unsigned int own_modseq_count;
	struct imap_seqset searchres; /* SEARCH RETURN (SAVE), for "$" */
	struct strbuf keywords;      /* announced in FLAGS, space-separated */
};

struct imap_session;

struct imap_command_def {
	const char *name;
	unsigned int states;
	unsigned int flags;
	void (*run)(struct imap_session *s, const struct imap_command *cmd);
};

/* The command uses message sequence numbers (FETCH, STORE, SEARCH, COPY
   without UID): no EXPUNGE may be sent while it runs (RFC 9051 7.5.1). */
#define IMAP_CMD_FLAG_SEQ_BASED   0x01
/* The command may be preceded by UID. */
#define IMAP_CMD_FLAG_UID         0x02

struct imap_session {
	struct worker_session ws;    /* first: registered with the worker */
	struct worker *worker;
	struct conn *conn;
	struct imap_parser *parser;
	enum imap_state state;
	bool busy;                   /* a command is running */
	bool draining;
	bool idling;
	bool syncing;                /* a sync query is in flight */
	bool sync_again;             /* another sync was asked for meanwhile */
	void (*sync_again_done)(struct imap_session *s);
	bool processing;             /* inside imap_session_process() */
	bool utf8_enabled;           /* ENABLE UTF8=ACCEPT */
	bool condstore;              /* ENABLE CONDSTORE or a CONDSTORE command */
	bool qresync;                /* ENABLE QRESYNC */
	bool imap4rev2;              /* ENABLE IMAP4rev2 */
	ev_tstamp started;
	unsigned int commands;

	int64_t account_id;
	int64_t domain_id;
	char *user;                  /* canonical address once logged in */

	struct imap_selected *sel;

	/* the running command */
	char *tag;
	const struct imap_command_def *cmd;
	bool cmd_uid;                /* prefixed with UID */
	char *finish_line;           /* tagged reply waiting for a sync */
	struct sasl_server *sasl;    /* AUTHENTICATE in progress */
	struct imap_fetch *fetch;    /* FETCH in progress (imap-cmd-fetch.c) */

	ev_timer keepalive;          /* IDLE "* OK Still here" */
};

/* Untagged or continuation output: one line, CRLF added. */
void imap_send(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Raw bytes (built responses with literals); no CRLF added. */
void imap_send_raw(struct imap_session *s, const void *data, size_t len);
/* End the running command with "tag <status> <text>" (status "OK", "NO",
   "BAD"). When the selected mailbox changed meanwhile, the untagged
   updates the command allows are sent first. Resumes reading commands. */
void imap_cmd_finish(struct imap_session *s, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Send "* BYE text" and close the connection. */
void imap_close(struct imap_session *s, const char *text);
/* The session behind a ticket, or NULL when it has gone meanwhile (or is
   closing). */
struct imap_session *imap_session_from_ticket(struct session_ticket *ticket);
/* Continue with buffered input (after a command finished). */
void imap_session_process(struct imap_session *s);
/* For a running command that batches the ones after it (APPEND): parse
   the next buffered command now. Returns it when complete (valid until
   the next parse; the running command's own arguments are freed by this
   call), NULL when more input is needed (a literal is invited) or it was
   bad (answered BAD). */
const struct imap_command *imap_session_parse_next(struct imap_session *s);

/* Settings in effect for the logged-in account (server level before). */
long long imap_setting(const struct imap_session *s, const char *name);
/* Whether passwords may be sent now: TLS, a loopback client (setting
   auth_cleartext_loopback) or auth_allow_cleartext. */
bool imap_auth_allowed(const struct imap_session *s);
/* The CAPABILITY list for the current state. */
void imap_capabilities(const struct imap_session *s, struct strbuf *out);

/* Mailbox names. Decode a name argument into UTF-8 ("INBOX" in any case
   becomes "INBOX"; modified UTF-7 unless UTF8=ACCEPT is enabled); false
   (after answering BAD/NO itself) when it is invalid. */
bool imap_mailbox_arg(struct imap_session *s, const struct imap_arg *arg, char **name_r);
/* Append a UTF-8 name as the client expects it (quoted, UTF-7 or UTF-8). */
void imap_mailbox_append(const struct imap_session *s, struct strbuf *out, const char *name);
/* Reply for a failed store operation (NO [NONEXISTENT], [OVERQUOTA], ...). */
void imap_cmd_finish_store_error(struct imap_session *s, const char *error, const char *what);

/* Selected mailbox (imap-sync.c). */
void imap_select_open(struct imap_session *s, struct imap_selected *sel);
void imap_select_close(struct imap_session *s);
/* Bring the client up to date with the mailbox: EXISTS, EXPUNGE (or
   VANISHED with QRESYNC; skipped when allow_expunge is false), FETCH of
   changed flags. done runs after (the session may be gone then: done gets
   NULL). */
void imap_sync(struct imap_session *s, bool allow_expunge,
	       void (*done)(struct imap_session *s));
/* Tell the client that uids (ascending) are gone and drop them from the
   view: "* n EXPUNGE" each (renumbering as it goes) or one VANISHED with
   QRESYNC. UIDs no longer in the view are skipped, so nothing is told
   twice. */
void imap_sync_send_expunged(struct imap_session *s, const uint32_t *uids, unsigned int count);
/* SELECT ... (QRESYNC (uidvalidity modseq [known-uids])) with a matching
   UIDVALIDITY (RFC 7162 3.2.5): VANISHED (EARLIER) for the known UIDs
   expunged since modseq and FETCH for the messages changed since, up to
   the snapshot SELECT reported. done runs after (NULL: session gone). */
void imap_sync_qresync(struct imap_session *s, uint64_t since_modseq,
		       const struct imap_seqset *known_uids, void (*done)(struct imap_session *s));
/* Record a modseq this session produced itself (see own_modseqs). */
void imap_sync_own_modseq(struct imap_session *s, uint64_t modseq);
/* Resolve a sequence-set argument of the running command to the UIDs it
   names in the client's view: message numbers (uid_mode false; a number
   past the last message is an error) or UIDs (those not in the view are
   dropped), "*" and "$" (SEARCHRES) included. false after answering BAD
   itself. */
bool imap_uidset_arg(struct imap_session *s, const struct imap_arg *arg, bool uid_mode,
		     struct imap_seqset *uids_r);
/* The same for a set already parsed, adding to *uids; false when a message
   number is past the last message (those are left out). */
bool imap_uidset_resolve(struct imap_session *s, const struct imap_seqset *set, bool uid_mode,
			 struct imap_seqset *uids);
/* Longest keyword accepted (Dovecot's limit). */
#define IMAP_KEYWORD_MAX_LEN 50
enum imap_flag_kind { IMAP_FLAG_INVALID, IMAP_FLAG_SYSTEM, IMAP_FLAG_KEYWORD };
/* One flag of STORE or APPEND: a system flag (*bit_r its STORE_FLAG_* bit,
   0 for \Recent which clients may not set) or a valid keyword. */
enum imap_flag_kind imap_flag_parse(const char *name, uint16_t *bit_r);
/* The untagged FLAGS and PERMANENTFLAGS of the selected mailbox. */
void imap_send_mailbox_flags(struct imap_session *s);
/* Before sending messages' keywords (space-separated): announce with
   FLAGS any keyword the client was not told about yet (RFC 9051 7.3.5). */
void imap_announce_keywords(struct imap_session *s, const char *keywords);
/* FLAGS (...) of one message: system flags from bits, then keywords. */
void imap_flags_append(struct strbuf *out, uint16_t flags, const char *keywords);
/* STATUS data items (imap-cmd-status.c), shared with LIST-STATUS: parse a
   "(MESSAGES UNSEEN ...)" list into *items_r (false after answering BAD
   itself), the STORE_IMAP_COUNT_* counters they need, and send
   "* STATUS name (...)" for one mailbox. */
struct store_imap_mailbox;
bool imap_status_items_parse(struct imap_session *s, const struct imap_arg *arg,
			     unsigned int *items_r);
unsigned int imap_status_counts(unsigned int items);
void imap_status_send(struct imap_session *s, const struct store_imap_mailbox *box,
		      unsigned int items);
/* Commands (imap-cmd-*.c). */
void imap_cmd_capability(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_noop(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_logout(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_id(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_enable(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_starttls(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_login(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_authenticate(struct imap_session *s, const struct imap_command *cmd);
/* A line of an AUTHENTICATE exchange arrived. */
void imap_authenticate_continue(struct imap_session *s, const char *line);
void imap_cmd_select(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_close(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_unselect(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_create(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_delete(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_rename(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_subscribe(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_list(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_lsub(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_namespace(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_status(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_getquotaroot(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_getquota(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_setquota(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_append(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_fetch(struct imap_session *s, const struct imap_command *cmd);
/* Free the state of a FETCH in progress (the session is closing). */
void imap_fetch_abort(struct imap_session *s);
void imap_cmd_store(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_expunge(struct imap_session *s, const struct imap_command *cmd);
/* End EXPUNGE or MOVE once uids (ascending) are gone from the mailbox: the
   EXPUNGE/VANISHED responses, then the tagged OK, with CONDSTORE after a
   sync so that its HIGHESTMODSEQ covers everything the client was told. */
void imap_expunge_finish(struct imap_session *s, const uint32_t *uids, unsigned int count);
void imap_cmd_copy(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_search(struct imap_session *s, const struct imap_command *cmd);
void imap_cmd_idle(struct imap_session *s, const struct imap_command *cmd);
/* A line arrived while idling ("DONE" ends it). */
void imap_idle_input(struct imap_session *s, const char *line);

#endif
