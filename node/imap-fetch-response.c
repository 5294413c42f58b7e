/*
 * imap-fetch-response.c — building one FETCH response (see
 * imap-fetch-response.h). Section bytes are written as they are stored:
 * no UTF-8 repair (imap-quote.h does that for text strings only), so
 * BODY[] is byte-identical to the message.
 */
#include "imap-fetch-response.h"

#include "imap-date.h"
#include "imap-session-private.h"
#include "message-part.h"

#include <string.h>

/* Items are separated by spaces; the first follows "(" directly. */
static void imap_fetch_sep(struct strbuf *out, size_t items_start)
{
	if (out->len > items_start)
		strbuf_append_c(out, ' ');
}

/* The item's name in the response: "RFC822.TEXT", "BODY[1.2]<0>",
   "BINARY.SIZE[1]" (RFC 9051 7.5.2: the partial echoes the offset only). */
static void imap_fetch_body_key(struct strbuf *out, const struct imap_fetch_body *body)
{
	if (body->alias != NULL) {
		strbuf_append(out, body->alias);
		return;
	}
	imap_fetch_section_append(out, &body->section);
	if (body->has_partial)
		strbuf_printf(out, "<%llu>", (unsigned long long)body->offset);
}

/* A literal of exactly these bytes; literal8 (RFC 3516) for BINARY
   content with NUL, which an ordinary literal cannot carry. */
static void imap_fetch_literal(struct strbuf *out, const unsigned char *data, size_t len,
			       bool binary)
{
	bool nul = binary && len > 0 && memchr(data, '\0', len) != NULL;

	strbuf_printf(out, "%s{%zu}\r\n", nul ? "~" : "", len);
	strbuf_append_n(out, data, len);
}

static int imap_fetch_body_append(struct strbuf *out, size_t items_start,
				  const struct imap_fetch_body *body,
				  const struct store_imap_message *m,
				  struct message_part **root, const char **error_r)
{
	struct imap_fetch_section_result result = IMAP_FETCH_SECTION_RESULT_INIT;
	const unsigned char *bytes;
	size_t size;

	if (*root == NULL)
		*root = message_part_parse(m->raw, m->raw_len);
	switch (imap_fetch_section_get(m->raw, m->raw_len, *root, &body->section, &result,
				       error_r)) {
	case 0:
		break;
	case IMAP_FETCH_SECTION_ERR_UNKNOWN_CTE:
		*error_r = "[UNKNOWN-CTE] Unknown Content-Transfer-Encoding";
		return -1;
	default:
		return -1;
	}
	imap_fetch_sep(out, items_start);
	imap_fetch_body_key(out, body);
	bytes = imap_fetch_section_result_bytes(&result, m->raw);
	size = result.size;
	if (body->section.item == IMAP_FETCH_ITEM_BINARY_SIZE) {
		strbuf_printf(out, " %zu", size);
	} else {
		if (body->has_partial) {
			/* an offset past the end gives the empty string */
			size_t offset = body->offset < size ? (size_t)body->offset : size;

			bytes += offset;
			size -= offset;
			if (body->count < size)
				size = (size_t)body->count;
		}
		strbuf_append_c(out, ' ');
		imap_fetch_literal(out, bytes, size,
				   body->section.item == IMAP_FETCH_ITEM_BINARY);
	}
	imap_fetch_section_result_free(&result);
	return 0;
}

/* The items without a section, in the order clients are used to. Each
   is written with a leading space, removed from the first one at the end
   (these items are short: that memmove costs nothing). */
static void imap_fetch_simple_append(struct strbuf *out, const struct imap_fetch_args *args,
				     const struct store_imap_message *m,
				     const struct imap_fetch_response_opts *opts)
{
	size_t items_start = out->len;
	char date[IMAP_DATE_TIME_BUFSIZE];

	if ((args->items & IMAP_FETCH_UID) != 0)
		strbuf_printf(out, " UID %u", m->uid);
	if ((args->items & IMAP_FETCH_FLAGS) != 0 || opts->with_flags) {
		strbuf_append_c(out, ' ');
		imap_flags_append(out, m->flags, m->keywords);
	}
	if ((args->items & IMAP_FETCH_INTERNALDATE) != 0)
		strbuf_printf(out, " INTERNALDATE \"%s\"",
			      imap_date_time_format((time_t)m->internal_date, date));
	if ((args->items & IMAP_FETCH_RFC822_SIZE) != 0)
		strbuf_printf(out, " RFC822.SIZE %u", m->size);
	if ((args->items & IMAP_FETCH_ENVELOPE) != 0)
		strbuf_printf(out, " ENVELOPE %s", m->envelope != NULL ? m->envelope : "NIL");
	if ((args->items & IMAP_FETCH_BODY) != 0)
		strbuf_printf(out, " BODY %s", m->body != NULL ? m->body : "NIL");
	if ((args->items & IMAP_FETCH_BODYSTRUCTURE) != 0)
		strbuf_printf(out, " BODYSTRUCTURE %s",
			      m->bodystructure != NULL ? m->bodystructure : "NIL");
	if ((args->items & IMAP_FETCH_MODSEQ) != 0 || opts->with_modseq)
		strbuf_printf(out, " MODSEQ (%llu)", (unsigned long long)m->modseq);
	if (out->len > items_start) {
		memmove(out->data + items_start, out->data + items_start + 1,
			out->len - items_start);   /* the NUL too */
		out->len--;
	}
}

int imap_fetch_response_build(const struct imap_fetch_args *args,
			      const struct store_imap_message *m,
			      const struct imap_fetch_response_opts *opts,
			      struct strbuf *out, const char **error_r)
{
	struct message_part *root = NULL;
	size_t start = out->len, items_start;
	int ret = 0;

	strbuf_printf(out, "* %u FETCH (", opts->seq);
	items_start = out->len;
	imap_fetch_simple_append(out, args, m, opts);
	for (unsigned int i = 0; i < args->body_count && ret == 0; i++)
		ret = imap_fetch_body_append(out, items_start, &args->bodies[i], m, &root,
					     error_r);
	message_part_free(&root);
	if (ret < 0) {
		strbuf_truncate(out, start);
		return -1;
	}
	strbuf_append(out, ")\r\n");
	return 0;
}
