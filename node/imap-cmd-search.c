/*
 * imap-cmd-search.c — SEARCH, SORT and THREAD with their UID forms
 * (RFC 9051 6.4.4, ESEARCH RFC 4731, SEARCHRES RFC 5182, SORT and THREAD
 * RFC 5256, ESORT RFC 5267, CONDSTORE's MODSEQ key RFC 7162).
 *
 * The arguments become a key tree (lib-mail/imap-search); every sequence
 * set in it is resolved to UIDs against this session's view, and the
 * store answers with one SQL statement bounded by the view's highest UID,
 * so messages the client has not been told about never match. Results
 * are UIDs; they are printed as message numbers unless the command was
 * UID-prefixed.
 */
#include "imap-session-private.h"

#include "imap-base-subject.h"
#include "imap-quote.h"
#include "imap-search.h"
#include "imap-thread.h"
#include "log.h"
#include "store-imap-search.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum imap_search_kind { IMAP_SEARCH_KIND_SEARCH, IMAP_SEARCH_KIND_SORT, IMAP_SEARCH_KIND_THREAD };

struct imap_search_call {
	struct session_ticket *ticket;
	struct imap_search *search;
	enum imap_search_kind kind;
	enum imap_thread_algorithm algorithm;
};

static void imap_search_call_free(struct imap_search_call *call)
{
	imap_search_free(&call->search);
	free(call);
}

static int imap_search_resolve_set(void *ctx, struct imap_search_key *key, const char **error_r)
{
	struct imap_session *s = ctx;

	(void)error_r;
	/* numbers past the last message simply match nothing here */
	(void)imap_uidset_resolve(s, &key->set, key->uid, &key->resolved_uids);
	key->resolved = true;
	return 0;
}

/* What the client calls a message: its UID or its sequence number. */
static uint32_t imap_search_id(struct imap_session *s, uint32_t uid)
{
	return s->cmd_uid ? uid : imap_msgmap_seq(&s->sel->map, uid);
}

static int imap_search_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* RETURN (SAVE): keep the result as "$"; with only MIN and/or MAX beside
   it, just those (RFC 5182 2.1). uids is in any order. */
static void imap_search_save(struct imap_session *s, unsigned int options,
			     const uint32_t *uids, unsigned int count)
{
	struct imap_seqset *res = &s->sel->searchres;
	uint32_t *sorted;

	imap_seqset_free(res);
	if (count == 0)
		return;
	sorted = xmalloc(count * sizeof(*sorted));
	memcpy(sorted, uids, count * sizeof(*sorted));
	qsort(sorted, count, sizeof(*sorted), imap_search_uid_cmp);
	if ((options & (IMAP_SEARCH_RETURN_ALL | IMAP_SEARCH_RETURN_COUNT)) == 0 &&
	    (options & (IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_MAX)) != 0) {
		if ((options & IMAP_SEARCH_RETURN_MIN) != 0)
			imap_seqset_add_range(res, sorted[0], sorted[0]);
		if ((options & IMAP_SEARCH_RETURN_MAX) != 0)
			imap_seqset_add_range(res, sorted[count - 1], sorted[count - 1]);
	} else {
		for (unsigned int i = 0; i < count; i++)
			imap_seqset_add_range(res, sorted[i], sorted[i]);
	}
	free(sorted);
}

/* "a,b:c,..." in the given order, consecutive ascending runs as ranges:
   ESEARCH ALL (ascending, so fully compacted) and ESORT ALL (sort order). */
static void imap_search_append_ordered_set(struct strbuf *out, const uint32_t *ids,
					   unsigned int count)
{
	for (unsigned int i = 0; i < count;) {
		unsigned int j = i;

		while (j + 1 < count && ids[j + 1] == ids[j] + 1)
			j++;
		strbuf_printf(out, "%s%u", i == 0 ? "" : ",", ids[i]);
		if (j > i)
			strbuf_printf(out, ":%u", ids[j]);
		i = j + 1;
	}
}

static void imap_search_send_esearch(struct imap_session *s, const struct imap_search *search,
				     const uint32_t *ids, unsigned int count, uint64_t modseq)
{
	unsigned int options = search->return_options;
	struct strbuf line = STRBUF_INIT;
	uint32_t min = UINT32_MAX, max = 0;

	for (unsigned int i = 0; i < count; i++) {
		min = ids[i] < min ? ids[i] : min;
		max = ids[i] > max ? ids[i] : max;
	}
	strbuf_append(&line, "* ESEARCH (TAG ");
	imap_append_string(&line, s->tag, strlen(s->tag));
	strbuf_append_c(&line, ')');
	if (s->cmd_uid)
		strbuf_append(&line, " UID");
	if ((options & IMAP_SEARCH_RETURN_MIN) != 0 && count > 0)
		strbuf_printf(&line, " MIN %u", min);
	if ((options & IMAP_SEARCH_RETURN_MAX) != 0 && count > 0)
		strbuf_printf(&line, " MAX %u", max);
	if ((options & IMAP_SEARCH_RETURN_COUNT) != 0)
		strbuf_printf(&line, " COUNT %u", count);
	if ((options & IMAP_SEARCH_RETURN_ALL) != 0 && count > 0) {
		strbuf_append(&line, " ALL ");
		imap_search_append_ordered_set(&line, ids, count);
	}
	if (search->uses_modseq && count > 0)
		strbuf_printf(&line, " MODSEQ %llu", (unsigned long long)modseq);
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
}

static void imap_search_send_plain(struct imap_session *s, const struct imap_search *search,
				   enum imap_search_kind kind, const uint32_t *ids,
				   unsigned int count, uint64_t modseq)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_append(&line, kind == IMAP_SEARCH_KIND_SORT ? "* SORT" : "* SEARCH");
	for (unsigned int i = 0; i < count; i++)
		strbuf_printf(&line, " %u", ids[i]);
	if (search->uses_modseq && count > 0)
		strbuf_printf(&line, " (MODSEQ %llu)", (unsigned long long)modseq);
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
}

static void imap_search_reply(void *ctx, const char *error, const uint32_t *uids,
			      unsigned int count, uint64_t highest_modseq)
{
	struct imap_search_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	const struct imap_search *search = call->search;
	uint32_t *ids;
	unsigned int n = 0;

	if (s == NULL) {
		imap_search_call_free(call);
		return;
	}
	if (error != NULL) {
		log_warning("imap", s->ws.id_str, "event=search_failed error=\"%s\"", error);
		if ((search->return_options & IMAP_SEARCH_RETURN_SAVE) != 0)
			imap_seqset_free(&s->sel->searchres);
		imap_search_call_free(call);
		imap_cmd_finish(s, "NO", "[SERVERBUG] Search failed; try again");
		return;
	}
	if ((search->return_options & IMAP_SEARCH_RETURN_SAVE) != 0)
		imap_search_save(s, search->return_options, uids, count);
	ids = xmalloc((count > 0 ? count : 1) * sizeof(*ids));
	for (unsigned int i = 0; i < count; i++) {
		uint32_t id = imap_search_id(s, uids[i]);

		if (id != 0)
			ids[n++] = id;
	}
	if (!search->has_return)
		imap_search_send_plain(s, search, call->kind, ids, n, highest_modseq);
	else if (search->return_options != IMAP_SEARCH_RETURN_SAVE)
		imap_search_send_esearch(s, search, ids, n, highest_modseq);
	free(ids);
	imap_cmd_finish(s, "OK", "%s completed",
			call->kind == IMAP_SEARCH_KIND_SORT ? "Sort" : "Search");
	imap_search_call_free(call);
}

static void imap_thread_reply(void *ctx, const char *error,
			      const struct store_imap_thread_row *rows, unsigned int count)
{
	struct imap_search_call *call = ctx;
	struct imap_session *s = imap_session_from_ticket(call->ticket);
	struct imap_thread_message *msgs;
	struct strbuf line = STRBUF_INIT;
	unsigned int n = 0;

	if (s == NULL || error != NULL) {
		if (s != NULL) {
			log_warning("imap", s->ws.id_str, "event=thread_failed error=\"%s\"", error);
			imap_cmd_finish(s, "NO", "[SERVERBUG] Thread failed; try again");
		}
		imap_search_call_free(call);
		return;
	}
	msgs = xcalloc(count > 0 ? count : 1, sizeof(*msgs));
	for (unsigned int i = 0; i < count; i++) {
		struct imap_thread_message *m = &msgs[n];

		m->id = imap_search_id(s, rows[i].uid);
		if (m->id == 0)
			continue;
		m->message_id = rows[i].message_id;
		m->in_reply_to = rows[i].in_reply_to;
		m->references = rows[i].references;
		m->date = rows[i].date;
		m->base_subject = imap_base_subject(rows[i].subject, &m->is_reply_or_fwd);
		n++;
	}
	strbuf_append(&line, "* THREAD ");
	imap_thread_build(call->algorithm, msgs, n, &line);
	imap_send(s, "%s", strbuf_cstr(&line));
	strbuf_free(&line);
	for (unsigned int i = 0; i < n; i++)
		free((char *)msgs[i].base_subject);
	free(msgs);
	imap_cmd_finish(s, "OK", "Thread completed");
	imap_search_call_free(call);
}

static int imap_search_parse_args(struct imap_session *s, enum imap_search_kind kind,
				  const struct imap_command *cmd, struct imap_search **search_r,
				  const char **error_r)
{
	struct imap_search_limits limits = {
		.max_depth = (unsigned int)imap_setting(s, "imap_max_depth"),
		.max_seqset_ranges = (unsigned int)imap_setting(s, "imap_max_seqset_ranges"),
	};

	switch (kind) {
	case IMAP_SEARCH_KIND_SORT:
		return imap_sort_parse(cmd->args, cmd->arg_count, &limits, search_r, error_r);
	case IMAP_SEARCH_KIND_THREAD:
		return imap_thread_parse(cmd->args, cmd->arg_count, &limits, search_r, error_r);
	default:
		return imap_search_parse(cmd->args, cmd->arg_count, &limits, search_r, error_r);
	}
}

void imap_cmd_search(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_search_call *call = xcalloc(1, sizeof(*call));
	uint32_t max_uid = imap_msgmap_max_uid(&s->sel->map);
	const char *error;
	int ret;

	call->kind = strcmp(cmd->name, "SORT") == 0 ? IMAP_SEARCH_KIND_SORT :
		     strcmp(cmd->name, "THREAD") == 0 ? IMAP_SEARCH_KIND_THREAD :
		     IMAP_SEARCH_KIND_SEARCH;
	ret = imap_search_parse_args(s, call->kind, cmd, &call->search, &error);
	if (ret == 0 && call->kind == IMAP_SEARCH_KIND_THREAD)
		ret = imap_thread_algorithm_parse(call->search->thread_algorithm,
						  &call->algorithm, &error) < 0 ?
		      IMAP_SEARCH_ERROR_BAD : 0;
	if (ret != 0) {
		imap_search_call_free(call);
		if (ret == IMAP_SEARCH_ERROR_BADCHARSET)
			imap_cmd_finish(s, "NO", "[BADCHARSET (UTF-8 US-ASCII)] %s", error);
		else
			imap_cmd_finish(s, "BAD", "%s", error);
		return;
	}
	if (call->search->uses_modseq)
		s->condstore = true;
	(void)imap_search_foreach_set(call->search->root, imap_search_resolve_set, s, &error);
	call->ticket = session_ticket_new(&s->ws);
	if (call->kind == IMAP_SEARCH_KIND_THREAD)
		store_imap_search_thread(s->worker->pool, s->account_id, s->sel->id, max_uid,
					 call->search->root, imap_thread_reply, call);
	else
		store_imap_search(s->worker->pool, s->account_id, s->sel->id, max_uid,
				  call->search->root, call->search->sort,
				  call->search->sort_count, imap_search_reply, call);
}
