/*
 * mime-header.c — collect a part's Content-* fields (see mime-header.h).
 */
#include "mime-header.h"

#include "rfc822-header.h"
#include "rfc822-lexer.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum mime_field {
	MIME_FIELD_TYPE,
	MIME_FIELD_ENCODING,
	MIME_FIELD_ID,
	MIME_FIELD_DESCRIPTION,
	MIME_FIELD_MD5,
	MIME_FIELD_LOCATION,
	MIME_FIELD_DISPOSITION,
	MIME_FIELD_LANGUAGE,
	MIME_FIELD_COUNT
};

static const char *const mime_field_names[MIME_FIELD_COUNT] = {
	"Type", "Transfer-Encoding", "ID", "Description", "MD5", "Location",
	"Disposition", "Language",
};

static void mime_parse_encoding(struct mime_header *hdr, const struct strbuf *value)
{
	struct strbuf token = STRBUF_INIT;
	struct rfc822_lexer lex;

	rfc822_lexer_init(&lex, value->data, value->len);
	if (rfc822_skip_cfws(&lex) && rfc822_read_token(&lex, &token) && !rfc822_skip_cfws(&lex))
		hdr->encoding = strbuf_steal(&token);
	strbuf_free(&token);
}

/* Language-List = Language-Tag *("," Language-Tag), CFWS allowed */
static void mime_parse_languages(struct mime_header *hdr, const struct strbuf *value)
{
	struct strbuf tag = STRBUF_INIT;
	struct rfc822_lexer lex;

	rfc822_lexer_init(&lex, value->data, value->len);
	while (rfc822_skip_cfws(&lex) && hdr->language_count < MIME_PARAMS_MAX) {
		if (!rfc822_read_token(&lex, &tag))
			break;
		hdr->languages = xrealloc(hdr->languages,
					  (hdr->language_count + 1) * sizeof(char *));
		hdr->languages[hdr->language_count++] = strbuf_steal(&tag);
		if (!rfc822_skip_cfws(&lex) || *lex.p != ',')
			break;
		lex.p++;
	}
	strbuf_free(&tag);
}

static char *mime_strdup(const struct strbuf *value)
{
	return xstrndup(strbuf_cstr(value), value->len);
}

static void mime_field_set(struct mime_header *hdr, enum mime_field field,
			   const struct strbuf *value)
{
	switch (field) {
	case MIME_FIELD_TYPE:
		if (!mime_content_type_parse(value->data, value->len, &hdr->type,
					     &hdr->subtype, &hdr->params)) {
			hdr->type = hdr->subtype = NULL;
		}
		break;
	case MIME_FIELD_ENCODING:
		mime_parse_encoding(hdr, value);
		break;
	case MIME_FIELD_ID:
		hdr->id = mime_strdup(value);
		break;
	case MIME_FIELD_DESCRIPTION:
		hdr->description = mime_strdup(value);
		break;
	case MIME_FIELD_MD5:
		hdr->md5 = mime_strdup(value);
		break;
	case MIME_FIELD_LOCATION:
		hdr->location = mime_strdup(value);
		break;
	case MIME_FIELD_DISPOSITION:
		if (!mime_disposition_parse(value->data, value->len, &hdr->disposition,
					    &hdr->disposition_params))
			hdr->disposition = NULL;
		break;
	case MIME_FIELD_LANGUAGE:
		mime_parse_languages(hdr, value);
		break;
	case MIME_FIELD_COUNT:
		break;
	}
}

void mime_header_parse(const unsigned char *data, size_t size, struct mime_header *hdr_r)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf value = STRBUF_INIT;
	bool seen[MIME_FIELD_COUNT] = { false };

	memset(hdr_r, 0, sizeof(*hdr_r));
	rfc822_header_iter_init(&iter, data, size);
	while (rfc822_header_iter_next(&iter, &field)) {
		if (field.name_len <= 8 || strncasecmp((const char *)field.name, "Content-", 8) != 0)
			continue;
		for (int i = 0; i < MIME_FIELD_COUNT; i++) {
			const char *name = mime_field_names[i];

			if (seen[i] || field.name_len - 8 != strlen(name) ||
			    strncasecmp((const char *)field.name + 8, name, field.name_len - 8) != 0)
				continue;
			seen[i] = true;
			strbuf_truncate(&value, 0);
			rfc822_header_unfold(field.value, field.value_len, &value);
			mime_field_set(hdr_r, i, &value);
			break;
		}
	}
	hdr_r->header_size = rfc822_header_iter_size(&iter);
	strbuf_free(&value);
}

void mime_header_free(struct mime_header *hdr)
{
	free(hdr->type);
	free(hdr->subtype);
	mime_params_free(&hdr->params);
	free(hdr->encoding);
	free(hdr->id);
	free(hdr->description);
	free(hdr->md5);
	free(hdr->location);
	free(hdr->disposition);
	mime_params_free(&hdr->disposition_params);
	for (size_t i = 0; i < hdr->language_count; i++)
		free(hdr->languages[i]);
	free(hdr->languages);
	memset(hdr, 0, sizeof(*hdr));
}
