/*
 * imap-fetch-response.h — one untagged "* n FETCH (...)" response built
 * from a stored message row (store-imap-message.h) and the parsed FETCH
 * attributes (imap-fetch-args.h): the simple items, the envelope and body
 * structure strings stored at delivery, and the body sections with their
 * partial ranges as literals (literal8 for BINARY data with NUL).
 */
#ifndef IMAP_FETCH_RESPONSE_H
#define IMAP_FETCH_RESPONSE_H

#include "imap-fetch-args.h"
#include "store-imap-message.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>

struct imap_fetch_response_opts {
	uint32_t seq;
	bool with_flags;      /* FLAGS even when not asked (implicit \Seen) */
	bool with_modseq;     /* MODSEQ even when not asked (CONDSTORE) */
};

/* Append the whole response line, CRLF included, to out. Returns 0, or -1
   with *error_r the text of a tagged NO ("[UNKNOWN-CTE] ...") when a
   section could not be produced; out is then left as it was. */
int imap_fetch_response_build(const struct imap_fetch_args *args,
			      const struct store_imap_message *m,
			      const struct imap_fetch_response_opts *opts,
			      struct strbuf *out, const char **error_r);

#endif
