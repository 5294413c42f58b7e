/*
 * http-url.c — percent-decoding and static-file path normalisation (see
 * http-url.h). Decoding happens before the ".." check, so "%2e%2e" is
 * refused like "..", and encoded separators are refused outright: no
 * spelling of a path can climb out of the served folder.
 */
#include "http-url.h"

#include "base64.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

char *http_url_decode(const char *s, size_t len, bool plus_space)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi = i + 2 < len ? hex_digit_value((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit_value((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || hi + lo == 0)
				goto bad;   /* bad escape, or %00 */
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		} else if (c == '\0') {
			goto bad;
		}
		strbuf_append_c(&out, c);
	}
	return strbuf_steal(&out);
bad:
	strbuf_free(&out);
	return NULL;
}

/* Append one decoded segment to out, or refuse it: false for "..", a
   separator or NUL inside it. "." and empty segments add nothing. */
static bool http_path_segment(struct strbuf *out, const char *seg, size_t len)
{
	char *name = http_url_decode(seg, len, false);
	bool ok = name != NULL;

	if (ok && (strchr(name, '/') != NULL || strchr(name, '\\') != NULL ||
		   strcmp(name, "..") == 0))
		ok = false;
	if (ok && name[0] != '\0' && strcmp(name, ".") != 0) {
		strbuf_append_c(out, '/');
		strbuf_append(out, name);
	}
	free(name);
	return ok;
}

char *http_url_static_path(const char *raw_path)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = raw_path;

	if (p[0] != '/')
		return NULL;
	while (*p == '/') {
		size_t len = strcspn(p + 1, "/");

		if (!http_path_segment(&out, p + 1, len)) {
			strbuf_free(&out);
			return NULL;
		}
		p += 1 + len;
	}
	/* "/" stays "/", and "/dir/" keeps its slash (a directory request) */
	if (out.len == 0 || p[-1] == '/')
		strbuf_append_c(&out, '/');
	return strbuf_steal(&out);
}
