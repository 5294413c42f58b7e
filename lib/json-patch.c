/*
 * json-patch.c — RFC 7396 merge patch and RFC 6902 JSON Patch on jansson
 * values (see json-patch.h). Operations work on a deep copy, so a patch
 * that fails half-way leaves nothing changed.
 */
#include "json-patch.h"

#include <stdlib.h>
#include <string.h>

json_t *json_merge_patch(const json_t *target, const json_t *patch)
{
	json_t *result;
	const char *key;
	json_t *value;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	result = json_is_object(target) ? json_deep_copy(target) : json_object();
	json_object_foreach((json_t *)patch, key, value) {
		if (json_is_null(value)) {
			json_object_del(result, key);
		} else {
			json_t *merged = json_merge_patch(json_object_get(result, key), value);

			json_object_set_new(result, key, merged);
		}
	}
	return result;
}

/* Decode one reference token (pointer[0..len)) into a new string; NULL
   when "~" is followed by anything but 0 or 1. */
static char *json_pointer_token(const char *pointer, size_t len)
{
	char *token = malloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; token != NULL && i < len; i++) {
		if (pointer[i] != '~') {
			token[n++] = pointer[i];
		} else if (i + 1 < len && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
			token[n++] = pointer[++i] == '0' ? '~' : '/';
		} else {
			free(token);
			return NULL;
		}
	}
	if (token != NULL)
		token[n] = '\0';
	return token;
}

/* An array index token: digits without a leading zero; -1 otherwise. */
static long json_pointer_index(const char *token)
{
	char *end;
	long index;

	if (token[0] < '0' || token[0] > '9' || (token[0] == '0' && token[1] != '\0'))
		return -1;
	index = strtol(token, &end, 10);
	return *end == '\0' ? index : -1;
}

/* Walk to the container holding pointer's last token. Returns the
   container (borrowed) with *token_r the decoded last token (the caller
   frees it), or NULL. */
static json_t *json_pointer_parent(json_t *doc, const char *pointer, char **token_r)
{
	*token_r = NULL;
	if (pointer[0] != '/')
		return NULL;
	for (;;) {
		const char *start = pointer + 1;
		size_t len = strcspn(start, "/");
		char *token = json_pointer_token(start, len);

		if (token == NULL)
			return NULL;
		if (start[len] == '\0') {
			*token_r = token;
			return doc;
		}
		if (json_is_object(doc)) {
			doc = json_object_get(doc, token);
		} else if (json_is_array(doc)) {
			long index = json_pointer_index(token);

			doc = index < 0 ? NULL : json_array_get(doc, (size_t)index);
		} else {
			doc = NULL;
		}
		free(token);
		if (doc == NULL)
			return NULL;
		pointer = start + len;
	}
}

json_t *json_pointer_get(json_t *doc, const char *pointer)
{
	char *token;
	json_t *parent, *value = NULL;

	if (pointer[0] == '\0')
		return doc;
	parent = json_pointer_parent(doc, pointer, &token);
	if (parent == NULL)
		return NULL;
	if (json_is_object(parent)) {
		value = json_object_get(parent, token);
	} else if (json_is_array(parent)) {
		long index = json_pointer_index(token);

		value = index < 0 ? NULL : json_array_get(parent, (size_t)index);
	}
	free(token);
	return value;
}

/* Add value (stolen) at pointer, replacing the whole document for "". */
static int json_patch_add(json_t **doc, const char *pointer, json_t *value)
{
	char *token;
	json_t *parent;
	int ret = -1;

	if (pointer[0] == '\0') {
		json_decref(*doc);
		*doc = value;
		return 0;
	}
	parent = json_pointer_parent(*doc, pointer, &token);
	if (json_is_object(parent)) {
		ret = json_object_set_new(parent, token, value);
		value = NULL;
	} else if (json_is_array(parent)) {
		long index = strcmp(token, "-") == 0 ? (long)json_array_size(parent) :
			json_pointer_index(token);

		if (index >= 0 && (size_t)index <= json_array_size(parent)) {
			ret = json_array_insert_new(parent, (size_t)index, value);
			value = NULL;
		}
	}
	json_decref(value);
	free(token);
	return ret;
}

/* Remove the value at pointer; when taken_r, hand it over instead. */
static int json_patch_remove(json_t *doc, const char *pointer, json_t **taken_r)
{
	char *token;
	json_t *parent = pointer[0] == '\0' ? NULL : json_pointer_parent(doc, pointer, &token);
	json_t *value = NULL;
	long index = -1;

	if (parent == NULL)
		return -1;
	if (json_is_object(parent)) {
		value = json_object_get(parent, token);
	} else if (json_is_array(parent)) {
		index = json_pointer_index(token);
		value = index < 0 ? NULL : json_array_get(parent, (size_t)index);
	}
	if (value != NULL && taken_r != NULL)
		*taken_r = json_incref(value);
	if (value != NULL && index >= 0)
		json_array_remove(parent, (size_t)index);
	else if (value != NULL)
		json_object_del(parent, token);
	free(token);
	return value != NULL ? 0 : -1;
}

/* Apply one operation to *doc. */
static int json_patch_op(json_t **doc, const json_t *op, const char **error_r)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	json_t *moved = NULL;

	*error_r = "a patch operation needs \"op\" and \"path\" strings";
	if (name == NULL || path == NULL)
		return JSON_PATCH_MALFORMED;
	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0 ||
	    strcmp(name, "test") == 0) {
		*error_r = "add, replace and test need a \"value\"";
		if (value == NULL)
			return JSON_PATCH_MALFORMED;
		if (strcmp(name, "test") == 0) {
			json_t *current = json_pointer_get(*doc, path);

			*error_r = "a \"test\" operation failed";
			return current != NULL && json_equal(current, value) ?
				JSON_PATCH_OK : JSON_PATCH_TEST_FAILED;
		}
		*error_r = "a patch path does not exist";
		if (strcmp(name, "replace") == 0 && path[0] != '\0' &&
		    json_patch_remove(*doc, path, NULL) < 0)
			return JSON_PATCH_FAILED;
		return json_patch_add(doc, path, json_deep_copy(value)) < 0 ?
			JSON_PATCH_FAILED : JSON_PATCH_OK;
	}
	if (strcmp(name, "remove") == 0) {
		*error_r = "a patch path does not exist";
		return json_patch_remove(*doc, path, NULL) < 0 ? JSON_PATCH_FAILED : JSON_PATCH_OK;
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		*error_r = "move and copy need a \"from\" string";
		if (from == NULL)
			return JSON_PATCH_MALFORMED;
		*error_r = "a value cannot move into itself";
		if (strcmp(name, "move") == 0 && strncmp(path, from, strlen(from)) == 0 &&
		    path[strlen(from)] == '/')
			return JSON_PATCH_FAILED;
		*error_r = "a patch \"from\" path does not exist";
		if (strcmp(name, "copy") == 0)
			moved = json_pointer_get(*doc, from) != NULL ?
				json_deep_copy(json_pointer_get(*doc, from)) : NULL;
		else if (from[0] == '\0' || json_patch_remove(*doc, from, &moved) < 0)
			moved = NULL;
		if (moved == NULL)
			return JSON_PATCH_FAILED;
		*error_r = "a patch path does not exist";
		return json_patch_add(doc, path, moved) < 0 ? JSON_PATCH_FAILED : JSON_PATCH_OK;
	}
	*error_r = "unknown patch operation";
	return JSON_PATCH_MALFORMED;
}

int json_patch_apply(const json_t *doc, const json_t *patch, json_t **result_r,
		     const char **error_r)
{
	json_t *copy;
	size_t i;
	json_t *op;

	*result_r = NULL;
	if (!json_is_array(patch)) {
		*error_r = "a JSON Patch is an array of operations";
		return JSON_PATCH_MALFORMED;
	}
	copy = json_deep_copy(doc);
	json_array_foreach(patch, i, op) {
		int ret;

		if (!json_is_object(op)) {
			*error_r = "a patch operation is an object";
			ret = JSON_PATCH_MALFORMED;
		} else {
			ret = json_patch_op(&copy, op, error_r);
		}
		if (ret != JSON_PATCH_OK) {
			json_decref(copy);
			return ret;
		}
	}
	*result_r = copy;
	return JSON_PATCH_OK;
}
