/*
 * imap-utf7.c — modified UTF-7 (RFC 3501 5.1.3) conversion (see
 * imap-utf7.h). Printable US-ASCII other than "&" stands for itself; any
 * other character is UTF-16BE in base64 (with "," for "/", no padding)
 * between "&" and "-". Decoding is strict so that each name has exactly
 * one spelling: whatever imap_utf8_to_utf7() would not produce is
 * rejected.
 */
#include "imap-utf7.h"

#include "base64.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

static const char imap_utf7_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static bool imap_utf7_is_direct(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}


/* Take one decoded UTF-16 unit; *high holds a pending high surrogate. */
static int imap_utf7_put_unit(uint16_t unit, uint16_t *high, struct strbuf *out)
{
	if (*high != 0) {
		if (unit < 0xdc00 || unit > 0xdfff)
			return -1;
		utf8_append_codepoint(out, 0x10000 + (((uint32_t)*high - 0xd800) << 10) +
				      (unit - 0xdc00));
		*high = 0;
	} else if (unit >= 0xd800 && unit <= 0xdbff) {
		*high = unit;
	} else if (unit >= 0xdc00 && unit <= 0xdfff) {
		return -1;
	} else if (unit < 0x80 && (unit == 0 || imap_utf7_is_direct((unsigned char)unit))) {
		return -1;
	} else {
		utf8_append_codepoint(out, unit);
	}
	return 0;
}

/* Decode the base64 run starting after "&"; *in_p is left after its "-". */
static int imap_utf7_decode_run(const char **in_p, struct strbuf *out)
{
	const char *p = *in_p;
	uint32_t bits = 0;
	unsigned int nbits = 0;
	uint16_t high = 0;
	int value;

	for (; *p != '-'; p++) {
		if ((value = base64_digit_value((unsigned char)*p, BASE64_LAST_TWO_IMAP)) < 0)
			return -1;   /* bad character, or the end of the string */
		bits = (bits << 6) | (uint32_t)value;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			if (imap_utf7_put_unit((uint16_t)(bits >> nbits), &high, out) < 0)
				return -1;
			bits &= (1U << nbits) - 1;
		}
	}
	/* shortest form: fewer than 6 bits left over, and all of them zero */
	if (nbits >= 6 || bits != 0 || high != 0)
		return -1;
	*in_p = p + 1;
	return 0;
}

int imap_utf7_to_utf8(const char *in, struct strbuf *out)
{
	size_t start_len = out->len;
	const char *p = in;

	while (*p != '\0') {
		unsigned char c = (unsigned char)*p;

		if (!imap_utf7_is_direct(c))
			goto fail;
		if (c != '&') {
			strbuf_append_c(out, (char)c);
			p++;
		} else if (p[1] == '-') {
			strbuf_append_c(out, '&');
			p += 2;
		} else {
			p++;
			if (imap_utf7_decode_run(&p, out) < 0)
				goto fail;
			if (p[0] == '&' && p[1] != '-')
				goto fail;   /* null shift: "-&" between two runs */
		}
	}
	return 0;
fail:
	strbuf_truncate(out, start_len);
	return -1;
}

static void imap_utf7_put_bits(struct strbuf *out, uint32_t *bits, unsigned int *nbits)
{
	while (*nbits >= 6) {
		*nbits -= 6;
		strbuf_append_c(out, imap_utf7_b64[(*bits >> *nbits) & 0x3f]);
	}
	*bits &= (1U << *nbits) - 1;
}

/* Encode the run of non-direct characters at *in_p as "&...-". */
static int imap_utf7_encode_run(const unsigned char **in_p, struct strbuf *out)
{
	const unsigned char *p = *in_p;
	size_t left = strlen((const char *)p), len;
	uint32_t bits = 0, cp;
	unsigned int nbits = 0;

	strbuf_append_c(out, '&');
	while (*p != '\0' && !imap_utf7_is_direct(*p)) {
		if ((len = utf8_char_len(p, left)) == 0)
			return -1;
		if (len == 1)
			cp = p[0];
		else if (len == 2)
			cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		else if (len == 3)
			cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
				(p[2] & 0x3f);
		else
			cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
				((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
		p += len;
		left -= len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			bits = (bits << 16) | (0xd800 | (cp >> 10));
			nbits += 16;
			imap_utf7_put_bits(out, &bits, &nbits);
			cp = 0xdc00 | (cp & 0x3ff);
		}
		bits = (bits << 16) | cp;
		nbits += 16;
		imap_utf7_put_bits(out, &bits, &nbits);
	}
	if (nbits > 0)
		strbuf_append_c(out, imap_utf7_b64[(bits << (6 - nbits)) & 0x3f]);
	strbuf_append_c(out, '-');
	*in_p = p;
	return 0;
}

int imap_utf8_to_utf7(const char *in, struct strbuf *out)
{
	size_t start_len = out->len;
	const unsigned char *p = (const unsigned char *)in;

	while (*p != '\0') {
		if (*p == '&') {
			strbuf_append_n(out, "&-", 2);
			p++;
		} else if (imap_utf7_is_direct(*p)) {
			strbuf_append_c(out, (char)*p);
			p++;
		} else if (imap_utf7_encode_run(&p, out) < 0) {
			strbuf_truncate(out, start_len);
			return -1;
		}
	}
	return 0;
}

bool imap_utf7_is_valid(const char *in)
{
	struct strbuf tmp = STRBUF_INIT;
	int ret = imap_utf7_to_utf8(in, &tmp);

	strbuf_free(&tmp);
	return ret == 0;
}
