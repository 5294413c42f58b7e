/*
 * imap-fetch-section.c — FETCH BODY[section] / BINARY[section] (see
 * imap-fetch-section.h): parsing and echoing the section text, and finding
 * the section's bytes in a stored message through its part tree. Most
 * sections are a range of the stored bytes; only HEADER.FIELDS[.NOT] and
 * decoded BINARY sections are built.
 */
#include "imap-fetch-section.h"

#include "mime-decode.h"
#include "rfc822-header.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool section_keyword(const char **p, const char *keyword)
{
	size_t len = strlen(keyword);

	if (strncasecmp(*p, keyword, len) != 0)
		return false;
	*p += len;
	return true;
}

/* section-part = nz-number *("." nz-number); stops before a keyword. */
static int section_parse_path(const char **p, struct imap_fetch_section *section,
			      const char **error_r)
{
	const char *s = *p;

	while (*s >= '1' && *s <= '9') {
		uint64_t n = 0;

		if (section->path_count == IMAP_FETCH_SECTION_MAX_PATH) {
			*error_r = "Section part number path too long";
			return -1;
		}
		for (; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (uint64_t)(*s - '0');
			if (n > UINT32_MAX) {
				*error_r = "Section part number too large";
				return -1;
			}
		}
		section->path[section->path_count++] = (uint32_t)n;
		if (*s != '.')
			break;
		/* "." then another number or a section-text keyword */
		if (s[1] == '\0' || s[1] == '0') {
			*error_r = "Invalid section part number";
			return -1;
		}
		if (s[1] < '1' || s[1] > '9') {
			s++;
			break;
		}
		s++;
	}
	*p = s;
	return 0;
}

static bool section_is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static bool section_is_atom_char(unsigned char c)
{
	return c > ' ' && c < 0x7F && strchr("(){%*\"\\]", c) == NULL;
}

/* One header-fld-name (astring: atom or quoted string) into name. */
static int section_parse_name(const char **p, struct strbuf *name, const char **error_r)
{
	const char *s = *p;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			else if (*s == '\0' || *s == '\\')
				break;
			strbuf_append_c(name, *s);
		}
		if (*s++ != '"') {
			*error_r = "Invalid quoted header field name";
			return -1;
		}
	} else {
		for (; section_is_atom_char((unsigned char)*s); s++)
			strbuf_append_c(name, *s);
	}
	for (size_t i = 0; i < name->len; i++) {
		if (!section_is_ftext((unsigned char)name->data[i])) {
			*error_r = "Invalid header field name";
			return -1;
		}
	}
	if (name->len == 0) {
		*error_r = "Empty header field name";
		return -1;
	}
	*p = s;
	return 0;
}

/* SP "(" header-fld-name *(SP header-fld-name) ")" up to the end */
static int section_parse_fields(const char *p, struct imap_fetch_section *section,
				const char **error_r)
{
	struct strbuf name = STRBUF_INIT;

	if (p[0] != ' ' || p[1] != '(') {
		*error_r = "Missing header field list";
		return -1;
	}
	for (p += 2; *p != ')'; ) {
		if (section->field_count == IMAP_FETCH_SECTION_MAX_FIELDS) {
			*error_r = "Too many header field names";
			return -1;
		}
		if (section_parse_name(&p, &name, error_r) < 0) {
			strbuf_free(&name);
			return -1;
		}
		section->fields = xrealloc(section->fields,
					   (section->field_count + 1) * sizeof(char *));
		section->fields[section->field_count++] = strbuf_steal(&name);
		if (*p == ' ' && p[1] != ')')
			p++;
		else if (*p != ')')
			break;
	}
	if (*p != ')' || p[1] != '\0' || section->field_count == 0) {
		*error_r = section->field_count == 0 ? "Empty header field list" :
			"Invalid header field list";
		return -1;
	}
	return 0;
}

static int section_parse_text(const char *p, struct imap_fetch_section *section,
			      const char **error_r)
{
	if (*p == '\0') {
		section->kind = IMAP_FETCH_SECTION_ALL;
		return 0;
	}
	if (section->item != IMAP_FETCH_ITEM_BODY) {
		*error_r = "BINARY takes only a section part number";
		return -1;
	}
	if (section_keyword(&p, "HEADER.FIELDS")) {
		section->kind = section_keyword(&p, ".NOT") ?
			IMAP_FETCH_SECTION_HEADER_FIELDS_NOT : IMAP_FETCH_SECTION_HEADER_FIELDS;
		return section_parse_fields(p, section, error_r);
	}
	if (section_keyword(&p, "HEADER"))
		section->kind = IMAP_FETCH_SECTION_HEADER;
	else if (section_keyword(&p, "TEXT"))
		section->kind = IMAP_FETCH_SECTION_TEXT;
	else if (section->path_count > 0 && section_keyword(&p, "MIME"))
		section->kind = IMAP_FETCH_SECTION_MIME;
	else
		p = "?";
	if (*p != '\0') {
		*error_r = "Invalid section";
		return -1;
	}
	return 0;
}

int imap_fetch_section_parse(const char *spec, enum imap_fetch_section_item item,
			     struct imap_fetch_section *section_r, const char **error_r)
{
	const char *p = spec;

	memset(section_r, 0, sizeof(*section_r));
	section_r->item = item;
	if (section_parse_path(&p, section_r, error_r) < 0)
		goto failed;
	/* after part numbers: the end, or "." and a keyword */
	if (section_r->path_count > 0 && *p != '\0' && p[-1] != '.') {
		*error_r = "Invalid section part number";
		goto failed;
	}
	if (section_parse_text(p, section_r, error_r) < 0)
		goto failed;
	return 0;
failed:
	imap_fetch_section_free(section_r);
	section_r->item = item;
	return -1;
}

void imap_fetch_section_free(struct imap_fetch_section *section)
{
	for (unsigned int i = 0; i < section->field_count; i++)
		free(section->fields[i]);
	free(section->fields);
	memset(section, 0, sizeof(*section));
}

static void section_append_name(struct strbuf *dest, const char *name)
{
	bool atom = true;

	for (const char *p = name; *p != '\0'; p++)
		atom = atom && section_is_atom_char((unsigned char)*p);
	if (atom) {
		strbuf_append(dest, name);
		return;
	}
	strbuf_append_c(dest, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_append_c(dest, '\\');
		strbuf_append_c(dest, *p);
	}
	strbuf_append_c(dest, '"');
}

void imap_fetch_section_append(struct strbuf *dest, const struct imap_fetch_section *section)
{
	static const char *const items[] = { "BODY[", "BINARY[", "BINARY.SIZE[" };
	static const char *const kinds[] = {
		"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME",
	};

	strbuf_append(dest, items[section->item]);
	for (unsigned int i = 0; i < section->path_count; i++)
		strbuf_printf(dest, i == 0 ? "%u" : ".%u", (unsigned int)section->path[i]);
	if (section->path_count > 0 && section->kind != IMAP_FETCH_SECTION_ALL)
		strbuf_append_c(dest, '.');
	strbuf_append(dest, kinds[section->kind]);
	if (section->field_count > 0) {
		strbuf_append(dest, " (");
		for (unsigned int i = 0; i < section->field_count; i++) {
			if (i > 0)
				strbuf_append_c(dest, ' ');
			section_append_name(dest, section->fields[i]);
		}
		strbuf_append_c(dest, ')');
	}
	strbuf_append_c(dest, ']');
}

static bool section_field_listed(const struct imap_fetch_section *section,
				 const struct rfc822_header_field *field)
{
	for (unsigned int i = 0; i < section->field_count; i++) {
		if (rfc822_header_name_is(field, section->fields[i]))
			return true;
	}
	return false;
}

/* Append raw header bytes with every line ending in CRLF. */
static void section_append_crlf(struct strbuf *dest, const unsigned char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		strbuf_append_n(dest, p + start, i - start);
		strbuf_append(dest, "\r\n");
		start = i + 1;
	}
	strbuf_append_n(dest, p + start, len - start);
	if (len == 0 || p[len - 1] != '\n')
		strbuf_append(dest, "\r\n");
}

/* HEADER.FIELDS[.NOT] of the header block of msg. */
static void section_build_fields(const unsigned char *message, const struct message_part *msg,
				 const struct imap_fetch_section *section,
				 struct imap_fetch_section_result *result)
{
	bool want = section->kind == IMAP_FETCH_SECTION_HEADER_FIELDS;
	struct strbuf out = STRBUF_INIT;
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, message + msg->header_offset,
				msg->body_offset - msg->header_offset);
	while (rfc822_header_iter_next(&iter, &field)) {
		const unsigned char *line_end = iter.data + rfc822_header_iter_size(&iter);

		if (section_field_listed(section, &field) == want)
			section_append_crlf(&out, field.name, (size_t)(line_end - field.name));
	}
	strbuf_append(&out, "\r\n");
	result->size = out.len;
	result->data = strbuf_steal(&out);
}

static void section_ref(struct imap_fetch_section_result *result, size_t start, size_t end)
{
	result->offset = start;
	result->size = end - start;
}

/* HEADER, TEXT, HEADER.FIELDS[.NOT] or the whole of the message msg. */
static void section_get_message(const unsigned char *message, const struct message_part *msg,
				const struct imap_fetch_section *section,
				struct imap_fetch_section_result *result)
{
	switch (section->kind) {
	case IMAP_FETCH_SECTION_ALL:
		section_ref(result, msg->header_offset, msg->body_end);
		break;
	case IMAP_FETCH_SECTION_HEADER:
	case IMAP_FETCH_SECTION_MIME:
		section_ref(result, msg->header_offset, msg->body_offset);
		break;
	case IMAP_FETCH_SECTION_TEXT:
		section_ref(result, msg->body_offset, msg->body_end);
		break;
	case IMAP_FETCH_SECTION_HEADER_FIELDS:
	case IMAP_FETCH_SECTION_HEADER_FIELDS_NOT:
		section_build_fields(message, msg, section, result);
		break;
	}
}

static int section_get_binary(const unsigned char *message, const struct message_part *part,
			      struct imap_fetch_section_result *result, const char **error_r)
{
	enum mime_decode_encoding encoding = mime_decode_encoding_parse(part->encoding);
	struct strbuf out = STRBUF_INIT;
	const char *decode_error;

	if (encoding == MIME_DECODE_UNKNOWN) {
		*error_r = "Unknown Content-Transfer-Encoding";
		return IMAP_FETCH_SECTION_ERR_UNKNOWN_CTE;
	}
	if (encoding == MIME_DECODE_IDENTITY) {
		section_ref(result, part->body_offset, part->body_end);
		return 0;
	}
	/* corrupt data is decoded as far as it goes, as mail readers do */
	(void)mime_decode_transfer(encoding, message + part->body_offset,
				   part->body_end - part->body_offset, &out, &decode_error);
	result->size = out.len;
	result->data = strbuf_steal(&out);
	return 0;
}

int imap_fetch_section_get(const unsigned char *message, size_t size,
			   const struct message_part *root,
			   const struct imap_fetch_section *section,
			   struct imap_fetch_section_result *result_r, const char **error_r)
{
	const struct message_part *part;

	memset(result_r, 0, sizeof(*result_r));
	if (root->body_end > size) {
		*error_r = "Message part tree does not match the message";
		return IMAP_FETCH_SECTION_ERR_INVALID;
	}
	if (section->path_count == 0) {
		if (section->kind == IMAP_FETCH_SECTION_MIME) {
			*error_r = "MIME needs a part number";
			return IMAP_FETCH_SECTION_ERR_INVALID;
		}
		section_get_message(message, root, section, result_r);
		return 0;
	}
	part = message_part_find(root, section->path, section->path_count);
	if (part == NULL)
		return 0;   /* no such part: empty, as Dovecot answers */
	if (section->item != IMAP_FETCH_ITEM_BODY)
		return section_get_binary(message, part, result_r, error_r);
	switch (section->kind) {
	case IMAP_FETCH_SECTION_ALL:
		section_ref(result_r, part->body_offset, part->body_end);
		return 0;
	case IMAP_FETCH_SECTION_MIME:
		section_ref(result_r, part->header_offset, part->body_offset);
		return 0;
	default:
		break;
	}
	if (part->kind != MESSAGE_PART_MESSAGE) {
		*error_r = "HEADER and TEXT sections need a message/rfc822 part";
		return IMAP_FETCH_SECTION_ERR_INVALID;
	}
	section_get_message(message, part->children, section, result_r);
	return 0;
}

const unsigned char *imap_fetch_section_result_bytes(const struct imap_fetch_section_result *result,
						     const unsigned char *message)
{
	if (result->data != NULL)
		return (const unsigned char *)result->data;
	return message != NULL ? message + result->offset : (const unsigned char *)"";
}

void imap_fetch_section_result_free(struct imap_fetch_section_result *result)
{
	free(result->data);
	memset(result, 0, sizeof(*result));
}
