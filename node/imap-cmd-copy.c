/*
 * imap-cmd-copy.c — COPY/UID COPY (RFC 9051 6.4.7) and MOVE/UID MOVE
 * (RFC 6851), answering COPYUID (RFC 4315 UIDPLUS).
 *
 * Both are one call of petrel_copy(), which gives the copies consecutive
 * UIDs in the destination in source UID order, so the two UID sets of
 * COPYUID pair up element by element. MOVE then reports the source
 * messages as expunged, the way EXPUNGE does.
 */
#include "imap-session-private.h"

#include "store-imap-mailbox.h"
#include "store-imap-message.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct imap_copy_call {
	struct session_ticket *ticket;
	bool move;
};

/* "uidvalidity src-set dst-set" of a COPYUID response code. */
static void imap_copyuid_append(struct strbuf *out, uint32_t uidvalidity, const uint32_t *src,
				const uint32_t *dst, unsigned int count)
{
	struct imap_seqset src_set = IMAP_SEQSET_INIT, dst_set = IMAP_SEQSET_INIT;

	/* both ascending (see above), so the sorted sets keep the pairing */
	for (unsigned int i = 0; i < count; i++) {
		imap_seqset_add_range(&src_set, src[i], src[i]);
		imap_seqset_add_range(&dst_set, dst[i], dst[i]);
	}
	strbuf_printf(out, "COPYUID %u ", uidvalidity);
	imap_seqset_append(out, &src_set);
	strbuf_append_c(out, ' ');
	imap_seqset_append(out, &dst_set);
	imap_seqset_free(&src_set);
	imap_seqset_free(&dst_set);
}

static void imap_copy_reply(void *ctx, const char *error, uint32_t uidvalidity,
			    const uint32_t *src, const uint32_t *dst, unsigned int count)
{
	struct imap_copy_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	bool move = call->move;
	struct strbuf code = STRBUF_INIT;

	free(call);
	if (s == NULL)
		return;
	if (error != NULL) {
		/* the source is the selected mailbox: a missing one is the target */
		if (store_imap_error_code(error) == STORE_IMAP_ERR_NONEXISTENT)
			imap_cmd_finish(s, "NO", "[TRYCREATE] Mailbox does not exist");
		else
			imap_cmd_finish_store_error(s, error, move ? "Move" : "Copy");
		return;
	}
	if (count == 0) {
		imap_cmd_finish(s, "OK", "No messages %s", move ? "moved" : "copied");
		return;
	}
	imap_copyuid_append(&code, uidvalidity, src, dst, count);
	if (move) {
		/* RFC 6851 3.3: COPYUID goes in an untagged OK before the expunges */
		imap_send(s, "* OK [%s] Moved UIDs", strbuf_cstr(&code));
		imap_expunge_finish(s, src, count);
	} else {
		imap_cmd_finish(s, "OK", "[%s] Copy completed", strbuf_cstr(&code));
	}
	strbuf_free(&code);
}

void imap_cmd_copy(struct imap_session *s, const struct imap_command *cmd)
{
	bool move = strcmp(cmd->name, "MOVE") == 0;
	struct imap_seqset uids;
	struct imap_copy_call *call;
	char *name, *ranges;

	if (cmd->arg_count != 2) {
		imap_cmd_finish(s, "BAD", "%s needs a sequence set and a mailbox name", cmd->name);
		return;
	}
	if (!imap_uidset_arg(s, &cmd->args[0], s->cmd_uid, &uids))
		return;
	if (!imap_mailbox_arg(s, &cmd->args[1], &name)) {
		imap_seqset_free(&uids);
		return;
	}
	if ((move && s->sel->readonly) || uids.count == 0) {
		free(name);
		imap_seqset_free(&uids);
		if (move && s->sel->readonly)
			imap_cmd_finish(s, "NO", "[READ-ONLY] Mailbox is read-only");
		else
			imap_cmd_finish(s, "OK", "No messages %s", move ? "moved" : "copied");
		return;
	}
	call = xmalloc(sizeof(*call));
	call->ticket = session_ticket_new(&s->ws);
	call->move = move;
	ranges = store_imap_uid_multirange(&uids);
	store_imap_copy(s->worker->pool, s->account_id, s->sel->id, name, ranges, move,
			imap_copy_reply, call);
	free(ranges);
	free(name);
	imap_seqset_free(&uids);
}
