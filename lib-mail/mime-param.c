/*
 * mime-param.c — MIME header values with parameters (see mime-param.h).
 *
 * Parameters are read leniently: a value is a quoted string or a token,
 * and an unquoted value with stray characters (a space in a file name,
 * say) runs to the next ';'. RFC 2231 segments are then merged; with at
 * most MIME_PARAMS_MAX parameters the quadratic grouping is cheap.
 */
#include "mime-param.h"

#include "rfc822-lexer.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mime_segment {
	size_t base_len;   /* length of the name before the '*' */
	int index;         /* continuation number, -1 when not a continuation */
	bool extended;     /* the segment carries RFC 2231 %-encoding */
};

static void mime_params_add(struct mime_params *params, char *name, char *value)
{
	if (params->count == MIME_PARAMS_MAX) {
		free(name);
		free(value);
		return;
	}
	if (params->count == 0 ||
	    (params->count >= 4 && (params->count & (params->count - 1)) == 0)) {
		size_t alloc = params->count == 0 ? 4 : params->count * 2;

		params->params = xrealloc(params->params, alloc * sizeof(*params->params));
	}
	params->params[params->count].name = name;
	params->params[params->count].value = value;
	params->count++;
}

/* value = quoted-string / token, or the raw text up to ';' when neither
   fits (trailing whitespace dropped). */
static char *mime_param_value_read(struct rfc822_lexer *lex)
{
	struct strbuf value = STRBUF_INIT;
	const unsigned char *start = lex->p, *end;

	if (!rfc822_lexer_eof(lex) && *lex->p == '"') {
		rfc822_read_quoted(lex, &value);
		return strbuf_steal(&value);
	}
	if (rfc822_read_token(lex, &value) &&
	    (!rfc822_skip_cfws(lex) || *lex->p == ';'))
		return strbuf_steal(&value);
	lex->p = start;
	while (!rfc822_lexer_eof(lex) && *lex->p != ';')
		lex->p++;
	for (end = lex->p; end > start && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	strbuf_truncate(&value, 0);
	strbuf_append_n(&value, start, (size_t)(end - start));
	return strbuf_steal(&value);
}

/* *(";" attribute "=" value); anything unparsable up to the next ';' is
   skipped. */
static void mime_params_read(struct rfc822_lexer *lex, struct mime_params *params)
{
	struct strbuf name = STRBUF_INIT;

	while (rfc822_skip_cfws(lex)) {
		if (*lex->p != ';') {
			rfc822_skip_to(lex, ";");
			continue;
		}
		lex->p++;
		if (!rfc822_skip_cfws(lex))
			break;
		strbuf_truncate(&name, 0);
		if (!rfc822_read_token(lex, &name) || !rfc822_skip_cfws(lex) || *lex->p != '=')
			continue;
		lex->p++;
		rfc822_skip_cfws(lex);
		mime_params_add(params, xstrndup(name.data, name.len), mime_param_value_read(lex));
	}
	strbuf_free(&name);
}

static void mime_segment_parse(const char *name, struct mime_segment *seg)
{
	const char *star = strchr(name, '*'), *p;
	int index = 0;

	seg->base_len = strlen(name);
	seg->index = -1;
	seg->extended = false;
	if (star == NULL || star == name)
		return;
	p = star + 1;
	if (*p == '\0') {
		seg->extended = true;   /* "name*": stays as it is */
		return;
	}
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (index > 9999)
			return;
		index = index * 10 + (*p - '0');
	}
	if (*p == '*') {
		seg->extended = true;
		p++;
	}
	if (*p != '\0') {
		seg->extended = false;
		return;
	}
	seg->base_len = (size_t)(star - name);
	seg->index = index;
}

/* RFC 2231 attribute-char: what may stay unencoded in an extended value */
static bool mime_is_attribute_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		(c != '\0' && strchr("!#$&+-.^_`{|}~", c) != NULL);
}

static void mime_percent_encode(struct strbuf *dest, const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (mime_is_attribute_char(*p))
			strbuf_append_c(dest, (char)*p);
		else
			strbuf_printf(dest, "%%%02X", *p);
	}
}

/* Join the continuation segments sharing segment first's base name, in
   index order (a repeated index keeps its first occurrence). */
static void mime_params_join(const struct mime_params *in, const struct mime_segment *segs,
			     size_t first, bool *used, struct mime_params *out)
{
	const char *base = in->params[first].name;
	size_t base_len = segs[first].base_len, order[MIME_PARAMS_MAX], n = 0;
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	bool extended;

	order[0] = first;    /* first always qualifies; this also quiets -O2 */
	for (size_t i = first; i < in->count; i++) {
		size_t j;

		if (used[i] || segs[i].index < 0 || segs[i].base_len != base_len ||
		    strncasecmp(in->params[i].name, base, base_len) != 0)
			continue;
		used[i] = true;
		for (j = n; j > 0 && segs[order[j - 1]].index > segs[i].index; j--)
			order[j] = order[j - 1];
		if (j > 0 && segs[order[j - 1]].index == segs[i].index) {
			memmove(&order[j], &order[j + 1], (n - j) * sizeof(order[0]));
			continue;
		}
		order[j] = i;
		n++;
	}
	extended = segs[order[0]].extended;
	strbuf_append_n(&name, base, base_len);
	if (extended)
		strbuf_append_c(&name, '*');
	for (size_t k = 0; k < n; k++) {
		const char *v = in->params[order[k]].value;

		if (extended && !segs[order[k]].extended)
			mime_percent_encode(&value, v);
		else
			strbuf_append(&value, v);
	}
	mime_params_add(out, strbuf_steal(&name), strbuf_steal(&value));
}

static void mime_params_merge(struct mime_params *params)
{
	struct mime_segment segs[MIME_PARAMS_MAX];
	bool used[MIME_PARAMS_MAX] = { false };
	struct mime_params out = { NULL, 0 };

	for (size_t i = 0; i < params->count; i++)
		mime_segment_parse(params->params[i].name, &segs[i]);
	for (size_t i = 0; i < params->count; i++) {
		if (used[i])
			continue;
		if (segs[i].index >= 0) {
			mime_params_join(params, segs, i, used, &out);
			continue;
		}
		used[i] = true;
		mime_params_add(&out, xstrdup(params->params[i].name),
				xstrdup(params->params[i].value));
	}
	mime_params_free(params);
	*params = out;
}

bool mime_content_type_parse(const void *value, size_t len, char **type_r,
			     char **subtype_r, struct mime_params *params_r)
{
	struct strbuf type = STRBUF_INIT, subtype = STRBUF_INIT;
	struct rfc822_lexer lex;

	rfc822_lexer_init(&lex, value, len);
	if (!rfc822_skip_cfws(&lex) || !rfc822_read_token(&lex, &type) ||
	    !rfc822_skip_cfws(&lex) || *lex.p != '/') {
		strbuf_free(&type);
		return false;
	}
	lex.p++;
	if (!rfc822_skip_cfws(&lex) || !rfc822_read_token(&lex, &subtype)) {
		strbuf_free(&type);
		strbuf_free(&subtype);
		return false;
	}
	*type_r = strbuf_steal(&type);
	*subtype_r = strbuf_steal(&subtype);
	params_r->params = NULL;
	params_r->count = 0;
	mime_params_read(&lex, params_r);
	mime_params_merge(params_r);
	return true;
}

bool mime_disposition_parse(const void *value, size_t len, char **type_r,
			    struct mime_params *params_r)
{
	struct strbuf type = STRBUF_INIT;
	struct rfc822_lexer lex;

	rfc822_lexer_init(&lex, value, len);
	if (!rfc822_skip_cfws(&lex) || !rfc822_read_token(&lex, &type)) {
		strbuf_free(&type);
		return false;
	}
	*type_r = strbuf_steal(&type);
	params_r->params = NULL;
	params_r->count = 0;
	mime_params_read(&lex, params_r);
	mime_params_merge(params_r);
	return true;
}

const char *mime_params_get(const struct mime_params *params, const char *name)
{
	for (size_t i = 0; i < params->count; i++) {
		if (strcasecmp(params->params[i].name, name) == 0)
			return params->params[i].value;
	}
	return NULL;
}

void mime_params_free(struct mime_params *params)
{
	for (size_t i = 0; i < params->count; i++) {
		free(params->params[i].name);
		free(params->params[i].value);
	}
	free(params->params);
	params->params = NULL;
	params->count = 0;
}
