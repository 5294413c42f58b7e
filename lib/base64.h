/*
 * base64.h — base64 digits, shared by every decoder (MIME encoded words,
 * IMAP modified UTF-7, and SASL later). Alphabets differ only in their
 * last two digits: "+/" in RFC 4648 and MIME, "+," in IMAP mailbox names.
 */
#ifndef BASE64_H
#define BASE64_H

#define BASE64_LAST_TWO_STANDARD "+/"
#define BASE64_LAST_TWO_IMAP "+,"

/* The value (0..63) of digit c, or -1 when c is not a digit of the
   alphabet whose last two digits are last_two. */
int base64_digit_value(unsigned char c, const char *last_two);

#endif
