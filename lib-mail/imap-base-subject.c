/*
 * imap-base-subject.c — RFC 5256 2.1 base subject extraction (see
 * imap-base-subject.h). Works on [start, end) of one normalised copy.
 *
 * Step (3) scans "*subj-blob subj-refwd" and may fail after many blobs;
 * step (4) then drops one blob and step (3) would rescan the same chain.
 * The end of the last failed chain is remembered, so "[a][a][a]..." costs
 * linear, not quadratic, time.
 */
#include "imap-base-subject.h"

#include "strbuf.h"
#include "xalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct base_subject {
	const char *s;
	size_t start, end;
	bool reply_or_fwd;
	/* a subj-leader scan from chain_start failed at chain_end */
	bool chain_valid;
	size_t chain_start, chain_end;
};

/* subj-blob = "[" *BLOBCHAR "]" *WSP; returns the index after it, or 0. */
static size_t base_blob_end(const struct base_subject *b, size_t p)
{
	if (p >= b->end || b->s[p] != '[')
		return 0;
	for (p++; p < b->end && b->s[p] != '[' && b->s[p] != ']'; p++)
		;
	if (p >= b->end || b->s[p] != ']')
		return 0;
	for (p++; p < b->end && b->s[p] == ' '; p++)
		;
	return p;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; returns the
   index after it, or 0. */
static size_t base_refwd_end(const struct base_subject *b, size_t p)
{
	size_t q;

	if (b->end - p < 3)
		return 0;
	if (strncasecmp(b->s + p, "re", 2) != 0 && strncasecmp(b->s + p, "fw", 2) != 0)
		return 0;
	if ((b->s[p] == 'f' || b->s[p] == 'F') && (b->s[p + 2] == 'd' || b->s[p + 2] == 'D'))
		p++;
	for (p += 2; p < b->end && b->s[p] == ' '; p++)
		;
	if ((q = base_blob_end(b, p)) != 0)
		p = q;
	return p < b->end && b->s[p] == ':' ? p + 1 : 0;
}

/* (2) remove trailing "(fwd)" and whitespace */
static void base_strip_trailer(struct base_subject *b)
{
	for (;;) {
		if (b->end > b->start && b->s[b->end - 1] == ' ') {
			b->end--;
		} else if (b->end - b->start >= 5 &&
			   strncasecmp(b->s + b->end - 5, "(fwd)", 5) == 0) {
			b->end -= 5;
			b->reply_or_fwd = true;
		} else {
			return;
		}
	}
}

/* (3) remove one subj-leader = (*subj-blob subj-refwd) / WSP */
static bool base_strip_leader(struct base_subject *b)
{
	size_t p = b->start, q;

	if (p < b->end && b->s[p] == ' ') {
		b->start++;
		return true;
	}
	if (b->chain_valid && p >= b->chain_start && p <= b->chain_end)
		return false;
	while ((q = base_blob_end(b, p)) != 0)
		p = q;
	if ((q = base_refwd_end(b, p)) == 0) {
		b->chain_valid = true;
		b->chain_start = b->start;
		b->chain_end = p;
		return false;
	}
	b->start = q;
	b->reply_or_fwd = true;
	b->chain_valid = false;
	return true;
}

/* (4) remove a leading subj-blob when something is left after it */
static bool base_strip_blob(struct base_subject *b)
{
	size_t q = base_blob_end(b, b->start);

	if (q == 0 || q >= b->end)
		return false;
	b->start = q;
	return true;
}

/* (1) tabs, CR, LF become spaces and runs of spaces one space */
static char *base_normalize(const char *subject)
{
	struct strbuf out = STRBUF_INIT;
	bool space = false;

	for (const char *p = subject; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = true;
			continue;
		}
		if (space)
			strbuf_append_c(&out, ' ');
		space = false;
		strbuf_append_c(&out, *p);
	}
	if (space)
		strbuf_append_c(&out, ' ');
	return strbuf_steal(&out);
}

char *imap_base_subject(const char *subject, bool *is_reply_or_fwd_r)
{
	char *norm = base_normalize(subject), *result;
	struct base_subject b = { .s = norm, .start = 0, .end = strlen(norm) };

	for (;;) {
		base_strip_trailer(&b);
		/* (5) repeat (3) and (4) until nothing changes */
		while (base_strip_leader(&b) || base_strip_blob(&b))
			;
		/* (6) "[fwd:" ... "]" wrapping */
		if (b.end - b.start >= 6 && strncasecmp(norm + b.start, "[fwd:", 5) == 0 &&
		    norm[b.end - 1] == ']') {
			b.start += 5;
			b.end--;
			b.reply_or_fwd = true;
			b.chain_valid = false;
			continue;
		}
		break;
	}
	result = xstrndup(norm + b.start, b.end - b.start);
	free(norm);
	if (is_reply_or_fwd_r != NULL)
		*is_reply_or_fwd_r = b.reply_or_fwd;
	return result;
}
