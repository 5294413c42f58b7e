/*
 * message-edit.h — changing a stored message's header and body in place:
 * what policy checks (rules, milters) ask for before the message is
 * stored. Pure: a message is a struct buffer holding CRLF text, its header
 * beginning at offset start (after Petrel's own Received: field, which
 * nothing here touches) and ending at the first empty line.
 *
 * Field names compare case-insensitively; index counts the occurrences
 * of one name from 1, as the milter protocol's CHGHEADER does.
 */
#ifndef MESSAGE_EDIT_H
#define MESSAGE_EDIT_H

#include "buffer.h"

#include <stdbool.h>
#include <stddef.h>

struct message_field {
	size_t start;         /* first byte of "Name:" */
	size_t value;         /* first byte after the colon */
	size_t end;           /* after the CRLF of its last (folded) line */
};

/* The index-th field called name at or after start; false if none. */
bool message_edit_find(const struct buffer *msg, size_t start, const char *name,
		       unsigned int index, struct message_field *field_r);
/* The field starting at pos, a field's start inside the header (walk
   them with pos = field_r->end); false at the empty line ending it. */
bool message_edit_next_field(const struct buffer *msg, size_t pos, struct message_field *field_r);
/* Offset of the empty line ending the header (or the end of msg). */
size_t message_edit_header_end(const struct buffer *msg, size_t start);

/* Replace remove bytes at offset at with insert_len bytes of insert. */
void message_edit_splice(struct buffer *msg, size_t at, size_t remove, const void *insert,
			 size_t insert_len);
/* Set the index-th field called name to value (" value" is written after
   the colon); value NULL deletes it. A missing field is added at the end
   of the header when value is not NULL (CHGHEADER semantics). */
void message_edit_change(struct buffer *msg, size_t start, const char *name,
			 unsigned int index, const char *value);
/* Insert "name: value" as the position-th field of the header (0 = first;
   past the last field = at the end of the header). */
void message_edit_insert(struct buffer *msg, size_t start, unsigned int position,
			 const char *name, const char *value);
/* Put tag and a space in front of the Subject: text (adds a Subject:
   field holding just the tag when there is none). */
void message_edit_prefix_subject(struct buffer *msg, size_t start, const char *tag);
/* Replace everything after the header's empty line. */
void message_edit_replace_body(struct buffer *msg, size_t start, const void *body, size_t len);

#endif
