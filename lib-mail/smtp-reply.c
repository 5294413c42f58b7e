/*
 * smtp-reply.c — SMTP server replies and EHLO keywords (see smtp-reply.h).
 *
 * The buffered bytes are scanned from the start on every call: a reply is
 * at most max_size bytes, so rescanning is cheap and the parser keeps no
 * state between calls (the input buffer is the state).
 */
#include "smtp-reply.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct reply_line {
	const unsigned char *text;  /* after "ddd" and the separator */
	size_t text_len;
	unsigned int code;
	bool last;                  /* "ddd " or "ddd" rather than "ddd-" */
};

/* Split one line (without its line end) into code, separator and text. */
static int reply_line_parse(const unsigned char *line, size_t len, struct reply_line *r,
			    const char **error_r)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || !isdigit(line[1]) ||
	    !isdigit(line[2])) {
		*error_r = "reply line does not start with a 3-digit code 2xx-5xx";
		return -1;
	}
	if (len > 3 && line[3] != ' ' && line[3] != '-') {
		*error_r = "reply code not followed by space or hyphen";
		return -1;
	}
	r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	r->last = len == 3 || line[3] == ' ';
	r->text = len > 4 ? line + 4 : line + len;
	r->text_len = len > 4 ? len - 4 : 0;
	return 0;
}

/* Length of an RFC 3463 code "c.sss.ddd" at text whose class matches the
   reply code and that is followed by a space or the end; 0 if none. */
static size_t reply_enhanced_len(const unsigned char *text, size_t len, unsigned int code)
{
	size_t pos = 2, digits;

	if (len < 5 || text[0] != '0' + code / 100 || text[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		for (digits = 0; pos < len && isdigit(text[pos]) && digits < 3; digits++)
			pos++;
		if (digits == 0)
			return 0;
		if (part == 0) {
			if (pos >= len || text[pos] != '.')
				return 0;
			pos++;
		}
	}
	return pos == len || text[pos] == ' ' ? pos : 0;
}

static void reply_append_text(struct smtp_reply *reply, const unsigned char *text, size_t len)
{
	if (len == 0)
		return;
	if (reply->text.len > 0)
		strbuf_append_c(&reply->text, ' ');
	for (size_t i = 0; i < len; i++)
		strbuf_append_c(&reply->text, text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i]);
}

/* Fill reply from the complete lines in data[0..len), already checked. */
static void reply_build(const unsigned char *data, size_t len, struct smtp_reply *reply)
{
	size_t pos = 0, enh_len = 0;
	const char *unused;

	strbuf_truncate(&reply->text, 0);
	reply->enhanced[0] = '\0';
	while (pos < len) {
		const unsigned char *nl = memchr(data + pos, '\n', len - pos);
		size_t line_len = nl - (data + pos);
		struct reply_line line;

		if (line_len > 0 && data[pos + line_len - 1] == '\r')
			line_len--;
		reply_line_parse(data + pos, line_len, &line, &unused);
		if (pos == 0) {
			reply->code = line.code;
			enh_len = reply_enhanced_len(line.text, line.text_len, line.code);
			memcpy(reply->enhanced, line.text, enh_len);
			reply->enhanced[enh_len] = '\0';
		}
		/* servers repeat the enhanced code on every line: keep it once */
		if (enh_len > 0 && line.text_len >= enh_len &&
		    memcmp(line.text, reply->enhanced, enh_len) == 0) {
			line.text += enh_len;
			line.text_len -= enh_len;
			while (line.text_len > 0 && line.text[0] == ' ') {
				line.text++;
				line.text_len--;
			}
		}
		reply_append_text(reply, line.text, line.text_len);
		pos = nl - data + 1;
	}
}

int smtp_reply_parse(const unsigned char *data, size_t len, size_t max_size,
		     struct smtp_reply *reply, size_t *consumed_r, const char **error_r)
{
	size_t pos = 0;
	unsigned int first_code = 0;

	while (pos < len) {
		const unsigned char *nl = memchr(data + pos, '\n', len - pos);
		size_t line_len = (nl != NULL ? (size_t)(nl - data) : len) - pos;
		size_t end = nl != NULL ? (size_t)(nl - data) + 1 : len;
		struct reply_line line;

		if (end > max_size) {
			*error_r = "reply too large";
			return -2;
		}
		/* (an unfinished line's last CR is its line end in the making) */
		if (line_len > 0 && data[pos + line_len - 1] == '\r')
			line_len--;
		if (line_len > SMTP_REPLY_MAX_LINE) {
			*error_r = "reply line too long";
			return -2;
		}
		if (nl == NULL)
			break;
		if (reply_line_parse(data + pos, line_len, &line, error_r) < 0)
			return -1;
		if (pos == 0) {
			first_code = line.code;
		} else if (line.code != first_code) {
			*error_r = "reply lines carry different codes";
			return -1;
		}
		pos = end;
		if (line.last) {
			reply_build(data, pos, reply);
			*consumed_r = pos;
			return 1;
		}
	}
	if (len >= max_size) {
		*error_r = "reply too large";
		return -2;
	}
	return 0;
}

void smtp_reply_free(struct smtp_reply *reply)
{
	strbuf_free(&reply->text);
}

/* A keyword of length klen at word (case-insensitive, whole word). */
static bool ehlo_word_is(const unsigned char *word, size_t len, const char *keyword)
{
	return len == strlen(keyword) && strncasecmp((const char *)word, keyword, len) == 0;
}

/* "AUTH PLAIN LOGIN" (or the old "AUTH=PLAIN LOGIN"): the mechanisms. */
static unsigned int ehlo_auth_mechs(const unsigned char *p, size_t len)
{
	unsigned int mechs = 0;
	size_t pos = 0;

	while (pos < len) {
		size_t start;

		while (pos < len && (p[pos] == ' ' || p[pos] == '='))
			pos++;
		start = pos;
		while (pos < len && p[pos] != ' ')
			pos++;
		if (ehlo_word_is(p + start, pos - start, "PLAIN"))
			mechs |= SMTP_AUTH_PLAIN;
		else if (ehlo_word_is(p + start, pos - start, "LOGIN"))
			mechs |= SMTP_AUTH_LOGIN;
	}
	return mechs;
}

/* "SIZE 35882577": the limit, 0 when absent, malformed or overflowing. */
static uint64_t ehlo_size_value(const unsigned char *p, size_t len)
{
	uint64_t value = 0;
	size_t pos = 0;

	while (pos < len && p[pos] == ' ')
		pos++;
	for (; pos < len && isdigit(p[pos]); pos++) {
		if (value > (UINT64_MAX - 9) / 10)
			return 0;
		value = value * 10 + (p[pos] - '0');
	}
	return pos == len || p[pos] == ' ' ? value : 0;
}

static void ehlo_keyword(const unsigned char *p, size_t len, struct smtp_ehlo *ehlo)
{
	size_t klen = 0;

	while (klen < len && p[klen] != ' ' && p[klen] != '=')
		klen++;
	if (ehlo_word_is(p, klen, "PIPELINING")) {
		ehlo->pipelining = true;
	} else if (ehlo_word_is(p, klen, "SIZE")) {
		ehlo->size = true;
		ehlo->size_max = ehlo_size_value(p + klen, len - klen);
	} else if (ehlo_word_is(p, klen, "8BITMIME")) {
		ehlo->eightbitmime = true;
	} else if (ehlo_word_is(p, klen, "SMTPUTF8")) {
		ehlo->smtputf8 = true;
	} else if (ehlo_word_is(p, klen, "STARTTLS")) {
		ehlo->starttls = true;
	} else if (ehlo_word_is(p, klen, "ENHANCEDSTATUSCODES")) {
		ehlo->enhancedstatuscodes = true;
	} else if (ehlo_word_is(p, klen, "AUTH")) {
		ehlo->auth |= ehlo_auth_mechs(p + klen, len - klen);
	}
}

void smtp_ehlo_parse(const unsigned char *data, size_t len, struct smtp_ehlo *ehlo_r)
{
	size_t pos = 0;
	bool first = true;

	memset(ehlo_r, 0, sizeof(*ehlo_r));
	while (pos < len) {
		const unsigned char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;
		size_t line_len = end - pos;

		if (line_len > 0 && data[end - 1] == '\r')
			line_len--;
		if (!first && line_len > 4)
			ehlo_keyword(data + pos + 4, line_len - 4, ehlo_r);
		first = false;
		pos = end + 1;
	}
}
