/*
 * imap-sync.c — the selected mailbox of an IMAP session: its view
 * (imap-msgmap), how the view follows the database, and the untagged
 * EXISTS / EXPUNGE / VANISHED / FETCH responses that keep the client's view
 * equal to it.
 *
 * A NOTIFY from PostgreSQL (any node changed the mailbox) only marks the
 * view as changed; the session asks for the changes since its modseq when
 * the protocol lets it speak: at the end of a command, on NOOP/CHECK, and
 * at once while idling.
 */
#include "imap-session-private.h"

#include "log.h"
#include "store-imap-message.h"
#include "xalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct imap_sync_call {
	struct session_ticket *ticket;
	bool allow_expunge;
	void (*done)(struct imap_session *s);
};

void imap_flags_append(struct strbuf *out, uint16_t flags, const char *keywords)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ STORE_FLAG_SEEN, "\\Seen" }, { STORE_FLAG_ANSWERED, "\\Answered" },
		{ STORE_FLAG_FLAGGED, "\\Flagged" }, { STORE_FLAG_DELETED, "\\Deleted" },
		{ STORE_FLAG_DRAFT, "\\Draft" },
	};
	bool first = true;

	strbuf_append(out, "FLAGS (");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].bit) == 0)
			continue;
		strbuf_printf(out, "%s%s", first ? "" : " ", names[i].name);
		first = false;
	}
	if (keywords != NULL && keywords[0] != '\0')
		strbuf_printf(out, "%s%s", first ? "" : " ", keywords);
	strbuf_append_c(out, ')');
}

enum imap_flag_kind imap_flag_parse(const char *name, uint16_t *bit_r)
{
	static const struct {
		const char *name;
		uint16_t bit;
	} system_flags[] = {
		{ "\\Seen", STORE_FLAG_SEEN }, { "\\Answered", STORE_FLAG_ANSWERED },
		{ "\\Flagged", STORE_FLAG_FLAGGED }, { "\\Deleted", STORE_FLAG_DELETED },
		{ "\\Draft", STORE_FLAG_DRAFT },
		{ "\\Recent", 0 },   /* set by the server only: ignored, as Dovecot does */
	};
	size_t len = strlen(name);

	*bit_r = 0;
	if (name[0] == '\\') {
		for (size_t i = 0; i < sizeof(system_flags) / sizeof(system_flags[0]); i++) {
			if (strcasecmp(name, system_flags[i].name) == 0) {
				*bit_r = system_flags[i].bit;
				return IMAP_FLAG_SYSTEM;
			}
		}
		return IMAP_FLAG_INVALID;
	}
	/* flag-keyword: an atom without atom-specials or 8-bit bytes; the
	   parser's atoms may hold '[' ... ']' parts, which a keyword may not */
	if (len == 0 || len > IMAP_KEYWORD_MAX_LEN)
		return IMAP_FLAG_INVALID;
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return IMAP_FLAG_INVALID;
	}
	return IMAP_FLAG_KEYWORD;
}

void imap_send_mailbox_flags(struct imap_session *s)
{
	const struct imap_selected *sel = s->sel;
	const char *keywords = strbuf_cstr(&sel->keywords);
	const char *sep = sel->keywords.len > 0 ? " " : "";

	imap_send(s, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft%s%s)", sep, keywords);
	if (sel->readonly)
		imap_send(s, "* OK [PERMANENTFLAGS ()] Read-only mailbox");
	else
		imap_send(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
			  "\\Draft%s%s \\*)] Flags permitted", sep, keywords);
}

static bool imap_keyword_known(const struct strbuf *known, const char *kw, size_t len)
{
	const char *p = strbuf_cstr(known);

	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n == len && strncasecmp(p, kw, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

void imap_announce_keywords(struct imap_session *s, const char *keywords)
{
	struct imap_selected *sel = s->sel;
	bool added = false;

	for (const char *p = keywords != NULL ? keywords : ""; *p != '\0';) {
		size_t len = strcspn(p, " ");

		if (len > 0 && !imap_keyword_known(&sel->keywords, p, len)) {
			if (sel->keywords.len > 0)
				strbuf_append_c(&sel->keywords, ' ');
			strbuf_append_n(&sel->keywords, p, len);
			added = true;
		}
		p += len;
		p += strspn(p, " ");
	}
	if (added)
		imap_send_mailbox_flags(s);
}

static void imap_select_changed(struct mailbox_watcher *watcher)
{
	struct imap_selected *sel = (struct imap_selected *)
		((char *)watcher - offsetof(struct imap_selected, watcher));
	struct imap_session *s = sel->session;

	sel->changed = true;
	if (s->idling && !s->syncing)
		imap_sync(s, true, NULL);
}

void imap_select_open(struct imap_session *s, struct imap_selected *sel)
{
	imap_select_close(s);
	sel->session = s;
	sel->watcher.mailbox_id = sel->id;
	sel->watcher.changed = imap_select_changed;
	mailbox_watch_add(s->worker->mailbox_watch, &sel->watcher);
	s->sel = sel;
	s->state = IMAP_STATE_SELECTED;
}

void imap_select_close(struct imap_session *s)
{
	struct imap_selected *sel = s->sel;

	if (sel == NULL)
		return;
	mailbox_watch_remove(s->worker->mailbox_watch, &sel->watcher);
	imap_msgmap_free(&sel->map);
	imap_seqset_free(&sel->searchres);
	strbuf_free(&sel->keywords);
	free(sel->name);
	free(sel);
	s->sel = NULL;
	if (s->state == IMAP_STATE_SELECTED)
		s->state = IMAP_STATE_AUTH;
}

void imap_sync_own_modseq(struct imap_session *s, uint64_t modseq)
{
	struct imap_selected *sel = s->sel;
	unsigned int max = sizeof(sel->own_modseqs) / sizeof(sel->own_modseqs[0]);

	if (sel->own_modseq_count == max) {
		memmove(sel->own_modseqs, sel->own_modseqs + 1,
			(max - 1) * sizeof(sel->own_modseqs[0]));
		sel->own_modseq_count--;
	}
	sel->own_modseqs[sel->own_modseq_count++] = modseq;
}

static bool imap_sync_is_own(const struct imap_selected *sel, uint64_t modseq)
{
	for (unsigned int i = 0; i < sel->own_modseq_count; i++) {
		if (sel->own_modseqs[i] == modseq)
			return true;
	}
	return false;
}

void imap_sync_send_expunged(struct imap_session *s, const uint32_t *uids, unsigned int count)
{
	struct imap_selected *sel = s->sel;
	struct imap_seqset vanished = IMAP_SEQSET_INIT;

	for (unsigned int i = 0; i < count; i++) {
		uint32_t seq = imap_msgmap_remove(&sel->map, uids[i]);

		if (seq == 0)
			continue;
		if (s->qresync)
			imap_seqset_add_range(&vanished, uids[i], uids[i]);
		else
			imap_send(s, "* %u EXPUNGE", seq);
	}
	if (vanished.count > 0) {
		struct strbuf line = STRBUF_INIT;

		imap_seqset_append(&line, &vanished);
		imap_send(s, "* VANISHED %s", strbuf_cstr(&line));
		strbuf_free(&line);
	}
	imap_seqset_free(&vanished);
}

static void imap_sync_apply(struct imap_session *s, const struct store_imap_changes *ch,
			    bool allow_expunge)
{
	struct imap_selected *sel = s->sel;
	uint32_t before, max_uid_before;
	struct strbuf line = STRBUF_INIT;

	if (allow_expunge)
		imap_sync_send_expunged(s, ch->expunged, ch->expunged_count);
	max_uid_before = imap_msgmap_max_uid(&sel->map);
	before = imap_msgmap_count(&sel->map);
	/* new messages: EXISTS; their flags come with the client's FETCH */
	for (unsigned int i = 0; i < ch->changed_count; i++) {
		uint32_t uid = ch->changed[i].uid;

		if (uid > imap_msgmap_max_uid(&sel->map))
			imap_msgmap_append(&sel->map, uid, uid);
	}
	if (imap_msgmap_count(&sel->map) != before)
		imap_send(s, "* %u EXISTS", imap_msgmap_count(&sel->map));
	for (unsigned int i = 0; i < ch->changed_count; i++) {
		const struct store_imap_message *m = &ch->changed[i];
		uint32_t seq;

		if (m->uid > max_uid_before || imap_sync_is_own(sel, m->modseq))
			continue;
		seq = imap_msgmap_seq(&sel->map, m->uid);
		if (seq == 0)
			continue;
		imap_announce_keywords(s, m->keywords);
		strbuf_truncate(&line, 0);
		strbuf_printf(&line, "* %u FETCH (", seq);
		imap_flags_append(&line, m->flags, m->keywords);
		if (s->condstore || s->qresync)
			strbuf_printf(&line, " UID %u MODSEQ (%llu)", m->uid,
				      (unsigned long long)m->modseq);
		strbuf_append_c(&line, ')');
		imap_send(s, "%s", strbuf_cstr(&line));
	}
	strbuf_free(&line);
	if (ch->uidnext > sel->uidnext)
		sel->uidnext = ch->uidnext;
	if (allow_expunge && ch->highestmodseq > sel->modseq)
		sel->modseq = ch->highestmodseq;
}

static void imap_sync_reply(void *ctx, const char *error, const struct store_imap_changes *ch)
{
	struct imap_sync_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	void (*done)(struct imap_session *s) = call->done;
	bool allow_expunge = call->allow_expunge;

	free(call);
	if (s == NULL) {
		if (done != NULL)
			done(NULL);
		return;
	}
	s->syncing = false;
	if (error != NULL) {
		log_warning("imap", s->ws.id_str, "event=sync_failed error=\"%s\"", error);
		s->sel->changed = true;   /* try again at the next chance */
	} else if (!ch->exists) {
		imap_close(s, "Selected mailbox was deleted");
		if (done != NULL)
			done(NULL);
		return;
	} else {
		imap_sync_apply(s, ch, allow_expunge);
	}
	if (s->sync_again) {
		void (*again_done)(struct imap_session *s) = s->sync_again_done;

		s->sync_again = false;
		s->sync_again_done = NULL;
		if (done != NULL)
			done(s);
		if (s->state == IMAP_STATE_SELECTED)
			imap_sync(s, true, again_done);
		else if (again_done != NULL)
			again_done(s);
		return;
	}
	if (done != NULL)
		done(s);
	else if (s->idling && s->sel != NULL && s->sel->changed && !s->syncing)
		imap_sync(s, true, NULL);   /* changed again meanwhile */
}

void imap_sync(struct imap_session *s, bool allow_expunge, void (*done)(struct imap_session *s))
{
	struct imap_sync_call *call;
	struct imap_selected *sel = s->sel;

	if (s->syncing) {
		/* one at a time: run again (and then done) after the one in flight */
		s->sync_again = true;
		if (done != NULL)
			s->sync_again_done = done;
		return;
	}
	call = xmalloc(sizeof(*call));
	call->ticket = session_ticket_new(&s->ws);
	call->allow_expunge = allow_expunge;
	call->done = done;
	s->syncing = true;
	sel->changed = false;
	store_imap_sync(s->worker->pool, s->account_id, sel->id, sel->modseq, allow_expunge,
			imap_sync_reply, call);
}

bool imap_uidset_resolve(struct imap_session *s, const struct imap_seqset *set, bool uid_mode,
			 struct imap_seqset *uids)
{
	struct imap_selected *sel = s->sel;
	struct imap_seqset resolved = IMAP_SEQSET_INIT;
	uint32_t count = imap_msgmap_count(&sel->map);
	bool in_range = true;

	if (set->searchres) {
		/* "$" is the UIDs a SEARCH RETURN (SAVE) kept, in either mode */
		imap_msgmap_filter_uids(&sel->map, &sel->searchres, uids);
	} else if (uid_mode) {
		imap_seqset_resolve(set, imap_msgmap_max_uid(&sel->map), &resolved);
		imap_msgmap_filter_uids(&sel->map, &resolved, uids);
	} else {
		imap_seqset_resolve(set, count, &resolved);
		in_range = resolved.count == 0 || resolved.ranges[resolved.count - 1].last <= count;
		imap_msgmap_seqs_to_uids(&sel->map, &resolved, uids);
	}
	imap_seqset_free(&resolved);
	return in_range;
}

bool imap_uidset_arg(struct imap_session *s, const struct imap_arg *arg, bool uid_mode,
		     struct imap_seqset *uids_r)
{
	struct imap_seqset parsed = IMAP_SEQSET_INIT;
	const char *text, *error;

	*uids_r = (struct imap_seqset)IMAP_SEQSET_INIT;
	if (!imap_arg_get_atom(arg, &text)) {
		imap_cmd_finish(s, "BAD", "Invalid sequence set");
		return false;
	}
	if (imap_seqset_parse(text, (unsigned int)imap_setting(s, "imap_max_seqset_ranges"),
			      &parsed, &error) < 0) {
		imap_cmd_finish(s, "BAD", "%s", error);
		return false;
	}
	if (!imap_uidset_resolve(s, &parsed, uid_mode, uids_r)) {
		imap_seqset_free(&parsed);
		imap_seqset_free(uids_r);
		imap_cmd_finish(s, "BAD", "Invalid message sequence number");
		return false;
	}
	imap_seqset_free(&parsed);
	return true;
}

struct imap_qresync_call {
	struct session_ticket *ticket;
	struct imap_seqset known;      /* the client's known UIDs; empty: all */
	void (*done)(struct imap_session *s);
};

static void imap_qresync_reply(void *ctx, const char *error, const struct store_imap_changes *ch)
{
	struct imap_qresync_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	struct imap_seqset vanished = IMAP_SEQSET_INIT;
	struct strbuf line = STRBUF_INIT;

	if (s == NULL) {
		call->done(NULL);
	} else if (error != NULL) {
		/* the client falls back to a full resync with what SELECT said */
		log_warning("imap", s->ws.id_str, "event=qresync_failed error=\"%s\"", error);
		call->done(s);
	} else {
		struct imap_selected *sel = s->sel;

		/* only what happened before SELECT's snapshot; later changes
		   come with the ordinary updates */
		for (unsigned int i = 0; i < ch->expunged_count; i++) {
			uint32_t uid = ch->expunged[i];

			if (imap_msgmap_seq(&sel->map, uid) == 0 &&
			    (call->known.count == 0 || imap_seqset_contains(&call->known, uid)))
				imap_seqset_add_range(&vanished, uid, uid);
		}
		if (vanished.count > 0) {
			imap_seqset_append(&line, &vanished);
			imap_send(s, "* VANISHED (EARLIER) %s", strbuf_cstr(&line));
		}
		for (unsigned int i = 0; i < ch->changed_count; i++) {
			const struct store_imap_message *m = &ch->changed[i];
			uint32_t seq = imap_msgmap_seq(&sel->map, m->uid);

			if (seq == 0 || m->modseq > sel->modseq)
				continue;
			strbuf_truncate(&line, 0);
			strbuf_printf(&line, "* %u FETCH (UID %u ", seq, m->uid);
			imap_flags_append(&line, m->flags, m->keywords);
			strbuf_printf(&line, " MODSEQ (%llu))", (unsigned long long)m->modseq);
			imap_send(s, "%s", strbuf_cstr(&line));
		}
		call->done(s);
	}
	strbuf_free(&line);
	imap_seqset_free(&vanished);
	imap_seqset_free(&call->known);
	free(call);
}

void imap_sync_qresync(struct imap_session *s, uint64_t since_modseq,
		       const struct imap_seqset *known_uids, void (*done)(struct imap_session *s))
{
	struct imap_qresync_call *call = xcalloc(1, sizeof(*call));

	call->ticket = session_ticket_new(&s->ws);
	call->done = done;
	for (unsigned int i = 0; i < known_uids->count; i++)
		imap_seqset_add_range(&call->known, known_uids->ranges[i].first,
				      known_uids->ranges[i].last);
	store_imap_sync(s->worker->pool, s->account_id, s->sel->id, since_modseq, true,
			imap_qresync_reply, call);
}
