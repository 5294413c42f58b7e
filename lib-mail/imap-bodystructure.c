/*
 * imap-bodystructure.c — BODYSTRUCTURE and BODY rendering (see
 * imap-bodystructure.h).
 *
 * The MIME tree is walked once, depth-first, writing as it goes: the
 * extensible form is written to ctx->ext and the parts shared with the
 * non-extensible form are mirrored into ctx->basic. Recursion depth is
 * bounded by MESSAGE_MAX_DEPTH (containers deeper than that are leaves),
 * and each nesting level scans only its own part of the message.
 */
#include "imap-bodystructure.h"

#include "imap-envelope.h"
#include "imap-quote.h"
#include "message-parser.h"
#include "mime-boundary.h"
#include "mime-header.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define BS_EMPTY_PART "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0"

enum bs_kind {
	BS_BASIC,
	BS_TEXT,
	BS_MESSAGE,
	BS_MULTIPART,
	BS_OPAQUE,
};

struct bs_ctx {
	struct strbuf *ext;     /* BODYSTRUCTURE */
	struct strbuf *basic;   /* BODY */
	unsigned int parts;
};

static void bs_write_part(struct bs_ctx *ctx, const unsigned char *data, size_t size,
			  unsigned int depth, bool in_digest);

/* Copy what was written to ext since mark into basic too. */
static void bs_mirror(struct bs_ctx *ctx, size_t mark)
{
	strbuf_append_n(ctx->basic, ctx->ext->data + mark, ctx->ext->len - mark);
}

static size_t bs_count_lines(const unsigned char *p, size_t size)
{
	const unsigned char *end = p + size, *lf;
	size_t lines = 0;

	while (p < end && (lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p = lf + 1;
	}
	return lines;
}

static bool bs_is(const char *value, const char *expected)
{
	return value != NULL && strcasecmp(value, expected) == 0;
}

static enum bs_kind bs_part_kind(const struct mime_header *hdr, bool in_digest)
{
	if (hdr->type == NULL)
		return in_digest ? BS_MESSAGE : BS_TEXT;
	if (bs_is(hdr->type, "multipart"))
		return BS_MULTIPART;
	if (bs_is(hdr->type, "text"))
		return BS_TEXT;
	/* message/rfc822 is only parsed when not transfer-encoded (RFC 2046
	   5.2.1); message/global is its SMTPUTF8 twin (RFC 6532 3.7) */
	if (bs_is(hdr->type, "message") &&
	    (bs_is(hdr->subtype, "rfc822") || bs_is(hdr->subtype, "global")) &&
	    (hdr->encoding == NULL || bs_is(hdr->encoding, "7bit") ||
	     bs_is(hdr->encoding, "8bit") || bs_is(hdr->encoding, "binary")))
		return BS_MESSAGE;
	return BS_BASIC;
}

/* body-fld-param: ("NAME" "value" ...) or NIL; text parts always name a
   charset. */
static void bs_write_params(struct strbuf *s, const struct mime_params *params,
			    bool default_charset)
{
	bool add_charset = default_charset && mime_params_get(params, "charset") == NULL;

	if (params->count == 0 && !add_charset) {
		strbuf_append(s, "NIL");
		return;
	}
	strbuf_append_c(s, '(');
	for (size_t i = 0; i < params->count; i++) {
		if (i > 0)
			strbuf_append_c(s, ' ');
		imap_append_upper(s, params->params[i].name);
		strbuf_append_c(s, ' ');
		imap_append_nstring(s, params->params[i].value);
	}
	if (add_charset)
		strbuf_append(s, params->count > 0 ? " \"CHARSET\" \"us-ascii\"" :
			      "\"CHARSET\" \"us-ascii\"");
	strbuf_append_c(s, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void bs_write_ext_common(struct strbuf *s, const struct mime_header *hdr)
{
	if (hdr->disposition == NULL) {
		strbuf_append(s, " NIL");
	} else {
		strbuf_append(s, " (");
		imap_append_upper(s, hdr->disposition);
		strbuf_append_c(s, ' ');
		bs_write_params(s, &hdr->disposition_params, false);
		strbuf_append_c(s, ')');
	}
	if (hdr->language_count == 0) {
		strbuf_append(s, " NIL");
	} else {
		strbuf_append(s, " (");
		for (size_t i = 0; i < hdr->language_count; i++) {
			if (i > 0)
				strbuf_append_c(s, ' ');
			imap_append_nstring(s, hdr->languages[i]);
		}
		strbuf_append_c(s, ')');
	}
	strbuf_append_c(s, ' ');
	imap_append_nstring(s, hdr->location);
}

/* media type SP subtype SP params SP id SP description SP encoding SP size */
static void bs_write_fields(struct strbuf *s, const struct mime_header *hdr,
			    enum bs_kind kind, size_t body_size)
{
	static const struct mime_params no_params = { NULL, 0 };

	if (kind == BS_OPAQUE) {
		strbuf_append(s, "\"APPLICATION\" \"OCTET-STREAM\"");
	} else if (hdr->type == NULL) {
		strbuf_append(s, kind == BS_MESSAGE ? "\"MESSAGE\" \"RFC822\"" :
			      "\"TEXT\" \"PLAIN\"");
	} else {
		imap_append_upper(s, hdr->type);
		strbuf_append_c(s, ' ');
		imap_append_upper(s, hdr->subtype);
	}
	strbuf_append_c(s, ' ');
	bs_write_params(s, kind == BS_OPAQUE ? &no_params : &hdr->params, kind == BS_TEXT);
	strbuf_append_c(s, ' ');
	imap_append_nstring(s, hdr->id);
	strbuf_append_c(s, ' ');
	imap_append_nstring(s, hdr->description);
	strbuf_append_c(s, ' ');
	if (hdr->encoding != NULL)
		imap_append_upper(s, hdr->encoding);
	else
		strbuf_append(s, "\"7BIT\"");
	strbuf_printf(s, " %zu", body_size);
}

static void bs_write_single(struct bs_ctx *ctx, const struct mime_header *hdr,
			    enum bs_kind kind, const unsigned char *body, size_t body_size,
			    unsigned int depth)
{
	size_t mark = ctx->ext->len;

	strbuf_append_c(ctx->ext, '(');
	bs_write_fields(ctx->ext, hdr, kind, body_size);
	if (kind == BS_TEXT)
		strbuf_printf(ctx->ext, " %zu", bs_count_lines(body, body_size));
	if (kind == BS_MESSAGE) {
		/* envelope SP body SP body-fld-lines */
		strbuf_append_c(ctx->ext, ' ');
		imap_envelope_write(body, body_size, ctx->ext);
		strbuf_append_c(ctx->ext, ' ');
		bs_mirror(ctx, mark);
		bs_write_part(ctx, body, body_size, depth + 1, false);
		mark = ctx->ext->len;
		strbuf_printf(ctx->ext, " %zu", bs_count_lines(body, body_size));
	}
	bs_mirror(ctx, mark);
	/* body-ext-1part: md5, then disposition, language, location */
	strbuf_append_c(ctx->ext, ' ');
	imap_append_nstring(ctx->ext, hdr->md5);
	bs_write_ext_common(ctx->ext, hdr);
	strbuf_append_c(ctx->ext, ')');
	strbuf_append_c(ctx->basic, ')');
}

static void bs_write_multipart(struct bs_ctx *ctx, const struct mime_header *hdr,
			       const unsigned char *body, size_t body_size,
			       unsigned int depth)
{
	const char *boundary = mime_params_get(&hdr->params, "boundary");
	bool digest = bs_is(hdr->subtype, "digest");
	struct mime_boundary_iter iter;
	unsigned int children = 0;
	size_t start, size, mark;

	strbuf_append_c(ctx->ext, '(');
	strbuf_append_c(ctx->basic, '(');
	if (boundary != NULL && *boundary != '\0') {
		mime_boundary_iter_init(&iter, body, body_size, boundary);
		while (ctx->parts < MESSAGE_MAX_PARTS) {
			bool last = ctx->parts + 1 >= MESSAGE_MAX_PARTS;

			if (!(last ? mime_boundary_iter_rest(&iter, &start, &size) :
			      mime_boundary_iter_next(&iter, &start, &size)))
				break;
			bs_write_part(ctx, body + start, size, depth + 1, digest);
			children++;
		}
	}
	if (children == 0) {
		strbuf_append(ctx->ext, BS_EMPTY_PART " NIL NIL NIL NIL)");
		strbuf_append(ctx->basic, BS_EMPTY_PART ")");
	}
	mark = ctx->ext->len;
	strbuf_append_c(ctx->ext, ' ');
	imap_append_upper(ctx->ext, hdr->subtype);
	bs_mirror(ctx, mark);
	/* body-ext-mpart: params, then disposition, language, location */
	strbuf_append_c(ctx->ext, ' ');
	bs_write_params(ctx->ext, &hdr->params, false);
	bs_write_ext_common(ctx->ext, hdr);
	strbuf_append_c(ctx->ext, ')');
	strbuf_append_c(ctx->basic, ')');
}

static void bs_write_part(struct bs_ctx *ctx, const unsigned char *data, size_t size,
			  unsigned int depth, bool in_digest)
{
	struct mime_header hdr;
	enum bs_kind kind;

	mime_header_parse(data, size, &hdr);
	ctx->parts++;
	kind = bs_part_kind(&hdr, in_digest);
	if ((kind == BS_MULTIPART || kind == BS_MESSAGE) &&
	    (depth >= MESSAGE_MAX_DEPTH || ctx->parts >= MESSAGE_MAX_PARTS))
		kind = BS_OPAQUE;
	if (kind == BS_MULTIPART) {
		bs_write_multipart(ctx, &hdr, data + hdr.header_size,
				   size - hdr.header_size, depth);
	} else {
		bs_write_single(ctx, &hdr, kind, data + hdr.header_size,
				size - hdr.header_size, depth);
	}
	mime_header_free(&hdr);
}

void imap_bodystructure_write(const unsigned char *data, size_t size,
			      struct strbuf *bodystructure, struct strbuf *body)
{
	struct bs_ctx ctx = { bodystructure, body, 0 };

	bs_write_part(&ctx, data != NULL ? data : (const unsigned char *)"",
		      data != NULL ? size : 0, 0, false);
}
