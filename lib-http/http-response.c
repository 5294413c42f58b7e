/*
 * http-response.c — response heads and chunk framing (see http-response.h).
 */
#include "http-response.h"

#include <stdio.h>

static const struct {
	int status;
	const char *reason;
} http_reasons[] = {
	{ 100, "Continue" }, { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 301, "Moved Permanently" }, { 302, "Found" },
	{ 304, "Not Modified" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 411, "Length Required" },
	{ 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 417, "Expectation Failed" },
	{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
	{ 501, "Not Implemented" }, { 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_status_reason(int status)
{
	for (size_t i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++) {
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	}
	return "Unknown";
}

void http_date_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void http_response_head_write(struct strbuf *out, const struct http_response_head *h)
{
	char date[40];
	/* a 1.0 client cannot keep a close-delimited stream alive */
	bool keep_alive = h->keep_alive && h->content_length != HTTP_LENGTH_CLOSE;

	http_date_format(h->date, date, sizeof(date));
	strbuf_printf(out, "HTTP/1.%u %d %s\r\nDate: %s\r\n", h->version_minor >= 1 ? 1 : 0,
		      h->status, http_status_reason(h->status), date);
	if (h->content_type != NULL)
		strbuf_printf(out, "Content-Type: %s\r\n", h->content_type);
	if (h->content_length >= 0)
		strbuf_printf(out, "Content-Length: %lld\r\n", h->content_length);
	else if (h->content_length == HTTP_LENGTH_CHUNKED)
		strbuf_append(out, "Transfer-Encoding: chunked\r\n");
	if (!keep_alive)
		strbuf_append(out, "Connection: close\r\n");
	else if (h->version_minor == 0)
		strbuf_append(out, "Connection: keep-alive\r\n");
	if (h->headers != NULL)
		strbuf_append(out, h->headers);
	strbuf_append(out, "\r\n");
}

void http_chunk_write(struct strbuf *out, const void *data, size_t len)
{
	if (len == 0)
		return;
	strbuf_printf(out, "%zx\r\n", len);
	strbuf_append_n(out, data, len);
	strbuf_append(out, "\r\n");
}

void http_chunk_end(struct strbuf *out)
{
	strbuf_append(out, "0\r\n\r\n");
}
