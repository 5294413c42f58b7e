/*
 * utf8.c — UTF-8 checks and repair (see utf8.h).
 */
#include "utf8.h"

size_t utf8_char_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	/* the second byte's range excludes overlong forms, surrogates and
	   code points above U+10FFFF */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	}
	return n;
}

bool utf8_is_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_char_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

void utf8_append_sanitized(struct strbuf *dest, const unsigned char *p, size_t len)
{
	size_t i = 0, start = 0, n;

	if (len == 0)
		return;
	while (i < len) {
		n = p[i] == '\0' ? 0 : utf8_char_len(p + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		strbuf_append_n(dest, p + start, i - start);
		strbuf_append(dest, UTF8_REPLACEMENT);
		start = ++i;
	}
	strbuf_append_n(dest, p + start, i - start);
}

void utf8_append_codepoint(struct strbuf *dest, uint32_t cp)
{
	char out[4];

	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
		strbuf_append(dest, UTF8_REPLACEMENT);
	} else if (cp < 0x80) {
		strbuf_append_c(dest, (char)cp);
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_append_n(dest, out, 2);
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_append_n(dest, out, 3);
	} else {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_append_n(dest, out, 4);
	}
}
