/*
 * imap-cmd-status.c — STATUS (RFC 9051 6.3.11, STATUS=SIZE RFC 8438,
 * DELETED, HIGHESTMODSEQ RFC 7162), the STATUS items LIST-STATUS (RFC 5819)
 * reuses, and QUOTA (RFC 9208): GETQUOTAROOT, GETQUOTA, SETQUOTA.
 *
 * Every account has one quota root, "", holding all its mailboxes; its
 * limit is the account's quota_bytes, set by the operator (petrelctl), so
 * SETQUOTA is refused. STORAGE is reported in units of 1024 octets.
 */
#include "imap-session-private.h"

#include "store-imap-mailbox.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum imap_status_item {
	IMAP_STATUS_MESSAGES = 1 << 0,
	IMAP_STATUS_UIDNEXT = 1 << 1,
	IMAP_STATUS_UIDVALIDITY = 1 << 2,
	IMAP_STATUS_UNSEEN = 1 << 3,
	IMAP_STATUS_DELETED = 1 << 4,
	IMAP_STATUS_SIZE = 1 << 5,
	IMAP_STATUS_HIGHESTMODSEQ = 1 << 6,
	IMAP_STATUS_RECENT = 1 << 7,
};

static const struct {
	const char *name;
	enum imap_status_item item;
} imap_status_names[] = {
	{ "MESSAGES", IMAP_STATUS_MESSAGES },
	{ "UIDNEXT", IMAP_STATUS_UIDNEXT },
	{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY },
	{ "UNSEEN", IMAP_STATUS_UNSEEN },
	{ "DELETED", IMAP_STATUS_DELETED },
	{ "SIZE", IMAP_STATUS_SIZE },
	{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ },
	{ "RECENT", IMAP_STATUS_RECENT },
};

#define IMAP_STATUS_NAME_COUNT (sizeof(imap_status_names) / sizeof(imap_status_names[0]))

bool imap_status_items_parse(struct imap_session *s, const struct imap_arg *arg,
			     unsigned int *items_r)
{
	const struct imap_arg *list;
	unsigned int count, items = 0;

	if (!imap_arg_get_list(arg, &list, &count) || count == 0) {
		imap_cmd_finish(s, "BAD", "Status items must be a non-empty list");
		return false;
	}
	for (unsigned int i = 0; i < count; i++) {
		size_t n = 0;

		while (n < IMAP_STATUS_NAME_COUNT &&
		       !imap_arg_atom_equals(&list[i], imap_status_names[n].name))
			n++;
		if (n == IMAP_STATUS_NAME_COUNT) {
			imap_cmd_finish(s, "BAD", "Unknown status item");
			return false;
		}
		items |= imap_status_names[n].item;
	}
	/* asking for HIGHESTMODSEQ enables CONDSTORE (RFC 7162 3.1) */
	if ((items & IMAP_STATUS_HIGHESTMODSEQ) != 0)
		s->condstore = true;
	*items_r = items;
	return true;
}

unsigned int imap_status_counts(unsigned int items)
{
	return ((items & IMAP_STATUS_UNSEEN) != 0 ? STORE_IMAP_COUNT_UNSEEN : 0) |
	       ((items & IMAP_STATUS_DELETED) != 0 ? STORE_IMAP_COUNT_DELETED : 0);
}

void imap_status_send(struct imap_session *s, const struct store_imap_mailbox *box,
		      unsigned int items)
{
	const unsigned long long values[] = {
		box->messages, box->uidnext, box->uidvalidity, box->unseen, box->deleted,
		box->bytes, box->highestmodseq, 0,
	};
	struct strbuf line = STRBUF_INIT;
	const char *sep = "";

	strbuf_append(&line, "* STATUS ");
	imap_mailbox_append(s, &line, box->name);
	strbuf_append(&line, " (");
	for (size_t i = 0; i < IMAP_STATUS_NAME_COUNT; i++) {
		if ((items & imap_status_names[i].item) == 0)
			continue;
		strbuf_printf(&line, "%s%s %llu", sep, imap_status_names[i].name, values[i]);
		sep = " ";
	}
	strbuf_append_c(&line, ')');
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
}

/* A STATUS or GETQUOTAROOT waiting for the mailbox's row. */
struct imap_status_call {
	struct session_ticket *ticket;
	unsigned int items;
	char *name;
};

static void imap_status_reply(void *ctx, const char *error,
			      const struct store_imap_mailbox *boxes, unsigned int count)
{
	struct imap_status_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	unsigned int items = call->items;

	free(call);
	if (s == NULL)
		return;
	if (error != NULL)
		imap_cmd_finish_store_error(s, error, "Status");
	else if (count == 0)
		imap_cmd_finish(s, "NO", "[NONEXISTENT] Mailbox does not exist");
	else {
		imap_status_send(s, &boxes[0], items);
		imap_cmd_finish(s, "OK", "Status completed");
	}
}

void imap_cmd_status(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_status_call *call;
	unsigned int items;
	char *name;

	if (cmd->arg_count != 2) {
		imap_cmd_finish(s, "BAD", "STATUS needs a mailbox name and a list of items");
		return;
	}
	if (!imap_status_items_parse(s, &cmd->args[1], &items) ||
	    !imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	call = xcalloc(1, sizeof(*call));
	call->ticket = session_ticket_new(&s->ws);
	call->items = items;
	store_imap_mailboxes(s->worker->pool, s->account_id, name, imap_status_counts(items),
			     imap_status_reply, call);
	free(name);
}

static void imap_quota_reply(void *ctx, const char *error, uint64_t used_bytes,
			     uint64_t quota_bytes, uint64_t messages)
{
	struct imap_session *s = imap_session_from_ticket(ctx);

	(void)messages;   /* no message-count limit exists, so no MESSAGE resource */
	if (s == NULL)
		return;
	if (error != NULL) {
		imap_cmd_finish_store_error(s, error, "Getquota");
		return;
	}
	/* no quota (0) is no resource limit at all */
	if (quota_bytes == 0)
		imap_send(s, "* QUOTA \"\" ()");
	else
		imap_send(s, "* QUOTA \"\" (STORAGE %llu %llu)",
			  (unsigned long long)((used_bytes + 1023) / 1024),
			  (unsigned long long)(quota_bytes / 1024));
	imap_cmd_finish(s, "OK", "%s completed",
			strcmp(s->cmd->name, "GETQUOTAROOT") == 0 ? "Getquotaroot" : "Getquota");
}

static void imap_quotaroot_mailbox(void *ctx, const char *error,
				   const struct store_imap_mailbox *boxes, unsigned int count)
{
	struct imap_status_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	struct strbuf line = STRBUF_INIT;

	if (s == NULL || error != NULL || count == 0) {
		free(call->name);
		free(call);
		if (s != NULL && error != NULL)
			imap_cmd_finish_store_error(s, error, "Getquotaroot");
		else if (s != NULL)
			imap_cmd_finish(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	strbuf_append(&line, "* QUOTAROOT ");
	imap_mailbox_append(s, &line, call->name);
	strbuf_append(&line, " \"\"");
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
	free(call->name);
	free(call);
	store_imap_quota(s->worker->pool, s->account_id, imap_quota_reply,
			 session_ticket_new(&s->ws));
}

void imap_cmd_getquotaroot(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_status_call *call;
	char *name;

	if (cmd->arg_count != 1) {
		imap_cmd_finish(s, "BAD", "GETQUOTAROOT needs a mailbox name");
		return;
	}
	if (!imap_mailbox_arg(s, &cmd->args[0], &name))
		return;
	call = xcalloc(1, sizeof(*call));
	call->ticket = session_ticket_new(&s->ws);
	call->name = name;
	store_imap_mailboxes(s->worker->pool, s->account_id, name, 0, imap_quotaroot_mailbox,
			     call);
}

void imap_cmd_getquota(struct imap_session *s, const struct imap_command *cmd)
{
	const char *root;

	if (cmd->arg_count != 1 || !imap_arg_get_astring(&cmd->args[0], &root)) {
		imap_cmd_finish(s, "BAD", "GETQUOTA needs a quota root");
		return;
	}
	if (root[0] != '\0') {
		imap_cmd_finish(s, "NO", "[NONEXISTENT] No such quota root");
		return;
	}
	store_imap_quota(s->worker->pool, s->account_id, imap_quota_reply,
			 session_ticket_new(&s->ws));
}

void imap_cmd_setquota(struct imap_session *s, const struct imap_command *cmd)
{
	(void)cmd;
	imap_cmd_finish(s, "NO", "[NOPERM] Quotas are set by the administrator");
}
