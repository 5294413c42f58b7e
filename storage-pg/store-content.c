/*
 * store-content.c — hashing, parsing and search-text extraction of a
 * message before it is stored, and its parameters for PostgreSQL (see
 * store-content.h).
 */
#include "store-content.h"

#include "message-text.h"
#include "strbuf.h"
#include "utf8.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void store_content_prepare(struct store_content *c, size_t search_max, bool searchable)
{
	SHA256(c->raw, c->size, c->sha256);
	message_parse(c->raw, c->size, &c->meta);
	if (searchable)
		message_text_extract(c->raw, c->size, search_max, &c->search_headers,
				     &c->search_body);
}

void store_content_clear(struct store_content *c)
{
	free(c->raw);
	message_meta_free(&c->meta);
	free(c->search_headers);
	free(c->search_body);
	memset(c, 0, sizeof(*c));
}

static void store_param_sent_date(struct pg_request *req, const struct message_meta *meta)
{
	struct tm tm;
	char text[64];

	if (!meta->sent_date_valid || gmtime_r(&meta->sent_date, &tm) == NULL ||
	    tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
		pg_request_param_null(req);
		return;
	}
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S+00", &tm);
	pg_request_param_text(req, text);
}

void store_param_utf8(struct pg_request *req, const char *text)
{
	size_t len = strlen(text);
	struct strbuf fixed = STRBUF_INIT;

	if (utf8_is_valid((const unsigned char *)text, len)) {
		pg_request_param_text(req, text);
		return;
	}
	utf8_append_sanitized(&fixed, (const unsigned char *)text, len);
	pg_request_param_text(req, strbuf_cstr(&fixed));
	strbuf_free(&fixed);
}

void store_content_params(struct pg_request *req, const struct store_content *c)
{
	const struct message_meta *m = &c->meta;
	const char *const texts[] = {
		m->subject, m->from, m->to, m->cc, m->message_id, m->in_reply_to,
		m->references, m->sort_subject, m->sort_from, m->sort_to, m->sort_cc,
	};

	pg_request_param_binary_ref(req, c->sha256, sizeof(c->sha256));
	pg_request_param_binary_ref(req, c->raw, c->size);
	pg_request_param_textf(req, "%zu", m->header_size);
	store_param_utf8(req, m->envelope);
	store_param_utf8(req, m->bodystructure);
	store_param_utf8(req, m->body);
	store_param_sent_date(req, m);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		store_param_utf8(req, texts[i]);
	if (c->search_headers == NULL) {
		pg_request_param_null(req);
		pg_request_param_null(req);
		return;
	}
	store_param_utf8(req, c->search_headers);
	store_param_utf8(req, c->search_body);
}

void store_sql_param_arrays(struct strbuf *sql, const char *const *types, unsigned int ncols,
			    unsigned int first, unsigned int count)
{
	for (unsigned int col = 0; col < ncols; col++) {
		strbuf_append(sql, ", ARRAY[");
		for (unsigned int i = 0; i < count; i++)
			strbuf_printf(sql, "%s$%u::%s", i > 0 ? "," : "", first + i * ncols + col,
				      types[col]);
		strbuf_printf(sql, "]::%s[]", types[col]);
	}
}
