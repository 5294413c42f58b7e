/*
 * imap-envelope.h — the IMAP ENVELOPE of a message (RFC 9051 7.5.2):
 * "(date subject from sender reply-to to cc bcc in-reply-to message-id)".
 *
 * Each field comes from the first header of its name. Date, In-Reply-To
 * and Message-ID are the unfolded raw values; the subject and display names
 * have their whitespace tidied (imap_append_nstring_text()) but are not
 * RFC 2047-decoded, as the RFC requires. Sender and Reply-To default to
 * From when absent or empty. An address without mailbox or domain gets
 * "MISSING_MAILBOX" / "MISSING_DOMAIN" (as Dovecot does), because a NIL
 * host would read as a group marker.
 */
#ifndef IMAP_ENVELOPE_H
#define IMAP_ENVELOPE_H

#include "strbuf.h"

#include <stddef.h>

/* Append the envelope of the message whose header block starts at data
   (size bytes: the header, or the whole message). */
void imap_envelope_write(const unsigned char *data, size_t size, struct strbuf *dest);

#endif
