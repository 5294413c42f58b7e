/*
 * http-session.h — a generic HTTP/1.1 server session on a conn (admin
 * listener, later DAV): keep-alive, pipelined requests answered in order,
 * the http_* limits and timeouts from settings, HEAD, Expect:
 * 100-continue, whole or streamed (chunked) replies, the ban check at
 * connect, and one access log line per request.
 *
 * Each listener supplies a handler. It gets one request at a time and
 * must answer it exactly once, at once or later: a handler answering
 * asynchronously keeps http_session_ticket() and redeems it with
 * http_session_from_ticket(), as the session may be gone by then.
 */
#ifndef HTTP_SESSION_H
#define HTTP_SESSION_H

#include "http-request.h"
#include "worker.h"

#include <stdbool.h>
#include <stddef.h>

struct http_session;

struct http_handler {
	const char *log_component;    /* "admin", "dav" */
	/* Answer req (valid until the answer ends). */
	void (*request)(struct http_session *s, const struct http_request *req);
	/* Extra "Name: value\r\n" lines on every answer (even the session's
	   own 400/408/413/431), or NULL. */
	const char *headers;
};

void http_session_new(struct worker *worker, int fd, enum listener_kind kind, const char *ip,
		      bool tls, const struct http_handler *handler);

struct worker *http_session_worker(const struct http_session *s);
const char *http_session_ip(const struct http_session *s);

struct session_ticket *http_session_ticket(struct http_session *s);
/* The session, or NULL when it closed meanwhile; frees the ticket. */
struct http_session *http_session_from_ticket(struct session_ticket *ticket);

/* A whole answer; headers are extra "Name: value\r\n" lines or NULL. For
   HEAD only the head is sent. */
void http_session_reply(struct http_session *s, int status, const char *content_type,
			const char *headers, const void *body, size_t len);
/* A JSON error answer {"error": {"code": code, "message": message}}. */
void http_session_reply_error(struct http_session *s, int status, const char *code,
			      const char *message);

/* A streamed answer: start, chunks, end (chunked for HTTP/1.1 clients,
   until close for 1.0). Between chunks a producer waits for the client to
   read with http_session_when_writable(): false when little output is
   pending (go on at once), true when ready(ctx) will be called once the
   client has read enough — or cancel(ctx) if the session closes first. */
void http_session_reply_start(struct http_session *s, int status, const char *content_type,
			      const char *headers);
void http_session_reply_chunk(struct http_session *s, const void *data, size_t len);
void http_session_reply_end(struct http_session *s);
bool http_session_when_writable(struct http_session *s, void (*ready)(void *ctx),
				void (*cancel)(void *ctx), void *ctx);

#endif
