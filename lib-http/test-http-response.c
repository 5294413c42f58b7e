/* Unit tests for http-response.c: heads for each kind of body and
   connection, and chunk framing. */
#include "test-common.h"
#include "http-response.h"

#include <string.h>

static void test_response_head(void)
{
	struct strbuf out = STRBUF_INIT;
	struct http_response_head h = {
		.status = 200, .version_minor = 1, .content_length = 5,
		.content_type = "text/plain", .keep_alive = true, .headers = "X-A: 1\r\n",
		.date = 784111777,
	};

	http_response_head_write(&out, &h);
	test_assert_str(out.data, "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			"Content-Type: text/plain\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n");
	strbuf_truncate(&out, 0);
	h.status = 404;
	h.content_length = HTTP_LENGTH_CHUNKED;
	h.keep_alive = false;
	h.content_type = h.headers = NULL;
	http_response_head_write(&out, &h);
	test_assert_str(out.data, "HTTP/1.1 404 Not Found\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	/* a 1.0 client kept alive is told so; a close-delimited body closes */
	strbuf_truncate(&out, 0);
	h.status = 431;
	h.version_minor = 0;
	h.content_length = 0;
	h.keep_alive = true;
	http_response_head_write(&out, &h);
	test_assert(strstr(out.data, "HTTP/1.0 431 Request Header Fields Too Large\r\n") == out.data);
	test_assert(strstr(out.data, "Connection: keep-alive\r\n") != NULL);
	strbuf_truncate(&out, 0);
	h.content_length = HTTP_LENGTH_CLOSE;
	http_response_head_write(&out, &h);
	test_assert(strstr(out.data, "Connection: close\r\n") != NULL);
	test_assert(strstr(out.data, "Content-Length") == NULL);
	test_assert(strstr(out.data, "Transfer-Encoding") == NULL);
	test_assert_str(http_status_reason(999), "Unknown");
	strbuf_free(&out);
}

static void test_response_chunks(void)
{
	struct strbuf out = STRBUF_INIT;

	http_chunk_write(&out, "hello world, this is long", 25);
	http_chunk_write(&out, "", 0);
	http_chunk_end(&out);
	test_assert_str(out.data, "19\r\nhello world, this is long\r\n0\r\n\r\n");
	strbuf_free(&out);
}

int main(void)
{
	test_run("response_head", test_response_head);
	test_run("response_chunks", test_response_chunks);
	return test_end();
}
