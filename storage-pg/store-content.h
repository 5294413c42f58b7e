/*
 * store-content.h — message bytes on their way into message_contents.
 *
 * Delivery (SMTP/LMTP) and IMAP APPEND store content the same way: hash
 * it, parse it once for IMAP (envelope, body structure, sort keys) and
 * extract its search text, then hand PostgreSQL the twenty values
 * petrel_store_contents() stores (through petrel_deliver_batch and
 * petrel_append_batch, one array element per message).
 */
#ifndef STORE_CONTENT_H
#define STORE_CONTENT_H

#include "message-parser.h"
#include "pg-pool.h"

#include <stdbool.h>
#include <stddef.h>

struct store_content {
	unsigned char *raw;          /* the whole message as stored, owned */
	size_t size;
	unsigned char sha256[32];
	struct message_meta meta;
	char *search_headers;        /* message_search.headers, NULL: not searchable */
	char *search_body;           /* message_search.body */
};

/* Hash and parse c->raw (already set) and, when searchable, extract its
   search text; search_max caps the body text (setting
   search_text_max_bytes). Content that only passes through the queue
   (relayed, no local copy) is not searchable: nobody will SEARCH it, and
   the word index is the dearest part of storing a message. Should the
   same bytes later reach a mailbox, petrel_store_contents adds the search
   text then. */
void store_content_prepare(struct store_content *c, size_t search_max, bool searchable);
/* Free everything c owns, raw included. */
void store_content_clear(struct store_content *c);

/* Append the content's twenty parameters in petrel_store_contents() order:
   sha256 bytea, raw bytea, header_size int, envelope, bodystructure, body,
   sent_date timestamptz, then eleven header texts and the two search
   texts (NULL when not searchable). c must live until the request's callback (raw is passed by
   reference). */
void store_content_params(struct pg_request *req, const struct store_content *c);

/* The PostgreSQL types of those twenty parameters, for array arguments of
   the batch functions (see store_sql_param_arrays). */
#define STORE_CONTENT_PARAM_TYPES \
	"bytea", "bytea", "int", "text", "text", "text", "timestamptz", \
	"text", "text", "text", "text", "text", "text", "text", \
	"text", "text", "text", "text", "text", "text"

struct strbuf;

/* Batch functions take one array per column with one element per row; the
   rows' values are sent as plain parameters, row after row, ncols each,
   parameter first on. Append ", ARRAY[$first::type, ...]::type[]" to sql
   for each of the ncols columns (types[col]) over count rows. */
void store_sql_param_arrays(struct strbuf *sql, const char *const *types, unsigned int ncols,
			    unsigned int first, unsigned int count);

/* Text parameters derived from message bytes, repaired should they ever
   not be valid UTF-8 (one bad value must not fail a whole batch). */
void store_param_utf8(struct pg_request *req, const char *text);

#endif
