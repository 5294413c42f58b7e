/*
 * message-text.c — searchable text of a message (see message-text.h):
 * header fields through the header iterator and RFC 2047 decoding, body
 * text through the part tree (message-part.h), the transfer and charset
 * decoders (mime-decode.h) and a small HTML-to-text pass.
 *
 * The HTML pass works on text already converted to UTF-8 and only reacts
 * to ASCII markup bytes, so the text it copies stays valid UTF-8. Every
 * construct is found with forward scans that never revisit bytes: it is
 * linear on hostile input (unclosed tags, comments or scripts simply run
 * to the end).
 */
#include "message-text.h"

#include "message-part.h"
#include "mime-decode.h"
#include "rfc2047.h"
#include "rfc822-header.h"
#include "utf8.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MESSAGE_TEXT_ENTITY_MAX 10

static const struct {
	const char *name;
	uint32_t cp;
} message_text_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", ' ' }, { "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 },
	{ "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "euro", 0x20AC }, { "pound", 0xA3 }, { "shy", 0xAD }, { "laquo", 0xAB },
	{ "raquo", 0xBB }, { "middot", 0xB7 }, { "bull", 0x2022 },
};

static void message_text_headers(const unsigned char *data, size_t size, struct strbuf *out)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf value = STRBUF_INIT;

	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		size_t start;

		utf8_append_sanitized(out, field.name, field.name_len);
		strbuf_append(out, ": ");
		strbuf_truncate(&value, 0);
		rfc822_header_unfold(field.value, field.value_len, &value);
		start = out->len;
		rfc2047_decode(value.data, value.len, out);
		for (size_t i = start; i < out->len; i++) {
			if (out->data[i] == '\r' || out->data[i] == '\n')
				out->data[i] = ' ';
		}
		strbuf_append_c(out, '\n');
	}
	strbuf_free(&value);
}

/* "&name;" / "&#123;" / "&#x7B;" at p[0] == '&': append what it stands
   for and return its length, or 0 when it is not an entity we know. */
static size_t message_text_entity(const char *p, size_t len, struct strbuf *out)
{
	size_t n = 1;
	uint32_t cp = 0;

	while (n < len && n <= MESSAGE_TEXT_ENTITY_MAX && p[n] != ';' &&
	       (isalnum((unsigned char)p[n]) || p[n] == '#'))
		n++;
	if (n >= len || p[n] != ';' || n == 1)
		return 0;
	if (p[1] == '#') {
		bool hex = n > 2 && (p[2] == 'x' || p[2] == 'X');
		size_t i = hex ? 3 : 2;

		if (i >= n)
			return 0;
		for (; i < n; i++) {
			int c = tolower((unsigned char)p[i]);

			if (isdigit(c))
				cp = cp * (hex ? 16 : 10) + (uint32_t)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				cp = cp * 16 + (uint32_t)(c - 'a' + 10);
			else
				return 0;
		}
		utf8_append_codepoint(out, cp);   /* 0 and invalid ones: U+FFFD */
		return n + 1;
	}
	for (size_t i = 0; i < sizeof(message_text_entities) / sizeof(message_text_entities[0]); i++) {
		const char *name = message_text_entities[i].name;

		if (strlen(name) == n - 1 && strncmp(p + 1, name, n - 1) == 0) {
			utf8_append_codepoint(out, message_text_entities[i].cp);
			return n + 1;
		}
	}
	return 0;
}

/* Index just after the first "</name" ... ">" at or after pos, or len. */
static size_t message_text_skip_element(const char *p, size_t len, size_t pos, const char *name)
{
	size_t name_len = strlen(name);
	const char *lt, *gt;

	while (pos < len && (lt = memchr(p + pos, '<', len - pos)) != NULL) {
		pos = (size_t)(lt - p) + 1;
		if (len - pos > name_len && p[pos] == '/' &&
		    strncasecmp(p + pos + 1, name, name_len) == 0) {
			gt = memchr(p + pos, '>', len - pos);
			return gt == NULL ? len : (size_t)(gt - p) + 1;
		}
	}
	return len;
}

static bool message_text_tag_is(const char *tag, size_t tag_len, const char *const *names,
				size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strlen(names[i]) == tag_len && strncasecmp(tag, names[i], tag_len) == 0)
			return true;
	}
	return false;
}

/* The markup at p[pos] == '<': skip it (and a script or style element's
   contents), write the break it stands for; returns the index after it. */
static size_t message_text_tag(const char *p, size_t len, size_t pos, struct strbuf *out)
{
	static const char *const blocks[] = {
		"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "blockquote", "pre", "hr", "ul", "ol", "title",
	};
	static const char *const hidden[] = { "script", "style" };
	const char *gt, *tag;
	size_t tag_len = 0, end;
	bool closing;

	if (len - pos >= 4 && memcmp(p + pos, "<!--", 4) == 0) {
		gt = memmem(p + pos + 4, len - pos - 4, "-->", 3);
		return gt == NULL ? len : (size_t)(gt - p) + 3;
	}
	gt = memchr(p + pos, '>', len - pos);
	end = gt == NULL ? len : (size_t)(gt - p) + 1;
	closing = pos + 1 < len && p[pos + 1] == '/';
	tag = p + pos + (closing ? 2 : 1);
	while (tag + tag_len < p + end && isalnum((unsigned char)tag[tag_len]))
		tag_len++;
	if (!closing && message_text_tag_is(tag, tag_len, hidden, 2))
		end = message_text_skip_element(p, len, end, tag_len == 6 ? "script" : "style");
	if (out->len > 0 && !isspace((unsigned char)out->data[out->len - 1]))
		strbuf_append_c(out, message_text_tag_is(tag, tag_len, blocks,
							 sizeof(blocks) / sizeof(blocks[0])) ?
				'\n' : ' ');
	return end;
}

static void message_text_html(const char *p, size_t len, struct strbuf *out)
{
	size_t pos = 0;

	while (pos < len) {
		size_t run = strcspn(p + pos, "<&"), n;

		if (run > len - pos)
			run = len - pos;
		strbuf_append_n(out, p + pos, run);
		pos += run;
		if (pos >= len)
			break;
		if (p[pos] == '&') {
			n = message_text_entity(p + pos, len - pos, out);
			if (n == 0) {
				strbuf_append_c(out, '&');
				n = 1;
			}
			pos += n;
		} else if (pos + 1 < len && (isalpha((unsigned char)p[pos + 1]) ||
					     p[pos + 1] == '/' || p[pos + 1] == '!' ||
					     p[pos + 1] == '?')) {
			pos = message_text_tag(p, len, pos, out);
		} else {
			strbuf_append_c(out, '<');
			pos++;
		}
	}
}

/* Append the text of one text/plain or text/html part. */
static void message_text_part(const unsigned char *data, const struct message_part *part,
			      struct strbuf *body)
{
	enum mime_decode_encoding encoding = mime_decode_encoding_parse(part->encoding);
	const unsigned char *src = data + part->body_offset;
	size_t len = part->body_end - part->body_offset;
	struct strbuf decoded = STRBUF_INIT, text = STRBUF_INIT;
	const char *error;

	if (encoding != MIME_DECODE_IDENTITY && encoding != MIME_DECODE_UNKNOWN) {
		(void)mime_decode_transfer(encoding, src, len, &decoded, &error);
		src = (const unsigned char *)decoded.data;
		len = decoded.len;
	}
	if (body->len > 0 && body->data[body->len - 1] != '\n')
		strbuf_append_c(body, '\n');
	if (strcmp(part->subtype, "html") == 0) {
		mime_decode_charset(part->charset, src, len, &text);
		message_text_html(strbuf_cstr(&text), text.len, body);
	} else {
		mime_decode_charset(part->charset, src, len, body);
	}
	strbuf_free(&decoded);
	strbuf_free(&text);
}

static void message_text_walk(const unsigned char *data, const struct message_part *part,
			      size_t max, struct strbuf *body)
{
	for (; part != NULL && body->len < max; part = part->next) {
		if (part->children != NULL)
			message_text_walk(data, part->children, max, body);
		else if (strcmp(part->type, "text") == 0 &&
			 (strcmp(part->subtype, "plain") == 0 || strcmp(part->subtype, "html") == 0))
			message_text_part(data, part, body);
	}
}

/* Cut body to at most max bytes without splitting a character. */
static void message_text_cap(struct strbuf *body, size_t max)
{
	size_t cut = max;

	if (body->len <= max)
		return;
	while (cut > 0 && ((unsigned char)body->data[cut] & 0xC0) == 0x80)
		cut--;
	strbuf_truncate(body, cut);
}

void message_text_extract(const unsigned char *data, size_t size, size_t max_body_bytes,
			  char **headers_r, char **body_r)
{
	struct strbuf headers = STRBUF_INIT, body = STRBUF_INIT;
	struct message_part *root;

	if (data == NULL) {
		data = (const unsigned char *)"";
		size = 0;
	}
	root = message_part_parse(data, size);
	message_text_headers(data, root->body_offset, &headers);
	message_text_walk(data, root, max_body_bytes, &body);
	message_part_free(&root);
	message_text_cap(&body, max_body_bytes);
	*headers_r = strbuf_steal(&headers);
	*body_r = strbuf_steal(&body);
}
