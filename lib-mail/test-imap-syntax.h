/*
 * test-imap-syntax.h — a strict checker for the IMAP data lists this
 * library writes (ENVELOPE, BODYSTRUCTURE, BODY), for the unit tests and
 * the fuzz targets: exactly one parenthesised list of NIL, numbers, quoted
 * strings and literals, single spaces between items, no empty lists.
 */
#ifndef TEST_IMAP_SYNTAX_H
#define TEST_IMAP_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* One item at *pos (not a list); advances *pos. */
static inline bool imap_syntax_item(const char *s, size_t len, size_t *pos)
{
	size_t p = *pos, n = 0;

	if (s[p] == '"') {
		for (p++; p < len && s[p] != '"'; p++) {
			unsigned char c = (unsigned char)s[p];

			if (c == '\\') {
				if (++p >= len || (s[p] != '"' && s[p] != '\\'))
					return false;
			} else if (c == '\r' || c == '\n' || c == '\0' || c >= 0x80) {
				return false;
			}
		}
		if (p >= len)
			return false;
		*pos = p + 1;
		return true;
	}
	if (s[p] == '{') {
		for (p++; p < len && s[p] >= '0' && s[p] <= '9'; p++)
			n = n * 10 + (size_t)(s[p] - '0');
		if (len - p < 3 || s[p] != '}' || s[p + 1] != '\r' || s[p + 2] != '\n' ||
		    len - p - 3 < n)
			return false;
		*pos = p + 3 + n;
		return true;
	}
	if (len - p >= 3 && memcmp(s + p, "NIL", 3) == 0) {
		*pos = p + 3;
		return true;
	}
	if (s[p] < '0' || s[p] > '9')
		return false;
	while (p < len && s[p] >= '0' && s[p] <= '9')
		p++;
	*pos = p;
	return true;
}

static inline bool imap_syntax_check(const char *s, size_t len)
{
	size_t pos = 0;
	unsigned int depth = 0;
	bool need_item = true;   /* just after '(' or ' ' */

	if (len == 0 || s[0] != '(')
		return false;
	while (pos < len) {
		char c = s[pos];

		if (c == '(') {
			if (!need_item && s[pos - 1] != ')')
				return false;
			depth++;
			pos++;
			need_item = true;
		} else if (c == ')') {
			/* no empty lists, no space before ')' */
			if (need_item || depth == 0)
				return false;
			depth--;
			pos++;
			need_item = false;
			if (depth == 0)
				return pos == len;
		} else if (c == ' ') {
			if (need_item)
				return false;
			pos++;
			need_item = true;
		} else {
			if (!need_item || !imap_syntax_item(s, len, &pos))
				return false;
			need_item = false;
		}
	}
	return false;
}

#endif
