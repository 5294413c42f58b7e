/*
 * http-response.h — writing HTTP/1.1 responses: the status line and head
 * (Date, Content-Length or chunked, Connection) and chunk framing. Pure:
 * the text goes into a strbuf the session then writes.
 */
#ifndef HTTP_RESPONSE_H
#define HTTP_RESPONSE_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define HTTP_LENGTH_CHUNKED ((long long)-1)   /* body in chunks (HTTP/1.1) */
#define HTTP_LENGTH_CLOSE ((long long)-2)     /* body until close (HTTP/1.0 streams) */

struct http_response_head {
	int status;
	unsigned int version_minor;   /* the request's: HTTP/1.<minor> */
	long long content_length;     /* >= 0, or one of the HTTP_LENGTH_* */
	const char *content_type;     /* NULL: none */
	bool keep_alive;              /* false: "Connection: close" */
	const char *headers;          /* extra "Name: value\r\n" lines, or NULL */
	time_t date;
};

/* "OK", "Not Found", ...; "Unknown" for others. */
const char *http_status_reason(int status);
/* RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; size >= 30. */
void http_date_format(time_t t, char *buf, size_t size);

void http_response_head_write(struct strbuf *out, const struct http_response_head *head);
/* One chunk of a chunked body (nothing for len 0: that would end it). */
void http_chunk_write(struct strbuf *out, const void *data, size_t len);
/* The last chunk and the empty trailer. */
void http_chunk_end(struct strbuf *out);

#endif
