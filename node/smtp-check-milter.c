/*
 * smtp-check-milter.c — the external milters (setting "milters"), called
 * in order at CONNECT, HELO, MAIL, RCPT and, with the whole message, at
 * COMPLETE: one connection per SMTP session per milter (milter-client.c).
 *
 * A milter's reject/tempfail/replycode refuse what the stage decides
 * (the connection, the command, the recipient, the message); discard
 * drops the message after the 250; accept stops calling that milter for
 * the session (at CONNECT/HELO) or the message. At end of message its
 * header changes and new body are applied to s->tx->body before the next
 * milter sees it, and quarantine files the message into Junk. A milter
 * that fails means its default_action: accept (go on without it),
 * tempfail (451 4.7.1) or reject (554 5.7.1).
 */
#include "smtp-checks.h"

#include "log.h"
#include "message-edit.h"
#include "milter-client.h"
#include "milter-proto.h"
#include "settings.h"
#include "smtp-session-private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct milter_check_entry {
	struct milter_client *client;
	char spec[sizeof(((struct milter_target *)0)->spec)];
	enum milter_fail_action fail;
	bool session_done;      /* accepted at CONNECT/HELO: not called again */
	bool message_done;      /* answered for this message */
	bool in_message;        /* has MAIL of a message without end of body */
};

/* s->policy.milters. It outlives the session while a milter's answer is
   still due (orphaned), so the answer finds it and ends the run. */
struct milter_check_session {
	struct milter_check_entry entries[MILTER_TARGETS_MAX];
	unsigned int count;
	unsigned int current;              /* entry the run is at */
	struct smtp_check_run *run;        /* while a milter answers */
	bool orphaned;
	char log_id[24];
};

static void milter_check_state_free(struct milter_check_session *m)
{
	for (unsigned int i = 0; i < m->count; i++)
		milter_client_free(&m->entries[i].client);
	free(m);
}

static enum milter_fail_action milter_check_default_fail(const struct smtp_session *s)
{
	int action = milter_fail_action_parse(settings_get(s->worker->settings,
							   "milter_default_action", 0, 0));

	return action > 0 ? (enum milter_fail_action)action : MILTER_FAIL_TEMPFAIL;
}

/* Open a connection to every configured milter (CONNECT): *m_r, or NULL
   when none is configured. -1 with *error_r when the setting cannot be
   parsed. */
static int milter_check_open(struct smtp_session *s, struct milter_check_session **m_r,
			     const char **error_r)
{
	struct milter_target targets[MILTER_TARGETS_MAX];
	struct milter_check_session *m;
	enum milter_fail_action default_fail = milter_check_default_fail(s);
	unsigned int count;

	*m_r = NULL;
	if (milter_target_parse_list(settings_get(s->worker->settings, "milters", 0, 0), targets,
				     &count, error_r) < 0)
		return -1;
	if (count == 0)
		return 0;
	m = xcalloc(1, sizeof(*m));
	snprintf(m->log_id, sizeof(m->log_id), "%s", s->ws.id_str);
	for (unsigned int i = 0; i < count; i++) {
		struct milter_check_entry *e = &m->entries[i];

		memcpy(e->spec, targets[i].spec, sizeof(e->spec));
		e->fail = targets[i].fail != MILTER_FAIL_DEFAULT ? targets[i].fail : default_fail;
		e->client = milter_client_new(s->worker->loop, &targets[i],
					      (double)smtp_setting(s, "milter_connect_timeout"),
					      (double)smtp_setting(s, "milter_command_timeout"),
					      (size_t)smtp_setting(s, "message_size_limit") + 65536,
					      s->ws.id_str);
	}
	m->count = count;
	*m_r = m;
	return 0;
}

/* Headers (after our Received:), end of header, body chunks, end. */
static void milter_check_queue_message(struct smtp_session *s, struct buffer *q)
{
	const struct buffer *msg = &s->tx->body;
	const char *data = (const char *)buffer_data(msg);
	size_t pos = s->tx->header_start, len = buffer_len(msg);
	struct message_field f;

	milter_encode_simple(q, SMFIC_DATA);
	for (; message_edit_next_field(msg, pos, &f); pos = f.end) {
		size_t value = f.value, end = f.end;

		if (f.value == f.end || data[f.value - 1] != ':')
			continue;   /* a line without a colon is no field */
		while (value < end && (data[value] == ' ' || data[value] == '\t'))
			value++;
		while (end > value && (data[end - 1] == '\n' || data[end - 1] == '\r'))
			end--;
		milter_encode_header(q, data + f.start, f.value - 1 - f.start, data + value,
				     end - value);
	}
	milter_encode_simple(q, SMFIC_EOH);
	pos = message_edit_header_end(msg, s->tx->header_start);
	pos += pos < len && data[pos] == '\r' ? 2 : pos < len ? 1 : 0;
	for (; pos < len; pos += MILTER_CHUNK_SIZE)
		milter_encode_body(q, data + pos, len - pos < MILTER_CHUNK_SIZE ? len - pos :
				   MILTER_CHUNK_SIZE);
	milter_encode_simple(q, SMFIC_BODYEOB);
}

/* Encode what entry e is told at this stage. */
static void milter_check_queue(struct smtp_session *s, struct milter_check_entry *e,
			       enum smtp_stage stage)
{
	struct buffer *q = milter_client_queue(e->client);
	char host[80];

	switch (stage) {
	case SMTP_STAGE_CONNECT: {
		const char *macros[] = { "j", smtp_hostname(s), "{daemon_name}", "petrel",
					 "{client_addr}", s->ws.ip };

		snprintf(host, sizeof(host), "[%s]", s->ws.ip);
		milter_encode_macro(q, SMFIC_CONNECT, macros, 3);
		milter_encode_connect(q, host, s->ws.ip, 0);
		break;
	}
	case SMTP_STAGE_HELO:
		milter_encode_helo(q, s->helo != NULL ? s->helo : "");
		break;
	case SMTP_STAGE_MAIL: {
		const char *macros[] = { "i", s->tx->queue_id, "{mail_addr}", s->tx->mail_from };

		if (e->in_message)
			milter_encode_simple(q, SMFIC_ABORT);
		e->in_message = true;
		milter_encode_macro(q, SMFIC_MAIL, macros, 2);
		milter_encode_mail(q, s->tx->mail_from);
		break;
	}
	case SMTP_STAGE_RCPT: {
		const char *macros[] = { "{rcpt_addr}", smtp_policy_rcpt(s) };

		milter_encode_macro(q, SMFIC_RCPT, macros, 1);
		milter_encode_rcpt(q, smtp_policy_rcpt(s));
		break;
	}
	default:
		milter_check_queue_message(s, q);
		break;
	}
}

/* Apply one milter's end-of-message modifications to the message. */
static void milter_check_apply_edits(struct smtp_session *s, const struct milter_check_entry *e,
				     const struct buffer *edits)
{
	struct buffer *msg = &s->tx->body;
	size_t start = s->tx->header_start, pos = 0, consumed;
	struct buffer body = { 0 };
	bool replace_body = false;
	struct milter_reply r;
	const char *error;

	while (milter_reply_parse(buffer_data(edits) + pos, buffer_len(edits) - pos,
				  MILTER_REPLY_MAX, &r, &consumed, &error) == 1) {
		pos += consumed;
		smtp_policy_trace(s, "milter=%s edit=%c", e->spec, r.code);
		if (r.code == SMFIR_ADDHEADER) {
			message_edit_insert(msg, start, ~0u, r.text, r.value);
		} else if (r.code == SMFIR_INSHEADER) {
			message_edit_insert(msg, start, r.index, r.text, r.value);
		} else if (r.code == SMFIR_CHGHEADER) {
			message_edit_change(msg, start, r.text, r.index > 0 ? r.index : 1,
					    r.value[0] != '\0' ? r.value : NULL);
		} else if (r.code == SMFIR_REPLBODY) {
			buffer_append(&body, r.data, r.data_len);
			replace_body = true;
		} else if (r.code == SMFIR_QUARANTINE) {
			log_info("smtp", s->ws.id_str, "event=milter_quarantine milter=%s "
				 "reason=\"%s\"", e->spec, r.text);
			smtp_policy_file_into(s, "Junk");
		} else {
			log_warning("smtp", s->ws.id_str, "event=milter_edit_ignored milter=%s "
				    "code=%c", e->spec, r.code);
		}
	}
	if (replace_body)
		message_edit_replace_body(msg, start, buffer_data(&body), buffer_len(&body));
	buffer_clear(&body);
	buffer_compact(&body);
}

static void milter_check_run_next(struct smtp_session *s, struct milter_check_session *m);

/* The run is over for this check: the session goes on with the verdict. */
static void milter_check_finish(struct milter_check_session *m, enum smtp_verdict verdict,
				const char *reply, const char *reason)
{
	struct smtp_check_run *run = m->run;

	m->run = NULL;
	smtp_check_done(run, verdict, reply, reason);
}

/* A milter that failed: its default action. */
static void milter_check_failed(struct smtp_session *s, struct milter_check_session *m,
				const struct milter_check_entry *e, const char *why)
{
	char reason[256];

	snprintf(reason, sizeof(reason), "milter %s failed: %s", e->spec, why);
	if (e->fail == MILTER_FAIL_ACCEPT) {
		smtp_policy_trace(s, "milter=%s failed, fail open", e->spec);
		m->current++;
		milter_check_run_next(s, m);
	} else if (e->fail == MILTER_FAIL_REJECT) {
		milter_check_finish(m, SMTP_VERDICT_REJECT,
				    "554 5.7.1 Message refused: content filter unavailable", reason);
	} else {
		milter_check_finish(m, SMTP_VERDICT_TEMPFAIL,
				    "451 4.7.1 Content filter unavailable, try again later", reason);
	}
}

/* A milter's own reply code ("550 5.7.1 text", maybe multi-line) as one
   SMTP reply line. */
static void milter_check_reply_line(const char *text, char *line, size_t size)
{
	size_t n = strcspn(text, "\r\n");

	snprintf(line, size, "%.*s", (int)n, text);
	if (strlen(line) > 3 && line[3] == '-')
		line[3] = ' ';
}

static void milter_check_answered(void *ctx, const struct milter_result *result)
{
	struct milter_check_session *m = ctx;
	struct smtp_session *s = m->orphaned ? NULL : smtp_check_session(m->run);
	struct milter_check_entry *e = &m->entries[m->current];
	enum smtp_stage stage = smtp_check_stage(m->run);
	char reply[512], reason[200];

	if (s == NULL) {             /* the session is gone */
		milter_check_finish(m, SMTP_VERDICT_CONTINUE, NULL, NULL);
		milter_check_state_free(m);
		return;
	}
	if (result->failed) {
		milter_check_failed(s, m, e, result->reason);
		return;
	}
	if (stage == SMTP_STAGE_COMPLETE)
		e->in_message = false;
	snprintf(reason, sizeof(reason), "milter %s", e->spec);
	switch (result->code) {
	case SMFIR_ACCEPT:
		if (stage <= SMTP_STAGE_HELO)
			e->session_done = true;
		else
			e->message_done = true;
		/* fall through */
	case SMFIR_CONTINUE:
		if (stage == SMTP_STAGE_COMPLETE)
			milter_check_apply_edits(s, e, result->edits);
		m->current++;
		milter_check_run_next(s, m);
		return;
	case SMFIR_DISCARD:
		milter_check_finish(m, SMTP_VERDICT_DISCARD, NULL, reason);
		return;
	case SMFIR_TEMPFAIL:
		milter_check_finish(m, SMTP_VERDICT_TEMPFAIL, "451 4.7.1 Please try again later",
				    reason);
		return;
	case SMFIR_REPLYCODE:
		milter_check_reply_line(result->reply, reply, sizeof(reply));
		milter_check_finish(m, reply[0] == '4' ? SMTP_VERDICT_TEMPFAIL : SMTP_VERDICT_REJECT,
				    reply, reason);
		return;
	default:   /* SMFIR_REJECT */
		milter_check_finish(m, SMTP_VERDICT_REJECT, "550 5.7.1 Command rejected", reason);
		return;
	}
}

/* Call the next milter that still takes part, or end with CONTINUE. */
static void milter_check_run_next(struct smtp_session *s, struct milter_check_session *m)
{
	enum smtp_stage stage = smtp_check_stage(m->run);

	for (; m->current < m->count; m->current++) {
		struct milter_check_entry *e = &m->entries[m->current];

		if (e->session_done || (stage > SMTP_STAGE_HELO && e->message_done))
			continue;
		milter_check_queue(s, e, stage);
		milter_client_run(e->client, milter_check_answered, m);
		return;
	}
	milter_check_finish(m, SMTP_VERDICT_CONTINUE, NULL, NULL);
}

static void milter_check_start(struct smtp_session *s, struct smtp_check_run *run)
{
	struct milter_check_session *m = s->policy.milters;
	enum smtp_stage stage = smtp_check_stage(run);
	const char *error;

	if (stage == SMTP_STAGE_CONNECT && m == NULL) {
		if (milter_check_open(s, &m, &error) < 0) {
			log_error("smtp", s->ws.id_str, "event=milter_setting_invalid error=\"%s\"",
				  error);
			smtp_check_done(run, milter_check_default_fail(s) == MILTER_FAIL_ACCEPT ?
					SMTP_VERDICT_CONTINUE : SMTP_VERDICT_TEMPFAIL,
					"451 4.7.1 Content filter unavailable, try again later", error);
			return;
		}
		s->policy.milters = m;
	}
	if (m == NULL) {
		smtp_check_done(run, SMTP_VERDICT_CONTINUE, NULL, NULL);
		return;
	}
	if (stage == SMTP_STAGE_MAIL) {
		for (unsigned int i = 0; i < m->count; i++)
			m->entries[i].message_done = false;
	}
	m->run = run;
	m->current = 0;
	milter_check_run_next(s, m);
}

static void milter_check_session_free(struct smtp_session *s)
{
	struct milter_check_session *m = s->policy.milters;

	if (m == NULL)
		return;
	s->policy.milters = NULL;
	if (m->run != NULL)
		m->orphaned = true;     /* the milter's answer frees it */
	else
		milter_check_state_free(m);
}

const struct smtp_check smtp_check_milter = {
	.name = "milter",
	.stages = SMTP_STAGE_BIT(SMTP_STAGE_CONNECT) | SMTP_STAGE_BIT(SMTP_STAGE_HELO) |
		  SMTP_STAGE_BIT(SMTP_STAGE_MAIL) | SMTP_STAGE_BIT(SMTP_STAGE_RCPT) |
		  SMTP_STAGE_BIT(SMTP_STAGE_COMPLETE),
	.start = milter_check_start,
	.session_free = milter_check_session_free,
};
