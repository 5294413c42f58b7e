/*
 * imap-bodystructure.h — the MIME structure of a message as IMAP
 * BODYSTRUCTURE (extensible) and BODY (non-extensible) strings, RFC 9051
 * 7.5.2, each exactly what follows "BODYSTRUCTURE " / "BODY " in a FETCH
 * response.
 *
 * Conventions (mostly Dovecot's): type, subtype, encoding, parameter names
 * and the disposition type are upper-cased ("TEXT" "PLAIN"); values keep
 * their case. A text part without a charset parameter gets
 * ("CHARSET" "us-ascii"); a part without Content-Type is text/plain (in a
 * multipart/digest: message/rfc822). Sizes are octets of the stored body,
 * line counts are LF counts. A multipart without usable parts gets one
 * empty text/plain part, since IMAP requires at least one. Containers
 * nested MESSAGE_MAX_DEPTH deep, or beyond MESSAGE_MAX_PARTS parts, are
 * described as opaque "APPLICATION" "OCTET-STREAM" leaves; the part that
 * reaches the part limit absorbs the rest of its multipart.
 */
#ifndef IMAP_BODYSTRUCTURE_H
#define IMAP_BODYSTRUCTURE_H

#include "strbuf.h"

#include <stddef.h>

/* Describe the message (header and body) data; appends to both buffers. */
void imap_bodystructure_write(const unsigned char *data, size_t size,
			      struct strbuf *bodystructure, struct strbuf *body);

#endif
