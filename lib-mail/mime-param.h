/*
 * mime-param.h — Content-Type and Content-Disposition values (RFC 2045
 * 5.1, RFC 2183): the leading type (and subtype) plus the parameter list,
 * with RFC 2231 continuations ("name*0", "name*1*") joined.
 *
 * Joined continuations come out as "name" (all segments plain) or "name*"
 * with the charset'language'%XX value (RFC 2231 4), plain segments being
 * percent-encoded to match. A single "name*" parameter is kept as it is.
 * Values are unquoted; names keep their case.
 */
#ifndef MIME_PARAM_H
#define MIME_PARAM_H

#include <stdbool.h>
#include <stddef.h>

/* Parameters kept per header; more are ignored. */
#define MIME_PARAMS_MAX 128

struct mime_param {
	char *name;
	char *value;
};

struct mime_params {
	struct mime_param *params;
	size_t count;
};

/* "type/subtype *(; param)". Returns false (nothing allocated) when the
   type or subtype is missing, i.e. the header is unusable. */
bool mime_content_type_parse(const void *value, size_t len, char **type_r,
			     char **subtype_r, struct mime_params *params_r);
/* "disposition-type *(; param)". Returns false when the type is missing. */
bool mime_disposition_parse(const void *value, size_t len, char **type_r,
			    struct mime_params *params_r);
/* Value of the first parameter called name (case-insensitive), or NULL. */
const char *mime_params_get(const struct mime_params *params, const char *name);
void mime_params_free(struct mime_params *params);

#endif
