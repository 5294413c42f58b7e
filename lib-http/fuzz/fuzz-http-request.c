/*
 * fuzz-http-request.c — libFuzzer target for the HTTP request parser and
 * URL helpers (http-request.c, http-url.c): requests are taken off the
 * input one after another like a keep-alive session does, fed in two
 * pieces at a point the input chooses; a request never exceeds the
 * limits, an error always carries a 4xx status, and every path that
 * comes out passes through the static-path normaliser, whose output must
 * never contain a ".." segment.
 */
#include "http-request.h"
#include "http-url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct http_limits fuzz_limits = { .max_header = 2048, .max_body = 4096 };

static void fuzz_check_path(const char *raw)
{
	char *path = http_url_static_path(raw);

	if (path != NULL && (path[0] != '/' || strstr(path, "/../") != NULL ||
			     (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)))
		abort();
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request_parser *p = http_request_parser_new(&fuzz_limits);
	size_t split = size > 0 ? data[0] % (size + 1) : 0, pos = 0;

	while (pos < size) {
		size_t first = split < size - pos ? split : size - pos, c1, c2 = 0;
		const struct http_request *req;
		enum http_parse_state state = http_request_parser_feed(p, data + pos, first, &c1);

		if (state == HTTP_PARSE_MORE && c1 == first)
			state = http_request_parser_feed(p, data + pos + c1, size - pos - c1, &c2);
		if (state == HTTP_PARSE_ERROR) {
			int status = http_request_parser_error_status(p);

			if (status < 400 || status > 499)
				abort();
			break;
		}
		if (state != HTTP_PARSE_DONE)
			break;
		req = http_request_parser_request(p);

		if (req->body_len > fuzz_limits.max_body || req->path[0] != '/' ||
		    c1 + c2 == 0)
			abort();
		fuzz_check_path(req->path);
		free(http_url_decode(req->query, strlen(req->query), true));
		pos += c1 + c2;
		http_request_parser_reset(p);
	}
	http_request_parser_free(&p);
	return 0;
}
