/*
 * message-part.c — the MIME part tree with offsets (see message-part.h).
 *
 * One depth-first pass, the same walk imap-bodystructure.c makes: each
 * part's header is read with mime_header_parse(), multiparts are split
 * with the mime-boundary iterator, message/rfc822 bodies are parsed as
 * messages. Recursion depth is bounded by MESSAGE_MAX_DEPTH and each
 * nesting level scans only its own part of the message.
 */
#include "message-part.h"

#include "message-parser.h"
#include "mime-boundary.h"
#include "mime-header.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct message_part_ctx {
	const unsigned char *data;
	unsigned int parts;
};

static struct message_part *message_part_new(struct message_part_ctx *ctx, size_t offset,
					     size_t size, unsigned int depth, bool in_digest);

static bool message_part_is(const char *value, const char *expected)
{
	return value != NULL && strcasecmp(value, expected) == 0;
}

static char *message_part_lcase(const char *str)
{
	char *copy = xstrdup(str);

	for (char *p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

/* The kind of part hdr describes, before the depth and count limits. */
static enum message_part_kind message_part_kind(const struct mime_header *hdr)
{
	if (message_part_is(hdr->type, "multipart"))
		return MESSAGE_PART_MULTIPART;
	/* message/rfc822 is only parsed when not transfer-encoded (RFC 2046
	   5.2.1); message/global is its SMTPUTF8 twin (RFC 6532 3.7) */
	if (message_part_is(hdr->type, "message") &&
	    (message_part_is(hdr->subtype, "rfc822") || message_part_is(hdr->subtype, "global")) &&
	    (hdr->encoding == NULL || message_part_is(hdr->encoding, "7bit") ||
	     message_part_is(hdr->encoding, "8bit") || message_part_is(hdr->encoding, "binary")))
		return MESSAGE_PART_MESSAGE;
	return MESSAGE_PART_LEAF;
}

static void message_part_set_type(struct message_part *part, const struct mime_header *hdr,
				  bool in_digest)
{
	const char *charset = mime_params_get(&hdr->params, "charset");

	if (hdr->type == NULL) {
		part->type = xstrdup(in_digest ? "message" : "text");
		part->subtype = xstrdup(in_digest ? "rfc822" : "plain");
	} else {
		part->type = message_part_lcase(hdr->type);
		part->subtype = message_part_lcase(hdr->subtype);
	}
	part->charset = charset != NULL ? xstrdup(charset) : NULL;
	part->encoding = hdr->encoding != NULL ? message_part_lcase(hdr->encoding) : NULL;
}

static void message_part_add_child(struct message_part *parent, struct message_part **tail,
				   struct message_part *child)
{
	child->parent = parent;
	if (*tail == NULL)
		parent->children = child;
	else
		(*tail)->next = child;
	*tail = child;
	parent->child_count++;
}

static void message_part_split(struct message_part_ctx *ctx, struct message_part *part,
			       const struct mime_header *hdr, unsigned int depth)
{
	const char *boundary = mime_params_get(&hdr->params, "boundary");
	bool digest = message_part_is(hdr->subtype, "digest");
	struct message_part *tail = NULL;
	struct mime_boundary_iter iter;
	size_t start, size;

	if (boundary == NULL || *boundary == '\0')
		return;
	mime_boundary_iter_init(&iter, ctx->data + part->body_offset,
				part->body_end - part->body_offset, boundary);
	while (ctx->parts < MESSAGE_MAX_PARTS) {
		bool last = ctx->parts + 1 >= MESSAGE_MAX_PARTS;

		if (!(last ? mime_boundary_iter_rest(&iter, &start, &size) :
		      mime_boundary_iter_next(&iter, &start, &size)))
			break;
		message_part_add_child(part, &tail,
				       message_part_new(ctx, part->body_offset + start, size,
							depth + 1, digest));
	}
}

static struct message_part *message_part_new(struct message_part_ctx *ctx, size_t offset,
					     size_t size, unsigned int depth, bool in_digest)
{
	struct message_part *part = xcalloc(1, sizeof(*part)), *tail = NULL;
	struct mime_header hdr;

	mime_header_parse(ctx->data + offset, size, &hdr);
	ctx->parts++;
	part->kind = hdr.type == NULL ? (in_digest ? MESSAGE_PART_MESSAGE : MESSAGE_PART_LEAF) :
		message_part_kind(&hdr);
	if (part->kind != MESSAGE_PART_LEAF &&
	    (depth >= MESSAGE_MAX_DEPTH || ctx->parts >= MESSAGE_MAX_PARTS))
		part->kind = MESSAGE_PART_LEAF;
	part->header_offset = offset;
	part->body_offset = offset + hdr.header_size;
	part->body_end = offset + size;
	message_part_set_type(part, &hdr, in_digest);
	if (part->kind == MESSAGE_PART_MULTIPART) {
		message_part_split(ctx, part, &hdr, depth);
	} else if (part->kind == MESSAGE_PART_MESSAGE) {
		message_part_add_child(part, &tail,
				       message_part_new(ctx, part->body_offset,
							part->body_end - part->body_offset,
							depth + 1, false));
	}
	mime_header_free(&hdr);
	return part;
}

struct message_part *message_part_parse(const unsigned char *data, size_t size)
{
	struct message_part_ctx ctx = { data, 0 };

	if (data == NULL) {
		ctx.data = (const unsigned char *)"";
		size = 0;
	}
	return message_part_new(&ctx, 0, size, 0, false);
}

static void message_part_free_tree(struct message_part *part)
{
	struct message_part *child = part->children, *next;

	for (; child != NULL; child = next) {
		next = child->next;
		message_part_free_tree(child);
	}
	free(part->type);
	free(part->subtype);
	free(part->charset);
	free(part->encoding);
	free(part);
}

void message_part_free(struct message_part **root)
{
	if (*root == NULL)
		return;
	message_part_free_tree(*root);
	*root = NULL;
}

const struct message_part *
message_part_find(const struct message_part *root, const uint32_t *path, unsigned int count)
{
	const struct message_part *part = root;

	for (unsigned int i = 0; i < count && part != NULL; i++) {
		uint32_t num = path[i];

		if (num == 0)
			return NULL;
		if (part->kind == MESSAGE_PART_MULTIPART) {
			for (part = part->children; num > 1 && part != NULL; num--)
				part = part->next;
		} else if (num != 1 || (part->parent != NULL &&
					part->parent->kind != MESSAGE_PART_MESSAGE) ||
			   (i + 1 < count && part->kind != MESSAGE_PART_MESSAGE)) {
			/* a non-multipart message has only part 1, its body;
			   only a message/rfc822 part has parts below it */
			return NULL;
		}
		/* more numbers address the encapsulated message's parts */
		if (part != NULL && part->kind == MESSAGE_PART_MESSAGE && i + 1 < count)
			part = part->children;
	}
	return part;
}

const struct message_part *
message_part_lookup(const struct message_part *root, const char *path)
{
	uint32_t nums[2 * MESSAGE_MAX_DEPTH + 2];
	unsigned int count = 0;
	const char *p = path;

	while (*p != '\0') {
		uint64_t n = 0;

		if (count == sizeof(nums) / sizeof(nums[0]) || *p < '1' || *p > '9')
			return NULL;
		for (; *p >= '0' && *p <= '9'; p++) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return NULL;
		}
		nums[count++] = (uint32_t)n;
		if (*p == '.' && *++p == '\0')
			return NULL;
		if (*p != '\0' && (*p < '1' || *p > '9'))
			return NULL;
	}
	return message_part_find(root, nums, count);
}
