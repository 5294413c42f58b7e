/*
 * message-edit.c — header and body edits of a message in a buffer (see
 * message-edit.h). The header is walked line by line; a field runs from
 * a line not starting with whitespace to the last continuation line.
 */
#include "message-edit.h"

#include "strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* End of the line starting at pos: after its LF (or the end of msg). */
static size_t message_edit_line_end(const unsigned char *data, size_t len, size_t pos)
{
	const unsigned char *lf = memchr(data + pos, '\n', len - pos);

	return lf != NULL ? (size_t)(lf - data) + 1 : len;
}

static bool message_edit_blank_line(const unsigned char *data, size_t len, size_t pos)
{
	return pos >= len || data[pos] == '\n' ||
	       (data[pos] == '\r' && pos + 1 < len && data[pos + 1] == '\n');
}

size_t message_edit_header_end(const struct buffer *msg, size_t start)
{
	const unsigned char *data = buffer_data(msg);
	size_t len = buffer_len(msg), pos = start;

	while (!message_edit_blank_line(data, len, pos))
		pos = message_edit_line_end(data, len, pos);
	return pos;
}

/* The field starting at pos (a line not starting with whitespace). */
static void message_edit_field_at(const unsigned char *data, size_t len, size_t pos,
				  struct message_field *f)
{
	const unsigned char *colon;
	size_t line_end = message_edit_line_end(data, len, pos);

	f->start = pos;
	colon = memchr(data + pos, ':', line_end - pos);
	f->value = colon != NULL ? (size_t)(colon - data) + 1 : line_end;
	f->end = line_end;
	while (f->end < len && (data[f->end] == ' ' || data[f->end] == '\t'))
		f->end = message_edit_line_end(data, len, f->end);
}

static bool message_edit_name_is(const unsigned char *data, const struct message_field *f,
				 const char *name)
{
	size_t n = strlen(name);

	return f->value == f->start + n + 1 && strncasecmp((const char *)data + f->start, name,
							   n) == 0;
}

/* Visit the fields from start: the count-th one (from 0) if name is NULL,
   else the index-th one called name. */
static bool message_edit_walk(const struct buffer *msg, size_t start, const char *name,
			      unsigned int n, struct message_field *f)
{
	const unsigned char *data = buffer_data(msg);
	size_t len = buffer_len(msg), pos = start;
	unsigned int seen = 0;

	while (!message_edit_blank_line(data, len, pos)) {
		message_edit_field_at(data, len, pos, f);
		if (name == NULL ? seen++ == n :
		    message_edit_name_is(data, f, name) && ++seen == n)
			return true;
		pos = f->end;
	}
	return false;
}

bool message_edit_find(const struct buffer *msg, size_t start, const char *name,
		       unsigned int index, struct message_field *field_r)
{
	return index > 0 && message_edit_walk(msg, start, name, index, field_r);
}

bool message_edit_next_field(const struct buffer *msg, size_t pos, struct message_field *field_r)
{
	if (message_edit_blank_line(buffer_data(msg), buffer_len(msg), pos))
		return false;
	message_edit_field_at(buffer_data(msg), buffer_len(msg), pos, field_r);
	return true;
}

void message_edit_splice(struct buffer *msg, size_t at, size_t remove, const void *insert,
			 size_t insert_len)
{
	struct buffer out = { 0 };
	const unsigned char *data = buffer_data(msg);
	size_t len = buffer_len(msg);

	buffer_append(&out, data, at);
	buffer_append(&out, insert, insert_len);
	buffer_append(&out, data + at + remove, len - at - remove);
	buffer_clear(msg);
	free(msg->data);
	*msg = out;
}

static void message_edit_put_field(struct buffer *msg, size_t at, size_t remove,
				   const char *name, const char *value)
{
	struct strbuf field = STRBUF_INIT;

	strbuf_printf(&field, "%s: %s\r\n", name, value);
	message_edit_splice(msg, at, remove, strbuf_cstr(&field), field.len);
	strbuf_free(&field);
}

void message_edit_change(struct buffer *msg, size_t start, const char *name,
			 unsigned int index, const char *value)
{
	struct message_field f;

	if (!message_edit_find(msg, start, name, index, &f)) {
		if (value != NULL)
			message_edit_put_field(msg, message_edit_header_end(msg, start), 0, name,
					       value);
		return;
	}
	if (value == NULL)
		message_edit_splice(msg, f.start, f.end - f.start, "", 0);
	else
		message_edit_put_field(msg, f.start, f.end - f.start, name, value);
}

void message_edit_insert(struct buffer *msg, size_t start, unsigned int position,
			 const char *name, const char *value)
{
	struct message_field f;
	size_t at = message_edit_walk(msg, start, NULL, position, &f) ? f.start :
		    message_edit_header_end(msg, start);

	message_edit_put_field(msg, at, 0, name, value);
}

void message_edit_prefix_subject(struct buffer *msg, size_t start, const char *tag)
{
	struct message_field f;
	struct strbuf text = STRBUF_INIT;

	if (!message_edit_find(msg, start, "Subject", 1, &f)) {
		message_edit_put_field(msg, message_edit_header_end(msg, start), 0, "Subject", tag);
		return;
	}
	/* keep the original value (folding and all) after the tag */
	strbuf_printf(&text, " %s", tag);
	message_edit_splice(msg, f.value, 0, strbuf_cstr(&text), text.len);
	strbuf_free(&text);
}

void message_edit_replace_body(struct buffer *msg, size_t start, const void *body, size_t len)
{
	const unsigned char *data = buffer_data(msg);
	size_t end = message_edit_header_end(msg, start), total = buffer_len(msg);

	if (end < total) {        /* past the empty line */
		end = message_edit_line_end(data, total, end);
	} else {                  /* a header without body: add the empty line */
		message_edit_splice(msg, end, 0, "\r\n", 2);
		end += 2;
	}
	message_edit_splice(msg, end, buffer_len(msg) - end, body, len);
}
