/*
 * message-part.h — the MIME part tree of a stored message with byte
 * offsets, for IMAP FETCH BODY[section] / BINARY[section] and for text
 * extraction (RFC 2045, RFC 2046, RFC 9051 6.4.5 part numbering).
 *
 * The tree follows exactly the rules BODYSTRUCTURE is rendered with
 * (imap-bodystructure.h), so the part numbers a client derives from
 * BODYSTRUCTURE find the same parts here: a part without Content-Type is
 * text/plain (message/rfc822 inside multipart/digest); message/rfc822 and
 * message/global are only opened when not transfer-encoded; containers
 * nested MESSAGE_MAX_DEPTH deep, or reached after MESSAGE_MAX_PARTS parts,
 * are leaves (keeping their declared type), and the part that reaches the
 * part limit absorbs the rest of its multipart.
 *
 * Pure, and never fails: malformed MIME gives a best-effort tree (a
 * multipart without a usable boundary has no children; a missing close
 * delimiter ends the last part at the end of its parent). CRLF and bare LF
 * line ends are both accepted.
 */
#ifndef MESSAGE_PART_H
#define MESSAGE_PART_H

#include <stddef.h>
#include <stdint.h>

enum message_part_kind {
	MESSAGE_PART_LEAF,        /* no children */
	MESSAGE_PART_MULTIPART,   /* children are the body parts, maybe none */
	MESSAGE_PART_MESSAGE,     /* message/rfc822 or message/global: exactly
				     one child, the encapsulated message */
};

/* Offsets index the data given to message_part_parse(); for every part
   header_offset <= body_offset <= body_end <= size. The header is
   [header_offset, body_offset) including its empty line; the body is
   [body_offset, body_end), not including the line end before the next
   boundary delimiter (RFC 2046 5.1.1). The child of a MESSAGE part spans
   its parent's body: child header_offset = parent body_offset, child
   body_end = parent body_end. */
struct message_part {
	struct message_part *parent;     /* NULL for the root */
	struct message_part *children;   /* first child */
	struct message_part *next;       /* next sibling */
	unsigned int child_count;
	enum message_part_kind kind;
	size_t header_offset;
	size_t body_offset;
	size_t body_end;
	/* Lower-cased; defaults applied ("text"/"plain" or, in a digest,
	   "message"/"rfc822"), so never NULL. */
	char *type, *subtype;
	char *charset;     /* the charset parameter as sent, NULL when absent */
	char *encoding;    /* Content-Transfer-Encoding lower-cased, NULL when
			      absent or invalid (meaning 7bit) */
};

/* Parse size bytes of message (data may be NULL when size is 0). Returns
   the root part, never NULL; free with message_part_free(). */
struct message_part *message_part_parse(const unsigned char *data, size_t size);
/* Free the whole tree; *root becomes NULL. Only call on a root. */
void message_part_free(struct message_part **root);

/* The part an IMAP section-part names (RFC 9051 6.4.5), given as numbers:
   each number selects a child of a multipart; a non-multipart message
   (the top-level one, or one encapsulated in a MESSAGE part) only has
   part 1, itself, and only a MESSAGE part may be followed by more numbers,
   which then address its encapsulated message. A leaf inside a multipart
   has no parts ("1.1.1" names nothing when 1.1 is text/plain). An empty path
   (count 0) is the root. Returns NULL when the part does not exist. */
const struct message_part *
message_part_find(const struct message_part *root, const uint32_t *path, unsigned int count);
/* The same for a dotted path string "1.2.3" ("" is the root). NULL when
   the part does not exist or the string is not a dotted list of nz-numbers. */
const struct message_part *
message_part_lookup(const struct message_part *root, const char *path);

#endif
