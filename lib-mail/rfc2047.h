/*
 * rfc2047.h — decode MIME encoded-words ("=?charset?Q?...?=", RFC 2047
 * and RFC 2231 5's "charset*language") in header text to UTF-8.
 *
 * Whitespace between two adjacent encoded-words is dropped; consecutive
 * words in one charset are joined before conversion, so a character split
 * across words (as some mailers do) survives. Charsets are converted with
 * iconv; utf-8, us-ascii and iso-8859-1 (read as windows-1252, like web
 * browsers do) are handled directly. Unknown charsets are read as UTF-8.
 * The output is always valid, NUL-free UTF-8.
 */
#ifndef RFC2047_H
#define RFC2047_H

#include "strbuf.h"

#include <stddef.h>

/* Decode an unfolded header value and append it to dest. */
void rfc2047_decode(const void *value, size_t len, struct strbuf *dest);

#endif
