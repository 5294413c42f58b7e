/*
 * message-parser.h — parse an RFC 5322 / MIME message once, at delivery,
 * into what IMAP needs later without touching the bytes again: the ENVELOPE
 * and BODYSTRUCTURE responses pre-rendered in IMAP syntax (RFC 9051 7.5.2),
 * decoded header fields for SEARCH, RFC 5256 sort keys.
 *
 * Pure: bytes in, structure out. Never fails on malformed input — a message
 * is stored whatever it looks like, so bad MIME degrades to a best-effort
 * structure. Nesting depth and part count are bounded (MESSAGE_MAX_DEPTH,
 * MESSAGE_MAX_PARTS): deeper parts are described as opaque leaves.
 */
#ifndef MESSAGE_PARSER_H
#define MESSAGE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MESSAGE_MAX_DEPTH 50
#define MESSAGE_MAX_PARTS 5000

struct message_meta {
	size_t header_size;       /* bytes of the header block incl. the empty line */
	char *envelope;           /* "(date subject from sender reply-to to cc bcc in-reply-to message-id)" */
	char *bodystructure;      /* extensible form */
	char *body;               /* non-extensible form (FETCH BODY) */
	bool sent_date_valid;
	time_t sent_date;         /* Date: header as UTC seconds */
	/* Header values unfolded, RFC 2047 decoded to UTF-8; "" when absent.
	   message_id, in_reply_to and references are structured fields and are
	   only unfolded, not RFC 2047 decoded. */
	char *subject;
	char *from;
	char *to;
	char *cc;
	char *message_id;
	char *in_reply_to;
	char *references;
	/* RFC 5256 sort keys: base subject; first addr-mailbox of From/To/Cc. */
	char *sort_subject;
	char *sort_from;
	char *sort_to;
	char *sort_cc;
};

/* Parse size bytes of message. All strings in *meta_r are allocated, valid
   UTF-8 and NUL-free (NUL bytes and invalid 8-bit bytes in the input become
   U+FFFD), so they fit PostgreSQL text columns; free with
   message_meta_free(). */
void message_parse(const unsigned char *data, size_t size, struct message_meta *meta_r);
void message_meta_free(struct message_meta *meta);

#endif
