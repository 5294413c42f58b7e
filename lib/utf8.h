/*
 * utf8.h — UTF-8 validation. PostgreSQL rejects invalid UTF-8 in text
 * values, and mail headers are full of raw 8-bit bytes, so text derived
 * from messages is checked and repaired before it is stored.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strictly valid UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
bool utf8_valid(const unsigned char *data, size_t len);
/* A copy with every invalid byte replaced by U+FFFD; the caller frees it. */
char *utf8_repair(const char *str);

#endif
