/*
 * json-patch.h — updating JSON documents (jansson) by RFC 7396 merge
 * patch and by RFC 6902 JSON Patch, with RFC 6901 JSON Pointers. Pure:
 * the input documents are never modified.
 */
#ifndef JSON_PATCH_H
#define JSON_PATCH_H

#include <jansson.h>

/* target with patch merged in: members of an object patch replace (null
   removes) recursively, any other patch replaces the whole target. The
   caller decrefs the result. */
json_t *json_merge_patch(const json_t *target, const json_t *patch);

enum json_patch_result {
	JSON_PATCH_OK = 0,
	JSON_PATCH_MALFORMED = -1,     /* not an array of valid operations */
	JSON_PATCH_FAILED = -2,        /* a path does not exist, an index is out of range */
	JSON_PATCH_TEST_FAILED = -3,   /* a "test" operation did not match */
};

/* Apply the operations of patch (an array) to a copy of doc, all or
   nothing. Returns JSON_PATCH_OK with *result_r (the caller decrefs), or
   another result with *error_r a static sentence. */
int json_patch_apply(const json_t *doc, const json_t *patch, json_t **result_r,
		     const char **error_r);

/* Resolve an RFC 6901 pointer ("" is the whole document; "~0" is "~",
   "~1" is "/"). Returns the value (borrowed) or NULL. */
json_t *json_pointer_get(json_t *doc, const char *pointer);

#endif
