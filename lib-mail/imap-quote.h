/*
 * imap-quote.h — writing IMAP strings (RFC 9051 / RFC 3501 section 4.3):
 * NIL, a quoted string when the text is printable ASCII without CR/LF
 * ('"' and '\' escaped), a literal "{n}\r\n<bytes>" otherwise. Literal
 * contents are made valid UTF-8 (invalid bytes and NUL become U+FFFD), so
 * everything written here can be stored in a UTF-8 text column.
 */
#ifndef IMAP_QUOTE_H
#define IMAP_QUOTE_H

#include "strbuf.h"

#include <stddef.h>

/* Append len bytes of src as a string (quoted or literal). */
void imap_append_string(struct strbuf *dest, const char *src, size_t len);
/* As above for a C string; NULL is written as NIL. */
void imap_append_nstring(struct strbuf *dest, const char *src);
/* Text meant for people (subjects, display names): CR/LF dropped, each run
   of spaces and tabs made one space, leading and trailing space removed,
   then written as imap_append_nstring() does. NULL is NIL. */
void imap_append_nstring_text(struct strbuf *dest, const char *src);
/* Upper-case ASCII copy written as a quoted string: the form used for MIME
   type, subtype, parameter names and encodings in BODYSTRUCTURE. */
void imap_append_upper(struct strbuf *dest, const char *src);

#endif
