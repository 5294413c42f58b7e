/* Unit tests for http-request.c: whole and split requests, pipelining,
   chunked bodies, keep-alive, and the malformed/oversize answers. */
#include "test-common.h"
#include "http-request.h"

#include <string.h>

static const struct http_limits limits = { .max_header = 1024, .max_body = 64 };

/* Feed text in pieces of step bytes; returns the final state and how many
   bytes were used. */
static enum http_parse_state feed(struct http_request_parser *p, const char *text, size_t step,
				  size_t *used_r)
{
	size_t len = strlen(text), used = 0;
	enum http_parse_state state = HTTP_PARSE_MORE;

	while (used < len && state == HTTP_PARSE_MORE) {
		size_t n = len - used < step ? len - used : step, consumed;

		state = http_request_parser_feed(p, text + used, n, &consumed);
		used += consumed;
	}
	*used_r = used;
	return state;
}

static void test_request_simple(void)
{
	struct http_request_parser *p = http_request_parser_new(&limits);
	const char *text = "GET /api/v1/x%40y?page=2&q=a+b HTTP/1.1\r\nHost: h\r\n"
			   "X-Token: abc\r\n\r\n";
	size_t used;
	const struct http_request *req;

	/* byte by byte: every callback boundary is exercised */
	test_assert_int(feed(p, text, 1, &used), HTTP_PARSE_DONE);
	test_assert_int(used, strlen(text));
	req = http_request_parser_request(p);
	test_assert_str(req->method, "GET");
	test_assert_str(req->path, "/api/v1/x%40y");
	test_assert_str(req->query, "page=2&q=a+b");
	test_assert_int(req->version_minor, 1);
	test_assert(req->keep_alive);
	test_assert_str(http_request_header(req, "x-token"), "abc");
	test_assert_str(http_request_header(req, "HOST"), "h");
	test_assert(http_request_header(req, "Cookie") == NULL);
	test_assert(req->body == NULL);
	http_request_parser_free(&p);
}

static void test_request_pipelined(void)
{
	struct http_request_parser *p = http_request_parser_new(&limits);
	const char *text = "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
			   "GET /b HTTP/1.0\r\n\r\n";
	size_t used, used2;

	test_assert_int(feed(p, text, 4096, &used), HTTP_PARSE_DONE);
	test_assert_int(used, strlen(text) - strlen("GET /b HTTP/1.0\r\n\r\n"));
	test_assert_str(http_request_parser_request(p)->body, "hello");
	test_assert_int(http_request_parser_request(p)->body_len, 5);
	http_request_parser_reset(p);
	test_assert(!http_request_parser_started(p));
	test_assert_int(feed(p, text + used, 4096, &used2), HTTP_PARSE_DONE);
	test_assert_str(http_request_parser_request(p)->path, "/b");
	test_assert_int(http_request_parser_request(p)->version_minor, 0);
	/* HTTP/1.0 without keep-alive closes */
	test_assert(!http_request_parser_request(p)->keep_alive);
	http_request_parser_free(&p);
}

static void test_request_chunked(void)
{
	struct http_request_parser *p = http_request_parser_new(&limits);
	const char *text = "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			   "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
	size_t used;

	test_assert_int(feed(p, text, 3, &used), HTTP_PARSE_DONE);
	test_assert_str(http_request_parser_request(p)->body, "hello world");
	test_assert(!http_request_parser_request(p)->keep_alive);
	http_request_parser_free(&p);
}

static void test_request_expect_continue(void)
{
	struct http_request_parser *p = http_request_parser_new(&limits);
	size_t used;

	test_assert_int(feed(p, "POST /e HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-Continue\r\n\r\n",
			     4096, &used), HTTP_PARSE_MORE);
	test_assert(http_request_parser_headers_done(p));
	test_assert(http_request_parser_request(p)->expect_continue);
	test_assert_int(feed(p, "ok", 4096, &used), HTTP_PARSE_DONE);
	http_request_parser_reset(p);
	test_assert_int(feed(p, "POST /e HTTP/1.1\r\nExpect: magic\r\n\r\n", 4096, &used),
			HTTP_PARSE_ERROR);
	test_assert_int(http_request_parser_error_status(p), 417);
	http_request_parser_free(&p);
}

static int error_of(const char *text, size_t step)
{
	struct http_request_parser *p = http_request_parser_new(&limits);
	size_t used;
	int status = feed(p, text, step, &used) == HTTP_PARSE_ERROR
			     ? http_request_parser_error_status(p) : 0;

	http_request_parser_free(&p);
	return status;
}

static void test_request_errors(void)
{
	char big[2048];

	test_assert_int(error_of("GARBAGE\r\n\r\n", 4096), 400);
	test_assert_int(error_of("GET / HTTP/1.1\r\nBad Header\r\n\r\n", 4096), 400);
	test_assert_int(error_of("GET / HTTP/2.0\r\n\r\n", 4096), 400);
	test_assert_int(error_of("GET nopath HTTP/1.1\r\n\r\n", 4096), 400);
	test_assert_int(error_of("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 4096), 400);
	test_assert_int(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 4096),
			400);
	/* over the body limit: by Content-Length at once, by chunks as they come */
	test_assert_int(error_of("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n", 4096), 413);
	test_assert_int(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n"
				 "1\r\nx\r\n0\r\n\r\n", 7), 413);
	/* over the header limit: one long header, or many small ones */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	big[sizeof(big) - 1] = '\0';
	test_assert_int(error_of(big, 4096), 431);
	test_assert_int(error_of(big, 5), 431);
	for (size_t i = 16; i + 5 < sizeof(big); i += 5)
		memcpy(big + i, "A:\r\n", 4), big[i + 4] = 'x';
	test_assert_int(error_of(big, 4096), 431);
	/* a control character in a header value */
	test_assert_int(error_of("GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 4096), 400);
}

int main(void)
{
	test_run("request_simple", test_request_simple);
	test_run("request_pipelined", test_request_pipelined);
	test_run("request_chunked", test_request_chunked);
	test_run("request_expect_continue", test_request_expect_continue);
	test_run("request_errors", test_request_errors);
	return test_end();
}
