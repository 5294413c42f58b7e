/*
 * message-parser.c — parse a message once at delivery (see
 * message-parser.h): glue over the header iterator, the ENVELOPE and
 * BODYSTRUCTURE writers, RFC 2047 decoding, date parsing and the RFC 5256
 * sort keys.
 */
#include "message-parser.h"

#include "imap-base-subject.h"
#include "imap-bodystructure.h"
#include "imap-envelope.h"
#include "mail-date.h"
#include "rfc2047.h"
#include "rfc822-address.h"
#include "rfc822-header.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

enum message_field {
	FIELD_DATE,
	FIELD_SUBJECT,
	FIELD_FROM,
	FIELD_TO,
	FIELD_CC,
	FIELD_MESSAGE_ID,
	FIELD_IN_REPLY_TO,
	FIELD_REFERENCES,
	FIELD_COUNT
};

static const char *const message_field_names[FIELD_COUNT] = {
	"Date", "Subject", "From", "To", "Cc", "Message-ID", "In-Reply-To", "References",
};

struct message_fields {
	bool present[FIELD_COUNT];
	struct strbuf value[FIELD_COUNT];   /* unfolded raw values */
};

/* First occurrence of each field we keep; returns the header size. */
static size_t message_collect(const unsigned char *data, size_t size, struct message_fields *f)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		for (int i = 0; i < FIELD_COUNT; i++) {
			if (f->present[i] || !rfc822_header_name_is(&field, message_field_names[i]))
				continue;
			f->present[i] = true;
			rfc822_header_unfold(field.value, field.value_len, &f->value[i]);
			break;
		}
	}
	return rfc822_header_iter_size(&iter);
}

static char *message_decoded(const struct message_fields *f, enum message_field field)
{
	struct strbuf out = STRBUF_INIT;

	rfc2047_decode(f->value[field].data, f->value[field].len, &out);
	return strbuf_steal(&out);
}

/* Identifiers are structured: no encoded-words to decode, only made safe. */
static char *message_sanitized(const struct message_fields *f, enum message_field field)
{
	struct strbuf out = STRBUF_INIT;

	utf8_append_sanitized(&out, (const unsigned char *)f->value[field].data,
			      f->value[field].len);
	return strbuf_steal(&out);
}

/* RFC 5256: the addr-mailbox of the first address, "" when there is none. */
static char *message_sort_mailbox(const struct message_fields *f, enum message_field field)
{
	struct rfc822_address_list list;
	const struct rfc822_address *addr;
	struct strbuf out = STRBUF_INIT;

	rfc822_address_list_parse(f->value[field].data, f->value[field].len, &list);
	addr = rfc822_address_list_first_mailbox(&list);
	if (addr != NULL)
		utf8_append_sanitized(&out, (const unsigned char *)addr->mailbox,
				      strlen(addr->mailbox));
	rfc822_address_list_free(&list);
	return strbuf_steal(&out);
}

void message_parse(const unsigned char *data, size_t size, struct message_meta *meta_r)
{
	struct message_fields f;
	struct strbuf buf = STRBUF_INIT, body = STRBUF_INIT;
	int zone;

	memset(meta_r, 0, sizeof(*meta_r));
	memset(&f, 0, sizeof(f));
	if (data == NULL) {
		data = (const unsigned char *)"";
		size = 0;
	}
	meta_r->header_size = message_collect(data, size, &f);

	imap_envelope_write(data, size, &buf);
	meta_r->envelope = strbuf_steal(&buf);
	imap_bodystructure_write(data, size, &buf, &body);
	meta_r->bodystructure = strbuf_steal(&buf);
	meta_r->body = strbuf_steal(&body);

	if (f.present[FIELD_DATE])
		meta_r->sent_date_valid = mail_date_parse(f.value[FIELD_DATE].data,
							  f.value[FIELD_DATE].len,
							  &meta_r->sent_date, &zone);
	meta_r->subject = message_decoded(&f, FIELD_SUBJECT);
	meta_r->from = message_decoded(&f, FIELD_FROM);
	meta_r->to = message_decoded(&f, FIELD_TO);
	meta_r->cc = message_decoded(&f, FIELD_CC);
	meta_r->message_id = message_sanitized(&f, FIELD_MESSAGE_ID);
	meta_r->in_reply_to = message_sanitized(&f, FIELD_IN_REPLY_TO);
	meta_r->references = message_sanitized(&f, FIELD_REFERENCES);
	meta_r->sort_subject = imap_base_subject(meta_r->subject, NULL);
	meta_r->sort_from = message_sort_mailbox(&f, FIELD_FROM);
	meta_r->sort_to = message_sort_mailbox(&f, FIELD_TO);
	meta_r->sort_cc = message_sort_mailbox(&f, FIELD_CC);
	for (int i = 0; i < FIELD_COUNT; i++)
		strbuf_free(&f.value[i]);
}

void message_meta_free(struct message_meta *meta)
{
	free(meta->envelope);
	free(meta->bodystructure);
	free(meta->body);
	free(meta->subject);
	free(meta->from);
	free(meta->to);
	free(meta->cc);
	free(meta->message_id);
	free(meta->in_reply_to);
	free(meta->references);
	free(meta->sort_subject);
	free(meta->sort_from);
	free(meta->sort_to);
	free(meta->sort_cc);
	memset(meta, 0, sizeof(*meta));
}
