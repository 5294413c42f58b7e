/*
 * imap-cmd-mailbox.c — mailbox names (modified UTF-7 or UTF-8, INBOX) and
 * the commands on whole mailboxes: SELECT/EXAMINE, CLOSE, UNSELECT,
 * CREATE, DELETE, RENAME, SUBSCRIBE/UNSUBSCRIBE.
 */
#include "imap-session-private.h"

#include "imap-quote.h"
#include "imap-utf7.h"
#include "log.h"
#include "store-imap-mailbox.h"
#include "store-imap-message.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest mailbox name, in bytes of UTF-8, and deepest hierarchy. */
#define IMAP_MAILBOX_NAME_MAX 512
#define IMAP_MAILBOX_DEPTH_MAX 32

static bool imap_mailbox_name_valid(const char *name)
{
	unsigned int depth = 0;
	size_t len = strlen(name);

	if (len == 0 || len > IMAP_MAILBOX_NAME_MAX || name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "//") != NULL || !utf8_is_valid((const unsigned char *)name, len))
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '*' || *p == '%')
			return false;
		if (*p == '/' && ++depth > IMAP_MAILBOX_DEPTH_MAX)
			return false;
	}
	return true;
}

bool imap_mailbox_arg(struct imap_session *s, const struct imap_arg *arg, char **name_r)
{
	struct strbuf name = STRBUF_INIT;
	const char *raw;

	if (!imap_arg_get_astring(arg, &raw)) {
		imap_cmd_finish(s, "BAD", "Invalid mailbox name");
		return false;
	}
	if (strncasecmp(raw, "INBOX", 5) == 0 && (raw[5] == '\0' || raw[5] == '/')) {
		strbuf_append(&name, "INBOX");
		raw += 5;
	}
	if (s->utf8_enabled)
		strbuf_append(&name, raw);
	else if (imap_utf7_to_utf8(raw, &name) < 0) {
		strbuf_free(&name);
		imap_cmd_finish(s, "NO", "[CANNOT] Invalid modified UTF-7 in mailbox name");
		return false;
	}
	if (!imap_mailbox_name_valid(strbuf_cstr(&name))) {
		strbuf_free(&name);
		imap_cmd_finish(s, "NO", "[CANNOT] Invalid mailbox name");
		return false;
	}
	*name_r = strbuf_steal(&name);
	return true;
}

void imap_mailbox_append(const struct imap_session *s, struct strbuf *out, const char *name)
{
	struct strbuf encoded = STRBUF_INIT;

	if (s->utf8_enabled || imap_utf8_to_utf7(name, &encoded) < 0)
		imap_append_string(out, name, strlen(name));
	else
		imap_append_string(out, strbuf_cstr(&encoded), encoded.len);
	strbuf_free(&encoded);
}

void imap_cmd_finish_store_error(struct imap_session *s, const char *error, const char *what)
{
	switch (store_imap_error_code(error)) {
	case STORE_IMAP_ERR_NONEXISTENT:
		imap_cmd_finish(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		break;
	case STORE_IMAP_ERR_OVERQUOTA:
		imap_cmd_finish(s, "NO", "[OVERQUOTA] Quota exceeded");
		break;
	case STORE_IMAP_ERR_ALREADYEXISTS:
		imap_cmd_finish(s, "NO", "[ALREADYEXISTS] Mailbox already exists");
		break;
	case STORE_IMAP_ERR_HASCHILDREN:
		imap_cmd_finish(s, "NO", "[HASCHILDREN] Mailbox has children, delete them first");
		break;
	case STORE_IMAP_ERR_CANNOT:
		imap_cmd_finish(s, "NO", "[CANNOT] %s is not possible with that name", what);
		break;
	default:
		log_warning("imap", s->ws.id_str, "event=store_failed command=%s error=\"%s\"",
			    what, error);
		imap_cmd_finish(s, "NO", "[UNAVAILABLE] %s failed, try again later", what);
		break;
	}
}

struct imap_select_call {
	struct session_ticket *ticket;
	char *name;
	bool readonly;
	/* (QRESYNC (uidvalidity modseq [known-uids])) */
	bool qresync;
	uint32_t qresync_uidvalidity;
	uint64_t qresync_modseq;
	struct imap_seqset qresync_known;
};

static void imap_select_call_free(struct imap_select_call *call)
{
	imap_seqset_free(&call->qresync_known);
	free(call->name);
	free(call);
}

static void imap_select_finish(struct imap_session *s)
{
	if (s == NULL)
		return;
	imap_cmd_finish(s, "OK", "[%s] %s completed", s->sel->readonly ? "READ-ONLY" : "READ-WRITE",
			s->sel->readonly ? "Examine" : "Select");
}

static void imap_select_reply(void *ctx, const char *error, const struct store_imap_select *info)
{
	struct imap_select_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	struct imap_selected *sel;
	struct imap_seqset uids = IMAP_SEQSET_INIT;
	const char *parse_error;

	if (s == NULL) {
		imap_select_call_free(call);
		return;
	}
	if (error != NULL || info == NULL ||
	    (info->uids[0] != '\0' &&
	     imap_seqset_parse(info->uids, UINT32_MAX / 2, &uids, &parse_error) < 0)) {
		imap_select_call_free(call);
		if (error != NULL)
			imap_cmd_finish_store_error(s, error, "SELECT");
		else
			imap_cmd_finish(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	sel = xcalloc(1, sizeof(*sel));
	sel->id = info->id;
	sel->name = call->name;
	call->name = NULL;
	sel->readonly = call->readonly;
	sel->uidvalidity = info->uidvalidity;
	sel->uidnext = info->uidnext;
	sel->modseq = info->highestmodseq;
	for (unsigned int i = 0; i < uids.count; i++)
		imap_msgmap_append(&sel->map, uids.ranges[i].first, uids.ranges[i].last);
	imap_seqset_free(&uids);
	imap_select_open(s, sel);

	imap_send(s, "* %u EXISTS", imap_msgmap_count(&sel->map));
	if (!s->imap4rev2)
		imap_send(s, "* 0 RECENT");
	strbuf_append(&sel->keywords, info->keywords);
	imap_send_mailbox_flags(s);
	if (info->first_unseen_uid != 0 && !s->imap4rev2)
		imap_send(s, "* OK [UNSEEN %u] First unseen",
			  imap_msgmap_seq(&sel->map, info->first_unseen_uid));
	imap_send(s, "* OK [UIDVALIDITY %u] UIDs valid", sel->uidvalidity);
	imap_send(s, "* OK [UIDNEXT %u] Predicted next UID", sel->uidnext);
	imap_send(s, "* OK [HIGHESTMODSEQ %llu] Highest", (unsigned long long)sel->modseq);
	if (call->qresync && call->qresync_uidvalidity == sel->uidvalidity &&
	    call->qresync_modseq < sel->modseq)
		imap_sync_qresync(s, call->qresync_modseq, &call->qresync_known,
				  imap_select_finish);
	else
		imap_select_finish(s);
	imap_select_call_free(call);
}

/* (QRESYNC (uidvalidity modseq [known-uids [seq-match-data]])); the
   sequence match data is an optimisation for the server and not needed
   when expunged UIDs are kept exactly. */
static bool imap_select_qresync_param(struct imap_session *s, const struct imap_arg *arg,
				      struct imap_select_call *call)
{
	const struct imap_arg *list;
	const char *uidvalidity, *modseq, *known, *error;
	unsigned int count;
	char *end;

	if (!s->qresync) {
		imap_cmd_finish(s, "BAD", "QRESYNC is not enabled");
		return false;
	}
	if (!imap_arg_get_list(arg, &list, &count) || count < 2 ||
	    !imap_arg_get_atom(&list[0], &uidvalidity) || !imap_arg_get_atom(&list[1], &modseq)) {
		imap_cmd_finish(s, "BAD", "Invalid QRESYNC parameter");
		return false;
	}
	call->qresync = true;
	call->qresync_uidvalidity = (uint32_t)strtoul(uidvalidity, &end, 10);
	if (*end == '\0')
		call->qresync_modseq = strtoull(modseq, &end, 10);
	if (*end != '\0' || call->qresync_uidvalidity == 0 || call->qresync_modseq == 0 ||
	    (count > 2 && (!imap_arg_get_atom(&list[2], &known) ||
			   imap_seqset_parse(known, (unsigned int)imap_setting(s,
					     "imap_max_seqset_ranges"),
					     &call->qresync_known, &error) < 0 ||
			   call->qresync_known.has_star))) {
		imap_cmd_finish(s, "BAD", "Invalid QRESYNC parameter");
		return false;
	}
	return true;
}

/* SELECT/EXAMINE parameters (RFC 7162 3.1.8 and 3.2.5). */
static bool imap_select_params(struct imap_session *s, const struct imap_command *cmd,
			       struct imap_select_call *call)
{
	const struct imap_arg *params;
	unsigned int count;

	if (cmd->arg_count == 1)
		return true;
	if (cmd->arg_count > 2 || !imap_arg_get_list(&cmd->args[1], &params, &count)) {
		imap_cmd_finish(s, "BAD", "Invalid %s parameters", cmd->name);
		return false;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&params[i], "CONDSTORE")) {
			s->condstore = true;
		} else if (imap_arg_atom_equals(&params[i], "QRESYNC") && i + 1 < count) {
			if (!imap_select_qresync_param(s, &params[++i], call))
				return false;
		} else {
			imap_cmd_finish(s, "BAD", "Unknown %s parameter", cmd->name);
			return false;
		}
	}
	return true;
}

void imap_cmd_select(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_select_call *call;
	char *name;

	if (cmd->arg_count < 1) {
		imap_cmd_finish(s, "BAD", "%s needs a mailbox name", cmd->name);
		return;
	}
	/* RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected */
	if (s->sel != NULL) {
		imap_select_close(s);
		if (s->condstore || s->qresync)
			imap_send(s, "* OK [CLOSED] Previous mailbox closed");
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	call = xcalloc(1, sizeof(*call));
	call->name = name;
	call->readonly = strcmp(cmd->name, "EXAMINE") == 0;
	if (!imap_select_params(s, cmd, call)) {
		imap_select_call_free(call);
		return;
	}
	call->ticket = session_ticket_new(&s->ws);
	store_imap_select(s->worker->pool, s->account_id, name, imap_select_reply, call);
}

void imap_cmd_unselect(struct imap_session *s, const struct imap_command *cmd)
{
	imap_select_close(s);
	imap_cmd_finish(s, "OK", "Unselect completed");
}

static void imap_close_expunged(void *ctx, const char *error, const uint32_t *uids,
				unsigned int count)
{
	struct imap_session *s = imap_session_from_ticket(ctx);

	if (s == NULL)
		return;
	/* CLOSE sends no EXPUNGE responses; an error leaves the messages */
	if (error != NULL)
		log_warning("imap", s->ws.id_str, "event=close_expunge_failed error=\"%s\"", error);
	imap_select_close(s);
	imap_cmd_finish(s, "OK", "Close completed");
}

void imap_cmd_close(struct imap_session *s, const struct imap_command *cmd)
{
	if (s->sel->readonly) {
		imap_select_close(s);
		imap_cmd_finish(s, "OK", "Close completed");
		return;
	}
	store_imap_expunge(s->worker->pool, s->account_id, s->sel->id, NULL,
			   imap_close_expunged, session_ticket_new(&s->ws));
}

struct imap_change_call {
	struct session_ticket *ticket;
	const char *what;
};

static void imap_change_done(void *ctx, const char *error)
{
	struct imap_change_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	const char *what = call->what;

	free(call);
	if (s == NULL)
		return;
	if (error != NULL)
		imap_cmd_finish_store_error(s, error, what);
	else
		imap_cmd_finish(s, "OK", "%s completed", what);
}

static void imap_mailbox_change(struct imap_session *s, enum store_imap_mailbox_op op,
				const char *name, const char *arg, const char *what)
{
	struct imap_change_call *call = xmalloc(sizeof(*call));

	call->ticket = session_ticket_new(&s->ws);
	call->what = what;
	store_imap_mailbox_change(s->worker->pool, s->account_id, op, name, arg,
				  imap_change_done, call);
}

void imap_cmd_create(struct imap_session *s, const struct imap_command *cmd)
{
	char *name;

	if (cmd->arg_count < 1) {
		imap_cmd_finish(s, "BAD", "CREATE needs a mailbox name");
		return;
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	if (strcmp(name, "INBOX") == 0) {
		free(name);
		imap_cmd_finish(s, "NO", "[ALREADYEXISTS] INBOX always exists");
		return;
	}
	imap_mailbox_change(s, STORE_IMAP_CREATE, name, NULL, "Create");
	free(name);
}

void imap_cmd_delete(struct imap_session *s, const struct imap_command *cmd)
{
	char *name;

	if (cmd->arg_count != 1) {
		imap_cmd_finish(s, "BAD", "DELETE needs a mailbox name");
		return;
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	if (s->sel != NULL && strcmp(s->sel->name, name) == 0)
		imap_select_close(s);   /* deleting the selected mailbox unselects it */
	imap_mailbox_change(s, STORE_IMAP_DELETE, name, NULL, "Delete");
	free(name);
}

void imap_cmd_rename(struct imap_session *s, const struct imap_command *cmd)
{
	char *from, *to;

	if (cmd->arg_count != 2) {
		imap_cmd_finish(s, "BAD", "RENAME needs two mailbox names");
		return;
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &from))
		return;
	if (!imap_mailbox_arg(s, &cmd->args[1], &to)) {
		free(from);
		return;
	}
	imap_mailbox_change(s, STORE_IMAP_RENAME, from, to, "Rename");
	free(from);
	free(to);
}

void imap_cmd_subscribe(struct imap_session *s, const struct imap_command *cmd)
{
	bool subscribe = strcmp(cmd->name, "SUBSCRIBE") == 0;
	char *name;

	if (cmd->arg_count != 1) {
		imap_cmd_finish(s, "BAD", "%s needs a mailbox name", cmd->name);
		return;
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	imap_mailbox_change(s, subscribe ? STORE_IMAP_SUBSCRIBE : STORE_IMAP_UNSUBSCRIBE, name,
			    NULL, subscribe ? "Subscribe" : "Unsubscribe");
	free(name);
}
