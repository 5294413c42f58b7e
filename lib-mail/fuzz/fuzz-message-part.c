/*
 * fuzz-message-part.c — libFuzzer target for the part tree
 * (message-part.c), FETCH sections (imap-fetch-section.c) with the
 * transfer decoders (mime-decode.c), and search text (message-text.c).
 *
 * The first input line, up to 200 bytes, is taken as a section spec, the
 * rest as the message; the spec is tried as BODY and BINARY, and a fixed
 * set of sections is fetched too. Beyond the sanitizers: the tree's
 * offsets nest within the message, parsed specs echo to something that
 * parses to the same echo, referenced sections lie within the message,
 * and the search text is valid NUL-free UTF-8 within its cap.
 */
#include "imap-fetch-section.h"
#include "message-part.h"
#include "message-text.h"

#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_TEXT_MAX 4096

static const char *const fuzz_specs[] = {
	"", "HEADER", "TEXT", "1", "2", "1.1", "1.2", "2.1", "1.MIME", "2.MIME",
	"1.HEADER", "2.TEXT", "1.1.1", "HEADER.FIELDS (From To Subject)",
	"1.HEADER.FIELDS.NOT (Content-Type)",
};

static size_t fuzz_check_tree(const struct message_part *part, size_t size)
{
	size_t count = 1;

	if (part->header_offset > part->body_offset || part->body_offset > part->body_end ||
	    part->body_end > size)
		abort();
	for (const struct message_part *c = part->children; c != NULL; c = c->next) {
		if (c->parent != part || c->header_offset < part->body_offset ||
		    c->body_end > part->body_end)
			abort();
		count += fuzz_check_tree(c, size);
	}
	return count;
}

static void fuzz_section(const unsigned char *msg, size_t size, const struct message_part *root,
			 const char *spec, enum imap_fetch_section_item item)
{
	struct imap_fetch_section section, again;
	struct imap_fetch_section_result result;
	struct strbuf echo = STRBUF_INIT, echo2 = STRBUF_INIT;
	const char *error, *open;

	if (imap_fetch_section_parse(spec, item, &section, &error) < 0)
		return;
	imap_fetch_section_append(&echo, &section);
	open = strchr(echo.data, '[');
	echo.data[echo.len - 1] = '\0';   /* the closing ']' */
	if (imap_fetch_section_parse(open + 1, item, &again, &error) < 0)
		abort();
	imap_fetch_section_append(&echo2, &again);
	echo.data[echo.len - 1] = ']';
	if (strcmp(echo.data, echo2.data) != 0)
		abort();
	if (imap_fetch_section_get(msg, size, root, &section, &result, &error) == 0) {
		if (result.data == NULL && result.offset + result.size > size)
			abort();
		(void)imap_fetch_section_result_bytes(&result, msg);
	} else if (result.data != NULL || result.size != 0) {
		abort();
	}
	imap_fetch_section_result_free(&result);
	imap_fetch_section_free(&again);
	imap_fetch_section_free(&section);
	strbuf_free(&echo);
	strbuf_free(&echo2);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *lf = memchr(data, '\n', size < 200 ? size : 200);
	const unsigned char *msg = lf != NULL ? lf + 1 : data;
	size_t msg_size = size - (size_t)(msg - data);
	char spec[201] = "";
	struct message_part *root;
	char *headers, *body;

	if (lf != NULL) {
		memcpy(spec, data, (size_t)(lf - data));
		spec[lf - data] = '\0';
	}
	root = message_part_parse(msg, msg_size);
	fuzz_check_tree(root, msg_size);
	fuzz_section(msg, msg_size, root, spec, IMAP_FETCH_ITEM_BODY);
	fuzz_section(msg, msg_size, root, spec, IMAP_FETCH_ITEM_BINARY);
	for (size_t i = 0; i < sizeof(fuzz_specs) / sizeof(fuzz_specs[0]); i++) {
		fuzz_section(msg, msg_size, root, fuzz_specs[i], IMAP_FETCH_ITEM_BODY);
		fuzz_section(msg, msg_size, root, fuzz_specs[i], IMAP_FETCH_ITEM_BINARY);
	}
	message_part_free(&root);

	message_text_extract(msg, msg_size, FUZZ_TEXT_MAX, &headers, &body);
	if (!utf8_is_valid((const unsigned char *)headers, strlen(headers)) ||
	    !utf8_is_valid((const unsigned char *)body, strlen(body)) ||
	    strlen(body) > FUZZ_TEXT_MAX)
		abort();
	free(headers);
	free(body);
	return 0;
}
