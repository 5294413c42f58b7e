/*
 * utf8.h — UTF-8 validation and repair for protocol lines and decoded
 * header text (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
 * PostgreSQL rejects invalid UTF-8 in text values, and mail is full of raw
 * 8-bit bytes, so whatever is stored as text passes through here.
 */
#ifndef UTF8_H
#define UTF8_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD */

/* Length (1..4) of the valid UTF-8 character starting at p, or 0 when the
   bytes there are not valid UTF-8 (or the character is cut off by len). */
size_t utf8_char_len(const unsigned char *p, size_t len);
bool utf8_is_valid(const unsigned char *p, size_t len);
/* Append p to dest, replacing each invalid byte and each NUL by U+FFFD, so
   the result is always valid, NUL-free UTF-8. */
void utf8_append_sanitized(struct strbuf *dest, const unsigned char *p, size_t len);
/* Append one code point (invalid ones become U+FFFD). */
void utf8_append_codepoint(struct strbuf *dest, uint32_t cp);

#endif
