/*
 * imap-envelope.c — ENVELOPE rendering (see imap-envelope.h).
 */
#include "imap-envelope.h"

#include "imap-quote.h"
#include "rfc822-address.h"
#include "rfc822-header.h"

#include <stdbool.h>

enum envelope_field {
	ENVELOPE_DATE,
	ENVELOPE_SUBJECT,
	ENVELOPE_FROM,
	ENVELOPE_SENDER,
	ENVELOPE_REPLY_TO,
	ENVELOPE_TO,
	ENVELOPE_CC,
	ENVELOPE_BCC,
	ENVELOPE_IN_REPLY_TO,
	ENVELOPE_MESSAGE_ID,
	ENVELOPE_FIELD_COUNT
};

static const char *const envelope_names[ENVELOPE_FIELD_COUNT] = {
	"Date", "Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"In-Reply-To", "Message-ID",
};

struct envelope_values {
	bool present[ENVELOPE_FIELD_COUNT];
	struct strbuf value[ENVELOPE_FIELD_COUNT];   /* unfolded */
};

static void envelope_collect(const unsigned char *data, size_t size, struct envelope_values *v)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		for (int i = 0; i < ENVELOPE_FIELD_COUNT; i++) {
			if (v->present[i] || !rfc822_header_name_is(&field, envelope_names[i]))
				continue;
			v->present[i] = true;
			rfc822_header_unfold(field.value, field.value_len, &v->value[i]);
			break;
		}
	}
}

static void envelope_write_address(struct strbuf *dest, const struct rfc822_address *addr)
{
	strbuf_append_c(dest, '(');
	if (addr->group_start || addr->group_end) {
		strbuf_append(dest, "NIL NIL ");
		imap_append_nstring(dest, addr->group_start ?
				    (addr->mailbox != NULL ? addr->mailbox : "") : NULL);
		strbuf_append(dest, " NIL)");
		return;
	}
	imap_append_nstring_text(dest, addr->name);
	strbuf_append_c(dest, ' ');
	imap_append_nstring(dest, addr->route);
	strbuf_append_c(dest, ' ');
	imap_append_nstring(dest, addr->mailbox != NULL ? addr->mailbox : "MISSING_MAILBOX");
	strbuf_append_c(dest, ' ');
	imap_append_nstring(dest, addr->domain != NULL ? addr->domain : "MISSING_DOMAIN");
	strbuf_append_c(dest, ')');
}

/* Write the address list of a header, or NIL; returns false when there
   were no addresses (so the caller can fall back to From). */
static bool envelope_write_addresses(struct strbuf *dest, const struct envelope_values *v,
				     enum envelope_field field)
{
	struct rfc822_address_list list;

	if (!v->present[field])
		return false;
	rfc822_address_list_parse(v->value[field].data, v->value[field].len, &list);
	if (list.count == 0) {
		rfc822_address_list_free(&list);
		return false;
	}
	strbuf_append_c(dest, '(');
	for (size_t i = 0; i < list.count; i++)
		envelope_write_address(dest, &list.addrs[i]);
	strbuf_append_c(dest, ')');
	rfc822_address_list_free(&list);
	return true;
}

static void envelope_write_string(struct strbuf *dest, const struct envelope_values *v,
				  enum envelope_field field)
{
	if (!v->present[field])
		strbuf_append(dest, "NIL");
	else if (field == ENVELOPE_SUBJECT)
		imap_append_nstring_text(dest, strbuf_cstr(&v->value[field]));
	else
		imap_append_string(dest, strbuf_cstr(&v->value[field]), v->value[field].len);
}

void imap_envelope_write(const unsigned char *data, size_t size, struct strbuf *dest)
{
	struct envelope_values v = { 0 };
	size_t from_start, from_len;

	envelope_collect(data, size, &v);
	strbuf_append_c(dest, '(');
	envelope_write_string(dest, &v, ENVELOPE_DATE);
	strbuf_append_c(dest, ' ');
	envelope_write_string(dest, &v, ENVELOPE_SUBJECT);
	strbuf_append_c(dest, ' ');
	from_start = dest->len;
	if (!envelope_write_addresses(dest, &v, ENVELOPE_FROM))
		strbuf_append(dest, "NIL");
	from_len = dest->len - from_start;
	for (int f = ENVELOPE_SENDER; f <= ENVELOPE_REPLY_TO; f++) {
		strbuf_append_c(dest, ' ');
		if (!envelope_write_addresses(dest, &v, f)) {
			/* same as From; copy it from dest itself */
			for (size_t i = 0; i < from_len; i++)
				strbuf_append_c(dest, dest->data[from_start + i]);
		}
	}
	for (int f = ENVELOPE_TO; f <= ENVELOPE_BCC; f++) {
		strbuf_append_c(dest, ' ');
		if (!envelope_write_addresses(dest, &v, f))
			strbuf_append(dest, "NIL");
	}
	strbuf_append_c(dest, ' ');
	envelope_write_string(dest, &v, ENVELOPE_IN_REPLY_TO);
	strbuf_append_c(dest, ' ');
	envelope_write_string(dest, &v, ENVELOPE_MESSAGE_ID);
	strbuf_append_c(dest, ')');
	for (int i = 0; i < ENVELOPE_FIELD_COUNT; i++)
		strbuf_free(&v.value[i]);
}
