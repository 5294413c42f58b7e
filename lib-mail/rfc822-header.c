/*
 * rfc822-header.c — header block iteration and unfolding (see
 * rfc822-header.h). Every byte is looked at a constant number of times, so
 * huge headers and very long lines cost linear time.
 */
#include "rfc822-header.h"

#include "utf8.h"

#include <string.h>
#include <strings.h>

void rfc822_header_iter_init(struct rfc822_header_iter *iter, const unsigned char *data,
			     size_t size)
{
	iter->data = data;
	iter->size = size;
	iter->pos = 0;
	iter->done = false;
}

/* End of the physical line starting at pos: the index of its LF, or size. */
static size_t rfc822_line_end(const struct rfc822_header_iter *iter, size_t pos)
{
	const unsigned char *lf = memchr(iter->data + pos, '\n', iter->size - pos);

	return lf == NULL ? iter->size : (size_t)(lf - iter->data);
}

static bool rfc822_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Turn the logical line [start, end) into a field; false when malformed. */
static bool rfc822_field_split(const unsigned char *start, size_t first_line_len,
			       const unsigned char *end, struct rfc822_header_field *field_r)
{
	const unsigned char *colon = memchr(start, ':', first_line_len);
	const unsigned char *name_end, *value;

	if (colon == NULL || rfc822_is_wsp(start[0]))
		return false;
	for (name_end = colon; name_end > start && rfc822_is_wsp(name_end[-1]); name_end--)
		;
	if (name_end == start)
		return false;
	value = colon + 1;
	while (value < end && (rfc822_is_wsp(*value) || *value == '\r' || *value == '\n'))
		value++;
	field_r->name = start;
	field_r->name_len = (size_t)(name_end - start);
	field_r->value = value;
	field_r->value_len = (size_t)(end - value);
	return true;
}

bool rfc822_header_iter_next(struct rfc822_header_iter *iter,
			     struct rfc822_header_field *field_r)
{
	const unsigned char *d = iter->data;

	while (!iter->done) {
		size_t start = iter->pos, eol, first_eol, end;

		if (start >= iter->size) {
			iter->done = true;
			break;
		}
		if (d[start] == '\n' || (d[start] == '\r' && start + 1 < iter->size &&
					 d[start + 1] == '\n')) {
			/* the empty line ending the header */
			iter->pos = start + (d[start] == '\n' ? 1 : 2);
			iter->done = true;
			break;
		}
		first_eol = eol = rfc822_line_end(iter, start);
		while (eol + 1 < iter->size && rfc822_is_wsp(d[eol + 1]))
			eol = rfc822_line_end(iter, eol + 1);
		iter->pos = eol < iter->size ? eol + 1 : eol;
		end = eol;
		if (end > start && end < iter->size && d[end - 1] == '\r')
			end--;
		if (rfc822_field_split(d + start, first_eol - start, d + end, field_r))
			return true;
	}
	return false;
}

size_t rfc822_header_iter_size(const struct rfc822_header_iter *iter)
{
	return iter->pos;
}

size_t rfc822_header_size(const unsigned char *data, size_t size)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field))
		;
	return rfc822_header_iter_size(&iter);
}

bool rfc822_header_name_is(const struct rfc822_header_field *field, const char *name)
{
	return strlen(name) == field->name_len &&
		strncasecmp((const char *)field->name, name, field->name_len) == 0;
}

void rfc822_header_unfold(const unsigned char *value, size_t len, struct strbuf *dest)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (value[i] != '\r' && value[i] != '\n' && value[i] != '\0')
			continue;
		strbuf_append_n(dest, value + start, i - start);
		if (value[i] == '\0')
			strbuf_append(dest, UTF8_REPLACEMENT);
		start = i + 1;
	}
	strbuf_append_n(dest, value + start, len - start);
}
