/*
 * imap-cmd-append.c — APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502:
 * all messages of one command or none), UIDPLUS's APPENDUID (RFC 4315),
 * literal8 and UTF8 (RFC 3516, RFC 6855) and [OVERQUOTA] (RFC 9208).
 *
 * Each message is parsed once here (store_content_prepare: envelope, body
 * structure, search text) and stored in one transaction. A client that
 * pipelines APPENDs (a sync tool) would otherwise wait for one commit per
 * command: the APPENDs to the same mailbox that are already complete in
 * the input are taken at once and stored by one shared transaction, and
 * each still gets its tagged OK only after that commit. When the shared
 * transaction fails over quota, its commands are stored one by one, so
 * each gets the answer it would have got alone.
 */
#include "imap-session-private.h"

#include "buffer.h"
#include "conn.h"
#include "imap-date.h"
#include "log.h"
#include "store-imap-message.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_APPEND_BATCH_MAX 100       /* commands per shared transaction */
#define IMAP_APPEND_KEYWORDS_MAX 64     /* keywords per message */
#define IMAP_TAG_PEEK_MAX 64            /* longest tag looked ahead for */

/* One APPEND command, copied out of the parser. */
struct imap_append_cmd {
	char *tag;
	char *mailbox;                   /* the argument as sent */
	struct store_imap_append *msgs;
	unsigned int msg_count;
	const char *status;              /* NULL until answered: "OK", "NO", "BAD" */
	char *text;
};

/* APPENDs to one mailbox stored by one transaction. */
struct imap_append_batch {
	struct session_ticket *ticket;
	char *name;                       /* the target, UTF-8 */
	struct imap_append_cmd *cmds;
	unsigned int cmd_count;
	struct imap_append_cmd *carry;    /* parsed, for another mailbox: next */
	unsigned int alone;               /* storing cmds[alone] by itself, or cmd_count */
	struct store_imap_append **ptrs;  /* the messages of the transaction */
};

static void imap_append_start(struct imap_session *s, struct imap_append_cmd *first);

static void imap_append_msgs_free(struct imap_append_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->msg_count; i++) {
		struct store_imap_append *msg = &cmd->msgs[i];

		store_content_clear(&msg->content);
		for (unsigned int k = 0; k < msg->keyword_count; k++)
			free(msg->keywords[k]);
		free(msg->keywords);
	}
	free(cmd->msgs);
	cmd->msgs = NULL;
	cmd->msg_count = 0;
}

static void imap_append_cmd_clear(struct imap_append_cmd *cmd)
{
	imap_append_msgs_free(cmd);
	free(cmd->tag);
	free(cmd->mailbox);
	free(cmd->text);
	memset(cmd, 0, sizeof(*cmd));
}

static void imap_append_batch_free(struct imap_append_batch *b)
{
	for (unsigned int i = 0; i < b->cmd_count; i++)
		imap_append_cmd_clear(&b->cmds[i]);
	if (b->carry != NULL)
		imap_append_cmd_clear(b->carry);
	free(b->carry);
	free(b->cmds);
	free(b->ptrs);
	free(b->name);
	free(b);
}

static void imap_append_answer(struct imap_append_cmd *cmd, const char *status,
			       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void imap_append_answer(struct imap_append_cmd *cmd, const char *status,
			       const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&text, fmt, ap);
	va_end(ap);
	cmd->status = status;
	free(cmd->text);
	cmd->text = strbuf_steal(&text);
	/* a refused command's messages are never stored */
	if (strcmp(status, "OK") != 0)
		imap_append_msgs_free(cmd);
}

static bool imap_append_flags(const struct imap_arg *arg, struct store_imap_append *msg)
{
	const struct imap_arg *list;
	unsigned int count;
	const char *name;
	uint16_t bit;

	if (!imap_arg_get_list(arg, &list, &count) || count > IMAP_APPEND_KEYWORDS_MAX)
		return false;
	msg->keywords = xcalloc(count + 1, sizeof(*msg->keywords));
	for (unsigned int i = 0; i < count; i++) {
		if (!imap_arg_get_atom(&list[i], &name))
			return false;
		switch (imap_flag_parse(name, &bit)) {
		case IMAP_FLAG_SYSTEM:
			msg->flags |= bit;
			break;
		case IMAP_FLAG_KEYWORD:
			msg->keywords[msg->keyword_count++] = xstrdup(name);
			break;
		default:
			return false;
		}
	}
	return true;
}

/* The message data: a literal, a literal8 (BINARY) or UTF8 (literal8). */
static const struct imap_arg *imap_append_data(const struct imap_arg *args, unsigned int count,
					       unsigned int *i)
{
	const struct imap_arg *list;
	unsigned int n;

	if (*i < count && args[*i].type == IMAP_ARG_LITERAL)
		return &args[(*i)++];
	if (*i + 1 < count && imap_arg_atom_equals(&args[*i], "UTF8") &&
	    imap_arg_get_list(&args[*i + 1], &list, &n) && n == 1 &&
	    list[0].type == IMAP_ARG_LITERAL) {
		*i += 2;
		return &list[0];
	}
	return NULL;
}

/* One message from args[*i]: [flag-list] [date-time] data. Returns false
   after answering cmd. */
static bool imap_append_message(struct imap_session *s, const struct imap_arg *args,
				unsigned int count, unsigned int *i, struct imap_append_cmd *cmd)
{
	struct store_imap_append *msg;
	const struct imap_arg *data;
	time_t when;

	cmd->msgs = xrealloc(cmd->msgs, sizeof(*cmd->msgs) * (cmd->msg_count + 1));
	msg = &cmd->msgs[cmd->msg_count++];
	memset(msg, 0, sizeof(*msg));
	msg->internal_date = -1;
	if (*i < count && args[*i].type == IMAP_ARG_LIST && !imap_append_flags(&args[(*i)++], msg)) {
		imap_append_answer(cmd, "BAD", "Invalid flags");
		return false;
	}
	if (*i < count && args[*i].type == IMAP_ARG_STRING) {
		if (!imap_date_time_parse(args[(*i)++].str, &when, NULL)) {
			imap_append_answer(cmd, "BAD", "Invalid date-time");
			return false;
		}
		msg->internal_date = when < 0 ? 0 : (int64_t)when;
	}
	data = imap_append_data(args, count, i);
	if (data == NULL) {
		imap_append_answer(cmd, "BAD", "APPEND needs the message as a literal");
		return false;
	}
	if (data->len == 0) {
		imap_append_answer(cmd, "NO", "Can't save a zero byte message");
		return false;
	}
	msg->content.raw = xmalloc(data->len);
	memcpy(msg->content.raw, data->str, data->len);
	msg->content.size = data->len;
	store_content_prepare(&msg->content, (size_t)imap_setting(s, "search_text_max_bytes"),
			      true);
	return true;
}

/* Copy an APPEND command out of the parser; a bad one is answered in out. */
static void imap_append_parse(struct imap_session *s, const struct imap_command *cmd,
			      struct imap_append_cmd *out)
{
	const char *mailbox;
	unsigned int i = 1;

	out->tag = xstrdup(cmd->tag);
	if (cmd->arg_count < 2 || !imap_arg_get_astring(&cmd->args[0], &mailbox)) {
		imap_append_answer(out, "BAD", "APPEND needs a mailbox name and a message");
		return;
	}
	out->mailbox = xstrdup(mailbox);
	while (i < cmd->arg_count && imap_append_message(s, cmd->args, cmd->arg_count, &i, out))
		;
}

/* Whether the buffered input starts with another "tag APPEND " (the
   command is not parsed yet: another command must stay in the input). */
static bool imap_append_next_buffered(struct imap_session *s)
{
	struct buffer *in = conn_input(s->conn);
	const char *p = (const char *)buffer_data(in);
	size_t len = buffer_len(in), i = 0;

	while (i < len && i < IMAP_TAG_PEEK_MAX && p[i] > ' ' && p[i] < 0x7f)
		i++;
	return i > 0 && len > i + 7 && p[i] == ' ' && strncasecmp(p + i + 1, "APPEND ", 7) == 0;
}

/* Take the APPENDs that follow in the input into the batch; one to
   another mailbox ends it and starts the next batch. */
static void imap_append_gather(struct imap_session *s, struct imap_append_batch *b)
{
	while (b->cmd_count < IMAP_APPEND_BATCH_MAX && imap_append_next_buffered(s)) {
		const struct imap_command *cmd = imap_session_parse_next(s);
		struct imap_append_cmd next = { 0 };

		if (cmd == NULL)
			break;
		s->commands++;
		imap_append_parse(s, cmd, &next);
		if (next.mailbox != NULL && strcmp(next.mailbox, b->cmds[0].mailbox) != 0) {
			b->carry = xmalloc(sizeof(*b->carry));
			*b->carry = next;
			break;
		}
		b->cmds = xrealloc(b->cmds, sizeof(*b->cmds) * (b->cmd_count + 1));
		b->cmds[b->cmd_count++] = next;
	}
}

/* The answer to a stored (or failed) command. */
static void imap_append_result(struct imap_session *s, struct imap_append_cmd *cmd,
			       const char *error, uint32_t uidvalidity, const uint32_t *uids)
{
	struct imap_seqset set = IMAP_SEQSET_INIT;
	struct strbuf text = STRBUF_INIT;

	switch (store_imap_error_code(error)) {
	case STORE_IMAP_ERR_NONE:
		for (unsigned int i = 0; i < cmd->msg_count; i++)
			imap_seqset_add_range(&set, uids[i], uids[i]);
		imap_seqset_append(&text, &set);
		imap_append_answer(cmd, "OK", "[APPENDUID %u %s] Append completed", uidvalidity,
				   strbuf_cstr(&text));
		imap_seqset_free(&set);
		strbuf_free(&text);
		break;
	case STORE_IMAP_ERR_NONEXISTENT:
		imap_append_answer(cmd, "NO", "[TRYCREATE] Mailbox does not exist");
		break;
	case STORE_IMAP_ERR_OVERQUOTA:
		imap_append_answer(cmd, "NO", "[OVERQUOTA] Quota exceeded");
		break;
	default:
		log_warning("imap", s->ws.id_str, "event=store_failed command=APPEND error=\"%s\"",
			    error);
		imap_append_answer(cmd, "NO", "[UNAVAILABLE] Append failed, try again later");
		break;
	}
}

/* Every command's tagged answer, in order; the last one through
   imap_cmd_finish() (with the new messages' EXISTS first when the
   mailbox is the selected one), unless a carried batch follows. */
static void imap_append_reply(struct imap_session *s, struct imap_append_batch *b)
{
	struct imap_append_cmd *carry = b->carry;
	struct imap_append_cmd *last = &b->cmds[b->cmd_count - 1];

	for (unsigned int i = 0; i < b->cmd_count; i++) {
		if (s->sel != NULL && strcmp(b->cmds[i].status, "OK") == 0 &&
		    strcmp(s->sel->name, b->name) == 0)
			s->sel->changed = true;
	}
	for (unsigned int i = 0; i + 1 < b->cmd_count; i++)
		imap_send(s, "%s %s %s", b->cmds[i].tag, b->cmds[i].status, b->cmds[i].text);
	free(s->tag);
	b->carry = NULL;
	if (carry != NULL) {
		imap_send(s, "%s %s %s", last->tag, last->status, last->text);
		s->tag = xstrdup(carry->tag);
		imap_append_batch_free(b);
		imap_append_start(s, carry);
		return;
	}
	s->tag = xstrdup(last->tag);
	imap_cmd_finish(s, last->status, "%s", last->text);
	imap_append_batch_free(b);
}

static void imap_append_submit(struct imap_session *s, struct imap_append_batch *b);

/* The next command to store by itself after cmds[from], or cmd_count. */
static unsigned int imap_append_next_alone(const struct imap_append_batch *b, unsigned int from)
{
	while (from < b->cmd_count && b->cmds[from].status != NULL)
		from++;
	return from;
}

static void imap_append_stored(void *ctx, const char *error, uint32_t uidvalidity,
			       const uint32_t *uids, unsigned int count)
{
	struct imap_append_batch *b = ctx;
	struct imap_session *s = imap_session_from_ticket(b->ticket);
	unsigned int pending = 0, done = 0;

	(void)count;
	b->ticket = NULL;
	if (s == NULL) {
		imap_append_batch_free(b);
		return;
	}
	if (b->alone < b->cmd_count) {
		imap_append_result(s, &b->cmds[b->alone], error, uidvalidity, uids);
		b->alone = imap_append_next_alone(b, b->alone);
		if (b->alone < b->cmd_count)
			imap_append_submit(s, b);
		else
			imap_append_reply(s, b);
		return;
	}
	for (unsigned int i = 0; i < b->cmd_count; i++)
		pending += b->cmds[i].status == NULL;
	/* one command over quota fails them all: find out which */
	if (pending > 1 && store_imap_error_code(error) == STORE_IMAP_ERR_OVERQUOTA) {
		b->alone = imap_append_next_alone(b, 0);
		imap_append_submit(s, b);
		return;
	}
	for (unsigned int i = 0; i < b->cmd_count; i++) {
		if (b->cmds[i].status != NULL)
			continue;
		imap_append_result(s, &b->cmds[i], error, uidvalidity, uids + done);
		done += error == NULL ? b->cmds[i].msg_count : 0;
	}
	imap_append_reply(s, b);
}

/* Store the unanswered commands' messages (or only cmds[alone]'s). */
static void imap_append_submit(struct imap_session *s, struct imap_append_batch *b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < b->cmd_count; i++) {
		struct imap_append_cmd *cmd = &b->cmds[i];

		if (cmd->status != NULL || (b->alone < b->cmd_count && i != b->alone))
			continue;
		b->ptrs = xrealloc(b->ptrs, sizeof(*b->ptrs) * (n + cmd->msg_count));
		for (unsigned int m = 0; m < cmd->msg_count; m++)
			b->ptrs[n++] = &cmd->msgs[m];
	}
	if (n == 0) {
		imap_append_reply(s, b);
		return;
	}
	log_debug("imap", s->ws.id_str, "event=append_store commands=%u messages=%u",
		  b->alone < b->cmd_count ? 1 : b->cmd_count, n);
	b->ticket = session_ticket_new(&s->ws);
	store_imap_append(s->worker->pool, s->account_id, b->name, b->ptrs, n,
			  imap_append_stored, b);
}

/* Start a batch with first (owned; s->tag is its tag). */
static void imap_append_start(struct imap_session *s, struct imap_append_cmd *first)
{
	struct imap_append_batch *b;
	struct imap_arg mailbox = { .type = IMAP_ARG_STRING, .str = first->mailbox };
	char *name;

	mailbox.len = first->mailbox != NULL ? strlen(first->mailbox) : 0;
	if (first->status != NULL || !imap_mailbox_arg(s, &mailbox, &name)) {
		if (first->status != NULL)
			imap_cmd_finish(s, first->status, "%s", first->text);
		imap_append_cmd_clear(first);
		free(first);
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->name = name;
	b->cmds = first;
	b->cmd_count = 1;
	imap_append_gather(s, b);
	b->alone = b->cmd_count;
	imap_append_submit(s, b);
}

void imap_cmd_append(struct imap_session *s, const struct imap_command *cmd)
{
	struct imap_append_cmd *first = xcalloc(1, sizeof(*first));

	imap_append_parse(s, cmd, first);
	imap_append_start(s, first);
}
