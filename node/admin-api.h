/*
 * admin-api.h — the JSON API under /api/v1 of the admin listener.
 *
 * The HTTP layer (node/admin-server.c) hands each /api/v1 request to
 * admin_api_request(); the answer comes back later through a callback.
 * In between, the request runs in one of the worker's admin threads
 * (lib/job-pool.c): the API's operations are the synchronous admin
 * layer petrelctl uses (storage-pg/admin-*.h), and each thread holds its
 * own PostgreSQL connection, so the worker's loop never waits for them and
 * the CLI and the web admin share one set of SQL and validation.
 *
 * Resource modules (admin-api-accounts.c, admin-api-queue.c, ...) declare
 * their routes with ADMIN_ROUTES(). A handler runs in an admin thread with
 * the caller already authenticated (Authorization: Bearer) and its role
 * checked against the route's; it fills call->result (and call->status
 * when not 200) or answers with admin_call_error().
 *
 * Errors are {"error": {"code": ..., "message": ..., "field": ...}} with
 * 400 (malformed request or JSON), 401 (no or bad token), 403 (role or
 * domain not allowed), 404, 409 (exists, still in use), 413, 422 (a value
 * failed validation), 503 (database unavailable, too many pending), 500
 * (a fault of the server itself).
 */
#ifndef ADMIN_API_H
#define ADMIN_API_H

#include "admin-paging.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct worker;
struct admin_db;
struct admin_api;

/* ---- the HTTP layer's side ---- */

struct admin_http_request {
	const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE", ... */
	const char *path;            /* as received ("/api/v1/accounts/a%40b.test"), not decoded */
	const char *query;           /* after '?', not decoded; "" when none */
	const char *authorization;   /* the header's value, NULL when absent */
	const char *content_type;    /* NULL when absent */
	const char *body;            /* NULL when none; at most http_max_body_size */
	size_t body_len;
	const char *client_ip;
};

struct admin_api_response {
	int status;
	const char *content_type;    /* static string, e.g. "application/json" */
	char *body;                  /* malloc'd; the receiver frees it */
	size_t body_len;
	const char *headers;         /* extra "Name: value\r\n" lines (static) or NULL */
};

/* Called in the loop, exactly once per request, never from inside
   admin_api_request(). */
typedef void admin_api_reply_t(void *ctx, struct admin_api_response *response);

/* The worker's API: its admin threads start on first use (setting
   admin_threads, read then). */
struct admin_api *admin_api_new(struct worker *worker);
/* Waits for the threads' running requests; queued ones are dropped
   without their callbacks. */
void admin_api_free(struct admin_api **api);

/* Everything in req is copied. */
void admin_api_request(struct admin_api *api, const struct admin_http_request *req,
		       admin_api_reply_t *reply, void *ctx);

/* For other admin-listener resources that accept a token (/metrics from
   untrusted networks): status 200 when authorization is a valid access
   token (of a superadmin when superadmin_only), else 401 or 403. */
typedef void admin_api_token_checked_t(void *ctx, int status);
void admin_api_check_token(struct admin_api *api, const char *authorization,
			   bool superadmin_only, admin_api_token_checked_t *callback, void *ctx);

/* ---- the handlers' side (runs in an admin thread) ---- */

enum admin_role {
	ADMIN_ROLE_PUBLIC,           /* no token needed (auth, setup, openapi.json) */
	ADMIN_ROLE_DOMAIN,           /* any admin; a handler checks the domain */
	ADMIN_ROLE_SUPER,            /* superadmins only */
};

struct admin_principal {
	int64_t id;
	const char *login;
	bool superadmin;
	const char *const *domains;  /* a domain admin's domains (lower case) */
	unsigned int domain_count;
};

struct admin_call {
	struct admin_db *db;                 /* this thread's connection */
	const struct admin_principal *who;   /* NULL on public routes */
	const char *method;
	const char *const *args;             /* the route's {} segments, percent-decoded */
	unsigned int arg_count;
	json_t *body;                        /* the parsed JSON body, NULL when none */
	const char *content_type;            /* of the body, NULL when none */
	const char *client_ip;
	/* the answer */
	int status;                          /* 200 unless set */
	json_t *result;                      /* stolen by the caller; NULL = no body (204) */
	struct admin_call_private *priv;     /* the core's: query parameters, ... */
};

typedef void admin_handler_t(struct admin_call *call);

struct admin_route {
	const char *method;
	const char *pattern;         /* under /api/v1, "{}" matches one segment: "/accounts/{}" */
	enum admin_role role;
	admin_handler_t *handler;
};

void admin_routes_register(const struct admin_route *routes, size_t count);
/* Routes in registration order (the OpenAPI sync test lists them). */
const struct admin_route *admin_routes_get(size_t *count_r);

/* Declare a module's routes; they are registered before main() runs. */
#define ADMIN_ROUTES(name, ...)                                                  \
	static const struct admin_route name[] = { __VA_ARGS__ };                \
	__attribute__((constructor)) static void name##_register(void)           \
	{                                                                        \
		admin_routes_register(name, sizeof(name) / sizeof(name[0]));     \
	}

/* Answer {"error": {...}}; field may be NULL. */
void admin_call_error(struct admin_call *call, int status, const char *code, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The admin layer's last error as the answer: 422 invalid, 404 not found,
   409 conflict, 503 database (admin_db_error_kind()). */
void admin_call_db_error(struct admin_call *call, const char *error, const char *field);

/* Answer with doc, or keep the error answer already set when doc is NULL
   (a loader that failed has answered with admin_call_error()). */
void admin_call_answer(struct admin_call *call, json_t *doc);

/* Whether the caller may act on domain (a superadmin always may). When
   not, the answer is set to 403 and false returned. */
bool admin_call_domain_allowed(struct admin_call *call, const char *domain);
/* The same for an address's domain ("user@domain" or "@domain"). */
bool admin_call_address_allowed(struct admin_call *call, const char *address);

/* The domains a list covers: *domain_r from ?domain= (NULL when absent;
   403 when the caller may not see it), and for a domain admin its own
   domains (*domains_r NULL for a superadmin: no restriction). Returns
   false with the answer set. */
bool admin_call_domain_scope(struct admin_call *call, const char **domain_r,
			     const char *const **domains_r, unsigned int *domain_count_r);

/* A query parameter, percent-decoded; NULL when absent. */
const char *admin_call_query(const struct admin_call *call, const char *name);

/* Paging, search and sort of a list: ?page=1&per_page=50&q=text&sort=name
   (or -name for descending). per_page is 1..1000 (default 50); sort must
   be one of sort_fields (NULL-terminated; the first is the default). On
   bad input the answer is set to 422 and false returned. */
struct admin_page {
	unsigned int page;               /* 1-based */
	unsigned int per_page;
	/* for the admin layer's list query: search = q (NULL when absent),
	   sort = one of sort_fields, offset = (page - 1) * per_page,
	   limit = per_page */
	struct admin_paging paging;
};
bool admin_call_page(struct admin_call *call, const char *const *sort_fields,
		     struct admin_page *page_r);
/* The answer of a list: {"items": items, "total": total, "page": ...,
   "per_page": ...}; items is stolen. */
void admin_call_list(struct admin_call *call, const struct admin_page *page, json_t *items,
		     long long total);

/* The body of an update applied to current (the resource as GET shows
   it): PATCH with application/merge-patch+json (RFC 7396) or
   application/json (merge too), or application/json-patch+json (RFC
   6902); PUT replaces. Returns the new document (the caller decrefs), or
   NULL with the answer set (400 malformed patch, 409 failed "test",
   415 other content types). */
json_t *admin_call_patched(struct admin_call *call, const json_t *current);

/* Whether the body is a JSON object; when not (absent, an array, a
   string) the answer is set to 400 malformed_request. */
bool admin_call_body_object(struct admin_call *call);

/* Typed members of the body, for create/update handlers: the value of
   key, or NULL when absent; when present with the wrong type the answer
   is set to 422 naming the field and *bad_r set (left alone otherwise). */
const char *admin_json_string(struct admin_call *call, const json_t *object, const char *key,
			      bool *bad_r);
bool admin_json_integer(struct admin_call *call, const json_t *object, const char *key,
			long long *value_r, bool *bad_r);
bool admin_json_boolean(struct admin_call *call, const json_t *object, const char *key,
			bool *value_r, bool *bad_r);

#endif
