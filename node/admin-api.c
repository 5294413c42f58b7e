/*
 * admin-api.c — the core of the JSON API under /api/v1 (see admin-api.h).
 *
 * In the loop: a request is copied into a job with a snapshot of the
 * settings it needs and queued on the worker's admin job pool (at most
 * admin_max_pending, else 503). In an admin thread: the route is matched,
 * the body parsed, the Bearer token verified and the role checked, then
 * the handler runs on the thread's own admin_db (reconnected when
 * PostgreSQL went away). Back in the loop the answer is serialised and
 * handed to the HTTP layer's callback.
 */
#include "admin-api-private.h"

#include "admin-auth.h"
#include "admin-db.h"
#include "job-pool.h"
#include "log.h"
#include "settings.h"
#include "strbuf.h"
#include "worker.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_API_PREFIX "/api/v1"
#define ADMIN_API_MAX_SEGMENTS 16
#define ADMIN_API_UNAUTHORIZED_HEADERS "WWW-Authenticate: Bearer realm=\"petrel\"\r\n"

static struct admin_route *admin_routes;
static size_t admin_route_count;

/* The Allow header of each route pattern, built once the routes are all
   registered (responses carry static header strings). */
static char **admin_route_allow;
static pthread_once_t admin_route_allow_once = PTHREAD_ONCE_INIT;

struct admin_api {
	struct worker *worker;
	struct job_pool *pool;
	struct admin_api_job *immediate;   /* answered without a thread */
	ev_idle immediate_idle;
};

struct admin_api_job {
	struct admin_api_job *next;
	struct admin_api *api;
	/* the request, copied */
	char *method, *path, *query, *authorization, *content_type, *body, *client_ip;
	size_t body_len;
	struct admin_call_private priv;
	bool superadmin_only;              /* token checks */
	/* the answer */
	int status;
	json_t *result;
	const char *headers;
	admin_api_reply_t *reply;
	admin_api_token_checked_t *checked;
	void *ctx;
};

struct admin_api_thread {
	struct admin_db *db;
	char *conninfo;
};

void admin_routes_register(const struct admin_route *routes, size_t count)
{
	admin_routes = xrealloc(admin_routes, (admin_route_count + count) * sizeof(*routes));
	memcpy(admin_routes + admin_route_count, routes, count * sizeof(*routes));
	admin_route_count += count;
}

const struct admin_route *admin_routes_get(size_t *count_r)
{
	*count_r = admin_route_count;
	return admin_routes;
}

static void admin_route_allow_build(void)
{
	admin_route_allow = xcalloc(admin_route_count + 1, sizeof(char *));
	for (size_t i = 0; i < admin_route_count; i++) {
		struct strbuf buf = STRBUF_INIT;

		strbuf_append(&buf, "Allow: ");
		for (size_t j = 0; j < admin_route_count; j++) {
			if (strcmp(admin_routes[i].pattern, admin_routes[j].pattern) != 0)
				continue;
			if (buf.len > strlen("Allow: "))
				strbuf_append(&buf, ", ");
			strbuf_append(&buf, admin_routes[j].method);
		}
		strbuf_append(&buf, "\r\n");
		admin_route_allow[i] = strbuf_steal(&buf);
	}
}

/* ---- matching ---- */

/* Split path (after the prefix) into decoded segments. Returns the count,
   or -1 for a path no route can match (bad escape, not UTF-8, too deep). */
static int admin_path_split(const char *path, char **segments, int max)
{
	int n = 0;

	while (*path == '/') {
		const char *start = path + 1;
		size_t len = strcspn(start, "/");

		if (n == max || (segments[n] = admin_url_decode_text(start, len, false)) == NULL) {
			while (n > 0)
				free(segments[--n]);
			return -1;
		}
		n++;
		path = start + len;
	}
	/* "/api/v1/domains/" has an empty last segment; it matches nothing */
	return *path == '\0' ? n : -1;
}

/* Whether route's pattern matches the segments; its {} segments are
   collected into args_r (when not NULL). */
static bool admin_route_matches(const struct admin_route *route, char *const *segments, int count,
				const char **args_r, unsigned int *arg_count_r)
{
	const char *p = route->pattern;
	unsigned int args = 0;

	for (int i = 0; i < count; i++) {
		size_t len;
		bool any;

		if (*p != '/')
			return false;
		p++;
		len = strcspn(p, "/");
		any = len == 2 && memcmp(p, "{}", 2) == 0;
		if (any ? segments[i][0] == '\0' :
		    strlen(segments[i]) != len || memcmp(p, segments[i], len) != 0)
			return false;
		if (any && args_r != NULL)
			args_r[args++] = segments[i];
		p += len;
	}
	if (arg_count_r != NULL)
		*arg_count_r = args;
	return *p == '\0';
}

/* The route for the job, or NULL with the job's answer set (404, 405). */
static const struct admin_route *admin_route_find(struct admin_api_job *job, char *const *segments,
						  int count, struct admin_call *call)
{
	ssize_t path_match = -1;

	for (size_t i = 0; i < admin_route_count; i++) {
		if (!admin_route_matches(&admin_routes[i], segments, count, NULL, NULL))
			continue;
		if (strcmp(admin_routes[i].method, job->method) == 0)
			return &admin_routes[i];
		path_match = (ssize_t)i;
	}
	if (path_match < 0) {
		admin_call_error(call, 404, "not_found", NULL, "no such API resource %s", job->path);
	} else {
		admin_call_error(call, 405, "method_not_allowed", NULL,
				 "%s is not allowed on %s", job->method, job->path);
		job->headers = admin_route_allow[path_match];
	}
	return NULL;
}

/* ---- in the thread ---- */

static void *admin_api_thread_init(void *context)
{
	struct admin_api_thread *thread = xcalloc(1, sizeof(*thread));

	thread->conninfo = xstrdup(context);
	return thread;
}

static void admin_api_thread_cleanup(void *state, void *context)
{
	struct admin_api_thread *thread = state;

	(void)context;
	admin_db_close(&thread->db);
	free(thread->conninfo);
	free(thread);
}

/* The thread's connection, (re)made when needed; NULL while PostgreSQL is
   unreachable. */
static struct admin_db *admin_api_thread_db(struct admin_api_thread *thread)
{
	const char *error;

	if (thread->db != NULL && admin_db_connected(thread->db))
		return thread->db;
	admin_db_close(&thread->db);
	if (admin_db_connect(thread->conninfo, &thread->db, &error) < 0) {
		log_warning("admin", NULL, "event=db_connect_failed error=\"%s\"", error);
		return NULL;
	}
	return thread->db;
}

/* The token of "Bearer TOKEN", or NULL. */
static const char *admin_api_bearer(const char *authorization)
{
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	authorization += 7;
	while (*authorization == ' ')
		authorization++;
	return *authorization != '\0' ? authorization : NULL;
}

/* Verify the caller's token for a route of role. Returns true with *who_r
   loaded, or false with the answer set (401, 403, 503). */
static bool admin_api_authorize(struct admin_call *call, const char *authorization,
				enum admin_role role, struct admin_identity *who_r,
				const char **headers_r)
{
	const char *token = admin_api_bearer(authorization), *error;
	int ret = 0;

	if (token != NULL)
		ret = admin_auth_verify(call->db, token, who_r, &error);
	if (ret < 0) {
		admin_call_db_error(call, error, NULL);
		return false;
	}
	if (ret == 0) {
		admin_call_error(call, 401, "unauthorized", NULL, token == NULL ?
				 "an Authorization: Bearer token is required" :
				 "the token is invalid or has expired");
		*headers_r = ADMIN_API_UNAUTHORIZED_HEADERS;
		return false;
	}
	if (role == ADMIN_ROLE_SUPER && !who_r->superadmin) {
		admin_identity_free(who_r);
		admin_call_error(call, 403, "forbidden", NULL, "this needs a superadmin");
		return false;
	}
	call->priv->bearer = token;
	return true;
}

static bool admin_api_parse_body(struct admin_api_job *job, struct admin_call *call)
{
	json_error_t error;

	if (job->body == NULL || job->body_len == 0)
		return true;
	if (job->content_type != NULL && strcasestr(job->content_type, "json") == NULL) {
		admin_call_error(call, 415, "unsupported_media_type", NULL,
				 "the API takes JSON bodies, not %s", job->content_type);
		return false;
	}
	call->body = json_loadb(job->body, job->body_len, JSON_REJECT_DUPLICATES, &error);
	if (call->body == NULL) {
		admin_call_error(call, 400, "malformed_json", NULL, "the body is not JSON: %s "
				 "(line %d, column %d)", error.text, error.line, error.column);
		return false;
	}
	return true;
}

/* Authorize, parse and run the handler of route. */
static void admin_api_dispatch(struct admin_api_job *job, const struct admin_route *route,
			       struct admin_call *call)
{
	/* a domain admin whose domains were all deleted has none: an empty
	   list, never NULL, which the admin layer reads as "no restriction" */
	static const char *const no_domains[] = { NULL };
	struct admin_identity who = { 0 };
	struct admin_principal principal;
	bool authorized = route->role == ADMIN_ROLE_PUBLIC;

	if (!authorized && !admin_api_authorize(call, job->authorization, route->role, &who,
						&job->headers))
		return;
	if (!authorized) {
		principal = (struct admin_principal){
			.id = who.id, .login = who.login, .superadmin = who.superadmin,
			.domains = who.superadmin || who.domains != NULL ?
				   (const char *const *)who.domains : no_domains,
			.domain_count = who.domain_count,
		};
		call->who = &principal;
	}
	if (admin_api_parse_body(job, call))
		route->handler(call);
	call->who = NULL;
	admin_identity_free(&who);
}

static void admin_api_request_run(void *arg, void *thread_state)
{
	struct admin_api_job *job = arg;
	struct admin_call call = { .method = job->method, .content_type = job->content_type,
				   .client_ip = job->client_ip, .priv = &job->priv };
	char *segments[ADMIN_API_MAX_SEGMENTS];
	bool prefixed = strncmp(job->path, ADMIN_API_PREFIX, strlen(ADMIN_API_PREFIX)) == 0;
	int count = !prefixed ? -1 : admin_path_split(job->path + strlen(ADMIN_API_PREFIX),
						      segments, ADMIN_API_MAX_SEGMENTS);
	const struct admin_route *route = NULL;

	/* admin_route_find() answers 404/405 itself */
	if (count < 0)
		admin_call_error(&call, 404, "not_found", NULL, "no such API resource %s", job->path);
	else
		route = admin_route_find(job, segments, count, &call);
	if (route != NULL && admin_call_query_parse(&job->priv, job->query) < 0)
		admin_call_error(&call, 400, "malformed_query", NULL, "the query string is malformed");
	else if (route != NULL && (call.db = admin_api_thread_db(thread_state)) == NULL)
		admin_call_error(&call, 503, "unavailable", NULL, "the database is unavailable");
	else if (route != NULL) {
		const char *args[ADMIN_API_MAX_SEGMENTS];

		admin_route_matches(route, segments, count, args, &call.arg_count);
		call.args = args;
		admin_api_dispatch(job, route, &call);
	}
	for (int i = 0; i < count; i++)
		free(segments[i]);
	json_decref(call.body);
	job->status = call.status == 0 ? 200 : call.status;
	job->result = call.result;
}

static void admin_api_check_run(void *arg, void *thread_state)
{
	struct admin_api_job *job = arg;
	struct admin_call call = { .priv = &job->priv };
	struct admin_identity who;
	const char *headers = NULL;

	if ((call.db = admin_api_thread_db(thread_state)) == NULL) {
		job->status = 503;
		return;
	}
	if (admin_api_authorize(&call, job->authorization, job->superadmin_only ?
				ADMIN_ROLE_SUPER : ADMIN_ROLE_DOMAIN, &who, &headers))
		admin_identity_free(&who);
	job->status = call.status == 0 ? 200 : call.status;
	json_decref(call.result);
}

/* ---- in the loop ---- */

static void admin_api_job_free(struct admin_api_job *job)
{
	free(job->method);
	free(job->path);
	free(job->query);
	free(job->authorization);
	free(job->content_type);
	if (job->body != NULL)
		explicit_bzero(job->body, job->body_len);   /* passwords */
	free(job->body);
	free(job->client_ip);
	admin_call_query_free(&job->priv);
	json_decref(job->result);
	free(job);
}

static void admin_api_job_discard(void *arg)
{
	admin_api_job_free(arg);
}

static void admin_api_request_done(void *arg)
{
	struct admin_api_job *job = arg;
	struct admin_api_response response = {
		.status = job->status,
		.headers = job->headers,
	};

	if (job->result != NULL) {
		response.body = json_dumps(job->result, JSON_COMPACT);
		response.body_len = strlen(response.body);
		response.content_type = "application/json";
	} else if (response.status == 200) {
		response.status = 204;
	}
	job->reply(job->ctx, &response);
	admin_api_job_free(job);
}

static void admin_api_check_done(void *arg)
{
	struct admin_api_job *job = arg;

	job->checked(job->ctx, job->status);
	admin_api_job_free(job);
}

static const struct job_pool_ops admin_api_request_ops = {
	.run = admin_api_request_run,
	.done = admin_api_request_done,
	.discard = admin_api_job_discard,
};

static const struct job_pool_ops admin_api_check_ops = {
	.run = admin_api_check_run,
	.done = admin_api_check_done,
	.discard = admin_api_job_discard,
};

/* Answers decided in the loop (too many pending) still reach the caller
   after admin_api_request() returned. */
static void admin_api_immediate_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct admin_api *api = w->data;
	struct admin_api_job *jobs = api->immediate;

	(void)revents;
	api->immediate = NULL;
	ev_idle_stop(loop, w);
	while (jobs != NULL) {
		struct admin_api_job *job = jobs;

		jobs = job->next;
		if (job->reply != NULL)
			admin_api_request_done(job);
		else
			admin_api_check_done(job);
	}
}

struct admin_api *admin_api_new(struct worker *worker)
{
	struct admin_api *api = xcalloc(1, sizeof(*api));

	pthread_once(&admin_route_allow_once, admin_route_allow_build);
	api->worker = worker;
	ev_idle_init(&api->immediate_idle, admin_api_immediate_cb);
	api->immediate_idle.data = api;
	return api;
}

void admin_api_free(struct admin_api **apip)
{
	struct admin_api *api = *apip;

	if (api == NULL)
		return;
	*apip = NULL;
	job_pool_free(&api->pool);
	ev_idle_stop(api->worker->loop, &api->immediate_idle);
	while (api->immediate != NULL) {
		struct admin_api_job *job = api->immediate;

		api->immediate = job->next;
		admin_api_job_free(job);
	}
	free(api);
}

static void admin_api_submit(struct admin_api *api, struct admin_api_job *job,
			     const struct job_pool_ops *ops)
{
	const struct settings_cache *settings = api->worker->settings;

	if (api->pool == NULL) {
		/* threads read admin_threads when first needed */
		static const struct job_pool_hooks hooks_template = {
			admin_api_thread_init, admin_api_thread_cleanup, NULL,
		};
		struct job_pool_hooks hooks = hooks_template;

		hooks.context = api->worker->config->db_conninfo;
		api->pool = job_pool_new(api->worker->loop,
					 (unsigned int)settings_get_number(settings, "admin_threads", 0, 0),
					 0, &hooks);
	}
	job->api = api;
	job->priv.node_id = api->worker->config->node_id;
	job->priv.access_ttl = settings_get_number(settings, "admin_access_token_ttl", 0, 0);
	job->priv.refresh_ttl = settings_get_number(settings, "admin_refresh_token_ttl", 0, 0);
	job->priv.ban_failures = settings_get_number(settings, "ban_failures", 0, 0);
	job->priv.ban_window = settings_get_number(settings, "ban_window", 0, 0);
	job->priv.ban_duration = settings_get_number(settings, "ban_duration", 0, 0);
	if (job_pool_pending(api->pool) >=
	    (unsigned long long)settings_get_number(settings, "admin_max_pending", 0, 0) ||
	    job_pool_submit(api->pool, ops, job) < 0) {
		struct admin_call call = { .priv = &job->priv };

		admin_call_error(&call, 503, "busy", NULL, "too many API requests are pending");
		job->status = 503;
		job->result = call.result;
		job->headers = "Retry-After: 1\r\n";
		job->next = api->immediate;
		api->immediate = job;
		ev_idle_start(api->worker->loop, &api->immediate_idle);
	}
}

static char *admin_api_strdup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

void admin_api_request(struct admin_api *api, const struct admin_http_request *req,
		       admin_api_reply_t *reply, void *ctx)
{
	struct admin_api_job *job = xcalloc(1, sizeof(*job));

	job->method = xstrdup(req->method);
	job->path = xstrdup(req->path);
	job->query = xstrdup(req->query != NULL ? req->query : "");
	job->authorization = admin_api_strdup(req->authorization);
	job->content_type = admin_api_strdup(req->content_type);
	if (req->body != NULL) {
		job->body = xmalloc(req->body_len + 1);
		memcpy(job->body, req->body, req->body_len);
		job->body[req->body_len] = '\0';
		job->body_len = req->body_len;
	}
	job->client_ip = xstrdup(req->client_ip != NULL ? req->client_ip : "");
	job->reply = reply;
	job->ctx = ctx;
	admin_api_submit(api, job, &admin_api_request_ops);
}

void admin_api_check_token(struct admin_api *api, const char *authorization,
			   bool superadmin_only, admin_api_token_checked_t *callback, void *ctx)
{
	struct admin_api_job *job = xcalloc(1, sizeof(*job));

	job->authorization = admin_api_strdup(authorization);
	job->superadmin_only = superadmin_only;
	job->checked = callback;
	job->ctx = ctx;
	admin_api_submit(api, job, &admin_api_check_ops);
}
