/*
 * base64.h — base64 digits, shared by every decoder (MIME encoded words,
 * IMAP modified UTF-7, SASL), and strict RFC 4648 encoding and decoding;
 * and hex digits, shared by quoted-printable and URL percent-decoding.
 * Alphabets differ only in their last two digits: "+/" in RFC 4648 and
 * MIME, "+," in IMAP mailbox names.
 */
#ifndef BASE64_H
#define BASE64_H

#include "strbuf.h"

#include <stddef.h>

#define BASE64_LAST_TWO_STANDARD "+/"
#define BASE64_LAST_TWO_IMAP "+,"

/* Encoded length of n bytes (padded), and the most bytes that n base64
   characters can decode to. */
/* The value of a hex digit (either case), or -1. */
int hex_digit_value(unsigned char c);

#define BASE64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4)
#define BASE64_DECODED_MAX(n) ((n) / 4 * 3)

/* The value (0..63) of digit c, or -1 when c is not a digit of the
   alphabet whose last two digits are last_two. */
int base64_digit_value(unsigned char c, const char *last_two);

/* Append the RFC 4648 base64 encoding of data[0..size) to dest, padded
   with "=" to a multiple of four characters ("" for size 0). */
void base64_encode(struct strbuf *dest, const void *data, size_t size);

/* Strictly decode src[0..len) (RFC 4648 section 4 alphabet): len must be a
   multiple of four, "=" may only pad the last group (one or two of them),
   the unused bits before the padding must be zero, and nothing else
   (whitespace, line breaks, NUL) is allowed. Empty input decodes to
   nothing. dest must hold BASE64_DECODED_MAX(len) bytes; nothing is
   allocated, so callers decoding secrets control where the bytes live.
   Returns 0 with *dest_len_r set, or -1 on invalid input (dest may then
   hold a partial result). */
int base64_decode(const char *src, size_t len, unsigned char *dest, size_t *dest_len_r);

#endif
