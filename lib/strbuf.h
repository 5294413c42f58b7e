/*
 * strbuf.h — a growable, always NUL-terminated byte string for building
 * parser output (IMAP strings, decoded header values).
 *
 * Allocation goes through xalloc, so appending never fails. The bytes may
 * contain anything except that readers treat the first NUL as the end; the
 * parsers in lib-mail never append NUL bytes.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data;     /* NULL until the first append */
	size_t len;     /* bytes used, not counting the terminating NUL */
	size_t size;    /* bytes allocated */
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_append_n(struct strbuf *buf, const void *data, size_t len);
void strbuf_append(struct strbuf *buf, const char *str);
void strbuf_append_c(struct strbuf *buf, char c);
void strbuf_printf(struct strbuf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shorten to len bytes (len <= buf->len). */
void strbuf_truncate(struct strbuf *buf, size_t len);
/* The contents as a C string; "" when nothing was appended. Stays owned by
   buf and is invalidated by the next append. */
const char *strbuf_cstr(const struct strbuf *buf);
/* Hand the contents to the caller (free() it) and reset buf to empty. */
char *strbuf_steal(struct strbuf *buf);
void strbuf_free(struct strbuf *buf);

#endif
