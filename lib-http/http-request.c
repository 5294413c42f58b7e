/*
 * http-request.c — the request parser (see http-request.h): libhttp-parser
 * callbacks collect the target, headers and body; the parser pauses at the
 * end of each message so pipelined requests come out one by one, and our
 * own byte counts enforce the header and body limits (the library's
 * built-in header limit is a compile-time 80 KB).
 */
#include "http-request.h"

#include "strbuf.h"
#include "xalloc.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_request_parser {
	http_parser parser;
	http_parser_settings settings;
	struct http_limits limits;
	struct http_request req;
	struct strbuf target, field, value, body;
	bool in_value;          /* the last header callback was a value */
	bool started, headers_done, complete;
	size_t header_bytes;
	int error_status;
};

static struct http_request_parser *http_parser_owner(http_parser *p)
{
	return p->data;
}

/* Count bytes toward the header limit; false (and 431) once over. */
static bool http_header_bytes_add(struct http_request_parser *rp, size_t len)
{
	rp->header_bytes += len;
	if (rp->header_bytes <= rp->limits.max_header)
		return true;
	rp->error_status = 431;
	return false;
}

static int http_on_message_begin(http_parser *p)
{
	http_parser_owner(p)->started = true;
	return 0;
}

static int http_on_url(http_parser *p, const char *at, size_t len)
{
	struct http_request_parser *rp = http_parser_owner(p);

	if (!http_header_bytes_add(rp, len))
		return -1;
	strbuf_append_n(&rp->target, at, len);
	return 0;
}

static void http_header_finish(struct http_request_parser *rp)
{
	struct http_request *req = &rp->req;

	if (rp->field.len == 0)
		return;
	req->headers = xrealloc(req->headers, (req->header_count + 1) * sizeof(*req->headers));
	req->headers[req->header_count].name = strbuf_steal(&rp->field);
	req->headers[req->header_count].value = xstrdup(strbuf_cstr(&rp->value));
	strbuf_truncate(&rp->value, 0);
	req->header_count++;
}

static int http_on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_request_parser *rp = http_parser_owner(p);

	/* +4 for ": " and CRLF, so many tiny headers count too */
	if (!http_header_bytes_add(rp, len + (rp->in_value || rp->field.len == 0 ? 4 : 0)))
		return -1;
	if (rp->in_value) {
		http_header_finish(rp);
		rp->in_value = false;
	}
	strbuf_append_n(&rp->field, at, len);
	return 0;
}

static int http_on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_request_parser *rp = http_parser_owner(p);

	if (!http_header_bytes_add(rp, len))
		return -1;
	if (memchr(at, '\0', len) != NULL) {
		rp->error_status = 400;
		return -1;
	}
	rp->in_value = true;
	strbuf_append_n(&rp->value, at, len);
	return 0;
}

/* Split the target into path and query; absolute-form targets
   ("http://host/p?q") keep only their path and query. */
static bool http_target_split(struct http_request *req)
{
	struct http_parser_url url;
	const char *t = req->target;

	http_parser_url_init(&url);
	if (t[0] == '\0' || http_parser_parse_url(t, strlen(t), 0, &url) != 0)
		return false;
	if ((url.field_set & (1 << UF_PATH)) == 0) {
		req->path = xstrdup("/");
	} else {
		req->path = xstrndup(t + url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
		if (req->path[0] != '/')
			return false;
	}
	if ((url.field_set & (1 << UF_QUERY)) != 0)
		req->query = xstrndup(t + url.field_data[UF_QUERY].off,
				      url.field_data[UF_QUERY].len);
	else
		req->query = xstrdup("");
	return true;
}

static int http_on_headers_complete(http_parser *p)
{
	struct http_request_parser *rp = http_parser_owner(p);
	struct http_request *req = &rp->req;
	const char *expect;

	if (rp->in_value || rp->field.len > 0)
		http_header_finish(rp);
	req->method = http_method_str(p->method);
	req->version_minor = p->http_major == 1 ? p->http_minor : 0;
	req->target = strbuf_steal(&rp->target);
	if (p->http_major != 1 || !http_target_split(req)) {
		rp->error_status = 400;
		return -1;
	}
	if ((p->flags & F_CONTENTLENGTH) != 0 && p->content_length > rp->limits.max_body) {
		rp->error_status = 413;
		return -1;
	}
	expect = http_request_header(req, "Expect");
	if (expect != NULL) {
		if (strcasecmp(expect, "100-continue") != 0) {
			rp->error_status = 417;
			return -1;
		}
		req->expect_continue = req->version_minor >= 1;
	}
	rp->headers_done = true;
	return 0;
}

static int http_on_body(http_parser *p, const char *at, size_t len)
{
	struct http_request_parser *rp = http_parser_owner(p);

	if (rp->body.len + len > rp->limits.max_body) {
		rp->error_status = 413;
		return -1;
	}
	strbuf_append_n(&rp->body, at, len);
	return 0;
}

static int http_on_message_complete(http_parser *p)
{
	struct http_request_parser *rp = http_parser_owner(p);
	struct http_request *req = &rp->req;

	req->keep_alive = http_should_keep_alive(p) != 0;
	if (rp->body.len > 0) {
		req->body_len = rp->body.len;
		req->body = strbuf_steal(&rp->body);
	}
	rp->complete = true;
	/* stop here: the bytes after this request are the next one's */
	http_parser_pause(p, 1);
	return 0;
}

struct http_request_parser *http_request_parser_new(const struct http_limits *limits)
{
	struct http_request_parser *rp = xcalloc(1, sizeof(*rp));

	rp->limits = *limits;
	http_parser_settings_init(&rp->settings);
	rp->settings.on_message_begin = http_on_message_begin;
	rp->settings.on_url = http_on_url;
	rp->settings.on_header_field = http_on_header_field;
	rp->settings.on_header_value = http_on_header_value;
	rp->settings.on_headers_complete = http_on_headers_complete;
	rp->settings.on_body = http_on_body;
	rp->settings.on_message_complete = http_on_message_complete;
	http_request_parser_reset(rp);
	return rp;
}

static void http_request_clear(struct http_request *req)
{
	for (size_t i = 0; i < req->header_count; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free(req->target);
	free(req->path);
	free(req->query);
	free(req->body);
	memset(req, 0, sizeof(*req));
}

void http_request_parser_reset(struct http_request_parser *rp)
{
	http_request_clear(&rp->req);
	strbuf_free(&rp->target);
	strbuf_free(&rp->field);
	strbuf_free(&rp->value);
	strbuf_free(&rp->body);
	http_parser_init(&rp->parser, HTTP_REQUEST);
	rp->parser.data = rp;
	rp->in_value = rp->started = rp->headers_done = rp->complete = false;
	rp->header_bytes = 0;
	rp->error_status = 0;
}

void http_request_parser_free(struct http_request_parser **rpp)
{
	struct http_request_parser *rp = *rpp;

	if (rp == NULL)
		return;
	http_request_parser_reset(rp);
	free(rp);
	*rpp = NULL;
}

enum http_parse_state http_request_parser_feed(struct http_request_parser *rp,
					       const void *data, size_t len, size_t *consumed_r)
{
	size_t n;
	enum http_errno err;

	*consumed_r = 0;
	if (rp->complete)
		return HTTP_PARSE_DONE;
	if (rp->error_status != 0)
		return HTTP_PARSE_ERROR;
	if (len == 0)
		return HTTP_PARSE_MORE;
	n = http_parser_execute(&rp->parser, &rp->settings, data, len);
	*consumed_r = n;
	err = HTTP_PARSER_ERRNO(&rp->parser);
	if (rp->complete)
		return HTTP_PARSE_DONE;
	if (err == HPE_OK)
		return HTTP_PARSE_MORE;
	if (rp->error_status == 0)
		rp->error_status = err == HPE_HEADER_OVERFLOW ? 431 : 400;
	return HTTP_PARSE_ERROR;
}

bool http_request_parser_started(const struct http_request_parser *rp)
{
	return rp->started;
}

bool http_request_parser_headers_done(const struct http_request_parser *rp)
{
	return rp->headers_done;
}

const struct http_request *http_request_parser_request(const struct http_request_parser *rp)
{
	return &rp->req;
}

int http_request_parser_error_status(const struct http_request_parser *rp)
{
	return rp->error_status;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}
