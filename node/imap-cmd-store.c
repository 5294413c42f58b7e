/*
 * imap-cmd-store.c — STORE and UID STORE (RFC 9051 6.4.6), with the
 * UNCHANGEDSINCE modifier of CONDSTORE (RFC 7162 3.1.3).
 *
 * The flags are changed in one call of petrel_store_flags(), which gives
 * every message it touched one new modseq and reports each message's state
 * afterwards. The untagged FETCH responses are built from that report, and
 * the modseq is recorded as the session's own so the next sync does not
 * send the same changes again.
 */
#include "imap-session-private.h"

#include "store-imap-message.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest keyword accepted (Dovecot's mail_max_keyword_length). */

struct imap_store_request {
	struct store_imap_flag_change change;
	const char **keywords;
	bool silent;
};

struct imap_store_call {
	struct session_ticket *ticket;
	bool silent;
};

/* One flag of the command into req: a system flag bit or a keyword. */
static bool imap_store_flag(struct imap_store_request *req, const struct imap_arg *arg)
{
	const char *name;
	uint16_t bit;

	if (!imap_arg_get_atom(arg, &name))
		return false;
	switch (imap_flag_parse(name, &bit)) {
	case IMAP_FLAG_SYSTEM:
		req->change.flags |= bit;
		return true;
	case IMAP_FLAG_KEYWORD:
		req->keywords[req->change.keyword_count++] = name;
		return true;
	default:
		return false;
	}
}

/* "FLAGS", "+FLAGS.SILENT", ... into mode and silent. */
static bool imap_store_item(struct imap_store_request *req, const char *item)
{
	req->change.mode = STORE_FLAGS_REPLACE;
	if (item[0] == '+' || item[0] == '-') {
		req->change.mode = item[0] == '+' ? STORE_FLAGS_ADD : STORE_FLAGS_REMOVE;
		item++;
	}
	if (strncasecmp(item, "FLAGS", 5) != 0)
		return false;
	req->silent = strcasecmp(item + 5, ".SILENT") == 0;
	return item[5] == '\0' || req->silent;
}

/* "(UNCHANGEDSINCE n)"; false for anything else. */
static bool imap_store_modifiers(struct imap_store_request *req, const struct imap_arg *arg)
{
	const struct imap_arg *list;
	unsigned int count;
	const char *value;
	char *end;

	if (!imap_arg_get_list(arg, &list, &count) || count != 2 ||
	    !imap_arg_atom_equals(&list[0], "UNCHANGEDSINCE") ||
	    !imap_arg_get_atom(&list[1], &value) || value[0] < '0' || value[0] > '9')
		return false;
	/* mod-sequence-valzer: 0 .. 2^63-1 */
	errno = 0;
	req->change.unchangedsince = strtoll(value, &end, 10);
	return *end == '\0' && errno == 0;
}

/* Everything after the sequence set; NULL when valid, else the BAD text. */
static const char *imap_store_parse(struct imap_store_request *req, const struct imap_arg *args,
				    unsigned int count)
{
	const struct imap_arg *flags;
	const char *item;
	unsigned int flag_count, i = 1;

	req->change.unchangedsince = -1;
	if (i < count && args[i].type == IMAP_ARG_LIST) {
		if (!imap_store_modifiers(req, &args[i]))
			return "Invalid STORE modifier";
		i++;
	}
	if (i >= count || !imap_arg_get_atom(&args[i], &item) || !imap_store_item(req, item))
		return "STORE needs FLAGS, +FLAGS or -FLAGS";
	i++;
	if (i >= count)
		return "STORE needs a flag list";
	if (i + 1 != count || !imap_arg_get_list(&args[i], &flags, &flag_count)) {
		/* flags without parentheses: the rest of the arguments */
		flags = &args[i];
		flag_count = count - i;
	}
	req->keywords = xcalloc(flag_count + 1, sizeof(*req->keywords));
	for (unsigned int j = 0; j < flag_count; j++) {
		if (!imap_store_flag(req, &flags[j]))
			return "Invalid flag or keyword";
	}
	req->change.keywords = req->keywords;
	return NULL;
}

static void imap_store_fetch_line(struct imap_session *s, struct strbuf *line, uint32_t seq,
				  const struct store_imap_stored *row, bool silent)
{
	const char *sep = "";

	strbuf_truncate(line, 0);
	strbuf_printf(line, "* %u FETCH (", seq);
	if (!silent) {
		imap_announce_keywords(s, row->keywords);
		imap_flags_append(line, row->flags, row->keywords);
		sep = " ";
	}
	if (s->cmd_uid) {
		strbuf_printf(line, "%sUID %u", sep, row->uid);
		sep = " ";
	}
	if (s->condstore)
		strbuf_printf(line, "%sMODSEQ (%llu)", sep, (unsigned long long)row->modseq);
	strbuf_append_c(line, ')');
	imap_send(s, "%s", strbuf_cstr(line));
}

static void imap_store_reply(void *ctx, const char *error, const struct store_imap_stored *rows,
			     unsigned int count)
{
	struct imap_store_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	bool silent = call->silent;
	struct imap_seqset modified = IMAP_SEQSET_INIT;
	struct strbuf line = STRBUF_INIT;

	free(call);
	if (s == NULL)
		return;
	if (error != NULL) {
		imap_cmd_finish_store_error(s, error, "Store");
		return;
	}
	for (unsigned int i = 0; i < count; i++) {
		uint32_t seq = imap_msgmap_seq(&s->sel->map, rows[i].uid);

		if (seq == 0)
			continue;
		if (rows[i].conflict) {
			uint32_t n = s->cmd_uid ? rows[i].uid : seq;

			imap_seqset_add_range(&modified, n, n);
			continue;
		}
		if (rows[i].changed)
			imap_sync_own_modseq(s, rows[i].modseq);
		/* with CONDSTORE even .SILENT reports the new modseq (RFC 7162
		   3.1.3); unchanged messages are reported only without .SILENT */
		if (!silent || (s->condstore && rows[i].changed))
			imap_store_fetch_line(s, &line, seq, &rows[i], silent);
	}
	if (modified.count > 0) {
		strbuf_truncate(&line, 0);
		imap_seqset_append(&line, &modified);
		imap_cmd_finish(s, "OK", "[MODIFIED %s] Conditional STORE failed", strbuf_cstr(&line));
	} else {
		imap_cmd_finish(s, "OK", "Store completed");
	}
	imap_seqset_free(&modified);
	strbuf_free(&line);
}

void imap_cmd_store(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_store_request req = { .silent = false };
	struct imap_seqset uids;
	struct imap_store_call *call;
	const char *bad;
	char *ranges;

	if (cmd->arg_count < 3) {
		imap_cmd_finish(s, "BAD", "STORE needs a sequence set, an item and flags");
		return;
	}
	bad = imap_store_parse(&req, cmd->args, cmd->arg_count);
	if (bad != NULL) {
		free(req.keywords);
		imap_cmd_finish(s, "BAD", "%s", bad);
		return;
	}
	if (!imap_uidset_arg(s, &cmd->args[0], s->cmd_uid, &uids)) {
		free(req.keywords);
		return;
	}
	if (req.change.unchangedsince >= 0)
		s->condstore = true;   /* a CONDSTORE-enabling command (RFC 7162 3.1) */
	if (s->sel->readonly || uids.count == 0) {
		free(req.keywords);
		imap_seqset_free(&uids);
		if (s->sel->readonly)
			imap_cmd_finish(s, "NO", "[READ-ONLY] Mailbox is read-only");
		else
			imap_cmd_finish(s, "OK", "Store completed (no messages)");
		return;
	}
	call = xmalloc(sizeof(*call));
	call->ticket = session_ticket_new(&s->ws);
	call->silent = req.silent;
	ranges = store_imap_uid_multirange(&uids);
	store_imap_store_flags(s->worker->pool, s->account_id, s->sel->id, ranges, &req.change,
			       imap_store_reply, call);
	free(ranges);
	free(req.keywords);
	imap_seqset_free(&uids);
}
