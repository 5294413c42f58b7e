/*
 * pop3-cmd-retr.c — RETR and TOP (RFC 1939 7): one message read from the
 * store, then written with dot-stuffing (a line starting with "." gets
 * another one) and the terminating ".", batch by batch so that no more than
 * the output bound waits for a slow client. TOP sends the header, the
 * empty line and the first n lines of the body.
 */
#include "pop3-session-private.h"

#include "conn.h"
#include "log.h"
#include "store-imap-message.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Bytes dot-stuffed per step between checks of the output bound. */
#define POP3_RETR_CHUNK 65536

void pop3_retr_free(struct pop3_retr *retr)
{
	free(retr->data);
	*retr = (struct pop3_retr){ 0 };
}

/* How many bytes of the message TOP sends: the header block (with its
   empty line) and lines more lines of the body. */
static size_t pop3_top_length(const unsigned char *raw, size_t len, size_t header_size,
			      uint32_t lines)
{
	const unsigned char *p = raw + (header_size < len ? header_size : len);
	const unsigned char *end = raw + len;

	for (uint32_t i = 0; i < lines && p < end; i++) {
		const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));

		p = lf != NULL ? lf + 1 : end;
	}
	return (size_t)(p - raw);
}

/* Write data[0..len) with an extra "." before every line that starts with
   one; retr->at_line_start carries over between chunks. */
static void pop3_retr_stuff(struct pop3_session *s, const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;

	while (p < end) {
		const unsigned char *hit;
		size_t n;

		if (s->retr.at_line_start && *p == '.')
			conn_write(s->conn, ".", 1);
		hit = memmem(p, (size_t)(end - p), "\n.", 2);
		n = hit != NULL ? (size_t)(hit - p) + 1 : (size_t)(end - p);
		conn_write(s->conn, p, n);
		s->retr.at_line_start = p[n - 1] == '\n';
		p += n;
	}
}

static void pop3_retr_pump(void *ctx)
{
	struct pop3_session *s = ctx;
	struct pop3_retr *retr = &s->retr;
	size_t max = pop3_output_max(s);

	if (s->state == POP3_STATE_CLOSED)
		return;
	while (retr->pos < retr->len) {
		size_t n = retr->len - retr->pos;

		if (conn_output_len(s->conn) >= max) {
			pop3_wait_output(s, pop3_retr_pump);
			return;
		}
		if (n > POP3_RETR_CHUNK)
			n = POP3_RETR_CHUNK;
		pop3_retr_stuff(s, retr->data + retr->pos, n);
		retr->pos += n;
	}
	/* the terminating "." must start a line of its own */
	if (!retr->at_line_start)
		conn_write(s->conn, "\r\n", 2);
	pop3_retr_free(retr);
	pop3_cmd_finish_multiline(s);
}

static void pop3_retr_fetched(void *ctx, const char *error,
			      const struct store_imap_message *rows, unsigned int count)
{
	struct pop3_session *s = pop3_session_from_ticket(ctx);
	struct pop3_retr *retr;
	size_t len;

	if (s == NULL)
		return;
	retr = &s->retr;
	if (error != NULL) {
		log_warning("pop3", s->ws.id_str, "event=retr_failed error=\"%s\"", error);
		pop3_cmd_finish(s, false, "[SYS/TEMP] Cannot read the message now");
		return;
	}
	if (count == 0 || rows[0].raw == NULL) {
		pop3_cmd_finish(s, false, "Message was removed by another session");
		return;
	}
	len = retr->top ? pop3_top_length(rows[0].raw, rows[0].raw_len, rows[0].header_size,
					  retr->top_lines) : rows[0].raw_len;
	/* rows live only during this callback; the client may read slowly */
	retr->data = xmalloc(len + 1);
	memcpy(retr->data, rows[0].raw, len);
	retr->len = len;
	retr->pos = 0;
	retr->at_line_start = true;
	if (retr->top) {
		pop3_send(s, "+OK Top of message follows");
	} else {
		s->drop.msgs[retr->msg_index].retrieved = true;
		pop3_send(s, "+OK %zu octets", len);
	}
	pop3_retr_pump(s);
}

static void pop3_retr_start(struct pop3_session *s, uint32_t msgnum, bool top, uint32_t lines)
{
	const struct pop3_message *msg = pop3_message_arg(s, msgnum);
	struct imap_seqset uid = IMAP_SEQSET_INIT;
	char *range;

	if (msg == NULL)
		return;
	s->retr.msg_index = msgnum - 1;
	s->retr.top = top;
	s->retr.top_lines = lines;
	imap_seqset_add_range(&uid, msg->uid, msg->uid);
	range = store_imap_uid_multirange(&uid);
	imap_seqset_free(&uid);
	store_imap_fetch(s->worker->pool, s->account_id, s->drop.mailbox_id, range, 0, 1,
			 0, STORE_FETCH_RAW, pop3_retr_fetched, session_ticket_new(&s->ws));
	free(range);
}

void pop3_cmd_retr(struct pop3_session *s, const struct pop3_command *cmd)
{
	pop3_retr_start(s, cmd->msgnum, false, 0);
}

void pop3_cmd_top(struct pop3_session *s, const struct pop3_command *cmd)
{
	pop3_retr_start(s, cmd->msgnum, true, cmd->top_lines);
}
