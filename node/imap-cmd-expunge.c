/*
 * imap-cmd-expunge.c — EXPUNGE (RFC 9051 6.4.3) and UID EXPUNGE (RFC 4315
 * UIDPLUS), and the end they share with MOVE: the removed messages leave
 * the client's view with EXPUNGE responses (VANISHED once QRESYNC is
 * enabled), and with CONDSTORE the tagged OK carries HIGHESTMODSEQ
 * (RFC 7162; RFC 6851 4.4 for MOVE).
 *
 * The view drops the UIDs before the tagged reply, so the sync that
 * imap_cmd_finish() may run does not report them a second time.
 */
#include "imap-session-private.h"

#include "store-imap-message.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *imap_expunge_done_text(const struct imap_session *s)
{
	return s->cmd != NULL && strcmp(s->cmd->name, "MOVE") == 0 ? "Move completed" :
	       "Expunge completed";
}

static void imap_expunge_synced(struct imap_session *s)
{
	if (s == NULL)
		return;
	imap_cmd_finish(s, "OK", "[HIGHESTMODSEQ %llu] %s", (unsigned long long)s->sel->modseq,
			imap_expunge_done_text(s));
}

void imap_expunge_finish(struct imap_session *s, const uint32_t *uids, unsigned int count)
{
	imap_sync_send_expunged(s, uids, count);
	if (!s->condstore && !s->qresync) {
		imap_cmd_finish(s, "OK", "%s", imap_expunge_done_text(s));
		return;
	}
	/* the expunge took a new modseq, and other sessions' changes may lie
	   below it: a sync brings the view (and sel->modseq) up to date, so the
	   HIGHESTMODSEQ sent means everything up to it was told */
	imap_sync(s, true, imap_expunge_synced);
}

static void imap_expunge_reply(void *ctx, const char *error, const uint32_t *uids,
			       unsigned int count)
{
	struct imap_session *s = imap_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (error != NULL) {
		imap_cmd_finish_store_error(s, error, "Expunge");
		return;
	}
	imap_expunge_finish(s, uids, count);
}

void imap_cmd_expunge(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_seqset uids = IMAP_SEQSET_INIT;
	char *ranges = NULL;

	if (cmd->arg_count != (s->cmd_uid ? 1u : 0u)) {
		imap_cmd_finish(s, "BAD", s->cmd_uid ? "UID EXPUNGE needs a UID set" :
				"EXPUNGE takes no arguments");
		return;
	}
	if (s->cmd_uid && !imap_uidset_arg(s, &cmd->args[0], true, &uids))
		return;
	if (s->sel->readonly) {
		imap_seqset_free(&uids);
		imap_cmd_finish(s, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (s->cmd_uid) {
		if (uids.count == 0) {
			imap_cmd_finish(s, "OK", "Expunge completed (no messages)");
			return;
		}
		ranges = store_imap_uid_multirange(&uids);
		imap_seqset_free(&uids);
	}
	store_imap_expunge(s->worker->pool, s->account_id, s->sel->id, ranges,
			   imap_expunge_reply, session_ticket_new(&s->ws));
	free(ranges);
}
