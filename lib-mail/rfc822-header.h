/*
 * rfc822-header.h — walk the header block of a message or MIME part
 * (RFC 5322 2.2): one field per call, folded lines joined, malformed lines
 * skipped, CRLF or bare LF line ends.
 *
 * The header ends at the first empty line (which it includes) or at the end
 * of the data when there is none.
 */
#ifndef RFC822_HEADER_H
#define RFC822_HEADER_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

struct rfc822_header_field {
	const unsigned char *name;    /* without the colon and any space before it */
	size_t name_len;
	const unsigned char *value;   /* raw: leading whitespace skipped, folding CR/LF kept */
	size_t value_len;
};

struct rfc822_header_iter {
	const unsigned char *data;
	size_t size;
	size_t pos;
	bool done;
};

void rfc822_header_iter_init(struct rfc822_header_iter *iter, const unsigned char *data,
			     size_t size);
/* The next field, or false at the end of the header. Lines without a colon,
   with an empty name, or continuation lines with no field before them are
   skipped. */
bool rfc822_header_iter_next(struct rfc822_header_iter *iter,
			     struct rfc822_header_field *field_r);
/* Size of the header block including the empty line; valid once
   rfc822_header_iter_next() has returned false. */
size_t rfc822_header_iter_size(const struct rfc822_header_iter *iter);
/* Size of the header block of data (iterates it). */
size_t rfc822_header_size(const unsigned char *data, size_t size);

bool rfc822_header_name_is(const struct rfc822_header_field *field, const char *name);

/* Append value unfolded: CR and LF removed (the whitespace that follows a
   fold stays), NUL replaced by U+FFFD. */
void rfc822_header_unfold(const unsigned char *value, size_t len, struct strbuf *dest);

#endif
