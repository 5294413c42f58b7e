/*
 * mime-boundary.h — split a multipart body into its parts (RFC 2046
 * 5.1.1): parts sit between delimiter lines "--boundary", the last one
 * ends at the close delimiter "--boundary--". The CRLF (or bare LF) before
 * a delimiter belongs to the delimiter. The preamble and epilogue are not
 * parts; a missing close delimiter ends the last part at the end of data.
 *
 * A delimiter line may carry trailing whitespace (transport padding);
 * anything else after the boundary means the line is not a delimiter, so a
 * boundary that is a prefix of another one does not cut it.
 */
#ifndef MIME_BOUNDARY_H
#define MIME_BOUNDARY_H

#include <stdbool.h>
#include <stddef.h>

struct mime_boundary_iter {
	const unsigned char *data;
	size_t size;
	const char *boundary;
	size_t boundary_len;
	size_t next_start;   /* where the next part begins */
	bool started, done;
};

/* boundary must stay valid while the iterator is used. */
void mime_boundary_iter_init(struct mime_boundary_iter *iter, const unsigned char *data,
			     size_t size, const char *boundary);
/* The next part as [*start_r, *start_r + *size_r) of data; false when
   there are no more parts. */
bool mime_boundary_iter_next(struct mime_boundary_iter *iter, size_t *start_r,
			     size_t *size_r);
/* Everything from the next part up to the close delimiter (or the end) as
   one part, ignoring delimiters in between; the iteration is then over. */
bool mime_boundary_iter_rest(struct mime_boundary_iter *iter, size_t *start_r,
			     size_t *size_r);

#endif
