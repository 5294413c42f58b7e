/*
 * imap-list-match.c — LIST pattern matching (see imap-list-match.h).
 *
 * The matcher keeps, for each position in the name, whether the pattern
 * read so far can end there, and advances that set one pattern character
 * at a time: no backtracking, so no pattern takes exponential time.
 */
#include "imap-list-match.h"

#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_LIST_DELIMITER '/'

/* Length of a leading "INBOX" (any case) that is the whole name or its
   first level, else 0. */
static size_t imap_list_inbox_prefix(const char *s)
{
	return strncasecmp(s, "INBOX", 5) == 0 && (s[5] == '\0' || s[5] == IMAP_LIST_DELIMITER) ?
	       5 : 0;
}

char *imap_list_pattern_build(const char *reference, const char *pattern)
{
	struct strbuf joined = STRBUF_INIT, out = STRBUF_INIT;
	const char *p;
	size_t inbox;

	strbuf_append(&joined, reference);
	if (joined.len > 0 && strbuf_cstr(&joined)[joined.len - 1] == IMAP_LIST_DELIMITER &&
	    pattern[0] == IMAP_LIST_DELIMITER)
		pattern++;
	strbuf_append(&joined, pattern);
	p = strbuf_cstr(&joined);
	inbox = imap_list_inbox_prefix(p);
	if (inbox > 0) {
		strbuf_append(&out, "INBOX");
		p += inbox;
	}
	while (*p != '\0') {
		if (*p != '*' && *p != '%') {
			strbuf_append_c(&out, *p++);
			continue;
		}
		bool star = false;

		for (; *p == '*' || *p == '%'; p++)
			star = star || *p == '*';
		strbuf_append_c(&out, star ? '*' : '%');
	}
	strbuf_free(&joined);
	return strbuf_steal(&out);
}

/* One literal pattern byte against name[j]; the INBOX prefix folds case. */
static bool imap_list_byte_equal(const char *name, size_t j, size_t inbox, char c)
{
	char n = name[j];

	if (j < inbox) {
		n = (char)(n >= 'a' && n <= 'z' ? n - 32 : n);
		c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	return n == c;
}

bool imap_list_match(const char *pattern, const char *name)
{
	size_t n = strlen(name), inbox = imap_list_inbox_prefix(name);
	size_t literals = 0;
	bool *can = NULL, matched;

	/* each literal byte consumes one name byte */
	for (const char *p = pattern; *p != '\0'; p++)
		literals += *p != '*' && *p != '%';
	if (literals > n)
		return false;
	can = xcalloc(n + 1, sizeof(*can));
	can[0] = true;
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p == '*') {
			for (size_t j = 1; j <= n; j++)
				can[j] = can[j] || can[j - 1];
		} else if (*p == '%') {
			/* extend a match up to, not across, the next delimiter */
			for (size_t j = 1; j <= n; j++)
				can[j] = can[j] || (can[j - 1] && name[j - 1] != IMAP_LIST_DELIMITER);
		} else {
			for (size_t j = n; j > 0; j--)
				can[j] = can[j - 1] && imap_list_byte_equal(name, j - 1, inbox, *p);
			can[0] = false;
		}
	}
	matched = can[n];
	free(can);
	return matched;
}
