/*
 * rfc2047.c — encoded-word decoding (see rfc2047.h).
 *
 * One left-to-right pass: plain text is copied (made valid UTF-8), each
 * encoded-word is decoded into a pending byte buffer that is converted when
 * the charset changes or plain text follows. An encoded-word's text cannot
 * contain '?', so a failed candidate never rescans more than its own text:
 * the pass stays linear on hostile input.
 */
#include "rfc2047.h"

#include "base64.h"
#include "mime-decode.h"
#include "utf8.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#define RFC2047_CHARSET_MAX 40
/* iconv_open() calls per header value: a header cycling through charsets
   must not cost a module load per word */
#define RFC2047_MAX_ICONV_OPENS 8

struct rfc2047_decoder {
	struct strbuf *dest;
	char charset[RFC2047_CHARSET_MAX + 1];   /* of pending, "" when none */
	struct strbuf pending;
	iconv_t cd;
	char cd_charset[RFC2047_CHARSET_MAX + 1];   /* what cd converts, or failed on */
	bool cd_valid;
	unsigned int opens;
};

struct rfc2047_word {
	char charset[RFC2047_CHARSET_MAX + 1];   /* without any "*language" */
	char encoding;                           /* 'B' or 'Q' */
	const unsigned char *text;
	size_t text_len;
	size_t total_len;
};

/* windows-1252 0x80..0x9F; the five unassigned bytes map to C1 controls
   as in the WHATWG encoding standard */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static bool rfc2047_is_charset_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		(c != '\0' && strchr("!#$%&'+-^_`{}~.*", c) != NULL);
}

/* "=?" charset "?" encoding "?" encoded-text "?=" at p */
static bool rfc2047_word_parse(const unsigned char *p, const unsigned char *end,
			       struct rfc2047_word *w)
{
	const unsigned char *q = p + 2, *cs = q;
	size_t cs_len;

	while (q < end && rfc2047_is_charset_char(*q) && q - cs <= RFC2047_CHARSET_MAX)
		q++;
	cs_len = (size_t)(q - cs);
	if (cs_len == 0 || cs_len > RFC2047_CHARSET_MAX || end - q < 3 || *q != '?' ||
	    q[2] != '?')
		return false;
	w->encoding = q[1] == 'b' || q[1] == 'B' ? 'B' : q[1] == 'q' || q[1] == 'Q' ? 'Q' : 0;
	if (w->encoding == 0)
		return false;
	memcpy(w->charset, cs, cs_len);
	w->charset[cs_len] = '\0';
	w->charset[strcspn(w->charset, "*")] = '\0';
	if (w->charset[0] == '\0')
		return false;
	q += 3;
	w->text = q;
	while (q < end && *q != '?' && *q > ' ' && *q != 0x7F)
		q++;
	if (end - q < 2 || q[0] != '?' || q[1] != '=')
		return false;
	w->text_len = (size_t)(q - w->text);
	w->total_len = (size_t)(q + 2 - p);
	return true;
}

/* Decode the word's text into bytes; invalid base64 characters are
   skipped, an invalid "=XX" in Q is kept literally. */
static void rfc2047_word_decode(const struct rfc2047_word *w, struct strbuf *dest)
{
	unsigned int bits = 0, nbits = 0;

	for (size_t i = 0; i < w->text_len; i++) {
		unsigned char c = w->text[i];
		int v, v2;

		if (w->encoding == 'Q') {
			if (c == '_') {
				c = ' ';
			} else if (c == '=' && i + 2 < w->text_len &&
				   (v = hex_digit_value(w->text[i + 1])) >= 0 &&
				   (v2 = hex_digit_value(w->text[i + 2])) >= 0) {
				c = (unsigned char)(v * 16 + v2);
				i += 2;
			}
			strbuf_append_c(dest, (char)c);
			continue;
		}
		if ((v = base64_digit_value(c, BASE64_LAST_TWO_STANDARD)) < 0)
			continue;
		bits = (bits << 6) | (unsigned int)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			strbuf_append_c(dest, (char)((bits >> nbits) & 0xFF));
		}
	}
}

static void rfc2047_append_cp1252(struct strbuf *dest, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80 && p[i] <= 0x9F)
			utf8_append_codepoint(dest, cp1252_high[p[i] - 0x80]);
		else
			utf8_append_codepoint(dest, p[i]);
	}
}

static bool rfc2047_iconv_open(struct rfc2047_decoder *d, const char *charset)
{
	if (strcasecmp(d->cd_charset, charset) == 0)
		return d->cd_valid;
	if (d->cd_valid)
		iconv_close(d->cd);
	d->cd_valid = false;
	strcpy(d->cd_charset, charset);
	if (d->opens >= RFC2047_MAX_ICONV_OPENS)
		return false;
	d->opens++;
	d->cd = iconv_open("UTF-8", charset);
	d->cd_valid = d->cd != (iconv_t)-1;
	return d->cd_valid;
}

/* Convert with iconv; an invalid or truncated byte becomes U+FFFD. */
static void rfc2047_append_iconv(struct rfc2047_decoder *d, const unsigned char *p, size_t len)
{
	char *in = (char *)p, out_buf[1024], *out;
	size_t in_left = len, out_left;

	iconv(d->cd, NULL, NULL, NULL, NULL);
	while (in_left > 0) {
		size_t ret;

		out = out_buf;
		out_left = sizeof(out_buf);
		ret = iconv(d->cd, &in, &in_left, &out, &out_left);
		utf8_append_sanitized(d->dest, (unsigned char *)out_buf, (size_t)(out - out_buf));
		if (ret == (size_t)-1 && errno != E2BIG) {
			strbuf_append(d->dest, UTF8_REPLACEMENT);
			in++;
			in_left--;
		}
	}
	out = out_buf;
	out_left = sizeof(out_buf);
	iconv(d->cd, NULL, NULL, &out, &out_left);
	utf8_append_sanitized(d->dest, (unsigned char *)out_buf, (size_t)(out - out_buf));
}

static void rfc2047_convert(struct rfc2047_decoder *d, const char *charset,
			    const unsigned char *p, size_t len)
{
	static const char *const utf8_names[] = { "utf-8", "utf8", "us-ascii", "ascii" };
	static const char *const cp1252_names[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		"windows-1252", "cp1252",
	};

	for (size_t i = 0; i < sizeof(utf8_names) / sizeof(utf8_names[0]); i++) {
		if (strcasecmp(charset, utf8_names[i]) == 0) {
			utf8_append_sanitized(d->dest, p, len);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(cp1252_names) / sizeof(cp1252_names[0]); i++) {
		if (strcasecmp(charset, cp1252_names[i]) == 0) {
			rfc2047_append_cp1252(d->dest, p, len);
			return;
		}
	}
	if (rfc2047_iconv_open(d, charset))
		rfc2047_append_iconv(d, p, len);
	else
		utf8_append_sanitized(d->dest, p, len);
}

static void rfc2047_flush(struct rfc2047_decoder *d)
{
	if (d->pending.len > 0) {
		rfc2047_convert(d, d->charset, (unsigned char *)d->pending.data, d->pending.len);
		strbuf_truncate(&d->pending, 0);
	}
	d->charset[0] = '\0';
}

void rfc2047_decode(const void *value, size_t len, struct strbuf *dest)
{
	const unsigned char *p = value, *end, *plain;
	struct rfc2047_decoder d;
	struct rfc2047_word w;
	bool after_word = false;

	if (len == 0)
		return;
	end = p + len;
	plain = p;
	memset(&d, 0, sizeof(d));
	d.dest = dest;
	while (p < end) {
		if (p[0] == '=' && end - p > 1 && p[1] == '?' && rfc2047_word_parse(p, end, &w)) {
			if (!after_word) {
				rfc2047_flush(&d);
				utf8_append_sanitized(dest, plain, (size_t)(p - plain));
			}
			/* else only whitespace since the last word: dropped */
			if (strcasecmp(d.charset, w.charset) != 0) {
				rfc2047_flush(&d);
				strcpy(d.charset, w.charset);
			}
			rfc2047_word_decode(&w, &d.pending);
			p += w.total_len;
			plain = p;
			after_word = true;
			continue;
		}
		if (after_word && *p != ' ' && *p != '\t') {
			rfc2047_flush(&d);
			after_word = false;
		}
		p++;
	}
	rfc2047_flush(&d);
	utf8_append_sanitized(dest, plain, (size_t)(end - plain));
	strbuf_free(&d.pending);
	if (d.cd_valid)
		iconv_close(d.cd);
}
