/*
 * base64.c — base64 digit values, and strict RFC 4648 encoding and
 * decoding with the standard alphabet (see base64.h).
 */
#include "base64.h"

#include <stdint.h>

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_digit_value(unsigned char c, const char *last_two)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)last_two[0])
		return 62;
	if (c == (unsigned char)last_two[1])
		return 63;
	return -1;
}

void base64_encode(struct strbuf *dest, const void *data, size_t size)
{
	const unsigned char *p = data;
	char group[4];

	for (size_t i = 0; i < size; i += 3) {
		size_t left = size - i;
		uint32_t bits = (uint32_t)p[i] << 16;

		if (left > 1)
			bits |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			bits |= p[i + 2];
		group[0] = base64_alphabet[(bits >> 18) & 63];
		group[1] = base64_alphabet[(bits >> 12) & 63];
		group[2] = left > 1 ? base64_alphabet[(bits >> 6) & 63] : '=';
		group[3] = left > 2 ? base64_alphabet[bits & 63] : '=';
		strbuf_append_n(dest, group, sizeof(group));
	}
}

/* Decode the last group, which may end in "=" or "=="; returns the number
   of bytes it holds (1..3), or -1. */
static int base64_decode_last(const char *src, unsigned char *dest)
{
	int v[4], pad = 0;

	if (src[3] == '=')
		pad = src[2] == '=' ? 2 : 1;
	for (int i = 0; i < 4 - pad; i++) {
		if ((v[i] = base64_digit_value((unsigned char)src[i],
					       BASE64_LAST_TWO_STANDARD)) < 0)
			return -1;
	}
	dest[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
	if (pad == 2)
		return (v[1] & 0x0f) == 0 ? 1 : -1;
	dest[1] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
	if (pad == 1)
		return (v[2] & 0x03) == 0 ? 2 : -1;
	dest[2] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	return 3;
}

int base64_decode(const char *src, size_t len, unsigned char *dest, size_t *dest_len_r)
{
	size_t out = 0;
	int n;

	*dest_len_r = 0;
	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i + 4 < len; i += 4) {
		uint32_t bits = 0;

		for (size_t j = 0; j < 4; j++) {
			int v = base64_digit_value((unsigned char)src[i + j],
						   BASE64_LAST_TWO_STANDARD);

			if (v < 0)
				return -1;
			bits = bits << 6 | (uint32_t)v;
		}
		dest[out++] = (unsigned char)(bits >> 16);
		dest[out++] = (unsigned char)(bits >> 8);
		dest[out++] = (unsigned char)bits;
	}
	if (len > 0) {
		if ((n = base64_decode_last(src + len - 4, dest + out)) < 0)
			return -1;
		out += (size_t)n;
	}
	*dest_len_r = out;
	return 0;
}

int hex_digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
