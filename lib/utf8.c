/*
 * utf8.c — UTF-8 validation and repair (see utf8.h).
 */
#include "utf8.h"

#include "buffer.h"

#include <string.h>

/* Length of the valid sequence at p, or 0 when it is not valid UTF-8. */
static size_t utf8_seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t len;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

bool utf8_valid(const unsigned char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(data + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

char *utf8_repair(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, out_len;
	struct buffer buf = { 0 };

	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (n == 0) {
			buffer_append(&buf, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buffer_append(&buf, p + i, n);
			i += n;
		}
	}
	return (char *)buffer_steal(&buf, &out_len);
}
