/*
 * message-text.h — the searchable text of a message, for full-text
 * indexing: its header fields and the readable text of its body.
 *
 * Pure, never fails. Both outputs are valid, NUL-free UTF-8, fit for
 * PostgreSQL text columns.
 */
#ifndef MESSAGE_TEXT_H
#define MESSAGE_TEXT_H

#include <stddef.h>

/*
 * Extract from size bytes of message (data may be NULL when size is 0):
 *
 * *headers_r: every header field of the top-level message, in order, one
 *   per line as "Name: value\n", the value unfolded and RFC 2047 decoded
 *   (line breaks that decoding produced become spaces).
 *
 * *body_r: the text of every text/plain and text/html part, in order,
 *   including those inside message/rfc822 parts: transfer-decoded (base64,
 *   quoted-printable; an unknown encoding is taken as it is), converted
 *   from its charset to UTF-8 (invalid bytes become U+FFFD), HTML reduced
 *   to its text (tags dropped, script and style contents dropped, entities
 *   decoded). Parts are separated by a line break; other parts (images,
 *   other attachments) are skipped. At most max_body_bytes bytes, cut at a
 *   character boundary.
 *
 * Both strings are malloc'd; the caller frees them.
 */
void message_text_extract(const unsigned char *data, size_t size, size_t max_body_bytes,
			  char **headers_r, char **body_r);

#endif
