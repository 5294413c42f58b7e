/*
 * fuzz-imap-utils.c — libFuzzer target for the small IMAP syntax helpers:
 * modified UTF-7 mailbox names (imap-utf7.c), sequence sets
 * (imap-seqset.c) and dates (imap-date.c).
 *
 * Checks, beyond the sanitizers: a name that decodes from mUTF-7 encodes
 * back to the same bytes; UTF-8 that encodes decodes back; a parsed
 * sequence set prints to a set that parses to the same ranges; a parsed
 * date-time formats and parses back to the same instant.
 */
#include "imap-date.h"
#include "imap-seqset.h"
#include "imap-utf7.h"
#include "strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_utf7(const char *in)
{
	struct strbuf utf8 = STRBUF_INIT, back = STRBUF_INIT;

	if (imap_utf7_to_utf8(in, &utf8) == 0) {
		if (imap_utf8_to_utf7(strbuf_cstr(&utf8), &back) < 0 ||
		    strcmp(strbuf_cstr(&back), in) != 0)
			abort();
	}
	strbuf_free(&utf8);
	strbuf_free(&back);
	if (imap_utf8_to_utf7(in, &back) == 0) {
		if (imap_utf7_to_utf8(strbuf_cstr(&back), &utf8) < 0 ||
		    strcmp(strbuf_cstr(&utf8), in) != 0)
			abort();
	}
	strbuf_free(&utf8);
	strbuf_free(&back);
}

static void check_seqset(const char *in)
{
	struct imap_seqset set = IMAP_SEQSET_INIT, resolved = IMAP_SEQSET_INIT;
	struct imap_seqset again = IMAP_SEQSET_INIT;
	struct strbuf text = STRBUF_INIT;
	const char *error;

	if (imap_seqset_parse(in, 0, &set, &error) < 0 || set.searchres)
		goto out;
	imap_seqset_resolve(&set, 1000, &resolved);
	if (resolved.count == 0)
		goto out;
	imap_seqset_append(&text, &resolved);
	if (imap_seqset_parse(strbuf_cstr(&text), 0, &again, &error) < 0 ||
	    again.count != resolved.count ||
	    memcmp(again.ranges, resolved.ranges, resolved.count * sizeof(*resolved.ranges)) != 0)
		abort();
out:
	imap_seqset_free(&set);
	imap_seqset_free(&resolved);
	imap_seqset_free(&again);
	strbuf_free(&text);
}

static void check_date(const char *in)
{
	char buf[IMAP_DATE_TIME_BUFSIZE];
	time_t t, again;

	imap_date_parse(in, &t);
	/* formatting clamps to years 1..9999: check well inside them */
	if (!imap_date_time_parse(in, &t, NULL) || t < -62000000000LL || t > 253000000000LL)
		return;
	if (!imap_date_time_parse(imap_date_time_format(t, buf), &again, NULL) || again != t)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);

	memcpy(in, data, size);
	in[size] = '\0';
	if (strlen(in) == size) {
		check_utf7(in);
		check_seqset(in);
		check_date(in);
	}
	free(in);
	return 0;
}
