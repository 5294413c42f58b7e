/*
 * imap-quote.c — IMAP string output (see imap-quote.h).
 */
#include "imap-quote.h"

#include "utf8.h"

#include <stdbool.h>
#include <string.h>

static bool imap_needs_literal(const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\r' || c == '\n' || c == '\0' || c >= 0x80)
			return true;
	}
	return false;
}

/* A literal of valid UTF-8: stray 8-bit bytes (a Latin-1 header, say)
   become U+FFFD, so the result fits a UTF-8 database column. */
static void imap_append_literal(struct strbuf *dest, const char *src, size_t len)
{
	struct strbuf clean = STRBUF_INIT;

	if (utf8_is_valid((const unsigned char *)src, len) && memchr(src, '\0', len) == NULL) {
		strbuf_printf(dest, "{%zu}\r\n", len);
		strbuf_append_n(dest, src, len);
		return;
	}
	utf8_append_sanitized(&clean, (const unsigned char *)src, len);
	strbuf_printf(dest, "{%zu}\r\n", clean.len);
	strbuf_append_n(dest, strbuf_cstr(&clean), clean.len);
	strbuf_free(&clean);
}

void imap_append_string(struct strbuf *dest, const char *src, size_t len)
{
	size_t start = 0;

	if (imap_needs_literal(src, len)) {
		imap_append_literal(dest, src, len);
		return;
	}
	strbuf_append_c(dest, '"');
	for (size_t i = 0; i < len; i++) {
		if (src[i] != '"' && src[i] != '\\')
			continue;
		strbuf_append_n(dest, src + start, i - start);
		strbuf_append_c(dest, '\\');
		start = i;
	}
	strbuf_append_n(dest, src + start, len - start);
	strbuf_append_c(dest, '"');
}

void imap_append_nstring(struct strbuf *dest, const char *src)
{
	if (src == NULL)
		strbuf_append(dest, "NIL");
	else
		imap_append_string(dest, src, strlen(src));
}

void imap_append_nstring_text(struct strbuf *dest, const char *src)
{
	struct strbuf text = STRBUF_INIT;
	bool space = false;

	if (src == NULL) {
		strbuf_append(dest, "NIL");
		return;
	}
	for (const char *p = src; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == ' ' || *p == '\t') {
			space = text.len > 0;
			continue;
		}
		if (space)
			strbuf_append_c(&text, ' ');
		space = false;
		strbuf_append_c(&text, *p);
	}
	imap_append_string(dest, strbuf_cstr(&text), text.len);
	strbuf_free(&text);
}

void imap_append_upper(struct strbuf *dest, const char *src)
{
	struct strbuf upper = STRBUF_INIT;

	for (const char *p = src; *p != '\0'; p++) {
		char c = *p;

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		strbuf_append_c(&upper, c);
	}
	imap_append_string(dest, strbuf_cstr(&upper), upper.len);
	strbuf_free(&upper);
}
