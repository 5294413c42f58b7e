/*
 * buffer.c — growable byte buffers (see buffer.h).
 */
#include "buffer.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep at most this much memory in an empty buffer. */
#define BUFFER_KEEP_EMPTY 0

unsigned char *buffer_reserve(struct buffer *buf, size_t len)
{
	if (buf->alloc - buf->end >= len)
		return buf->data + buf->end;
	if (buf->start > 0) {
		/* slide the unconsumed bytes to the front first */
		memmove(buf->data, buf->data + buf->start, buf->end - buf->start);
		buf->end -= buf->start;
		buf->start = 0;
		if (buf->alloc - buf->end >= len)
			return buf->data + buf->end;
	}
	size_t want = buf->alloc == 0 ? 256 : buf->alloc;

	while (want - buf->end < len)
		want *= 2;
	buf->data = xrealloc(buf->data, want);
	buf->alloc = want;
	return buf->data + buf->end;
}

void buffer_commit(struct buffer *buf, size_t len)
{
	buf->end += len;
}

void buffer_append(struct buffer *buf, const void *data, size_t len)
{
	if (len == 0)
		return;
	memcpy(buffer_reserve(buf, len), data, len);
	buf->end += len;
}

void buffer_append_str(struct buffer *buf, const char *str)
{
	buffer_append(buf, str, strlen(str));
}

void buffer_printf(struct buffer *buf, const char *fmt, ...)
{
	va_list ap, ap2;
	int len;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	vsnprintf((char *)buffer_reserve(buf, len + 1), len + 1, fmt, ap2);
	va_end(ap2);
	buf->end += len;
}

void buffer_consume(struct buffer *buf, size_t len)
{
	buf->start += len;
	if (buf->start >= buf->end)
		buffer_clear(buf);
}

void buffer_clear(struct buffer *buf)
{
	buf->start = buf->end = 0;
	if (buf->alloc > BUFFER_KEEP_EMPTY)
		buffer_compact(buf);
}

void buffer_compact(struct buffer *buf)
{
	if (buf->start != buf->end)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->start = buf->end = buf->alloc = 0;
}

unsigned char *buffer_steal(struct buffer *buf, size_t *len_r)
{
	unsigned char *data;
	size_t len = buffer_len(buf);

	buffer_reserve(buf, 1);
	if (buf->start > 0)
		memmove(buf->data, buf->data + buf->start, len);
	data = buf->data;
	data[len] = '\0';
	*len_r = len;
	buf->data = NULL;
	buf->start = buf->end = buf->alloc = 0;
	return data;
}
