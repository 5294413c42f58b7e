/*
 * imap-utf7.h — RFC 3501 5.1.3 modified UTF-7 mailbox names to and from
 * UTF-8. IMAP4rev1 clients name mailboxes in modified UTF-7; the store
 * keeps UTF-8, so every mailbox name crossing the protocol passes here
 * (clients that ENABLE UTF8=ACCEPT skip it).
 */
#ifndef IMAP_UTF7_H
#define IMAP_UTF7_H

#include "strbuf.h"

#include <stdbool.h>

/* Append the UTF-8 form of the modified UTF-7 name in to out. Returns 0,
   or -1 when in is not strictly valid modified UTF-7: a byte outside
   printable US-ASCII, a bad base64 character, an unterminated "&...", a
   non-shortest encoding (left-over bits that are not zero or a whole
   surplus character), an encoded printable US-ASCII character or NUL, a
   broken surrogate pair, or a null shift ("-&" directly after an encoded
   run). "&-" is "&". On -1 out is restored to its previous length. */
int imap_utf7_to_utf8(const char *in, struct strbuf *out);

/* Append the modified UTF-7 form of the UTF-8 string in to out. Returns 0,
   or -1 when in is not valid UTF-8 (out is then restored to its previous
   length). */
int imap_utf8_to_utf7(const char *in, struct strbuf *out);

/* Whether in is valid modified UTF-7 (as imap_utf7_to_utf8() checks). */
bool imap_utf7_is_valid(const char *in);

#endif
