/*
 * admin-api-private.h — what the API core (admin-api.c, admin-api-call.c)
 * and the auth routes (admin-api-auth.c) share beyond admin-api.h: the
 * request's parsed query and the settings snapshot taken in the loop
 * (the settings cache is the loop's; threads never read it).
 */
#ifndef ADMIN_API_PRIVATE_H
#define ADMIN_API_PRIVATE_H

#include "admin-api.h"

struct admin_call_private {
	char **query_names, **query_values;   /* percent-decoded */
	unsigned int query_count;
	const char *bearer;                   /* the caller's access token, or NULL */
	const char *node_id;
	long long access_ttl, refresh_ttl;
	long long ban_failures, ban_window, ban_duration;
};

/* Percent-decode s[0..len) ('+' as a space when plus_space); NULL on a
   malformed escape or when the result is not UTF-8 (names and values
   reach JSON and SQL text). */
char *admin_url_decode_text(const char *s, size_t len, bool plus_space);
/* Split a query string into decoded name/value pairs. Returns 0, or -1
   on a malformed percent escape or text that is not UTF-8. */
int admin_call_query_parse(struct admin_call_private *priv, const char *query);
void admin_call_query_free(struct admin_call_private *priv);
/* {"login", "role", "domains"} of an administrator (admin-api-auth.c). */
json_t *admin_api_admin_json(const char *login, bool superadmin, const char *const *domains,
			     unsigned int domain_count);

#endif
