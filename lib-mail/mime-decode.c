/*
 * mime-decode.c — transfer decoding and charset conversion of MIME bodies
 * (see mime-decode.h). Each decoder is one linear pass over its input;
 * charset conversion goes through a fixed-size iconv output buffer, so
 * memory is the output plus a constant.
 */
#include "mime-decode.h"

#include "base64.h"
#include "utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum mime_decode_encoding mime_decode_encoding_parse(const char *cte)
{
	static const char *const identity[] = { "7bit", "8bit", "binary" };

	if (cte == NULL)
		return MIME_DECODE_IDENTITY;
	for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		if (strcasecmp(cte, identity[i]) == 0)
			return MIME_DECODE_IDENTITY;
	}
	if (strcasecmp(cte, "base64") == 0)
		return MIME_DECODE_BASE64;
	if (strcasecmp(cte, "quoted-printable") == 0)
		return MIME_DECODE_QP;
	return MIME_DECODE_UNKNOWN;
}

int mime_decode_base64(const unsigned char *src, size_t len, struct strbuf *dest,
		       const char **error_r)
{
	unsigned int bits = 0, nbits = 0, digits = 0;
	bool bad = false;

	for (size_t i = 0; i < len; i++) {
		int v = base64_digit_value(src[i], BASE64_LAST_TWO_STANDARD);

		if (v < 0) {
			if (src[i] == '=') {
				/* padding: a lone digit in a quantum is an error */
				if (digits % 4 == 1)
					bad = true;
				bits = nbits = digits = 0;
			} else if (src[i] != '\r' && src[i] != '\n' && src[i] != ' ' &&
				   src[i] != '\t') {
				bad = true;
			}
			continue;
		}
		bits = (bits << 6) | (unsigned int)v;
		nbits += 6;
		digits++;
		if (nbits >= 8) {
			nbits -= 8;
			strbuf_append_c(dest, (char)((bits >> nbits) & 0xFF));
		}
	}
	if (digits % 4 != 0)
		bad = true;
	if (bad) {
		*error_r = "Invalid base64 data";
		return -1;
	}
	return 0;
}

/* Decode one line [p, end) without its line end; false when an '=' was
   kept literally. *soft_r says the line ended in a soft line break. */
static bool mime_decode_qp_line(const unsigned char *p, const unsigned char *end,
				struct strbuf *dest, bool *soft_r)
{
	bool ok = true;
	int hi, lo;

	/* whitespace at the end of a line was added in transport */
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*soft_r = false;
	while (p < end) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL) {
			strbuf_append_n(dest, p, (size_t)(end - p));
			break;
		}
		strbuf_append_n(dest, p, (size_t)(eq - p));
		if (eq + 1 == end) {
			*soft_r = true;
			break;
		}
		if (end - eq >= 3 && (hi = hex_digit_value(eq[1])) >= 0 &&
		    (lo = hex_digit_value(eq[2])) >= 0) {
			strbuf_append_c(dest, (char)(hi * 16 + lo));
			p = eq + 3;
		} else {
			strbuf_append_c(dest, '=');
			ok = false;
			p = eq + 1;
		}
	}
	return ok;
}

int mime_decode_qp(const unsigned char *src, size_t len, struct strbuf *dest,
		   const char **error_r)
{
	const unsigned char *p = src, *end = src + len;
	bool ok = true, soft;

	while (p < end) {
		const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *line_end = lf != NULL ? lf : end;
		const unsigned char *content_end = line_end;

		if (lf != NULL && content_end > p && content_end[-1] == '\r')
			content_end--;
		if (!mime_decode_qp_line(p, content_end, dest, &soft))
			ok = false;
		if (lf == NULL)
			break;
		if (!soft)
			strbuf_append_n(dest, content_end, (size_t)(lf + 1 - content_end));
		p = lf + 1;
	}
	if (!ok) {
		*error_r = "Invalid quoted-printable data";
		return -1;
	}
	return 0;
}

int mime_decode_transfer(enum mime_decode_encoding encoding, const unsigned char *src,
			 size_t len, struct strbuf *dest, const char **error_r)
{
	switch (encoding) {
	case MIME_DECODE_BASE64:
		return mime_decode_base64(src, len, dest, error_r);
	case MIME_DECODE_QP:
		return mime_decode_qp(src, len, dest, error_r);
	case MIME_DECODE_IDENTITY:
		strbuf_append_n(dest, src, len);
		return 0;
	case MIME_DECODE_UNKNOWN:
		break;
	}
	*error_r = "Unknown Content-Transfer-Encoding";
	return -1;
}

/* Convert with iconv; an invalid or truncated byte becomes U+FFFD. */
static void mime_decode_iconv(iconv_t cd, const unsigned char *src, size_t len,
			      struct strbuf *dest)
{
	char *in = (char *)src, out_buf[4096], *out;
	size_t in_left = len, out_left;

	while (in_left > 0) {
		size_t ret;

		out = out_buf;
		out_left = sizeof(out_buf);
		ret = iconv(cd, &in, &in_left, &out, &out_left);
		utf8_append_sanitized(dest, (unsigned char *)out_buf, (size_t)(out - out_buf));
		if (ret == (size_t)-1 && errno != E2BIG) {
			strbuf_append(dest, UTF8_REPLACEMENT);
			in++;
			in_left--;
		}
	}
	out = out_buf;
	out_left = sizeof(out_buf);
	iconv(cd, NULL, NULL, &out, &out_left);
	utf8_append_sanitized(dest, (unsigned char *)out_buf, (size_t)(out - out_buf));
}

static bool mime_decode_charset_is(const char *charset, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strcasecmp(charset, names[i]) == 0)
			return true;
	}
	return false;
}

void mime_decode_charset(const char *charset, const unsigned char *src, size_t len,
			 struct strbuf *dest)
{
	static const char *const utf8_names[] = { "utf-8", "utf8", "us-ascii", "ascii" };
	static const char *const latin1_names[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
	};
	iconv_t cd;

	if (len == 0)
		return;
	if (charset == NULL || *charset == '\0' ||
	    mime_decode_charset_is(charset, utf8_names, sizeof(utf8_names) / sizeof(utf8_names[0]))) {
		utf8_append_sanitized(dest, src, len);
		return;
	}
	if (mime_decode_charset_is(charset, latin1_names,
				   sizeof(latin1_names) / sizeof(latin1_names[0])))
		charset = "WINDOWS-1252";
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		utf8_append_sanitized(dest, src, len);
		return;
	}
	mime_decode_iconv(cd, src, len, dest);
	iconv_close(cd);
}
