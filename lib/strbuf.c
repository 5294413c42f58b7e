/*
 * strbuf.c — growable NUL-terminated strings (see strbuf.h). Capacity
 * doubles, so building a string of n bytes costs O(n) however it is
 * appended.
 */
#include "strbuf.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strbuf_reserve(struct strbuf *buf, size_t extra)
{
	size_t need = buf->len + extra + 1;
	size_t size;

	if (need <= buf->size)
		return;
	size = buf->size < 64 ? 64 : buf->size;
	while (size < need)
		size *= 2;
	buf->data = xrealloc(buf->data, size);
	buf->size = size;
}

void strbuf_append_n(struct strbuf *buf, const void *data, size_t len)
{
	strbuf_reserve(buf, len);
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void strbuf_append(struct strbuf *buf, const char *str)
{
	strbuf_append_n(buf, str, strlen(str));
}

void strbuf_append_c(struct strbuf *buf, char c)
{
	strbuf_reserve(buf, 1);
	buf->data[buf->len++] = c;
	buf->data[buf->len] = '\0';
}

void strbuf_vprintf(struct strbuf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n <= 0)
		return;
	strbuf_reserve(buf, (size_t)n);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
}

void strbuf_printf(struct strbuf *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(buf, fmt, ap);
	va_end(ap);
}

void strbuf_truncate(struct strbuf *buf, size_t len)
{
	if (buf->data == NULL || len >= buf->len)
		return;
	buf->len = len;
	buf->data[len] = '\0';
}

const char *strbuf_cstr(const struct strbuf *buf)
{
	return buf->data != NULL ? buf->data : "";
}

char *strbuf_steal(struct strbuf *buf)
{
	char *data = buf->data != NULL ? buf->data : xstrdup("");

	buf->data = NULL;
	buf->len = buf->size = 0;
	return data;
}

void strbuf_free(struct strbuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->size = 0;
}
