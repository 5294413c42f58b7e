/*
 * pgq-dsn.c — the bytes of a delivery status notification (see pgq-dsn.h).
 *
 * The three body parts are built first, then a boundary that none of them
 * contains, then the top-level header. Everything that comes from outside
 * (addresses, remote replies, the original headers) goes through one of
 * two cleaners: header values lose control characters and are bounded, the
 * original header block gets CRLF line ends and loses NULs.
 */
#include "pgq-dsn.h"

#include "strbuf.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Remote reply texts and addresses are cut here: with the field name
   every line stays far below the 998 octets of RFC 5322 2.1.1. */
#define PGQ_DSN_MAX_VALUE 900
/* Header fields are folded at white space before this column. */
#define PGQ_DSN_FOLD 76

static void pgq_dsn_date(struct strbuf *buf, time_t when)
{
	char date[64];
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strbuf_append(buf, date);
}

static bool pgq_dsn_is_ascii(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text >= 0x80)
			return false;
	}
	return true;
}

/* text as one line of valid UTF-8: control characters become spaces, runs
   of spaces one, at most PGQ_DSN_MAX_VALUE bytes (never cutting a
   character). */
static void pgq_dsn_append_clean(struct strbuf *buf, const char *text)
{
	struct strbuf line = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)text;
	size_t start = buf->len;

	for (; *p != '\0'; p++) {
		unsigned char c = *p < 0x20 || *p == 0x7f ? ' ' : *p;

		if (c == ' ' && (line.len == 0 || line.data[line.len - 1] == ' '))
			continue;
		strbuf_append_c(&line, (char)c);
	}
	while (line.len > 0 && line.data[line.len - 1] == ' ')
		strbuf_truncate(&line, line.len - 1);
	utf8_append_sanitized(buf, (const unsigned char *)strbuf_cstr(&line), line.len);
	strbuf_free(&line);
	if (buf->len - start > PGQ_DSN_MAX_VALUE) {
		size_t end = start + PGQ_DSN_MAX_VALUE;

		while (end > start && ((unsigned char)buf->data[end] & 0xc0) == 0x80)
			end--;   /* back to the start of a character */
		strbuf_truncate(buf, end);
	}
}

/* "Name: value" CRLF, folded at spaces so lines stay short. */
static void pgq_dsn_field(struct strbuf *buf, const char *name, const char *value)
{
	size_t column = strlen(name) + 2;
	const char *p = value;

	strbuf_printf(buf, "%s: ", name);
	while (*p != '\0') {
		const char *space = strchr(p, ' ');
		size_t word = space != NULL ? (size_t)(space - p) : strlen(p);

		if (p != value && column + 1 + word > PGQ_DSN_FOLD) {
			strbuf_append(buf, "\r\n\t");
			column = 1;
		} else if (p != value) {
			strbuf_append_c(buf, ' ');
			column++;
		}
		strbuf_append_n(buf, p, word);
		column += word;
		p += word;
		while (*p == ' ')
			p++;
	}
	strbuf_append(buf, "\r\n");
}

/* A field whose value is cleaned outside text: prefix followed by text. */
static void pgq_dsn_field_clean(struct strbuf *buf, const char *name, const char *prefix,
				const char *text)
{
	struct strbuf value = STRBUF_INIT;

	strbuf_append(&value, prefix);
	pgq_dsn_append_clean(&value, text);
	pgq_dsn_field(buf, name, strbuf_cstr(&value));
	strbuf_free(&value);
}

static void pgq_dsn_field_date(struct strbuf *buf, const char *name, time_t when)
{
	struct strbuf value = STRBUF_INIT;

	pgq_dsn_date(&value, when);
	pgq_dsn_field(buf, name, strbuf_cstr(&value));
	strbuf_free(&value);
}

/* The reply text after the basic code when the server repeated it there
   ("550 5.1.1 ..." or "550-5.1.1 ..."). */
static const char *pgq_dsn_skip_code(const struct pgq_dsn_recipient *r)
{
	const char *p = r->reply != NULL ? r->reply : "";
	char code[8];

	while (*p == ' ')
		p++;
	snprintf(code, sizeof(code), "%03d", r->code);
	if (r->code > 0 && strncmp(p, code, 3) == 0 && (p[3] == ' ' || p[3] == '-' || p[3] == '\0'))
		p += p[3] == '\0' ? 3 : 4;
	return p;
}

/* 1 to 3 digits at *p: their count, 0 if none or too many. */
static size_t pgq_dsn_digits(const char *p)
{
	size_t n = 0;

	while (isdigit((unsigned char)p[n]))
		n++;
	return n <= 3 ? n : 0;
}

const char *pgq_dsn_status(const struct pgq_dsn_recipient *r, char buf[16])
{
	char want = r->action == PGQ_DSN_FAILED ? '5' : '4';
	const char *p = pgq_dsn_skip_code(r);
	size_t subject, detail;

	if (r->action == PGQ_DSN_FAILED && r->expired)
		return strcpy(buf, "4.4.7");
	if (r->action == PGQ_DSN_FAILED && r->code >= 400 && r->code < 500)
		want = '4';   /* a temporary reply that was treated as final */
	if (p[0] == want && p[1] == '.' && (subject = pgq_dsn_digits(p + 2)) > 0 &&
	    p[2 + subject] == '.' && (detail = pgq_dsn_digits(p + 3 + subject)) > 0 &&
	    (p[3 + subject + detail] == ' ' || p[3 + subject + detail] == '\0')) {
		memcpy(buf, p, 3 + subject + detail);
		buf[3 + subject + detail] = '\0';
		return buf;
	}
	snprintf(buf, 16, "%c.0.0", want);
	return buf;
}

static bool pgq_dsn_is_global(const struct pgq_dsn *dsn)
{
	if (!pgq_dsn_is_ascii(dsn->sender))
		return true;
	for (unsigned int i = 0; i < dsn->rcpt_count; i++) {
		if (!pgq_dsn_is_ascii(dsn->rcpts[i].address) ||
		    (dsn->rcpts[i].reply != NULL && !pgq_dsn_is_ascii(dsn->rcpts[i].reply)))
			return true;
	}
	return false;
}

static bool pgq_dsn_is_failure(const struct pgq_dsn *dsn)
{
	for (unsigned int i = 0; i < dsn->rcpt_count; i++) {
		if (dsn->rcpts[i].action == PGQ_DSN_FAILED)
			return true;
	}
	return false;
}

/* Part 1: what happened, for people. */
static void pgq_dsn_explanation(struct strbuf *buf, const struct pgq_dsn *dsn, bool failure)
{
	strbuf_append(buf, "This is the mail system at host ");
	pgq_dsn_append_clean(buf, dsn->hostname);
	strbuf_append(buf, ".\r\n\r\n");
	if (failure) {
		strbuf_append(buf, "Your message could not be delivered to one or more recipients.\r\n"
			      "Its headers are attached below.\r\n");
	} else {
		strbuf_append(buf, "Your message has not been delivered yet to the recipients "
			      "below.\r\nThe mail system keeps trying until ");
		pgq_dsn_date(buf, dsn->retry_until);
		strbuf_append(buf, ";\r\nyou do not need to send it again.\r\n");
	}
	for (unsigned int i = 0; i < dsn->rcpt_count; i++) {
		const struct pgq_dsn_recipient *r = &dsn->rcpts[i];

		strbuf_append(buf, "\r\n<");
		pgq_dsn_append_clean(buf, r->address);
		if (r->action == PGQ_DSN_DELAYED)
			strbuf_append(buf, ">: delayed");
		else if (r->expired)
			strbuf_printf(buf, ">: gave up after %d attempts", r->attempts);
		else
			strbuf_append(buf, ">: delivery failed permanently");
		if (r->code > 0) {
			strbuf_printf(buf, "; the remote server replied:\r\n    %d ", r->code);
			pgq_dsn_append_clean(buf, pgq_dsn_skip_code(r));
		} else if (r->reply != NULL && r->reply[0] != '\0') {
			strbuf_append(buf, ":\r\n    ");
			pgq_dsn_append_clean(buf, r->reply);
		}
		strbuf_append(buf, "\r\n");
	}
}

static void pgq_dsn_recipient_fields(struct strbuf *buf, const struct pgq_dsn *dsn,
				     const struct pgq_dsn_recipient *r, bool global)
{
	bool utf8 = global && !pgq_dsn_is_ascii(r->address);
	char status[16];

	strbuf_append(buf, "\r\n");
	pgq_dsn_field_clean(buf, "Final-Recipient", utf8 ? "utf-8; " : "rfc822; ", r->address);
	pgq_dsn_field(buf, "Action", r->action == PGQ_DSN_FAILED ? "failed" : "delayed");
	pgq_dsn_field(buf, "Status", pgq_dsn_status(r, status));
	if (r->code > 0) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "smtp; %d ", r->code);
		pgq_dsn_field_clean(buf, "Diagnostic-Code", prefix, pgq_dsn_skip_code(r));
	}
	if (r->attempts > 0)
		pgq_dsn_field_date(buf, "Last-Attempt-Date", r->last_attempt);
	if (r->action == PGQ_DSN_DELAYED)
		pgq_dsn_field_date(buf, "Will-Retry-Until", dsn->retry_until);
}

/* Part 2: the machine-readable report (RFC 3464 2.2, 2.3). */
static void pgq_dsn_status_part(struct strbuf *buf, const struct pgq_dsn *dsn, bool global)
{
	pgq_dsn_field_clean(buf, "Reporting-MTA", "dns; ", dsn->hostname);
	pgq_dsn_field_clean(buf, "X-Petrel-Queue-ID", "", dsn->queue_id);
	pgq_dsn_field_date(buf, "Arrival-Date", dsn->arrival);
	for (unsigned int i = 0; i < dsn->rcpt_count; i++)
		pgq_dsn_recipient_fields(buf, dsn, &dsn->rcpts[i], global);
}

/* Part 3: the original header block, bounded at a line end, every line
   ended by CRLF, without NULs and without its closing empty line. Returns
   whether it has 8-bit bytes. */
static bool pgq_dsn_headers_part(struct strbuf *buf, const struct pgq_dsn *dsn)
{
	size_t size = dsn->headers_size, start = buf->len;
	const unsigned char *p = dsn->headers;
	bool eightbit = false;

	if (size > PGQ_DSN_MAX_HEADERS) {
		size = PGQ_DSN_MAX_HEADERS;
		while (size > 0 && p[size - 1] != '\n')
			size--;   /* whole lines only */
	}
	for (size_t i = 0; i < size; i++) {
		if (p[i] == '\n') {
			strbuf_append(buf, "\r\n");
		} else if (p[i] != '\r' && p[i] != '\0') {
			eightbit |= p[i] >= 0x80;
			strbuf_append_c(buf, (char)p[i]);
		}
	}
	if (buf->len > start && buf->data[buf->len - 1] != '\n')
		strbuf_append(buf, "\r\n");
	while (buf->len >= start + 4 && memcmp(buf->data + buf->len - 4, "\r\n\r\n", 4) == 0)
		strbuf_truncate(buf, buf->len - 2);
	if (buf->len == start + 2)
		strbuf_truncate(buf, start);   /* nothing but an empty line */
	return eightbit;
}

static bool pgq_dsn_parts_contain(struct strbuf *const *parts, unsigned int count,
				  const char *boundary)
{
	for (unsigned int i = 0; i < count; i++) {
		if (strstr(strbuf_cstr(parts[i]), boundary) != NULL)
			return true;
	}
	return false;
}

static void pgq_dsn_top_header(struct strbuf *out, const struct pgq_dsn *dsn, bool failure,
			       bool global, const char *boundary)
{
	struct strbuf value = STRBUF_INIT;

	strbuf_append(&value, "Mail Delivery System <MAILER-DAEMON@");
	pgq_dsn_append_clean(&value, dsn->hostname);
	strbuf_append_c(&value, '>');
	pgq_dsn_field(out, "From", strbuf_cstr(&value));
	strbuf_truncate(&value, 0);
	strbuf_append_c(&value, '<');
	pgq_dsn_append_clean(&value, dsn->sender);
	strbuf_append_c(&value, '>');
	pgq_dsn_field(out, "To", strbuf_cstr(&value));
	pgq_dsn_field(out, "Subject", failure ? "Undelivered Mail Returned to Sender"
					      : "Delayed Mail (still being retried)");
	pgq_dsn_field_date(out, "Date", dsn->now);
	strbuf_truncate(&value, 0);
	strbuf_append_c(&value, '<');
	pgq_dsn_append_clean(&value, dsn->dsn_id);
	strbuf_append(&value, ".dsn.");
	pgq_dsn_append_clean(&value, dsn->queue_id);
	strbuf_append_c(&value, '@');
	pgq_dsn_append_clean(&value, dsn->hostname);
	strbuf_append_c(&value, '>');
	pgq_dsn_field(out, "Message-ID", strbuf_cstr(&value));
	strbuf_free(&value);
	pgq_dsn_field(out, "Auto-Submitted", "auto-replied");
	pgq_dsn_field(out, "MIME-Version", "1.0");
	strbuf_printf(out, "Content-Type: multipart/report; report-type=%s;\r\n"
		      "\tboundary=\"%s\"\r\n\r\n",
		      global ? "global-delivery-status" : "delivery-status", boundary);
	strbuf_append(out, "This is a MIME-encapsulated message.\r\n");
}

static void pgq_dsn_part(struct strbuf *out, const char *boundary, const char *type,
			 bool eightbit, const struct strbuf *body)
{
	strbuf_printf(out, "\r\n--%s\r\nContent-Type: %s\r\n", boundary, type);
	if (eightbit)
		strbuf_append(out, "Content-Transfer-Encoding: 8bit\r\n");
	strbuf_append(out, "\r\n");
	strbuf_append_n(out, body->data != NULL ? body->data : "", body->len);
}

char *pgq_dsn_build(const struct pgq_dsn *dsn, size_t *size_r)
{
	struct strbuf text = STRBUF_INIT, status = STRBUF_INIT, headers = STRBUF_INIT;
	struct strbuf out = STRBUF_INIT, boundary = STRBUF_INIT;
	struct strbuf *const parts[] = { &text, &status, &headers };
	bool global = pgq_dsn_is_global(dsn), failure = pgq_dsn_is_failure(dsn);
	bool headers_8bit;

	pgq_dsn_explanation(&text, dsn, failure);
	pgq_dsn_status_part(&status, dsn, global);
	headers_8bit = pgq_dsn_headers_part(&headers, dsn);
	strbuf_append(&boundary, "=_petrel_");
	pgq_dsn_append_clean(&boundary, dsn->dsn_id);
	while (pgq_dsn_parts_contain(parts, 3, strbuf_cstr(&boundary)))
		strbuf_append_c(&boundary, '_');

	pgq_dsn_top_header(&out, dsn, failure, global, strbuf_cstr(&boundary));
	pgq_dsn_part(&out, strbuf_cstr(&boundary), "text/plain; charset=utf-8",
		     !pgq_dsn_is_ascii(strbuf_cstr(&text)), &text);
	pgq_dsn_part(&out, strbuf_cstr(&boundary),
		     global ? "message/global-delivery-status" : "message/delivery-status",
		     global, &status);
	pgq_dsn_part(&out, strbuf_cstr(&boundary),
		     global ? "message/global-headers" : "text/rfc822-headers",
		     headers_8bit, &headers);
	strbuf_printf(&out, "\r\n--%s--\r\n", strbuf_cstr(&boundary));
	strbuf_free(&text);
	strbuf_free(&status);
	strbuf_free(&headers);
	strbuf_free(&boundary);
	*size_r = out.len;
	return strbuf_steal(&out);
}
