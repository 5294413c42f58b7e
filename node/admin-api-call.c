/*
 * admin-api-call.c — the helpers API handlers answer with (admin-api.h):
 * error documents, the admin layer's errors as statuses, domain checks
 * for domain admins, query parameters, paging and updates by patch.
 * Everything here runs in an admin thread and touches only the call.
 */
#include "admin-api-private.h"

#include "admin-db.h"
#include "http-url.h"
#include "json-patch.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ADMIN_PAGE_DEFAULT 50
#define ADMIN_PAGE_MAX 1000

void admin_call_error(struct admin_call *call, int status, const char *code, const char *field,
		      const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	json_t *error;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* JSON holds UTF-8 only: a message quoting bad input, or cut inside
	   a character, keeps its ASCII */
	if (!utf8_is_valid((const unsigned char *)message, strlen(message))) {
		for (char *p = message; *p != '\0'; p++)
			*p = (unsigned char)*p >= 0x80 ? '?' : *p;
	}
	error = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (field != NULL)
		json_object_set_new(error, "field", json_string(field));
	json_decref(call->result);
	call->result = json_pack("{s:o}", "error", error);
	call->status = status;
}

void admin_call_db_error(struct admin_call *call, const char *error, const char *field)
{
	switch (admin_db_error_kind(call->db)) {
	case ADMIN_ERROR_NOT_FOUND:
		admin_call_error(call, 404, "not_found", field, "%s", error);
		break;
	case ADMIN_ERROR_CONFLICT:
		admin_call_error(call, 409, "conflict", field, "%s", error);
		break;
	case ADMIN_ERROR_DATABASE:
		admin_call_error(call, 503, "unavailable", NULL, "%s", error);
		break;
	case ADMIN_ERROR_INVALID:
	default:
		admin_call_error(call, 422, "invalid", field, "%s", error);
		break;
	}
}

void admin_call_answer(struct admin_call *call, json_t *doc)
{
	if (doc != NULL) {
		json_decref(call->result);
		call->result = doc;
	}
}

bool admin_call_domain_allowed(struct admin_call *call, const char *domain)
{
	if (call->who == NULL || call->who->superadmin)
		return true;
	for (unsigned int i = 0; domain != NULL && i < call->who->domain_count; i++) {
		if (strcasecmp(call->who->domains[i], domain) == 0)
			return true;
	}
	admin_call_error(call, 403, "forbidden", NULL, "domain %s is not yours to manage",
			 domain != NULL ? domain : "(none)");
	return false;
}

bool admin_call_domain_scope(struct admin_call *call, const char **domain_r,
			     const char *const **domains_r, unsigned int *domain_count_r)
{
	*domain_r = admin_call_query(call, "domain");
	if (*domain_r != NULL && !admin_call_domain_allowed(call, *domain_r))
		return false;
	*domains_r = call->who->superadmin ? NULL : call->who->domains;
	*domain_count_r = call->who->superadmin ? 0 : call->who->domain_count;
	return true;
}

bool admin_call_address_allowed(struct admin_call *call, const char *address)
{
	const char *at = address != NULL ? strrchr(address, '@') : NULL;

	return admin_call_domain_allowed(call, at != NULL ? at + 1 : NULL);
}

/* ---- query strings ---- */

char *admin_url_decode_text(const char *s, size_t len, bool plus_space)
{
	char *text = http_url_decode(s, len, plus_space);

	if (text != NULL && !utf8_is_valid((const unsigned char *)text, strlen(text))) {
		free(text);
		return NULL;
	}
	return text;
}

int admin_call_query_parse(struct admin_call_private *priv, const char *query)
{
	while (query != NULL && *query != '\0') {
		size_t len = strcspn(query, "&"), name_len = strcspn(query, "=");
		char *name, *value;

		if (name_len > len)
			name_len = len;
		if (len > 0) {
			name = admin_url_decode_text(query, name_len, true);
			value = admin_url_decode_text(query + name_len + (name_len < len),
						      len - name_len - (name_len < len), true);
			if (name == NULL || value == NULL) {
				free(name);
				free(value);
				return -1;
			}
			priv->query_names = xrealloc(priv->query_names,
						     (priv->query_count + 1) * sizeof(char *));
			priv->query_values = xrealloc(priv->query_values,
						      (priv->query_count + 1) * sizeof(char *));
			priv->query_names[priv->query_count] = name;
			priv->query_values[priv->query_count++] = value;
		}
		query += len + (query[len] == '&');
	}
	return 0;
}

void admin_call_query_free(struct admin_call_private *priv)
{
	for (unsigned int i = 0; i < priv->query_count; i++) {
		free(priv->query_names[i]);
		free(priv->query_values[i]);
	}
	free(priv->query_names);
	free(priv->query_values);
	priv->query_names = priv->query_values = NULL;
	priv->query_count = 0;
}

const char *admin_call_query(const struct admin_call *call, const char *name)
{
	for (unsigned int i = 0; i < call->priv->query_count; i++) {
		if (strcmp(call->priv->query_names[i], name) == 0)
			return call->priv->query_values[i];
	}
	return NULL;
}

/* ---- lists ---- */

/* A positive integer query parameter in [1, max]; def when absent. */
static bool admin_call_query_uint(struct admin_call *call, const char *name, unsigned int def,
				  unsigned int max, unsigned int *value_r)
{
	const char *text = admin_call_query(call, name);
	char *end;
	unsigned long value;

	*value_r = def;
	if (text == NULL)
		return true;
	value = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || value < 1 || value > max) {
		admin_call_error(call, 422, "invalid", name, "%s must be a whole number from 1 to %u",
				 name, max);
		return false;
	}
	*value_r = (unsigned int)value;
	return true;
}

bool admin_call_page(struct admin_call *call, const char *const *sort_fields,
		     struct admin_page *page_r)
{
	const char *sort = admin_call_query(call, "sort"), *q = admin_call_query(call, "q");

	memset(page_r, 0, sizeof(*page_r));
	if (!admin_call_query_uint(call, "page", 1, 1000000, &page_r->page) ||
	    !admin_call_query_uint(call, "per_page", ADMIN_PAGE_DEFAULT, ADMIN_PAGE_MAX,
				   &page_r->per_page))
		return false;
	page_r->paging.offset = (long long)(page_r->page - 1) * page_r->per_page;
	page_r->paging.limit = page_r->per_page;
	page_r->paging.search = q != NULL && q[0] != '\0' ? q : NULL;
	page_r->paging.sort = sort_fields[0];
	if (sort == NULL || sort[0] == '\0')
		return true;
	page_r->paging.descending = sort[0] == '-';
	sort += page_r->paging.descending;
	for (unsigned int i = 0; sort_fields[i] != NULL; i++) {
		if (strcmp(sort_fields[i], sort) == 0) {
			page_r->paging.sort = sort_fields[i];
			return true;
		}
	}
	admin_call_error(call, 422, "invalid", "sort", "cannot sort by %s", sort);
	return false;
}

void admin_call_list(struct admin_call *call, const struct admin_page *page, json_t *items,
		     long long total)
{
	json_decref(call->result);
	call->result = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
				 "page", (json_int_t)page->page, "per_page",
				 (json_int_t)page->per_page);
}

/* ---- updates ---- */

static bool admin_content_type_is(const char *content_type, const char *type)
{
	size_t len = strlen(type);

	return content_type != NULL && strncasecmp(content_type, type, len) == 0 &&
		(content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ');
}

json_t *admin_call_patched(struct admin_call *call, const json_t *current)
{
	const char *error;
	json_t *result;
	int ret;

	if (call->body == NULL) {
		admin_call_error(call, 400, "malformed_request", NULL, "the request has no body");
		return NULL;
	}
	if (strcmp(call->method, "PUT") == 0)
		return json_incref(call->body);
	if (call->content_type == NULL ||
	    admin_content_type_is(call->content_type, "application/json") ||
	    admin_content_type_is(call->content_type, "application/merge-patch+json"))
		return json_merge_patch(current, call->body);
	if (!admin_content_type_is(call->content_type, "application/json-patch+json")) {
		admin_call_error(call, 415, "unsupported_media_type", NULL,
				 "updates take application/merge-patch+json, application/json "
				 "or application/json-patch+json");
		return NULL;
	}
	ret = json_patch_apply(current, call->body, &result, &error);
	if (ret == JSON_PATCH_TEST_FAILED)
		admin_call_error(call, 409, "test_failed", NULL, "%s", error);
	else if (ret != JSON_PATCH_OK)
		admin_call_error(call, 400, "malformed_patch", NULL, "%s", error);
	return ret == JSON_PATCH_OK ? result : NULL;
}

/* ---- typed members ---- */

static const json_t *admin_json_member(struct admin_call *call, const json_t *object,
				       const char *key, json_type type, const char *what,
				       bool *bad_r)
{
	const json_t *value = json_is_object(object) ? json_object_get(object, key) : NULL;

	if (value == NULL || (json_is_null(value) && type != JSON_NULL))
		return NULL;
	if (json_typeof(value) != type &&
	    !(type == JSON_TRUE && json_is_boolean(value))) {
		admin_call_error(call, 422, "invalid", key, "%s must be %s", key, what);
		*bad_r = true;
		return NULL;
	}
	return value;
}

bool admin_call_body_object(struct admin_call *call)
{
	if (json_is_object(call->body))
		return true;
	admin_call_error(call, 400, "malformed_request", NULL, "the body must be a JSON object");
	return false;
}

const char *admin_json_string(struct admin_call *call, const json_t *object, const char *key,
			      bool *bad_r)
{
	const json_t *value = admin_json_member(call, object, key, JSON_STRING, "a string", bad_r);

	return value != NULL ? json_string_value(value) : NULL;
}

bool admin_json_integer(struct admin_call *call, const json_t *object, const char *key,
			long long *value_r, bool *bad_r)
{
	const json_t *value = admin_json_member(call, object, key, JSON_INTEGER, "an integer",
						bad_r);

	if (value == NULL)
		return false;
	*value_r = json_integer_value(value);
	return true;
}

bool admin_json_boolean(struct admin_call *call, const json_t *object, const char *key,
			bool *value_r, bool *bad_r)
{
	const json_t *value = admin_json_member(call, object, key, JSON_TRUE, "true or false",
						bad_r);

	if (value == NULL)
		return false;
	*value_r = json_is_true(value);
	return true;
}
