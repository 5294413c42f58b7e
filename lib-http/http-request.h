/*
 * http-request.h — parsing HTTP/1.x requests from a byte stream, on
 * libhttp-parser, with the limits a server needs: header bytes (431),
 * body bytes (413), malformed input (400). Content-Length and chunked
 * bodies are collected whole. Pure: no I/O, so a session feeds it what
 * it read and pipelined requests come out one at a time.
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

struct http_limits {
	size_t max_header;   /* request line + headers */
	size_t max_body;
};

struct http_header {
	char *name;
	char *value;
};

struct http_request {
	const char *method;          /* "GET", ... (static) */
	char *target;                /* as sent: "/a%20b?x=1" */
	char *path;                  /* target's path, not decoded: "/a%20b" */
	char *query;                 /* after '?', not decoded; "" when none */
	unsigned int version_minor;  /* HTTP/1.<minor> */
	struct http_header *headers;
	size_t header_count;
	char *body;                  /* NUL-terminated; NULL when none */
	size_t body_len;
	bool keep_alive;             /* the client allows another request after this one */
	bool expect_continue;        /* Expect: 100-continue */
};

enum http_parse_state {
	HTTP_PARSE_MORE,             /* need more bytes */
	HTTP_PARSE_DONE,             /* a whole request: http_parser_request() */
	HTTP_PARSE_ERROR,            /* answer http_parser_error_status(), then close */
};

struct http_request_parser;

struct http_request_parser *http_request_parser_new(const struct http_limits *limits);
void http_request_parser_free(struct http_request_parser **parser);

/* Parse up to len bytes; *consumed_r says how many were used (the rest
   belongs to the next request once this one is DONE). After DONE or
   ERROR, call http_request_parser_reset() before feeding again. */
enum http_parse_state http_request_parser_feed(struct http_request_parser *parser,
					       const void *data, size_t len, size_t *consumed_r);
void http_request_parser_reset(struct http_request_parser *parser);

/* Whether a request has begun (some bytes of it were fed). */
bool http_request_parser_started(const struct http_request_parser *parser);
/* Whether its headers are complete (the request is then available, its
   body still arriving: what "Expect: 100-continue" waits for). */
bool http_request_parser_headers_done(const struct http_request_parser *parser);
/* The request once headers are done (body filled in once DONE). */
const struct http_request *http_request_parser_request(const struct http_request_parser *parser);
/* 400, 413 or 431 after ERROR. */
int http_request_parser_error_status(const struct http_request_parser *parser);

/* A header's value by case-insensitive name (the first), or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);

#endif
