/*
 * http-session.c — the HTTP/1.1 server session (see http-session.h).
 *
 * One request at a time: once a request is complete the connection's
 * input is paused and the rest of the buffered bytes (pipelined requests)
 * wait until the answer has ended, so answers go out in order and a
 * client cannot queue work. Two clocks guard the connection: the conn's
 * inactivity timer closes idle keep-alive connections, and our request
 * timer bounds the time from a request's first byte to its last (a
 * client trickling bytes keeps the inactivity timer happy forever).
 */
#include "http-session.h"

#include "conn.h"
#include "http-response.h"
#include "log.h"
#include "metrics.h"
#include "policy-ban.h"
#include "settings.h"
#include "strbuf.h"
#include "xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* conn input read per batch before it is handed to the parser */
#define HTTP_INPUT_MAX (64 * 1024)
/* a streamed answer waits for the client below this much pending output */
#define HTTP_OUTPUT_LOW (64 * 1024)

struct http_session {
	struct worker_session ws;    /* first: the worker's sessions are these */
	struct worker *worker;
	struct conn *conn;
	const struct http_handler *handler;
	struct http_request_parser *parser;
	ev_timer request_timer;
	double keepalive_timeout, request_timeout;
	long long max_requests;
	unsigned int requests;
	bool busy;            /* a complete request is being answered */
	bool dispatching;     /* inside handler->request() */
	bool closing, banned, draining, continue_sent;
	/* the answer in progress */
	bool head, keep_alive, chunked, streaming;
	unsigned int version_minor;
	int status;
	size_t bytes;
	ev_tstamp started;
	char method[16];
	char *path;
	void (*ready)(void *ctx);
	void (*cancel)(void *ctx);
	void *wait_ctx;
};

static void http_session_process(struct http_session *s);

static long long http_setting(const struct http_session *s, const char *name)
{
	return settings_get_number(s->worker->settings, name, 0, 0);
}

struct worker *http_session_worker(const struct http_session *s)
{
	return s->worker;
}

const char *http_session_ip(const struct http_session *s)
{
	return s->ws.ip;
}

struct session_ticket *http_session_ticket(struct http_session *s)
{
	return session_ticket_new(&s->ws);
}

struct http_session *http_session_from_ticket(struct session_ticket *ticket)
{
	return (struct http_session *)session_ticket_redeem(ticket);
}

static void http_session_close(struct http_session *s)
{
	if (s->closing)
		return;
	s->closing = true;
	ev_timer_stop(s->worker->loop, &s->request_timer);
	conn_close(s->conn);
}

/* Write the head of the current answer. */
static void http_session_head(struct http_session *s, int status, const char *content_type,
			      const char *headers, long long length)
{
	struct strbuf out = STRBUF_INIT, extra = STRBUF_INIT;
	struct http_response_head head = {
		.status = status,
		.version_minor = s->version_minor,
		.content_length = length,
		.content_type = content_type,
		.keep_alive = s->keep_alive,
		.date = time(NULL),
	};

	/* exactly one answer per request */
	assert(s->busy && !s->streaming);
	if (length == HTTP_LENGTH_CLOSE)
		s->keep_alive = false;
	strbuf_append(&extra, s->handler->headers != NULL ? s->handler->headers : "");
	strbuf_append(&extra, headers != NULL ? headers : "");
	head.headers = strbuf_cstr(&extra);
	http_response_head_write(&out, &head);
	conn_write(s->conn, out.data, out.len);
	s->status = status;
	metrics_count_http_reply(s->worker, s->ws.kind, status);
	strbuf_free(&out);
	strbuf_free(&extra);
}

/* The answer has ended: log it, then go on with the next request or close. */
static void http_session_finish(struct http_session *s)
{
	log_info(s->handler->log_component, s->ws.id_str,
		 "event=request method=%s path=%s status=%d bytes=%zu ms=%lld ip=%s", s->method,
		 s->path != NULL ? s->path : "-", s->status, s->bytes,
		 (long long)((ev_now(s->worker->loop) - s->started) * 1000), s->ws.ip);
	free(s->path);
	s->path = NULL;
	s->requests++;
	s->busy = s->streaming = false;
	s->ready = NULL;
	s->cancel = NULL;
	if (!s->keep_alive || s->draining) {
		http_session_close(s);
		return;
	}
	http_request_parser_reset(s->parser);
	s->continue_sent = false;
	conn_set_timeout(s->conn, s->keepalive_timeout);
	conn_resume(s->conn);
	if (!s->dispatching)
		http_session_process(s);
}

void http_session_reply(struct http_session *s, int status, const char *content_type,
			const char *headers, const void *body, size_t len)
{
	http_session_head(s, status, content_type, headers, (long long)len);
	if (!s->head && len > 0) {
		conn_write(s->conn, body, len);
		s->bytes = len;
	}
	http_session_finish(s);
}

void http_session_reply_error(struct http_session *s, int status, const char *code,
			      const char *message)
{
	char body[512];
	int len = snprintf(body, sizeof(body), "{\"error\": {\"code\": \"%s\", \"message\": \"%s\"}}",
			   code, message);

	http_session_reply(s, status, "application/json", NULL, body, (size_t)len);
}

void http_session_reply_start(struct http_session *s, int status, const char *content_type,
			      const char *headers)
{
	s->chunked = s->version_minor >= 1;
	http_session_head(s, status, content_type, headers,
			  s->chunked ? HTTP_LENGTH_CHUNKED : HTTP_LENGTH_CLOSE);
	s->streaming = true;
}

void http_session_reply_chunk(struct http_session *s, const void *data, size_t len)
{
	struct strbuf out = STRBUF_INIT;

	if (s->head || len == 0)
		return;
	s->bytes += len;
	if (!s->chunked) {
		conn_write(s->conn, data, len);
		return;
	}
	http_chunk_write(&out, data, len);
	conn_write(s->conn, out.data, out.len);
	strbuf_free(&out);
}

void http_session_reply_end(struct http_session *s)
{
	struct strbuf out = STRBUF_INIT;

	if (s->chunked && !s->head) {
		http_chunk_end(&out);
		conn_write(s->conn, out.data, out.len);
		strbuf_free(&out);
	}
	http_session_finish(s);
}

static void http_session_writable(void *ctx)
{
	struct http_session *s = ctx;
	void (*ready)(void *ctx) = s->ready;

	s->ready = NULL;
	s->cancel = NULL;
	conn_set_timeout(s->conn, 0);
	if (ready != NULL)
		ready(s->wait_ctx);
}

bool http_session_when_writable(struct http_session *s, void (*ready)(void *ctx),
				void (*cancel)(void *ctx), void *ctx)
{
	if (conn_output_len(s->conn) <= HTTP_OUTPUT_LOW)
		return false;
	s->ready = ready;
	s->cancel = cancel;
	s->wait_ctx = ctx;
	conn_when_output_below(s->conn, HTTP_OUTPUT_LOW, http_session_writable);
	/* a client that stops reading is cut off like an idle one */
	conn_set_timeout(s->conn, s->keepalive_timeout);
	return true;
}

/* Answer a complete request: through the handler, or refused. */
static void http_session_dispatch(struct http_session *s, const struct http_request *req)
{
	s->busy = true;
	s->bytes = 0;
	s->head = strcmp(req->method, "HEAD") == 0;
	s->version_minor = req->version_minor;
	s->keep_alive = req->keep_alive && !s->banned && !s->draining &&
			s->requests + 1 < (unsigned long long)s->max_requests;
	snprintf(s->method, sizeof(s->method), "%s", req->method);
	s->path = xstrdup(req->path);
	conn_pause(s->conn);
	conn_set_timeout(s->conn, 0);   /* the handler may take its time */
	s->dispatching = true;
	if (s->banned)
		http_session_reply_error(s, 403, "banned",
					 "Your address is banned for failed logins, try later");
	else
		s->handler->request(s, req);
	s->dispatching = false;
}

/* The request cannot be parsed: answer status and close. */
static void http_session_refuse(struct http_session *s, int status)
{
	static const struct {
		int status;
		const char *code, *message;
	} errors[] = {
		{ 408, "request_timeout", "The request took too long to arrive" },
		{ 413, "too_large", "The request body is too large" },
		{ 417, "expectation_failed", "Only Expect: 100-continue is supported" },
		{ 431, "headers_too_large", "The request headers are too large" },
	};
	const char *code = "bad_request", *message = "Malformed HTTP request";

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (errors[i].status == status) {
			code = errors[i].code;
			message = errors[i].message;
		}
	}
	ev_timer_stop(s->worker->loop, &s->request_timer);
	s->busy = true;
	s->head = false;
	s->keep_alive = false;
	s->version_minor = 1;
	snprintf(s->method, sizeof(s->method), "-");
	conn_pause(s->conn);
	http_session_reply_error(s, status, code, message);
}

/* Parse buffered input until a request is complete or more is needed. */
static void http_session_process(struct http_session *s)
{
	struct buffer *in = conn_input(s->conn);

	while (!s->busy && !s->closing) {
		size_t consumed;
		bool was_started = http_request_parser_started(s->parser);
		enum http_parse_state state = http_request_parser_feed(s->parser, buffer_data(in),
								       buffer_len(in), &consumed);

		buffer_consume(in, consumed);
		if (!was_started && http_request_parser_started(s->parser)) {
			/* the request's clock starts with its first byte */
			s->started = ev_now(s->worker->loop);
			ev_timer_set(&s->request_timer, s->request_timeout, 0);
			ev_timer_start(s->worker->loop, &s->request_timer);
		}
		if (state == HTTP_PARSE_ERROR) {
			http_session_refuse(s, http_request_parser_error_status(s->parser));
		} else if (state == HTTP_PARSE_DONE) {
			ev_timer_stop(s->worker->loop, &s->request_timer);
			http_session_dispatch(s, http_request_parser_request(s->parser));
		} else {
			const struct http_request *req = http_request_parser_request(s->parser);

			if (http_request_parser_headers_done(s->parser) && req->expect_continue &&
			    !s->continue_sent) {
				s->continue_sent = true;
				conn_printf(s->conn, "HTTP/1.1 100 Continue\r\n\r\n");
			}
			/* between requests the idle timeout applies, within one the
			   request timer */
			conn_set_timeout(s->conn, http_request_parser_started(s->parser)
							  ? 0 : s->keepalive_timeout);
			return;
		}
	}
}

static void http_session_request_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct http_session *s = t->data;

	if (!s->busy && !s->closing)
		http_session_refuse(s, 408);
}

static void http_session_input(void *ctx)
{
	struct http_session *s = ctx;

	if (!s->busy && !s->closing)
		http_session_process(s);
}

static void http_session_timeout(void *ctx)
{
	struct http_session *s = ctx;

	/* idle between requests, or not reading a streamed answer */
	http_session_close(s);
}

static void http_session_closed(void *ctx, const char *reason)
{
	struct http_session *s = ctx;

	log_debug(s->handler->log_component, s->ws.id_str,
		  "event=disconnect reason=\"%s\" requests=%u", reason, s->requests);
	if (s->cancel != NULL)
		s->cancel(s->wait_ctx);
	ev_timer_stop(s->worker->loop, &s->request_timer);
	worker_session_unregister(&s->ws);
	http_request_parser_free(&s->parser);
	conn_free(&s->conn);
	free(s->path);
	free(s);
}

static void http_session_drain(struct worker_session *ws)
{
	struct http_session *s = (struct http_session *)ws;

	s->draining = true;
	if (!s->busy && !http_request_parser_started(s->parser))
		http_session_close(s);
}

static const struct conn_callbacks http_conn_callbacks = {
	.input = http_session_input,
	.timeout = http_session_timeout,
	.closed = http_session_closed,
};

static const struct worker_session_vfuncs http_session_vfuncs = {
	.drain = http_session_drain,
};

/* The ban lookup answered: serve the client, or refuse its requests. */
static void http_session_ban_checked(struct worker_session *ws, const char *banned)
{
	struct http_session *s = (struct http_session *)ws;

	if (s->closing)
		return;
	s->banned = banned != NULL;
	conn_resume(s->conn);
	http_session_process(s);
}

void http_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip,
		      bool tls, const struct http_handler *handler)
{
	struct http_session *s = xcalloc(1, sizeof(*s));
	struct http_limits limits;

	worker_session_register(worker, &s->ws, kind, ip, &http_session_vfuncs);
	s->worker = worker;
	s->handler = handler;
	limits.max_header = (size_t)http_setting(s, "http_max_header_size");
	limits.max_body = (size_t)http_setting(s, "http_max_body_size");
	s->keepalive_timeout = (double)http_setting(s, "http_keepalive_timeout");
	s->request_timeout = (double)http_setting(s, "http_request_timeout");
	s->max_requests = http_setting(s, "http_max_requests");
	s->parser = http_request_parser_new(&limits);
	ev_init(&s->request_timer, http_session_request_timeout);
	s->request_timer.data = s;
	s->conn = conn_new(worker->loop, fd, &http_conn_callbacks, s);
	conn_set_max_input(s->conn, HTTP_INPUT_MAX);
	log_debug(handler->log_component, s->ws.id_str, "event=connect ip=%s listener=%s tls=%s",
		  ip, config_listener_name(kind), tls ? "yes" : "no");
	if (tls)
		conn_start_tls(s->conn, worker->tls);
	conn_set_timeout(s->conn, s->keepalive_timeout);
	/* nothing is served before the ban lookup answers */
	conn_pause(s->conn);
	policy_ban_check(worker, &s->ws, http_session_ban_checked);
}
