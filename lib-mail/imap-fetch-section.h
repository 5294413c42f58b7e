/*
 * imap-fetch-section.h — the sections of IMAP FETCH BODY[...], BINARY[...]
 * and BINARY.SIZE[...] (RFC 9051 6.4.5, RFC 3501 6.4.5, RFC 3516).
 *
 * Two steps, so the session can answer BAD for a malformed section before
 * it reads the message: imap_fetch_section_parse() checks the text the
 * client sent between the brackets, imap_fetch_section_get() later picks
 * the section's bytes out of the stored message and its part tree
 * (message-part.h). A partial <offset.count> is the session's business.
 *
 * Semantics (Dovecot's where the RFC leaves room):
 *  - "" is the whole message, HEADER / TEXT / HEADER.FIELDS[.NOT] without
 *    a part number are about the top-level message;
 *  - a part number alone is the part's body; part 1 of a non-multipart
 *    message is its body;
 *  - N.HEADER, N.TEXT and N.HEADER.FIELDS[.NOT] need part N to be a
 *    message/rfc822 (or message/global), and are about the encapsulated
 *    message; on another part they are an error;
 *  - N.MIME is the part's own MIME header;
 *  - a part number that does not exist gives an empty section, not an
 *    error;
 *  - HEADER.FIELDS builds the matching header fields as sent, folded lines
 *    included, with CRLF line ends, then the empty line ("\r\n") that ends
 *    a header, which is there even when no field matched. Field names
 *    match case-insensitively.
 *  - BINARY[part] is the part's body with its Content-Transfer-Encoding
 *    undone (base64, quoted-printable; 7bit, 8bit and binary pass through;
 *    corrupt encoded data is decoded as well as it can be). BINARY[] is
 *    the whole message, as it is. An encoding we cannot undo is an error
 *    the session reports as NO [UNKNOWN-CTE].
 */
#ifndef IMAP_FETCH_SECTION_H
#define IMAP_FETCH_SECTION_H

#include "message-part.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More part numbers than this cannot name an existing part (the tree is
   at most MESSAGE_MAX_DEPTH deep) and are refused as BAD. */
#define IMAP_FETCH_SECTION_MAX_PATH 100
/* HEADER.FIELDS names per section; more is BAD. */
#define IMAP_FETCH_SECTION_MAX_FIELDS 1000

enum imap_fetch_section_item {
	IMAP_FETCH_ITEM_BODY,          /* BODY[...] and BODY.PEEK[...] */
	IMAP_FETCH_ITEM_BINARY,        /* BINARY[...] and BINARY.PEEK[...] */
	IMAP_FETCH_ITEM_BINARY_SIZE,   /* BINARY.SIZE[...] */
};

enum imap_fetch_section_kind {
	IMAP_FETCH_SECTION_ALL,              /* "" or a part number alone */
	IMAP_FETCH_SECTION_HEADER,
	IMAP_FETCH_SECTION_HEADER_FIELDS,
	IMAP_FETCH_SECTION_HEADER_FIELDS_NOT,
	IMAP_FETCH_SECTION_TEXT,
	IMAP_FETCH_SECTION_MIME,
};

struct imap_fetch_section {
	enum imap_fetch_section_item item;
	uint32_t path[IMAP_FETCH_SECTION_MAX_PATH];   /* part numbers, each >= 1 */
	unsigned int path_count;                      /* 0: the message itself */
	enum imap_fetch_section_kind kind;
	char **fields;              /* HEADER.FIELDS[.NOT] names as given */
	unsigned int field_count;   /* >= 1 for those kinds, else 0 */
};

/* Where the section's bytes are: when data is NULL they are
   message[offset, offset + size); otherwise they are the size bytes at
   data, built for this section (malloc'd, NUL-terminated; BINARY output
   may contain NUL). Free with imap_fetch_section_result_free(). */
struct imap_fetch_section_result {
	char *data;
	size_t offset;
	size_t size;
};

#define IMAP_FETCH_SECTION_RESULT_INIT { NULL, 0, 0 }

/* imap_fetch_section_get() errors */
#define IMAP_FETCH_SECTION_ERR_INVALID -1       /* answer NO */
#define IMAP_FETCH_SECTION_ERR_UNKNOWN_CTE -2   /* answer NO [UNKNOWN-CTE] */

/* Parse spec, the text between "[" and "]" as the client sent it
   (keywords in any case), for item. BINARY and BINARY.SIZE only take a
   section-part (or ""). Returns 0 with *section_r filled (free it with
   imap_fetch_section_free()), or -1 with *error_r a static message for a
   tagged BAD and nothing to free. */
int imap_fetch_section_parse(const char *spec, enum imap_fetch_section_item item,
			     struct imap_fetch_section *section_r, const char **error_r);
void imap_fetch_section_free(struct imap_fetch_section *section);

/* Append the item and section the way the FETCH response names it:
   "BODY[1.2.HEADER.FIELDS (From To)]", "BINARY[2]", "BINARY.SIZE[2]".
   Keywords are upper-case, field names as given (quoted when they are not
   atoms); .PEEK is never written. */
void imap_fetch_section_append(struct strbuf *dest, const struct imap_fetch_section *section);

/* The bytes of section in message (size bytes, parsed into root with
   message_part_parse()). Returns 0 with *result_r set, or
   IMAP_FETCH_SECTION_ERR_INVALID / IMAP_FETCH_SECTION_ERR_UNKNOWN_CTE with
   *error_r a static message and *result_r empty. For BINARY.SIZE the
   result is the decoded bytes, as for BINARY: the size to report is
   result_r->size. */
int imap_fetch_section_get(const unsigned char *message, size_t size,
			   const struct message_part *root,
			   const struct imap_fetch_section *section,
			   struct imap_fetch_section_result *result_r, const char **error_r);
/* The section's bytes (result->size of them). */
const unsigned char *imap_fetch_section_result_bytes(const struct imap_fetch_section_result *result,
						     const unsigned char *message);
void imap_fetch_section_result_free(struct imap_fetch_section_result *result);

#endif
