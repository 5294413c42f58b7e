/*
 * imap-cmd-fetch.c — FETCH and UID FETCH (RFC 9051 6.4.5 / RFC 3501
 * 6.4.5, BINARY RFC 3516, CHANGEDSINCE and VANISHED RFC 7162 3.1.4 and
 * 3.2.6).
 *
 * The messages are read from the store in batches of UIDs (setting
 * imap_fetch_batch; fewer when whole messages are read, sized from the
 * previous batch), each written to the client before the next is asked
 * for. When the client does not read and the output passes
 * imap_output_buffer_max, the next batch waits for the output to drain,
 * with imap_output_stall_timeout as the connection timeout meanwhile (the
 * session then closes the connection). So neither the mailbox nor the
 * response is ever held whole.
 *
 * A body section without .PEEK sets \Seen (RFC 9051 6.4.5) batch by
 * batch, before the batch is read, and FLAGS comes with the messages it
 * changed.
 */
#include "imap-session-private.h"

#include "conn.h"
#include "imap-fetch-response.h"
#include "store-imap-message.h"
#include "xalloc.h"

#include <stdlib.h>

/* Whole messages of unknown size: the first batch reads only a few, the
   later ones as many as fit the output limit on average. */
#define IMAP_FETCH_FIRST_RAW_BATCH 4

struct imap_fetch {
	struct imap_fetch_args args;
	struct imap_seqset uids;        /* what to send, UIDs in the client's view */
	unsigned int next_range;        /* cursor into uids */
	uint32_t next_uid;
	struct imap_seqset chunk;       /* the UIDs of the batch being read */
	struct imap_seqset seen_set;    /* those whose \Seen this FETCH set */
	unsigned int columns;           /* STORE_FETCH_* */
	unsigned int limit;             /* messages per batch */
	bool set_seen;
	const char *error;              /* tagged NO text (static), NULL: OK */
};

static void imap_fetch_next(struct imap_session *s);

void imap_fetch_abort(struct imap_session *s)
{
	struct imap_fetch *f = s->fetch;

	if (f == NULL)
		return;
	s->fetch = NULL;
	imap_fetch_args_free(&f->args);
	imap_seqset_free(&f->uids);
	imap_seqset_free(&f->chunk);
	imap_seqset_free(&f->seen_set);
	free(f);
}

static void imap_fetch_finish(struct imap_session *s)
{
	const char *error = s->fetch->error;

	/* freed first: the tagged reply may start the next command */
	imap_fetch_abort(s);
	if (error != NULL)
		imap_cmd_finish(s, "NO", "%s", error);
	else
		imap_cmd_finish(s, "OK", "Fetch completed");
}

static void imap_fetch_store_error(struct imap_session *s, const char *error)
{
	imap_fetch_abort(s);
	imap_cmd_finish_store_error(s, error, "FETCH");
}

/* Move the next (at most limit) UIDs of the set into chunk; false when
   the set is done. */
static bool imap_fetch_take_chunk(struct imap_fetch *f)
{
	unsigned int left = f->limit;

	imap_seqset_free(&f->chunk);
	while (left > 0 && f->next_range < f->uids.count) {
		const struct imap_seq_range *r = &f->uids.ranges[f->next_range];
		uint32_t first = f->next_uid > r->first ? f->next_uid : r->first;
		uint32_t last = r->last - first + 1 > left ? first + left - 1 : r->last;

		imap_seqset_add_range(&f->chunk, first, last);
		left -= last - first + 1;
		if (last == r->last) {
			f->next_range++;
			f->next_uid = 0;
		} else {
			f->next_uid = last + 1;
		}
	}
	return f->chunk.count > 0;
}

/* The client reads again: go on with the next batch. */
static void imap_fetch_output_ready(void *ctx)
{
	struct imap_session *s = ctx;

	if (s->state == IMAP_STATE_LOGOUT || s->fetch == NULL)
		return;
	conn_set_timeout(s->conn, 0);
	imap_fetch_next(s);
}

/* A batch was written: next batch now, or once the client has read
   enough of it. */
static void imap_fetch_batch_done(struct imap_session *s, unsigned int count, size_t bytes)
{
	struct imap_fetch *f = s->fetch;
	size_t max = (size_t)imap_setting(s, "imap_output_buffer_max");
	size_t batch = (size_t)imap_setting(s, "imap_fetch_batch");

	if ((f->columns & STORE_FETCH_RAW) != 0 && count > 0) {
		/* as many messages as fit the output limit, going by this batch */
		size_t fit = max / (bytes / count + 1);

		f->limit = (unsigned int)(fit < 1 ? 1 : fit > batch ? batch : fit);
	}
	if (conn_output_len(s->conn) > max) {
		conn_set_timeout(s->conn, (double)imap_setting(s, "imap_output_stall_timeout"));
		conn_when_output_below(s->conn, max / 2, imap_fetch_output_ready);
		return;
	}
	imap_fetch_next(s);
}

static void imap_fetch_rows(void *ctx, const char *error,
			    const struct store_imap_message *rows, unsigned int count)
{
	struct imap_session *s = imap_session_from_ticket(ctx);
	struct imap_fetch *f;
	struct strbuf out = STRBUF_INIT;
	size_t bytes = 0;

	if (s == NULL)
		return;
	if (error != NULL) {
		imap_fetch_store_error(s, error);
		return;
	}
	f = s->fetch;
	for (unsigned int i = 0; i < count; i++) {
		bool seen_now = imap_seqset_contains(&f->seen_set, rows[i].uid);
		struct imap_fetch_response_opts opts = {
			.seq = imap_msgmap_seq(&s->sel->map, rows[i].uid),
			.with_flags = seen_now,
			.with_modseq = f->args.has_changedsince || (seen_now && s->condstore),
		};
		const char *item_error;

		if (opts.seq == 0)
			continue;
		imap_announce_keywords(s, rows[i].keywords);
		strbuf_truncate(&out, 0);
		if (imap_fetch_response_build(&f->args, &rows[i], &opts, &out, &item_error) < 0) {
			f->error = item_error;
			continue;
		}
		imap_send_raw(s, out.data, out.len);
		bytes += out.len;
	}
	strbuf_free(&out);
	imap_fetch_batch_done(s, count, bytes);
}

static void imap_fetch_read(struct imap_session *s)
{
	struct imap_fetch *f = s->fetch;
	char *uids = store_imap_uid_multirange(&f->chunk);

	store_imap_fetch(s->worker->pool, s->account_id, s->sel->id, uids, 0, f->limit,
			 f->args.has_changedsince ? f->args.changedsince : 0, f->columns,
			 imap_fetch_rows, session_ticket_new(&s->ws));
	free(uids);
}

static void imap_fetch_seen_reply(void *ctx, const char *error,
				  const struct store_imap_stored *rows, unsigned int count)
{
	struct imap_session *s = imap_session_from_ticket(ctx);
	uint64_t last_modseq = 0;

	if (s == NULL)
		return;
	if (error != NULL) {
		imap_fetch_store_error(s, error);
		return;
	}
	imap_seqset_free(&s->fetch->seen_set);
	for (unsigned int i = 0; i < count; i++) {
		if (!rows[i].changed)
			continue;
		imap_seqset_add_range(&s->fetch->seen_set, rows[i].uid, rows[i].uid);
		/* our FETCH responses carry the new flags: the sync skips them */
		if (rows[i].modseq != last_modseq)
			imap_sync_own_modseq(s, rows[i].modseq);
		last_modseq = rows[i].modseq;
	}
	imap_fetch_read(s);
}

static void imap_fetch_next(struct imap_session *s)
{
	struct imap_fetch *f = s->fetch;
	struct store_imap_flag_change seen = {
		.mode = STORE_FLAGS_ADD, .flags = STORE_FLAG_SEEN, .unchangedsince = -1,
	};
	char *uids;

	if (!imap_fetch_take_chunk(f)) {
		imap_fetch_finish(s);
		return;
	}
	if (!f->set_seen) {
		imap_fetch_read(s);
		return;
	}
	uids = store_imap_uid_multirange(&f->chunk);
	store_imap_store_flags(s->worker->pool, s->account_id, s->sel->id, uids, &seen,
			       imap_fetch_seen_reply, session_ticket_new(&s->ws));
	free(uids);
}

/* UID FETCH ... (CHANGEDSINCE n VANISHED): first the UIDs of the set
   expunged after n (RFC 7162 3.2.6). Those still in the client's view are
   left to the EXPUNGE/VANISHED of the next sync. */
static void imap_fetch_vanished_reply(void *ctx, const char *error,
				      const struct store_imap_changes *changes)
{
	struct imap_session *s = imap_session_from_ticket(ctx);
	struct imap_fetch *f;
	struct imap_seqset vanished = IMAP_SEQSET_INIT;

	if (s == NULL)
		return;
	if (error != NULL) {
		imap_fetch_store_error(s, error);
		return;
	}
	f = s->fetch;
	for (unsigned int i = 0; i < changes->expunged_count; i++) {
		uint32_t uid = changes->expunged[i];

		if (imap_seqset_contains(&f->chunk, uid) && imap_msgmap_seq(&s->sel->map, uid) == 0)
			imap_seqset_add_range(&vanished, uid, uid);
	}
	if (vanished.count > 0) {
		struct strbuf line = STRBUF_INIT;

		imap_seqset_append(&line, &vanished);
		imap_send(s, "* VANISHED (EARLIER) %s", strbuf_cstr(&line));
		strbuf_free(&line);
	}
	imap_seqset_free(&vanished);
	imap_fetch_next(s);
}

/* The UID set as the client wrote it, expunged UIDs included (chunk holds
   it until the batches start). False for "$": nothing to report. */
static bool imap_fetch_vanished_start(struct imap_session *s, const struct imap_arg *set)
{
	struct imap_fetch *f = s->fetch;
	struct imap_seqset parsed = IMAP_SEQSET_INIT;
	const char *text, *error;
	uint32_t max_uid = s->sel->uidnext > 1 ? s->sel->uidnext - 1 : 0;

	/* imap_uidset_arg() already accepted it */
	if (!imap_arg_get_atom(set, &text) ||
	    imap_seqset_parse(text, (unsigned int)imap_setting(s, "imap_max_seqset_ranges"),
			      &parsed, &error) < 0 || parsed.searchres) {
		imap_seqset_free(&parsed);
		return false;
	}
	imap_seqset_resolve(&parsed, max_uid, &f->chunk);
	imap_seqset_free(&parsed);
	store_imap_sync(s->worker->pool, s->account_id, s->sel->id, f->args.changedsince, true,
			imap_fetch_vanished_reply, session_ticket_new(&s->ws));
	return true;
}

/* Which stored columns the attributes need. */
static unsigned int imap_fetch_columns(const struct imap_fetch_args *args)
{
	unsigned int columns = STORE_FETCH_BASIC;

	if ((args->items & (IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY | IMAP_FETCH_BODYSTRUCTURE)) != 0)
		columns |= STORE_FETCH_META;
	if (imap_fetch_args_header_only(args))
		columns |= STORE_FETCH_HEADER;
	else if (args->body_count > 0)
		columns |= STORE_FETCH_RAW;
	return columns;
}

/* Parse the attributes and modifiers; false after answering BAD. */
static bool imap_fetch_parse(struct imap_session *s, const struct imap_command *cmd,
			     struct imap_fetch_args *args_r)
{
	const char *error;

	if (cmd->arg_count < 2 || cmd->arg_count > 3) {
		imap_cmd_finish(s, "BAD", "%s needs a sequence set and attributes", cmd->name);
		return false;
	}
	if (imap_fetch_args_parse(&cmd->args[1], cmd->arg_count == 3 ? &cmd->args[2] : NULL,
				  args_r, &error) < 0) {
		imap_cmd_finish(s, "BAD", "%s", error);
		return false;
	}
	if (args_r->vanished && (!s->cmd_uid || !s->qresync)) {
		imap_fetch_args_free(args_r);
		imap_cmd_finish(s, "BAD", "VANISHED needs UID FETCH and ENABLE QRESYNC");
		return false;
	}
	return true;
}

void imap_cmd_fetch(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_fetch_args args;
	struct imap_seqset uids;
	struct imap_fetch *f;

	if (!imap_fetch_parse(s, cmd, &args))
		return;
	if (!imap_uidset_arg(s, &cmd->args[0], s->cmd_uid, &uids)) {
		imap_fetch_args_free(&args);
		return;
	}
	if (s->cmd_uid)
		args.items |= IMAP_FETCH_UID;
	if (args.has_changedsince || (args.items & IMAP_FETCH_MODSEQ) != 0)
		s->condstore = true;   /* RFC 7162 3.1 */
	f = xcalloc(1, sizeof(*f));
	f->args = args;
	f->uids = uids;
	f->columns = imap_fetch_columns(&args);
	f->limit = (unsigned int)imap_setting(s, "imap_fetch_batch");
	if ((f->columns & STORE_FETCH_RAW) != 0 && f->limit > IMAP_FETCH_FIRST_RAW_BATCH)
		f->limit = IMAP_FETCH_FIRST_RAW_BATCH;
	f->set_seen = !s->sel->readonly && imap_fetch_args_sets_seen(&args);
	s->fetch = f;
	if (args.vanished && imap_fetch_vanished_start(s, &cmd->args[0]))
		return;
	imap_fetch_next(s);
}
