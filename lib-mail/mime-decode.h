/*
 * mime-decode.h — decoding MIME bodies: the Content-Transfer-Encodings of
 * RFC 2045 6 (base64, quoted-printable; 7bit, 8bit and binary are the
 * identity) and text in a MIME charset to UTF-8.
 *
 * The decoders are lenient, as mail readers are: they always produce the
 * best decoding they can and only report whether the input was clean.
 * Transfer-decoded output is bytes and may contain NUL: use dest->len, not
 * strlen(). Charset conversion output is valid, NUL-free UTF-8.
 */
#ifndef MIME_DECODE_H
#define MIME_DECODE_H

#include "strbuf.h"

#include <stddef.h>

enum mime_decode_encoding {
	MIME_DECODE_IDENTITY,   /* 7bit, 8bit, binary, or no/invalid header */
	MIME_DECODE_BASE64,
	MIME_DECODE_QP,
	MIME_DECODE_UNKNOWN,    /* a token we cannot decode (x-uuencode...) */
};

/* The encoding a Content-Transfer-Encoding token names (case-insensitive);
   NULL means the default 7bit. */
enum mime_decode_encoding mime_decode_encoding_parse(const char *cte);

/* Decode base64 text and append the bytes to dest. Line breaks and other
   characters outside the alphabet are skipped; '=' ends a quantum, and
   decoding resumes after it (some mailers concatenate encodings). Returns
   0, or -1 with *error_r a static message when characters other than
   whitespace were skipped or the data ended inside a quantum (dest still
   holds everything that could be decoded). */
int mime_decode_base64(const unsigned char *src, size_t len, struct strbuf *dest,
		       const char **error_r);
/* Decode quoted-printable (RFC 2045 6.7) and append to dest: "=XX" becomes
   the byte (either hex case), "=" at the end of a line (soft line break,
   trailing whitespace allowed) joins the lines, whitespace at the end of a
   line is dropped; line ends are kept as they are (CRLF or LF). Returns 0,
   or -1 with *error_r when an '=' was not followed by two hex digits or a
   line end; such an '=' is kept literally. */
int mime_decode_qp(const unsigned char *src, size_t len, struct strbuf *dest,
		   const char **error_r);
/* Decode per encoding (MIME_DECODE_UNKNOWN is not allowed here: the caller
   decides what an undecodable part means). Returns as the decoders do. */
int mime_decode_transfer(enum mime_decode_encoding encoding, const unsigned char *src,
			 size_t len, struct strbuf *dest, const char **error_r);

/* Convert text in charset (NULL or unknown: read as UTF-8; us-ascii and
   utf-8 handled directly, iso-8859-1 read as windows-1252 as browsers do,
   anything else through iconv) and append it to dest as valid, NUL-free
   UTF-8; invalid or truncated sequences and NUL become U+FFFD. */
void mime_decode_charset(const char *charset, const unsigned char *src, size_t len,
			 struct strbuf *dest);

#endif
