/*
 * store-content.h — message bytes on their way into message_contents.
 *
 * Delivery (SMTP/LMTP) and IMAP APPEND store content the same way: hash
 * it, parse it once for IMAP (envelope, body structure, sort keys) and
 * extract its search text, then hand PostgreSQL's petrel_store_content()
 * the twenty values it stores (through petrel_deliver/petrel_append).
 */
#ifndef STORE_CONTENT_H
#define STORE_CONTENT_H

#include "message-parser.h"
#include "pg-pool.h"

#include <stddef.h>

struct store_content {
	unsigned char *raw;          /* the whole message as stored, owned */
	size_t size;
	unsigned char sha256[32];
	struct message_meta meta;
	char *search_headers;        /* message_search.headers */
	char *search_body;           /* message_search.body */
};

/* Hash, parse and extract the search text of c->raw (already set);
   search_max caps the body text (setting search_text_max_bytes). */
void store_content_prepare(struct store_content *c, size_t search_max);
/* Free everything c owns, raw included. */
void store_content_clear(struct store_content *c);

/* Append the content's twenty parameters in petrel_store_content() order:
   sha256 bytea, raw bytea, header_size int, envelope, bodystructure, body,
   sent_date timestamptz, then eleven header texts and the two search
   texts. c must live until the request's callback (raw is passed by
   reference). */
void store_content_params(struct pg_request *req, const struct store_content *c);

/* Text parameters derived from message bytes, repaired should they ever
   not be valid UTF-8 (one bad value must not fail a whole batch). */
void store_param_utf8(struct pg_request *req, const char *text);

#endif
