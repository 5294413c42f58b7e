/*
 * admin-api-openapi.c — GET /api/v1/openapi.json: the OpenAPI 3 document
 * of this API (docs/openapi.json, compiled into the binary by
 * cmake/embed-file.cmake). node/test-admin-openapi.c keeps the document
 * and the registered routes in step: a route without its operation, or an
 * operation without a route, fails the build's tests.
 */
#include "admin-api.h"

#include <stddef.h>

extern const char admin_openapi_json[];
extern const size_t admin_openapi_json_len;

static void admin_api_openapi_get(struct admin_call *call)
{
	json_error_t error;
	/* parsed per request: the document is small and rarely fetched, and
	   a shared json_t would need reference counts safe across threads */
	json_t *doc = json_loadb(admin_openapi_json, admin_openapi_json_len, 0, &error);

	if (doc == NULL)
		admin_call_error(call, 500, "internal", NULL, "the built-in OpenAPI document is invalid: %s",
				 error.text);
	else
		admin_call_answer(call, doc);
}

ADMIN_ROUTES(admin_api_openapi_routes,
	{ "GET", "/openapi.json", ADMIN_ROLE_PUBLIC, admin_api_openapi_get },
)
