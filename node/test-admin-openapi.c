/*
 * test-admin-openapi.c — docs/openapi.json describes exactly the routes
 * the API registers: every (method, pattern) has its operation and every
 * operation its route, public routes and only they say "security": [],
 * path parameters are declared, operation ids are unique and every $ref
 * resolves. The same bytes are compiled into the node and served at
 * /api/v1/openapi.json, so this is the test the issue asks for.
 */
#include "admin-api.h"

#include "test-common.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAPI_PATH "../docs/openapi.json"

static json_t *openapi_doc;

static const char *const http_methods[] = { "get", "put", "post", "delete", "patch", "head",
					    "options", "trace", NULL };

/* "/accounts/{address}/settings" -> "/accounts/{}/settings" */
static void openapi_path_pattern(const char *path, char *pattern, size_t size)
{
	size_t len = 0;

	for (const char *p = path; *p != '\0' && len + 3 < size; p++) {
		if (*p == '{') {
			const char *close = strchr(p, '}');

			if (close == NULL)
				break;
			pattern[len++] = '{';
			pattern[len++] = '}';
			p = close;
		} else {
			pattern[len++] = *p;
		}
	}
	pattern[len] = '\0';
}

/* The operation of the document for a route, or NULL. */
static json_t *openapi_operation(const char *method, const char *pattern, const char **path_r)
{
	const char *path;
	json_t *item;
	char lower[16], doc_pattern[512];
	size_t i;

	for (i = 0; method[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)method[i]);
	lower[i] = '\0';
	json_object_foreach(json_object_get(openapi_doc, "paths"), path, item) {
		openapi_path_pattern(path, doc_pattern, sizeof(doc_pattern));
		if (strcmp(doc_pattern, pattern) == 0) {
			*path_r = path;
			return json_object_get(item, lower);
		}
	}
	return NULL;
}

static void test_document_loads(void)
{
	json_error_t error;

	openapi_doc = json_load_file(OPENAPI_PATH, 0, &error);
	if (openapi_doc == NULL) {
		fprintf(stderr, "%s:%d: %s\n", OPENAPI_PATH, error.line, error.text);
		test_failed_checks++;
		openapi_doc = json_object();
		return;
	}
	test_assert_str(json_string_value(json_object_get(openapi_doc, "openapi")), "3.0.3");
	test_assert(json_is_object(json_object_get(openapi_doc, "paths")));
	test_assert(json_is_array(json_object_get(openapi_doc, "security")));
}

static void test_every_route_documented(void)
{
	size_t count;
	const struct admin_route *routes = admin_routes_get(&count);

	test_assert(count > 0);
	for (size_t i = 0; i < count; i++) {
		const char *path = NULL;
		json_t *op = openapi_operation(routes[i].method, routes[i].pattern, &path);
		json_t *security;

		if (op == NULL) {
			fprintf(stderr, "route %s %s has no operation in %s\n", routes[i].method,
				routes[i].pattern, OPENAPI_PATH);
			test_failed_checks++;
			continue;
		}
		security = json_object_get(op, "security");
		if (routes[i].role == ADMIN_ROLE_PUBLIC && !(json_is_array(security) &&
							      json_array_size(security) == 0)) {
			fprintf(stderr, "public route %s %s lacks \"security\": []\n",
				routes[i].method, path);
			test_failed_checks++;
		} else if (routes[i].role != ADMIN_ROLE_PUBLIC && security != NULL) {
			fprintf(stderr, "route %s %s needs a token but its operation overrides security\n",
				routes[i].method, path);
			test_failed_checks++;
		}
	}
}

static bool openapi_route_exists(const char *method, const char *pattern)
{
	size_t count;
	const struct admin_route *routes = admin_routes_get(&count);

	for (size_t i = 0; i < count; i++) {
		if (strcasecmp(routes[i].method, method) == 0 &&
		    strcmp(routes[i].pattern, pattern) == 0)
			return true;
	}
	return false;
}

/* Whether the path parameter name is declared in params (an array). */
static bool openapi_param_declared(json_t *params, const char *name)
{
	size_t i;
	json_t *param;

	json_array_foreach(params, i, param) {
		if (json_object_get(param, "$ref") != NULL) {
			/* components.parameters.X */
			const char *ref = json_string_value(json_object_get(param, "$ref"));
			const char *last = ref != NULL ? strrchr(ref, '/') : NULL;

			param = last == NULL ? NULL : json_object_get(json_object_get(
				json_object_get(openapi_doc, "components"), "parameters"), last + 1);
		}
		if (param != NULL &&
		    strcmp(json_string_value(json_object_get(param, "in")) ?: "", "path") == 0 &&
		    strcmp(json_string_value(json_object_get(param, "name")) ?: "", name) == 0)
			return true;
	}
	return false;
}

static void openapi_check_path_params(const char *path, json_t *item, json_t *op,
				      const char *method)
{
	for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *close = strchr(p, '}');
		char name[128];

		if (close == NULL || (size_t)(close - p) >= sizeof(name))
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(close - p - 1), p + 1);
		if (!openapi_param_declared(json_object_get(op, "parameters"), name) &&
		    !openapi_param_declared(json_object_get(item, "parameters"), name)) {
			fprintf(stderr, "%s %s does not declare path parameter %s\n", method, path, name);
			test_failed_checks++;
		}
	}
}

static void test_every_operation_routed(void)
{
	const char *path, *method;
	json_t *item, *op, *ids = json_object();
	char pattern[512];

	json_object_foreach(json_object_get(openapi_doc, "paths"), path, item) {
		openapi_path_pattern(path, pattern, sizeof(pattern));
		json_object_foreach(item, method, op) {
			const char *id = json_string_value(json_object_get(op, "operationId"));
			bool is_method = false;

			for (size_t i = 0; http_methods[i] != NULL; i++)
				is_method = is_method || strcmp(http_methods[i], method) == 0;
			if (!is_method)
				continue;   /* "parameters", "summary" of the path item */
			if (!openapi_route_exists(method, pattern)) {
				fprintf(stderr, "%s %s is documented but no route serves it\n", method, path);
				test_failed_checks++;
			}
			if (id == NULL || json_object_get(ids, id) != NULL) {
				fprintf(stderr, "%s %s: operationId missing or not unique\n", method, path);
				test_failed_checks++;
			} else {
				json_object_set_new(ids, id, json_true());
			}
			test_assert(json_is_object(json_object_get(op, "responses")));
			openapi_check_path_params(path, item, op, method);
		}
	}
	json_decref(ids);
}

/* Every "$ref": "#/a/b/c" in value names something in the document. */
static void openapi_check_refs(json_t *value)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_array(value)) {
		json_array_foreach(value, i, child)
			openapi_check_refs(child);
		return;
	}
	json_object_foreach(value, key, child) {
		if (strcmp(key, "$ref") == 0 && json_is_string(child)) {
			const char *ref = json_string_value(child);
			json_t *target = openapi_doc;
			char *copy, *save = NULL;

			test_assert(strncmp(ref, "#/", 2) == 0);
			copy = strdup(ref + 2);
			for (char *part = strtok_r(copy, "/", &save); part != NULL && target != NULL;
			     part = strtok_r(NULL, "/", &save))
				target = json_object_get(target, part);
			if (target == NULL) {
				fprintf(stderr, "unresolved $ref %s\n", ref);
				test_failed_checks++;
			}
			free(copy);
		} else {
			openapi_check_refs(child);
		}
	}
}

static void test_refs_resolve(void)
{
	openapi_check_refs(openapi_doc);
}

int main(void)
{
	test_run("document_loads", test_document_loads);
	test_run("every_route_documented", test_every_route_documented);
	test_run("every_operation_routed", test_every_operation_routed);
	test_run("refs_resolve", test_refs_resolve);
	json_decref(openapi_doc);
	return test_end();
}
