/*
 * buffer.h — a growable byte buffer consumed from the front.
 *
 * Used for connection input/output and message bodies. Memory is released
 * when a buffer empties (buffer_compact), so an idle connection holds no
 * buffer memory at all — that is what keeps idle sessions small.
 */
#ifndef BUFFER_H
#define BUFFER_H

#include <stddef.h>

struct buffer {
	unsigned char *data;
	size_t start;        /* first unconsumed byte */
	size_t end;          /* one past the last byte */
	size_t alloc;
};

static inline const unsigned char *buffer_data(const struct buffer *buf)
{
	return buf->data + buf->start;
}

static inline size_t buffer_len(const struct buffer *buf)
{
	return buf->end - buf->start;
}

void buffer_append(struct buffer *buf, const void *data, size_t len);
void buffer_append_str(struct buffer *buf, const char *str);
void buffer_printf(struct buffer *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for at least len more bytes and return where they go; commit
   what was written with buffer_commit(). */
unsigned char *buffer_reserve(struct buffer *buf, size_t len);
void buffer_commit(struct buffer *buf, size_t len);
/* Drop len bytes from the front; when the buffer empties, its memory is
   freed (if large) or reused. */
void buffer_consume(struct buffer *buf, size_t len);
/* Release the memory of an empty buffer. */
void buffer_compact(struct buffer *buf);
void buffer_clear(struct buffer *buf);
/* Hand over the bytes (NUL-terminated, not counted in *len_r) and leave the
   buffer empty. The caller frees the result. */
unsigned char *buffer_steal(struct buffer *buf, size_t *len_r);

#endif
