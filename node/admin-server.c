/*
 * admin-server.c — the admin listener's request handler (see
 * admin-server.h). Everything slow happens elsewhere: API requests in the
 * admin threads, metrics and token checks asynchronously; their answers
 * come back with a session ticket because the client may have gone.
 */
#include "admin-server.h"

#include "admin-api.h"
#include "admin-metrics.h"
#include "admin-static.h"
#include "http-session.h"
#include "log.h"
#include "netlist.h"
#include "pg-pool.h"
#include "settings.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

#define ADMIN_API_PREFIX "/api/v1"

static void admin_server_metrics_done(void *ctx, char *text, size_t len)
{
	struct http_session *s = http_session_from_ticket(ctx);

	if (s != NULL && text == NULL)
		http_session_reply_error(s, 503, "unavailable", "Metrics are unavailable");
	else if (s != NULL)
		http_session_reply(s, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, text,
				   len);
	free(text);
}

static void admin_server_metrics_render(struct http_session *s)
{
	admin_metrics_render(http_session_worker(s), admin_server_metrics_done,
			     http_session_ticket(s));
}

static void admin_server_metrics_token(void *ctx, int status)
{
	struct http_session *s = http_session_from_ticket(ctx);

	if (s == NULL)
		return;
	if (status == 200)
		admin_server_metrics_render(s);
	else if (status == 403)
		http_session_reply_error(s, 403, "forbidden", "Metrics need a superadmin");
	else
		http_session_reply_error(s, status, "unauthorized",
					 "Metrics need a token from outside metrics_trusted_networks");
}

/* GET /metrics: trusted networks without a token, others with a
   superadmin's. */
static void admin_server_metrics(struct http_session *s, const struct http_request *req)
{
	struct worker *w = http_session_worker(s);
	const char *error = NULL;
	const char *trusted = settings_get(w->settings, "metrics_trusted_networks", 0, 0);
	int inside = netlist_contains(trusted, http_session_ip(s), &error);

	if (inside < 0)
		log_warning("admin", NULL, "event=bad_setting name=metrics_trusted_networks error=\"%s\"",
			    error);
	if (inside == 1)
		admin_server_metrics_render(s);
	else
		admin_api_check_token(w->admin, http_request_header(req, "Authorization"), true,
				      admin_server_metrics_token, http_session_ticket(s));
}

static void admin_server_api_done(void *ctx, struct admin_api_response *r)
{
	struct http_session *s = http_session_from_ticket(ctx);
	struct strbuf headers = STRBUF_INIT;

	if (s != NULL) {
		strbuf_printf(&headers, "Cache-Control: no-store\r\n%s",
			      r->headers != NULL ? r->headers : "");
		http_session_reply(s, r->status, r->content_type, headers.data, r->body,
				   r->body_len);
	}
	strbuf_free(&headers);
	free(r->body);
}

static void admin_server_api(struct http_session *s, const struct http_request *req)
{
	struct admin_http_request api_req = {
		.method = req->method,
		.path = req->path,
		.query = req->query,
		.authorization = http_request_header(req, "Authorization"),
		.content_type = http_request_header(req, "Content-Type"),
		.body = req->body,
		.body_len = req->body_len,
		.client_ip = http_session_ip(s),
	};

	admin_api_request(http_session_worker(s)->admin, &api_req, admin_server_api_done,
			  http_session_ticket(s));
}

/* Ready to serve: connected to PostgreSQL, accepting, not shutting down. */
static bool admin_server_ready(const struct worker *w)
{
	return pg_pool_connected(w->pool) > 0 && w->accepting && !w->draining;
}

static void admin_server_request(struct http_session *s, const struct http_request *req)
{
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	size_t prefix = strlen(ADMIN_API_PREFIX);

	if (strncmp(req->path, ADMIN_API_PREFIX, prefix) == 0 &&
	    (req->path[prefix] == '/' || req->path[prefix] == '\0'))
		admin_server_api(s, req);
	else if (!get)
		http_session_reply_error(s, 405, "method_not_allowed", "Only GET and HEAD here");
	else if (strcmp(req->path, "/health") == 0)
		http_session_reply(s, 200, "application/json", NULL, "{\"status\": \"ok\"}", 16);
	else if (strcmp(req->path, "/ready") == 0 && admin_server_ready(http_session_worker(s)))
		http_session_reply(s, 200, "application/json", NULL, "{\"status\": \"ready\"}", 19);
	else if (strcmp(req->path, "/ready") == 0)
		http_session_reply_error(s, 503, "not_ready", "Not connected to the database");
	else if (strcmp(req->path, "/metrics") == 0)
		admin_server_metrics(s, req);
	else
		admin_static_serve(s, http_session_worker(s)->config->admin_www, req->path);
}

/* On every answer: the UI loads only its own resources, is never framed,
   and leaks no URLs (tokens never travel in them, but setup links do). */
static const struct http_handler admin_handler = {
	.log_component = "admin",
	.request = admin_server_request,
	.headers = "Content-Security-Policy: default-src 'self'\r\n"
		   "X-Content-Type-Options: nosniff\r\n"
		   "X-Frame-Options: DENY\r\n"
		   "Referrer-Policy: no-referrer\r\n",
};

void admin_server_session_new(struct worker *w, int fd, const char *ip)
{
	/* [admin] tls = no leaves TLS to a proxy in front */
	bool tls = w->config->admin_tls && w->tls != NULL;

	http_session_new(w, fd, LISTENER_ADMIN, ip, tls, &admin_handler);
}
